#pragma once
// Setting a BMS clock from the computer's (rockets-can-v1 §4 0x18, 0x20; BMS Studio's
// calibration page): read, compare, set, read back and verify.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "bms/calendar.hpp"
#include "bms/client.hpp"

namespace bms {

struct CalibrationOptions {
  std::optional<Calendar> at;                // set this time instead of the local time
  std::optional<std::int64_t> max_drift_s;   // set only when |drift| is larger than this
  std::optional<std::string> expect_serial;  // refuse to write to any other pack
  std::function<Calendar()> local_now = bms::local_now;  // the computer's clock (tests replace it)
  std::int64_t tolerance_s = 2;              // read-back may differ by this much
};

enum class CalibrationAction { set, within_max_drift };

struct Calibration {
  std::uint8_t address = k_default_bms;
  std::string serial;
  Calendar local_before;
  Calendar bms_before;
  std::int64_t drift_before_s = 0;  // BMS minus local: positive = BMS ahead
  CalibrationAction action = CalibrationAction::set;
  Calendar target;                  // the time sent (when set)
  Calendar local_after;
  Calendar bms_after;               // read back
  std::int64_t drift_after_s = 0;   // BMS minus the time it should now keep
};

// CONNECTs, reads the serial and the clock, and sets the clock unless it is within
// max_drift_s; then reads it back. Fails with:
//   Errc::wrong_pack     another serial than expect_serial answered (nothing written)
//   Errc::refused        NAK, e.g. 0x02 for an impossible date
//   Errc::lost           the pack stopped answering after the clock was read: the write may
//                        or may not have happened
//   Errc::verify_failed  the read-back differs by more than tolerance_s
//   Errc::no_answer      nothing answered at all
util::Task<util::Result<Calibration>> calibrate(Peer& peer, CalibrationOptions options);

// The same, blocking, with the client's pack.
inline util::Result<Calibration> calibrate(Client& client, const CalibrationOptions& options) {
  return client.run(calibrate(client.peer(), options));
}

}  // namespace bms
