#include "bms/clock_sync.hpp"

#include <cstdlib>

#include <fmt/format.h>

namespace bms {
namespace {

// A failure after the pack has answered: silence now means it went away part-way.
util::Error lost_during(const util::Error& e, const Calibration& c, std::string_view step) {
  if (e.code != util::Errc::no_answer && e.code != util::Errc::bus_error) return e;
  return util::Error{util::Errc::lost,
                     fmt::format("BMS 0x{:02X} ({}) stopped answering {}: check the connection and "
                                 "run settime again",
                                 c.address, c.serial, step)};
}

}  // namespace

util::Task<util::Result<Calibration>> calibrate(Peer& peer, CalibrationOptions o) {
  Calibration c;
  c.address = peer.address();
  if (o.at && !is_valid(*o.at))
    co_return util::fail(util::Errc::usage, fmt::format("{} is not a valid time", to_iso(*o.at)));
  auto connected = co_await peer.connect();
  if (!connected) co_return tl::unexpected(connected.error());
  if (connected->mode == Mode::bootloader)
    co_return util::fail(util::Errc::refused,
                      fmt::format("BMS 0x{:02X} is in bootloader mode: it has no clock to set",
                                  c.address));
  auto serial = co_await peer.serial();
  if (!serial) co_return tl::unexpected(serial.error());
  c.serial = *serial;
  if (o.expect_serial && *o.expect_serial != c.serial)
    co_return util::fail(util::Errc::wrong_pack,
                      fmt::format("BMS 0x{:02X} is pack {}, not {}: nothing written", c.address,
                                  c.serial, *o.expect_serial));

  auto before = co_await peer.clock();
  if (!before) co_return tl::unexpected(lost_during(before.error(), c, "while its clock was read"));
  c.bms_before = *before;
  c.local_before = o.local_now();
  c.drift_before_s = to_seconds(c.bms_before) - to_seconds(c.local_before);

  if (o.max_drift_s && std::llabs(c.drift_before_s) <= *o.max_drift_s) {
    c.action = CalibrationAction::within_max_drift;
    c.bms_after = c.bms_before;
    c.local_after = c.local_before;
    c.drift_after_s = c.drift_before_s;
    co_return c;
  }

  const Calendar local_at_send = o.local_now();
  c.target = o.at.value_or(local_at_send);
  auto set = co_await peer.set_clock(c.target);
  if (!set) co_return tl::unexpected(lost_during(set.error(), c, "during SET CLOCK; the clock may or may not be set"));
  auto after = co_await peer.clock();
  if (!after)
    co_return tl::unexpected(lost_during(after.error(), c, "after SET CLOCK was accepted; the new time is not verified"));
  c.bms_after = *after;
  c.local_after = o.local_now();
  // What the BMS should keep now: the target plus the time that has passed since it was sent.
  const std::int64_t expected = to_seconds(c.target) + to_seconds(c.local_after) - to_seconds(local_at_send);
  c.drift_after_s = to_seconds(c.bms_after) - expected;
  if (std::llabs(c.drift_after_s) > o.tolerance_s)
    co_return util::fail(util::Errc::verify_failed,
                      fmt::format("BMS 0x{:02X} ({}) accepted {} but reads back {} ({:+} s)", c.address,
                                  c.serial, to_string(c.target), to_string(c.bms_after),
                                  c.drift_after_s));
  co_return c;
}

}  // namespace bms
