// The simulated BMS's UDS server: every service of §6.1 with the NRC precedence of §12 (message
// length and sub-function, then out of range, then security, then conditions, then sequence).
#include "sim/diag_uds.hpp"

#include <algorithm>
#include <cstdlib>

#include "sim/diag_log.hpp"
#include "sim/diagnostics.hpp"
#include "uds/nrc.hpp"
#include "util/bytes.hpp"

namespace sim {
namespace {

using uds::Nrc;
using uds::Sid;
using Bytes = std::vector<std::uint8_t>;
using Outcome = UdsServer::Outcome;
using Then = UdsServer::Then;

constexpr std::uint8_t k_default_session = 0x01;
constexpr std::uint8_t k_programming_session = 0x02;
constexpr std::uint8_t k_hard_reset = 0x01;
constexpr std::uint8_t k_request_seed = 0x01;
constexpr std::uint8_t k_send_key = 0x02;
constexpr std::uint8_t k_start_routine = 0x01;
constexpr std::uint8_t k_address_and_length_format = 0x44;  // 4-byte address, 4-byte size
constexpr std::uint8_t k_length_format = 0x20;              // maxNumberOfBlockLength: 2 bytes
constexpr std::int64_t k_idle_current_ma = 500;             // §8 step 1
constexpr int k_min_rsoc_pct = 20;
constexpr int k_attempts = 3;  // §12: the third wrong key locks

Outcome negative(Sid sid, Nrc nrc) {
  return {Bytes{uds::k_negative, static_cast<std::uint8_t>(sid), static_cast<std::uint8_t>(nrc)}};
}

Outcome positive(Sid sid, Bytes data, bool suppress = false, Then then = Then::nothing) {
  Outcome o;
  o.then = then;
  if (!suppress) {
    data.insert(data.begin(), static_cast<std::uint8_t>(static_cast<std::uint8_t>(sid) + uds::k_positive_offset));
    o.response = std::move(data);
  }
  return o;
}

using util::get_be32;
using util::put_be16;
using util::put_be32;
void put_version(Bytes& out, const bms::FirmwareVersion& v) {
  out.push_back(static_cast<std::uint8_t>(v.major));
  out.push_back(static_cast<std::uint8_t>(v.minor));
  out.push_back(static_cast<std::uint8_t>(v.patch));
}

// 0x01, 0x02 ... 0xFF, 0x00, 0x01 ...
std::uint8_t next(std::uint8_t counter) {
  return static_cast<std::uint8_t>(counter + 1);
}

// The session-control response of §12: P2 50 ms, P2* 5000 ms in 10 ms units.
Bytes session_record(std::uint8_t session) {
  return {session, 0x00, 0x32, 0x01, 0xF4};
}

}  // namespace

UdsServer::UdsServer(const BatteryConfig& battery, const DiagConfig& config, Flash& flash,
                     const std::vector<bms::EventRecord>& log, const DiagFaults& faults)
    : m_battery(battery), m_config(config), m_flash(flash), m_log(log), m_faults(faults) {}

void UdsServer::start(bool into_bootloader, std::uint8_t tool, util::TimePoint now) {
  m_ram = Ram{};
  m_ram.last_request = now;
  auto info = m_flash.application_info();
  if (!into_bootloader && m_flash.application_valid() && info) {
    m_ram.mode = bms::Mode::application;
    m_ram.firmware = {info->version.major, info->version.minor, info->version.patch};
    return;
  }
  m_ram.mode = bms::Mode::bootloader;
  // Entered for an update, the old application is still there until the erase.
  if (m_flash.application_valid() && info)
    m_ram.firmware = {info->version.major, info->version.minor, info->version.patch};
  m_ram.forced_bootloader = !m_flash.application_valid();
  if (into_bootloader) {
    m_ram.programming = true;
    m_ram.owner = tool;
  }
}

bool UdsServer::busy_for(std::uint8_t tool) const {
  const bool owned = m_ram.unlocked || m_ram.programming || transfer_active();
  return owned && m_ram.owner != tool;
}

// Erase, download and verify: the bootloader serves them in a programming session, or
// without one when it runs because the application is invalid (recovery, §12).
bool UdsServer::programming_allowed() const {
  return m_ram.mode == bms::Mode::bootloader && (m_ram.programming || m_ram.forced_bootloader);
}

std::uint32_t UdsServer::next_seed() {
  if (m_forced_seed) return std::exchange(m_forced_seed, std::nullopt).value();
  do {  // xorshift32; never 0 (an all-zero seed means "already unlocked")
    m_seed_state ^= m_seed_state << 13;
    m_seed_state ^= m_seed_state >> 17;
    m_seed_state ^= m_seed_state << 5;
  } while (m_seed_state == 0);
  return m_seed_state;
}

// §12: any session change locks security again and ends a transfer.
void UdsServer::change_session(bool programming, std::uint8_t tool) {
  m_ram.unlocked = false;
  m_ram.seed.reset();
  m_ram.download.reset();
  m_ram.upload.reset();
  m_ram.last_counter.reset();
  m_ram.programming = programming;
  if (programming) m_ram.owner = tool;
}

UdsServer::Outcome UdsServer::handle(std::uint8_t tool, std::span<const std::uint8_t> req,
                                     util::TimePoint now) {
  if (req.empty()) return {};
  // The programming session's idle clock runs on the served tool's requests only.
  if (!busy_for(tool)) m_ram.last_request = now;
  switch (static_cast<Sid>(req[0])) {
    case Sid::session_control: return session_control(tool, req);
    case Sid::ecu_reset: return ecu_reset(tool, req);
    case Sid::read_did: return read_did(tool, req);
    case Sid::security_access: return security_access(tool, req, now);
    case Sid::routine_control: return routine_control(tool, req);
    case Sid::request_download: return request_download(tool, req);
    case Sid::request_upload: return request_upload(tool, req);
    case Sid::transfer_data: return transfer_data(tool, req);
    case Sid::transfer_exit: return transfer_exit(tool, req);
    case Sid::tester_present: return tester_present(tool, req);
  }
  return {Bytes{uds::k_negative, req[0], static_cast<std::uint8_t>(Nrc::service_not_supported)}};
}

UdsServer::Outcome UdsServer::session_control(std::uint8_t tool, std::span<const std::uint8_t> req) {
  constexpr Sid sid = Sid::session_control;
  if (req.size() < 2) return negative(sid, Nrc::wrong_length);
  const std::uint8_t session = req[1] & 0x7F;
  const bool suppress = (req[1] & uds::k_suppress) != 0;
  if (session != k_default_session && session != k_programming_session)
    return negative(sid, Nrc::subfunction_not_supported);
  if (req.size() != 2) return negative(sid, Nrc::wrong_length);
  if (busy_for(tool)) return negative(sid, Nrc::conditions_not_correct);
  const bool application = m_ram.mode == bms::Mode::application;
  if (session == k_programming_session) {
    if (application) {
      // §8 step 1: only an idle pack with charge left may stop its application.
      if (std::llabs(m_battery.current_ma) > k_idle_current_ma || m_battery.rsoc_pct < k_min_rsoc_pct)
        return negative(sid, Nrc::conditions_not_correct);
      change_session(true, tool);
      return positive(sid, session_record(session), suppress, Then::restart_bootloader);
    }
    change_session(true, tool);
    return positive(sid, session_record(session), suppress);
  }
  change_session(false, tool);
  // In the bootloader, the default session is the application's: restart into it if valid.
  return positive(sid, session_record(session), suppress, application ? Then::nothing : Then::restart);
}

UdsServer::Outcome UdsServer::ecu_reset(std::uint8_t tool, std::span<const std::uint8_t> req) {
  constexpr Sid sid = Sid::ecu_reset;
  if (req.size() < 2) return negative(sid, Nrc::wrong_length);
  const bool suppress = (req[1] & uds::k_suppress) != 0;
  if ((req[1] & 0x7F) != k_hard_reset) return negative(sid, Nrc::subfunction_not_supported);
  if (req.size() != 2) return negative(sid, Nrc::wrong_length);
  if (busy_for(tool)) return negative(sid, Nrc::conditions_not_correct);
  return positive(sid, {k_hard_reset}, suppress, Then::restart);
}

UdsServer::Outcome UdsServer::read_did(std::uint8_t tool, std::span<const std::uint8_t> req) {
  constexpr Sid sid = Sid::read_did;
  if (req.size() != 3) return negative(sid, Nrc::wrong_length);  // one DID per request
  const std::uint16_t did = static_cast<std::uint16_t>(req[1] << 8 | req[2]);
  Bytes data{req[1], req[2]};
  switch (did) {
    case uds::k_did_serial:
      data.insert(data.end(), m_battery.serial.begin(), m_battery.serial.end());
      break;
    case uds::k_did_app_version:
      put_version(data, m_ram.firmware);
      break;
    case uds::k_did_boot_version:
      put_version(data, {m_config.bootloader.major, m_config.bootloader.minor, m_config.bootloader.patch});
      break;
    case uds::k_did_hw_revision:
      data.push_back(static_cast<std::uint8_t>(m_battery.hardware_revision));
      break;
    case uds::k_did_event_log:
      put_be16(data, static_cast<std::uint16_t>(m_log.size()));
      put_be16(data, static_cast<std::uint16_t>(m_config.log_capacity));
      data.push_back(static_cast<std::uint8_t>(bms::k_record_size));
      put_be32(data, m_config.log_base);
      break;
    case uds::k_did_app_area:
      put_be32(data, m_config.area.start);
      put_be32(data, m_config.area.size);
      break;
    default:
      return negative(sid, Nrc::out_of_range);
  }
  if (busy_for(tool)) return negative(sid, Nrc::conditions_not_correct);
  return positive(sid, std::move(data));
}

UdsServer::Outcome UdsServer::security_access(std::uint8_t tool, std::span<const std::uint8_t> req,
                                              util::TimePoint now) {
  constexpr Sid sid = Sid::security_access;
  if (req.size() < 2) return negative(sid, Nrc::wrong_length);
  const std::uint8_t level = req[1] & 0x7F;
  const bool suppress = (req[1] & uds::k_suppress) != 0;
  if (level != k_request_seed && level != k_send_key) return negative(sid, Nrc::subfunction_not_supported);
  if (req.size() != (level == k_request_seed ? 2U : 6U)) return negative(sid, Nrc::wrong_length);
  if (busy_for(tool)) return negative(sid, Nrc::conditions_not_correct);
  if (m_lockout_until && now < *m_lockout_until) return negative(sid, Nrc::time_delay_not_expired);
  m_lockout_until.reset();

  if (level == k_request_seed) {
    Bytes data{k_request_seed};
    if (m_ram.unlocked) {
      put_be32(data, 0);
      return positive(sid, std::move(data), suppress);
    }
    const std::uint32_t seed = next_seed();
    m_ram.seed = seed;
    m_ram.seed_tool = tool;
    put_be32(data, seed);
    return positive(sid, std::move(data), suppress);
  }
  if (!m_ram.seed || m_ram.seed_tool != tool) return negative(sid, Nrc::sequence_error);
  const std::uint32_t expected = uds::security_key(*m_ram.seed);
  m_ram.seed.reset();  // used up by one key, right or wrong
  if (get_be32(req, 2) != expected) {
    if (++m_ram.wrong_keys < k_attempts) return negative(sid, Nrc::invalid_key);
    m_ram.wrong_keys = 0;
    m_lockout_until = now + m_config.lockout;
    return negative(sid, Nrc::exceeded_attempts);
  }
  m_ram.wrong_keys = 0;
  m_ram.unlocked = true;
  m_ram.owner = tool;
  return positive(sid, {k_send_key}, suppress);
}

UdsServer::Outcome UdsServer::routine_control(std::uint8_t tool, std::span<const std::uint8_t> req) {
  constexpr Sid sid = Sid::routine_control;
  if (req.size() < 4) return negative(sid, Nrc::wrong_length);
  const bool suppress = (req[1] & uds::k_suppress) != 0;
  if ((req[1] & 0x7F) != k_start_routine) return negative(sid, Nrc::subfunction_not_supported);
  const std::uint16_t rid = static_cast<std::uint16_t>(req[2] << 8 | req[3]);
  if (rid != uds::k_routine_erase && rid != uds::k_routine_verify) return negative(sid, Nrc::out_of_range);
  const bool erase = rid == uds::k_routine_erase;
  if (req.size() != (erase ? 12U : 8U)) return negative(sid, Nrc::wrong_length);
  if (erase && (get_be32(req, 4) != m_config.area.start || get_be32(req, 8) != m_config.area.size))
    return negative(sid, Nrc::out_of_range);  // the erase names the whole area (§12)
  if (!m_ram.unlocked) return negative(sid, Nrc::security_denied);
  if (busy_for(tool) || !programming_allowed()) return negative(sid, Nrc::conditions_not_correct);

  if (erase) {
    if (transfer_active()) return negative(sid, Nrc::conditions_not_correct);
    // From here on the application is invalid until a verify succeeds (§8 step 5).
    m_flash.begin_erase();
    m_ram.firmware = {};
    m_ram.downloaded.reset();
    Outcome o;
    o.then = Then::erase;
    return o;
  }
  if (!m_ram.downloaded) return negative(sid, Nrc::sequence_error);
  switch (m_flash.verify(*m_ram.downloaded, get_be32(req, 4), m_battery.hardware_revision)) {
    case Flash::Verdict::valid:
      return positive(sid, {k_start_routine, req[2], req[3], 0x00}, suppress, Then::verified);
    case Flash::Verdict::crc_mismatch:
      return positive(sid, {k_start_routine, req[2], req[3], 0x01}, suppress, Then::verified);
    case Flash::Verdict::not_an_image:
      break;
  }
  return negative(sid, Nrc::programming_failure);
}

UdsServer::Outcome UdsServer::finish_erase(util::TimePoint now) {
  m_flash.finish_erase();
  m_ram.last_request = now;
  Outcome o;  // sent even when suppressed: 0x78 went first (§12)
  o.response = Bytes{static_cast<std::uint8_t>(static_cast<std::uint8_t>(Sid::routine_control) + uds::k_positive_offset),
                     k_start_routine, static_cast<std::uint8_t>(uds::k_routine_erase >> 8),
                     static_cast<std::uint8_t>(uds::k_routine_erase & 0xFF)};
  return o;
}

UdsServer::Outcome UdsServer::request_download(std::uint8_t tool, std::span<const std::uint8_t> req) {
  constexpr Sid sid = Sid::request_download;
  if (req.size() < 3) return negative(sid, Nrc::wrong_length);
  if (req[2] != k_address_and_length_format) return negative(sid, Nrc::out_of_range);
  if (req.size() != 11) return negative(sid, Nrc::wrong_length);
  const std::uint32_t address = get_be32(req, 3);
  const std::uint32_t size = get_be32(req, 7);
  if (req[1] != 0x00 || address != m_config.area.start || size == 0 || size > m_config.area.size)
    return negative(sid, Nrc::out_of_range);
  if (!m_ram.unlocked) return negative(sid, Nrc::security_denied);
  if (busy_for(tool) || !programming_allowed() || transfer_active())
    return negative(sid, Nrc::conditions_not_correct);
  if (!m_flash.erased()) return negative(sid, Nrc::transfer_not_accepted);
  m_ram.download = Download{size, 0};
  m_ram.downloaded.reset();
  return start_transfer(sid, tool);
}

// The common end of RequestDownload and RequestUpload: counters from 1, the tool owns the
// channel, and the answer grants maxNumberOfBlockLength.
UdsServer::Outcome UdsServer::start_transfer(uds::Sid sid, std::uint8_t tool) {
  m_ram.next_counter = 1;
  m_ram.last_counter.reset();
  m_ram.owner = tool;
  Bytes data{k_length_format};
  put_be16(data, static_cast<std::uint16_t>(m_config.max_block));
  return positive(sid, std::move(data));
}

UdsServer::Outcome UdsServer::request_upload(std::uint8_t tool, std::span<const std::uint8_t> req) {
  constexpr Sid sid = Sid::request_upload;
  if (req.size() < 3) return negative(sid, Nrc::wrong_length);
  if (req[2] != k_address_and_length_format) return negative(sid, Nrc::out_of_range);
  if (req.size() != 11) return negative(sid, Nrc::wrong_length);
  const std::uint64_t address = get_be32(req, 3);
  const std::uint64_t size = get_be32(req, 7);
  const std::uint64_t end = std::uint64_t{m_config.log_base} + m_log.size() * bms::k_record_size;
  if (req[1] != 0x00 || size == 0 || address < m_config.log_base || address + size > end)
    return negative(sid, Nrc::out_of_range);
  if (busy_for(tool) || transfer_active()) return negative(sid, Nrc::conditions_not_correct);
  const Bytes all = log_bytes(m_log);
  const auto begin = static_cast<long>(address - m_config.log_base);
  Upload up;
  up.data.assign(all.begin() + begin, all.begin() + begin + static_cast<long>(size));
  m_ram.upload = std::move(up);
  return start_transfer(sid, tool);
}

UdsServer::Outcome UdsServer::transfer_data(std::uint8_t tool, std::span<const std::uint8_t> req) {
  constexpr Sid sid = Sid::transfer_data;
  if (req.size() < 2) return negative(sid, Nrc::wrong_length);
  if (m_ram.download && (req.size() < 3 || req.size() > m_config.max_block))
    return negative(sid, Nrc::wrong_length);
  if (m_ram.upload && req.size() != 2) return negative(sid, Nrc::wrong_length);
  if (busy_for(tool)) return negative(sid, Nrc::conditions_not_correct);
  const std::uint8_t counter = req[1];

  if (m_ram.upload) {
    Upload& up = *m_ram.upload;
    if (m_ram.last_counter && counter == *m_ram.last_counter) {  // the same block again
      Bytes data{counter};
      data.insert(data.end(), up.data.begin() + static_cast<long>(up.last_begin),
                  up.data.begin() + static_cast<long>(up.last_end));
      return positive(sid, std::move(data));
    }
    if (up.sent == up.data.size()) return negative(sid, Nrc::sequence_error);
    if (counter != m_ram.next_counter) return negative(sid, Nrc::wrong_block_counter);
    const std::size_t chunk = std::min(m_config.max_block - 2, up.data.size() - up.sent);
    up.last_begin = up.sent;
    up.last_end = up.sent + chunk;
    up.sent += chunk;
    m_ram.last_counter = counter;
    m_ram.next_counter = next(counter);
    Bytes data{counter};
    data.insert(data.end(), up.data.begin() + static_cast<long>(up.last_begin),
                up.data.begin() + static_cast<long>(up.last_end));
    return positive(sid, std::move(data));
  }
  if (!m_ram.download) return negative(sid, Nrc::sequence_error);

  Download& down = *m_ram.download;
  if (m_ram.last_counter && counter == *m_ram.last_counter)  // acknowledged again, not written
    return positive(sid, {counter}, false, Then::repeated);
  if (down.received == down.size) return negative(sid, Nrc::sequence_error);
  if (counter != m_ram.next_counter) return negative(sid, Nrc::wrong_block_counter);
  const auto data = req.subspan(2);
  if (down.received + data.size() > down.size) return negative(sid, Nrc::out_of_range);
  ++m_blocks_received;
  if (m_faults.reset_at_block != 0 && m_blocks_received == m_faults.reset_at_block) {
    Outcome cut;
    cut.then = Then::power_cut;
    return cut;
  }
  const std::size_t offset = down.received;
  ++m_blocks_written;
  if (m_faults.corrupt_block != 0 && m_blocks_written == m_faults.corrupt_block) {
    Bytes flipped(data.begin(), data.end());
    flipped[flipped.size() / 2] ^= 0x01;
    m_flash.program(offset, flipped);
  } else {
    m_flash.program(offset, data);
  }
  down.received += data.size();
  m_ram.last_counter = counter;
  m_ram.next_counter = next(counter);
  Outcome o = positive(sid, {counter}, false, Then::programmed);
  o.offset = offset;
  return o;
}

UdsServer::Outcome UdsServer::transfer_exit(std::uint8_t tool, std::span<const std::uint8_t> req) {
  constexpr Sid sid = Sid::transfer_exit;
  if (req.size() != 1) return negative(sid, Nrc::wrong_length);
  if (busy_for(tool)) return negative(sid, Nrc::conditions_not_correct);
  if (m_ram.upload) {
    if (m_ram.upload->sent < m_ram.upload->data.size()) return negative(sid, Nrc::sequence_error);
    m_ram.upload.reset();
  } else if (m_ram.download) {
    if (m_ram.download->received < m_ram.download->size) return negative(sid, Nrc::sequence_error);
    m_ram.downloaded = m_ram.download->size;
    m_ram.download.reset();
  } else {
    return negative(sid, Nrc::sequence_error);
  }
  m_ram.last_counter.reset();
  return positive(sid, {});
}

UdsServer::Outcome UdsServer::tester_present(std::uint8_t tool, std::span<const std::uint8_t> req) {
  constexpr Sid sid = Sid::tester_present;
  if (req.size() < 2) return negative(sid, Nrc::wrong_length);
  const bool suppress = (req[1] & uds::k_suppress) != 0;
  if ((req[1] & 0x7F) != 0x00) return negative(sid, Nrc::subfunction_not_supported);
  if (req.size() != 2) return negative(sid, Nrc::wrong_length);
  if (busy_for(tool)) return negative(sid, Nrc::conditions_not_correct);
  return positive(sid, {0x00}, suppress);
}

}  // namespace sim
