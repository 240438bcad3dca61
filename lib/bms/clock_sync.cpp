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

util::Result<Calibration> calibrate(Client& client, const CalibrationOptions& o) {
  Calibration c;
  c.address = client.options().bms;
  if (o.at && !is_valid(*o.at))
    return util::fail(util::Errc::usage, fmt::format("{} is not a valid time", to_iso(*o.at)));
  auto connected = client.connect();
  if (!connected) return tl::unexpected(connected.error());
  if (connected->mode == Mode::bootloader)
    return util::fail(util::Errc::refused,
                      fmt::format("BMS 0x{:02X} is in bootloader mode: it has no clock to set",
                                  c.address));
  auto serial = client.serial();
  if (!serial) return tl::unexpected(serial.error());
  c.serial = *serial;
  if (o.expect_serial && *o.expect_serial != c.serial)
    return util::fail(util::Errc::wrong_pack,
                      fmt::format("BMS 0x{:02X} is pack {}, not {}: nothing written", c.address,
                                  c.serial, *o.expect_serial));

  auto before = client.clock();
  if (!before) return tl::unexpected(lost_during(before.error(), c, "while its clock was read"));
  c.bms_before = *before;
  c.local_before = o.local_now();
  c.drift_before_s = to_seconds(c.bms_before) - to_seconds(c.local_before);

  if (o.max_drift_s && std::llabs(c.drift_before_s) <= *o.max_drift_s) {
    c.action = CalibrationAction::within_max_drift;
    c.bms_after = c.bms_before;
    c.local_after = c.local_before;
    c.drift_after_s = c.drift_before_s;
    return c;
  }

  const Calendar local_at_send = o.local_now();
  c.target = o.at.value_or(local_at_send);
  auto set = client.set_clock(c.target);
  if (!set) return tl::unexpected(lost_during(set.error(), c, "during SET CLOCK; the clock may or may not be set"));
  auto after = client.clock();
  if (!after)
    return tl::unexpected(lost_during(after.error(), c, "after SET CLOCK was accepted; the new time is not verified"));
  c.bms_after = *after;
  c.local_after = o.local_now();
  // What the BMS should keep now: the target plus the time that has passed since it was sent.
  const std::int64_t expected = to_seconds(c.target) + to_seconds(c.local_after) - to_seconds(local_at_send);
  c.drift_after_s = to_seconds(c.bms_after) - expected;
  if (std::llabs(c.drift_after_s) > o.tolerance_s)
    return util::fail(util::Errc::verify_failed,
                      fmt::format("BMS 0x{:02X} ({}) accepted {} but reads back {} ({:+} s)", c.address,
                                  c.serial, to_string(c.target), to_string(c.bms_after),
                                  c.drift_after_s));
  return c;
}

}  // namespace bms
