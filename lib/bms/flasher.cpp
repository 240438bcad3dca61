#include "bms/flasher.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "bms/scan.hpp"
#include "util/bytes.hpp"

namespace bms {
namespace {

constexpr std::uint8_t k_programming_session = 0x02;
constexpr std::int64_t k_idle_limit_ma = 500;  // §8 step 1
constexpr int k_min_rsoc_pct = 20;
// The tool keeps its blocks at 4095 bytes whatever the BMS allows (§12); SID and counter
// take two of them.
constexpr std::size_t k_max_request = 4095;

std::optional<fw::Version> version_of(const std::vector<std::uint8_t>& d) {
  if (d.size() < 3 || (d[0] == 0xFF && d[1] == 0xFF && d[2] == 0xFF)) return std::nullopt;
  return fw::Version{d[0], d[1], d[2]};
}

bool is_nrc(const util::Error& e, uds::Nrc nrc) {
  return e.code == util::Errc::refused && e.detail == static_cast<int>(nrc);
}

}  // namespace

std::string_view step_name(FlashStep step) {
  switch (step) {
    case FlashStep::enter_bootloader: return "enter_bootloader";
    case FlashStep::unlock: return "unlock";
    case FlashStep::check_area: return "check_area";
    case FlashStep::erase: return "erase";
    case FlashStep::download: return "download";
    case FlashStep::transfer: return "transfer";
    case FlashStep::transfer_exit: return "transfer_exit";
    case FlashStep::verify: return "verify";
    case FlashStep::restart: return "restart";
  }
  return "step";
}

Flasher::Flasher(Client& poll, uds::Client& uds, FlashTiming timing)
    : m_poll(poll), m_uds(uds), m_timing(timing) {}

util::Result<ConnectInfo> Flasher::await_mode(std::optional<Mode> mode, util::Duration within) {
  // A client of its own: one short try per poll, so CONNECT goes out every connect_every.
  ClientOptions o = m_poll.options();
  o.retries = 0;
  o.timeout = m_timing.connect_every;
  Client probe(m_poll.bus(), m_poll.frame_map(), o);
  util::Clock& clock = m_poll.bus().clock();
  const util::TimePoint deadline = clock.now() + within;
  std::optional<ConnectInfo> last;
  std::optional<util::Error> bus_fault;
  for (;;) {
    const util::TimePoint sent_at = clock.now();
    auto info = probe.connect();
    if (info) {
      last = *info;
      bus_fault.reset();
      if (!mode || info->mode == *mode) return m_poll.connect();  // the session belongs to m_poll
    } else if (info.error().code == util::Errc::bus_error) {
      // Found by tests/fault: one error frame while the pack restarted ended the update with
      // exit 6. It is kept as the reason in case the pack never comes back.
      bus_fault = info.error();
    } else if (info.error().code != util::Errc::no_answer) {
      return tl::unexpected(info.error());
    }
    if (clock.now() >= deadline) break;
    // An answer in the wrong mode comes at once: wait out the rest of the interval.
    if (auto idle = probe.idle(std::max(util::Duration{0}, sent_at + m_timing.connect_every - clock.now()));
        !idle)
      return tl::unexpected(idle.error());
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(within).count();
  const char* want = !mode ? "any" : *mode == Mode::bootloader ? "bootloader" : "application";
  if (last)
    return util::fail(util::Errc::lost, fmt::format("the BMS did not come back in {} mode within {} ms "
                                                    "(it answers in {} mode)",
                                                    want, ms,
                                                    last->mode == Mode::bootloader ? "bootloader" : "application"));
  if (bus_fault) return tl::unexpected(*bus_fault);
  return util::fail(util::Errc::lost,
                    fmt::format("the BMS did not answer CONNECT within {} ms of restarting into {} mode", ms, want));
}

util::Result<PackState> Flasher::inspect() {
  PackState pack;
  // The client's retries (3 tries of 250 ms) also cover a pack that is just restarting.
  auto info = m_poll.connect();
  if (!info) return tl::unexpected(info.error());
  pack.connect = *info;
  // Nothing may be written to an address two packs answer from: IDENTITY (the bootloader
  // serves it too), then one listen window for a second pack's answer.
  auto identity = m_poll.serial();
  if (!identity) return tl::unexpected(identity.error());
  if (auto idle = m_poll.idle(k_listen_window); !idle) return tl::unexpected(idle.error());
  if (m_poll.peer().shared()) return tl::unexpected(m_poll.dispatcher().shared_error(m_poll.peer()));

  auto serial = m_uds.read_did(uds::k_did_serial);
  if (!serial) return util::with_context(serial.error(), "reading the serial number (DID F18C)");
  pack.serial.assign(serial->begin(), serial->end());

  auto area = m_uds.read_did(uds::k_did_app_area);
  if (!area) return util::with_context(area.error(), "reading the application area (DID F1A1)");
  if (area->size() != 8)
    return util::fail(util::Errc::malformed,
                      fmt::format("DID F1A1 has {} bytes, not 8 (start u32, size u32)", area->size()));
  pack.area = {util::get_be32(*area, 0), util::get_be32(*area, 4)};

  auto hw = m_uds.read_did(uds::k_did_hw_revision);
  if (!hw) return util::with_context(hw.error(), "reading the hardware revision (DID F193)");
  if (hw->size() != 1)
    return util::fail(util::Errc::malformed, fmt::format("DID F193 has {} bytes, not 1", hw->size()));
  pack.hardware_revision = (*hw)[0];

  auto app = m_uds.read_did(uds::k_did_app_version);
  if (!app) return util::with_context(app.error(), "reading the firmware version (DID F189)");
  pack.application = version_of(*app);

  auto boot = m_uds.read_did(uds::k_did_boot_version);
  if (!boot) return util::with_context(boot.error(), "reading the bootloader version (DID F180)");
  if (auto v = version_of(*boot)) pack.bootloader = *v;
  return pack;
}

util::Result<void> Flasher::check_image(const PackState& pack, const fw::Image& image,
                                        const FlashPolicy& policy) const {
  if (auto why = fw::check(image, pack.area, pack.hardware_revision))
    return util::fail(util::Errc::rejected, *why);
  const fw::Version target = fw::info_block(image.bytes)->version;
  if (pack.recovery() || !pack.application) return {};
  const fw::Version running = *pack.application;
  if (target < running && !policy.allow_downgrade)
    return util::fail(util::Errc::rejected,
                      fmt::format("{} is version {}, older than the {} the pack runs: add "
                                  "--allow-downgrade to install it anyway",
                                  image.source, fw::to_string(target), fw::to_string(running)));
  if (target == running && !policy.force)
    return util::fail(util::Errc::rejected,
                      fmt::format("the pack already runs version {}: add --force to install it again",
                                  fw::to_string(running)));
  return {};
}

util::Result<void> Flasher::check_ready(const PackState& pack) {
  if (pack.recovery()) return {};  // the bootloader serves no PACK or CAPACITY (§12)
  auto reading = m_poll.pack();
  if (!reading) return util::with_context(reading.error(), "reading PACK");
  auto capacity = m_poll.capacity();
  if (!capacity) return util::with_context(capacity.error(), "reading CAPACITY");
  if (reading->current_ma > k_idle_limit_ma || reading->current_ma < -k_idle_limit_ma)
    return util::fail(util::Errc::refused,
                      fmt::format("the pack is in use (current {:.2f} A): stop charging and discharging "
                                  "(below 0.5 A) before updating its firmware",
                                  static_cast<double>(reading->current_ma) / 1000.0));
  if (capacity->rsoc_pct < k_min_rsoc_pct)
    return util::fail(util::Errc::refused,
                      fmt::format("the pack is at {} %: charge it to at least {} % before updating its "
                                  "firmware",
                                  capacity->rsoc_pct, k_min_rsoc_pct));
  return {};
}

util::Result<FlashResult> Flasher::run(const PackState& pack, const fw::Image& image,
                                       const std::function<void(const FlashProgress&)>& progress) {
  auto report = [&](FlashStep step, bool finished, std::size_t done = 0, std::size_t total = 0) {
    if (progress) progress({step, finished, done, total});
  };
  const std::size_t size = image.bytes.size();
  FlashResult result;
  result.crc = fw::crc32(image.bytes);
  result.bytes = size;

  // 2. Into the bootloader. Its positive response may be lost as the BMS restarts: whether
  // it went is told by CONNECT, not by the response.
  report(FlashStep::enter_bootloader, false);
  if (!pack.recovery()) {
    if (auto r = m_uds.session_control(k_programming_session); !r && r.error().code != util::Errc::no_answer)
      return util::with_context(r.error(), "entering the bootloader");
    if (auto c = await_mode(Mode::bootloader, m_timing.bootloader_within); !c)
      return util::with_context(c.error(), "entering the bootloader");
  } else {
    // Already there (§8 "Recovery"): a programming session without a restart (§12).
    if (auto r = m_uds.session_control(k_programming_session); !r)
      return util::with_context(r.error(), "opening a programming session");
  }
  report(FlashStep::enter_bootloader, true);

  // 3. Security access. A lockout (NRC 0x36 / 0x37) ends the run: retrying would extend it.
  report(FlashStep::unlock, false);
  if (auto r = m_uds.unlock(); !r) return util::with_context(r.error(), "unlocking the bootloader");
  report(FlashStep::unlock, true);

  // 4. The bootloader's own view of area and hardware must be what the image was checked against.
  report(FlashStep::check_area, false);
  {
    auto area = m_uds.read_did(uds::k_did_app_area);
    if (!area) return util::with_context(area.error(), "reading the application area (DID F1A1)");
    auto hw = m_uds.read_did(uds::k_did_hw_revision);
    if (!hw) return util::with_context(hw.error(), "reading the hardware revision (DID F193)");
    if (area->size() != 8 || hw->size() != 1)
      return util::fail(util::Errc::malformed, "the bootloader's DID F1A1 or F193 has the wrong length");
    const fw::Area boot_area{util::get_be32(*area, 0), util::get_be32(*area, 4)};
    if (auto why = fw::check(image, boot_area, (*hw)[0]))
      return util::fail(util::Errc::rejected, "the bootloader reports another pack: " + *why);
  }
  report(FlashStep::check_area, true);

  // 5. Erase. From its first byte on, the application is invalid until step 9 succeeds.
  report(FlashStep::erase, false);
  m_erased = true;
  {
    std::vector<std::uint8_t> range;
    util::put_be32(range, pack.area.start);
    util::put_be32(range, pack.area.size);
    auto r = m_uds.start_routine(uds::k_routine_erase, range);
    if (!r && (r.error().code == util::Errc::refused || r.error().code == util::Errc::lost)) {
      // Found by tests/fault: a pack that restarted after the unlock (a reset, a brown-out) is
      // back in its application, which refuses the erase (0x22/0x33): nothing was erased, yet
      // the tool said "safe in bootloader mode" and exit 5. Ask the pack where it is.
      m_erased = false;
      auto where = m_poll.connect();
      if (where && where->mode == Mode::application)
        return util::fail(util::Errc::lost,
                          fmt::format("erasing the application area: the pack restarted into its application "
                                      "before the erase ({}); nothing was erased: run the command again",
                                      r.error().message));
    }
    if (!r) return util::with_context(r.error(), "erasing the application area");
  }
  report(FlashStep::erase, true);

  // 6. Download request: the whole TransferData request must fit maxNumberOfBlockLength.
  report(FlashStep::download, false);
  auto grant = m_uds.request_download(pack.area.start, static_cast<std::uint32_t>(size));
  if (!grant) return util::with_context(grant.error(), "requesting the download");
  const std::size_t request_max = std::min(grant->max_block, k_max_request);
  if (request_max <= 2)
    return util::fail(util::Errc::malformed,
                      fmt::format("the BMS allows blocks of {} bytes: too small for TransferData", grant->max_block));
  const std::size_t chunk = request_max - 2;
  report(FlashStep::download, true);

  // 7. The image, block by block; the UDS client repeats a block whose response was lost with
  // the same counter, which the BMS acknowledges without writing twice (§6.1).
  report(FlashStep::transfer, false, 0, size);
  std::uint8_t counter = 1;
  for (std::size_t at = 0; at < size; at += chunk) {
    const std::size_t n = std::min(chunk, size - at);
    auto r = m_uds.transfer_data(counter, std::span(image.bytes).subspan(at, n));
    if (!r) {
      util::Error e = r.error();
      // A bootloader that restarted under us (a power cut) has forgotten the download and
      // answers 0x24: say so, rather than "request sequence error".
      if (is_nrc(e, uds::Nrc::sequence_error) || e.code == util::Errc::no_answer)
        e = {util::Errc::lost, "the pack restarted during the transfer (did it lose power?); " + e.message, e.detail};
      return util::with_context(e, fmt::format("sending block {} (bytes {}-{})", result.blocks + 1, at, at + n - 1));
    }
    ++result.blocks;
    counter = static_cast<std::uint8_t>(counter + 1);  // 0xFF wraps to 0x00 (§6.1)
    report(FlashStep::transfer, false, at + n, size);
  }
  report(FlashStep::transfer, true, size, size);

  // 8.
  report(FlashStep::transfer_exit, false);
  if (auto r = m_uds.transfer_exit(); !r) return util::with_context(r.error(), "ending the transfer");
  report(FlashStep::transfer_exit, true);

  // 9. The BMS computes the CRC of what it received: the only proof the image arrived whole.
  report(FlashStep::verify, false);
  {
    std::vector<std::uint8_t> crc;
    util::put_be32(crc, result.crc);
    auto r = m_uds.start_routine(uds::k_routine_verify, crc);
    if (!r) {
      if (is_nrc(r.error(), uds::Nrc::programming_failure))
        return util::fail(util::Errc::verify_failed,
                          "the BMS refused the image it received (general programming failure): it is "
                          "not for this pack");
      return util::with_context(r.error(), "verifying the image");
    }
    if (r->empty() || (*r)[0] != 0x00)
      return util::fail(util::Errc::verify_failed,
                        fmt::format("the BMS computed another CRC-32 than the image's {:08X}: the image did "
                                    "not arrive intact",
                                    result.crc));
  }
  report(FlashStep::verify, true);

  // 10. Restart into the new application and see it run the image's version.
  report(FlashStep::restart, false);
  if (auto r = m_uds.ecu_reset(0x01); !r && r.error().code != util::Errc::no_answer)
    return util::with_context(r.error(), "restarting the BMS");
  auto info = await_mode(Mode::application, m_timing.application_within);
  if (!info) return util::with_context(info.error(), "restarting into the new firmware");
  const fw::Version expected = fw::info_block(image.bytes)->version;
  result.version = {info->firmware.major, info->firmware.minor, info->firmware.patch};
  if (result.version != expected)
    return util::fail(util::Errc::verify_failed,
                      fmt::format("the pack restarted with version {}, not the image's {}",
                                  fw::to_string(result.version), fw::to_string(expected)));
  m_erased = false;
  report(FlashStep::restart, true);
  return result;
}

}  // namespace bms
