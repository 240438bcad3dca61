// The UDS client (rockets-can-v1 §6, §12 "UDS"): one request at a time over an isotp::Link, its
// response recognised by SID and echo, response pending (0x78) honoured, a request repeated
// only when nothing at all came back within P2.
#include "uds/client.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "util/bytes.hpp"
#include "util/hex.hpp"

namespace uds {
namespace {

constexpr util::Duration k_cancel_slice = std::chrono::milliseconds(100);
// The link times flow control (N_Bs) itself; this only bounds a send that never ends: ten FC
// WAITs of N_Bs each and the time to put 4095 bytes on the bus.
constexpr util::Duration k_send_limit = std::chrono::seconds(15);

// Services whose second byte is a sub-function (with the suppress bit, §12).
bool has_subfunction(std::uint8_t sid) {
  switch (static_cast<Sid>(sid)) {
    case Sid::session_control:
    case Sid::ecu_reset:
    case Sid::security_access:
    case Sid::routine_control:
    case Sid::tester_present:
      return true;
    default:
      return false;
  }
}

// How many bytes after the SID a positive response repeats from the request.
std::size_t echo_length(std::uint8_t sid) {
  switch (static_cast<Sid>(sid)) {
    case Sid::session_control:
    case Sid::ecu_reset:
    case Sid::security_access:
    case Sid::transfer_data:
    case Sid::tester_present:
      return 1;  // sub-function or block counter
    case Sid::read_did:
      return 2;  // the DID
    case Sid::routine_control:
      return 3;  // sub-function and routine id
    default:
      return 0;
  }
}

long long to_ms(util::Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}


util::Error refused(std::uint8_t sid, std::uint8_t nrc) {
  std::string message = fmt::format("{} refused: {}", service_name(sid), nrc_name(nrc));
  // Three wrong keys lock security access for 10 s (§6.3); asking again only prolongs the
  // wait, so the tool stops and says so.
  if (nrc == static_cast<std::uint8_t>(Nrc::exceeded_attempts) ||
      nrc == static_cast<std::uint8_t>(Nrc::time_delay_not_expired))
    message += ": security access is locked after three wrong keys; wait 10 s, then try again";
  return util::Error{util::Errc::refused, std::move(message), nrc};
}

}  // namespace

Client::Client(isotp::Link& link, Options options) : m_link(link), m_options(std::move(options)) {}

util::Error Client::no_answer(std::uint8_t sid, int tries) const {
  // A bus fault seen meanwhile is the likelier cause, in words a technician can act on (§9).
  if (auto fault = m_link.bus_fault())
    return util::Error{util::Errc::bus_error,
                       fmt::format("no answer from BMS to {} on the diagnostic channel: {}",
                                   service_name(sid), *fault)};
  return util::Error{
      util::Errc::no_answer,
      fmt::format("no answer from BMS to {} on the diagnostic channel within {} ms after {} {}: "
                  "check that the pack is awake and connected, the CAN bitrate and the BMS "
                  "address",
                  service_name(sid), to_ms(m_options.p2), tries, tries == 1 ? "try" : "tries")};
}

util::Result<std::optional<std::vector<std::uint8_t>>> Client::next_message(util::TimePoint deadline) {
  util::Clock& clock = m_link.clock();
  for (;;) {
    if (m_options.cancelled && m_options.cancelled())
      return util::fail(util::Errc::cancelled, "interrupted");
    const util::TimePoint wake =
        m_options.cancelled ? std::min(deadline, clock.now() + k_cancel_slice) : deadline;
    auto message = m_link.receive(wake);
    // A bus fault reported during silence: wait on; the retries and no_answer() decide.
    if (!message && message.error().code == util::Errc::bus_error) {
      if (clock.now() >= deadline) return std::optional<std::vector<std::uint8_t>>{};
      continue;
    }
    if (!message || *message || clock.now() >= deadline) return message;
    // only a slice has passed: check for Ctrl-C and wait on
  }
}

Client::Verdict Client::judge(std::span<const std::uint8_t> request,
                              std::span<const std::uint8_t> response) const {
  const std::uint8_t sid = request[0];
  const std::size_t echo = echo_length(sid);
  if (response.size() < 1 + echo) return Verdict::malformed;
  auto echoes = [&](std::span<const std::uint8_t> req) {
    if (req.empty() || req[0] != sid) return false;
    for (std::size_t i = 1; i <= echo && i < req.size(); ++i) {
      // The suppress bit is the request's business; the response's sub-function is without it.
      const std::uint8_t mask = i == 1 && has_subfunction(sid) ? 0x7F : 0xFF;
      if ((req[i] & mask) != (response[i] & mask)) return false;
    }
    return true;
  };
  if (echoes(request)) return Verdict::answer;
  if (!m_repeated.empty() && echoes(m_repeated)) return Verdict::ignore;  // a late repeat
  return Verdict::malformed;
}

util::Result<std::vector<std::uint8_t>> Client::request(std::span<const std::uint8_t> request) {
  m_sends = 0;
  auto result = exchange(request);
  if (m_sends > 1) m_repeated.assign(request.begin(), request.end());
  // Found by tests/fault: when the answer to a request that changes state (sendKey,
  // RequestDownload, RequestTransferExit) is lost, the repeat is refused (0x24, 0x22) because
  // the first one took effect; "refused" (exit 5) hid that. It is a request lost part-way.
  // TransferData is made to be repeated (§6.1): a refused repeat means the pack forgot the
  // transfer (a restart), which its callers say in their own words.
  const bool repeatable = request[0] == static_cast<std::uint8_t>(Sid::transfer_data) ||
                          request[0] == static_cast<std::uint8_t>(Sid::read_did);
  if (!result && result.error().code == util::Errc::refused && m_sends > 1 && !repeatable &&
      result.error().detail != static_cast<int>(Nrc::exceeded_attempts) &&
      result.error().detail != static_cast<int>(Nrc::time_delay_not_expired))
    return tl::unexpected(util::Error{
        util::Errc::lost,
        fmt::format("the answer to {} was lost and the repeated request was refused ({}): the first one "
                    "probably took effect",
                    service_name(request[0]), result.error().message),
        result.error().detail});
  return result;
}

util::Result<std::vector<std::uint8_t>> Client::exchange(std::span<const std::uint8_t> request) {
  if (request.empty() || request.size() > 4095)
    return util::fail(util::Errc::usage, "a UDS request has 1 to 4095 bytes");
  const std::uint8_t sid = request[0];
  const std::string service = service_name(sid);
  const bool suppress = has_subfunction(sid) && request.size() >= 2 && (request[1] & k_suppress);
  util::Clock& clock = m_link.clock();
  const int tries = std::max(0, m_options.retries) + 1;
  std::optional<util::Error> send_error;
  std::optional<util::Error> broken;  // the last response that broke off on the way

  for (int attempt = 0; attempt < tries; ++attempt) {
    if (m_options.cancelled && m_options.cancelled())
      return util::fail(util::Errc::cancelled, "interrupted");
    if (attempt > 0) ++m_counters.retries;
    ++m_counters.requests;
    ++m_sends;
    auto sent = m_link.send(request, clock.now() + k_send_limit);
    m_last_request = clock.now();
    if (!sent) {
      // No flow control for a multi-frame request is a lost frame too; anything else (the
      // interface, the bus, Ctrl-C) will not get better by sending again.
      if (sent.error().code != util::Errc::no_answer)
        return util::with_context(sent.error(), fmt::format("sending {}", service));
      send_error = sent.error();
      ++m_counters.lost;
      continue;
    }
    send_error.reset();

    // P2 runs from the end of the request (§12); each 0x78 restarts the wait with P2*.
    util::TimePoint deadline = clock.now() + m_options.p2;
    bool pending = false;
    bool broke = false;
    for (;;) {
      auto message = next_message(deadline);
      if (!message) {
        // Found by tests/fault: a response that broke off on the way (a consecutive frame lost:
        // wrong sequence number or none within N_Cr) ended the command with exit 7 or 3. It is
        // a lost response like silence: ask again (§6: a repeated TransferData is safe).
        const util::Errc code = message.error().code;
        if (code != util::Errc::malformed && code != util::Errc::no_answer) return tl::unexpected(message.error());
        broken = message.error();
        broke = true;
        break;
      }
      if (!*message) break;
      const std::vector<std::uint8_t>& r = **message;
      if (r.empty()) {
        ++m_counters.ignored;
        continue;
      }
      if (r[0] == k_negative) {
        if (r.size() >= 2 && r[1] != sid) {  // for another request (a late answer)
          ++m_counters.ignored;
          continue;
        }
        if (r.size() < 3)
          return util::fail(util::Errc::malformed,
                            fmt::format("{}: negative response too short: {}", service,
                                        util::to_hex(r, ' ')));
        if (r[2] == static_cast<std::uint8_t>(Nrc::response_pending)) {
          ++m_counters.pending;
          pending = true;
          deadline = clock.now() + m_options.p2_star;
          continue;
        }
        ++m_counters.negative;
        return tl::unexpected(refused(sid, r[2]));
      }
      if (r[0] != static_cast<std::uint8_t>(sid + k_positive_offset)) {
        ++m_counters.ignored;
        continue;
      }
      switch (judge(request, r)) {
        case Verdict::answer:
          return r;
        case Verdict::ignore:
          ++m_counters.ignored;
          continue;
        case Verdict::malformed:
          return util::fail(util::Errc::malformed,
                            fmt::format("{} response does not fit the request {}: {}", service,
                                        util::to_hex(request.first(std::min<std::size_t>(request.size(), 4)), ' '),
                                        util::to_hex(r, ' ')));
      }
    }
    if (broke && !pending) {
      ++m_counters.lost;
      continue;
    }
    if (broke) return tl::unexpected(*broken);
    broken.reset();
    if (pending && m_link.bus_fault())  // found by tests/fault: a bus-off meanwhile is the reason
      return util::fail(util::Errc::bus_error,
                        fmt::format("{}: the BMS answered 'response pending', then the bus failed: {}", service,
                                    *m_link.bus_fault()));
    if (pending)  // the BMS is working on it: sending again could start the work twice
      return util::fail(util::Errc::no_answer,
                        fmt::format("{}: the BMS answered 'response pending' but sent no final "
                                    "response within {} ms: check that the pack is still powered "
                                    "and connected, then run the command again",
                                    service, to_ms(m_options.p2_star)));
    if (suppress) return std::vector<std::uint8_t>{};  // no news is good news
    ++m_counters.lost;
  }
  if (send_error)
    return util::with_context(*send_error, fmt::format("sending {} ({} {})", service, tries,
                                                       tries == 1 ? "try" : "tries"));
  if (broken) return util::with_context(*broken, fmt::format("{} ({} {})", service, tries, tries == 1 ? "try" : "tries"));
  return tl::unexpected(no_answer(sid, tries));
}

util::Result<void> Client::session_control(std::uint8_t session) {
  const std::uint8_t req[] = {static_cast<std::uint8_t>(Sid::session_control), session};
  auto r = request(req);
  if (!r) return tl::unexpected(r.error());
  return {};
}

util::Result<void> Client::ecu_reset(std::uint8_t type) {
  const std::uint8_t req[] = {static_cast<std::uint8_t>(Sid::ecu_reset), type};
  auto r = request(req);
  if (!r) return tl::unexpected(r.error());
  return {};
}

util::Result<std::vector<std::uint8_t>> Client::read_did(std::uint16_t did) {
  const std::uint8_t req[] = {static_cast<std::uint8_t>(Sid::read_did),
                              static_cast<std::uint8_t>(did >> 8), static_cast<std::uint8_t>(did)};
  auto r = request(req);
  if (!r) return tl::unexpected(r.error());
  return std::vector<std::uint8_t>(r->begin() + 3, r->end());
}

util::Result<void> Client::unlock() {
  const auto sa = static_cast<std::uint8_t>(Sid::security_access);
  const std::uint8_t seed_req[] = {sa, 0x01};
  auto seed_rsp = request(seed_req);
  if (!seed_rsp) return tl::unexpected(seed_rsp.error());
  if (seed_rsp->size() != 6)
    return util::fail(util::Errc::malformed,
                      fmt::format("SecurityAccess: the seed is not 4 bytes: {}",
                                  util::to_hex(*seed_rsp, ' ')));
  const std::uint32_t seed = util::get_be32(*seed_rsp, 2);
  if (seed == 0) return {};  // §6.3: already unlocked
  std::vector<std::uint8_t> key_req{sa, 0x02};
  util::put_be32(key_req, security_key(seed));
  auto key_rsp = request(key_req);
  if (!key_rsp && key_rsp.error().code == util::Errc::lost) {
    // The positive answer to the key was lost: ask for a seed again, all-zero once unlocked.
    auto again = request(seed_req);
    if (again && again->size() == 6 && util::get_be32(*again, 2) == 0) return {};
  }
  if (!key_rsp) return tl::unexpected(key_rsp.error());
  return {};
}

util::Result<std::vector<std::uint8_t>> Client::start_routine(std::uint16_t rid,
                                                              std::span<const std::uint8_t> data) {
  std::vector<std::uint8_t> req{static_cast<std::uint8_t>(Sid::routine_control), 0x01,
                                static_cast<std::uint8_t>(rid >> 8), static_cast<std::uint8_t>(rid)};
  req.insert(req.end(), data.begin(), data.end());
  auto r = request(req);
  if (!r) return tl::unexpected(r.error());
  return std::vector<std::uint8_t>(r->begin() + 4, r->end());
}

util::Result<DownloadGrant> Client::request_transfer(Sid sid, std::uint32_t address,
                                                     std::uint32_t size) {
  // dataFormatIdentifier 0x00 (no compression or encryption), addressAndLengthFormat 0x44.
  std::vector<std::uint8_t> req{static_cast<std::uint8_t>(sid), 0x00, 0x44};
  util::put_be32(req, address);
  util::put_be32(req, size);
  auto r = request(req);
  if (!r) return tl::unexpected(r.error());
  // 74/75, lengthFormatIdentifier (high nibble: bytes of maxNumberOfBlockLength), the length.
  const std::string service = service_name(static_cast<std::uint8_t>(sid));
  const std::size_t n = r->size() >= 2 ? (*r)[1] >> 4 : 0;
  if (n < 1 || n > 4 || r->size() < 2 + n)
    return util::fail(util::Errc::malformed, fmt::format("{} response without a valid block length: {}",
                                                         service, util::to_hex(*r, ' ')));
  std::size_t max_block = 0;
  for (std::size_t i = 0; i < n; ++i) max_block = max_block << 8 | (*r)[2 + i];
  if (max_block < 3)  // SID, counter and at least one byte of data
    return util::fail(util::Errc::malformed,
                      fmt::format("{} grants blocks of {} bytes, too few to carry data", service, max_block));
  return DownloadGrant{max_block};
}

util::Result<DownloadGrant> Client::request_download(std::uint32_t address, std::uint32_t size) {
  return request_transfer(Sid::request_download, address, size);
}

util::Result<DownloadGrant> Client::request_upload(std::uint32_t address, std::uint32_t size) {
  return request_transfer(Sid::request_upload, address, size);
}

util::Result<std::vector<std::uint8_t>> Client::transfer_data(std::uint8_t counter,
                                                              std::span<const std::uint8_t> data) {
  // A lost response is retried by request() with the same bytes, counter included: the BMS
  // acknowledges a repeated counter again without writing twice (§6.1).
  std::vector<std::uint8_t> req{static_cast<std::uint8_t>(Sid::transfer_data), counter};
  req.insert(req.end(), data.begin(), data.end());
  auto r = request(req);
  if (!r) return tl::unexpected(r.error());
  return std::vector<std::uint8_t>(r->begin() + 2, r->end());
}

util::Result<void> Client::transfer_exit() {
  const std::uint8_t req[] = {static_cast<std::uint8_t>(Sid::transfer_exit)};
  auto r = request(req);
  if (!r) return tl::unexpected(r.error());
  return {};
}

util::Result<void> Client::tester_present() {
  const std::uint8_t req[] = {static_cast<std::uint8_t>(Sid::tester_present), k_suppress};
  auto r = request(req);
  if (!r) return tl::unexpected(r.error());
  return {};
}

util::Result<void> Client::keep_alive() {
  if (m_link.clock().now() - m_last_request < m_options.tester_present_every) return {};
  return tester_present();
}

}  // namespace uds
