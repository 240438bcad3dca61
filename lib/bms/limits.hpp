#pragma once
// The limits file of `rocketctl check` (a test rig's pass/fail criteria, TOML) and the
// evaluation of what a pack reports against it: one result per limit.
//
// The format is documented, key by key, in docs/limits.example.toml (a unit test parses that
// file, so it stays valid). Every key is optional; a limit that is not given is not checked,
// except the max diff-voltage, which defaults to the manual's 100 mV.
//
// Rules that are decisions rather than facts of the protocol:
// - Several samples: each limit is judged on its worst value over all of them (the lowest
//   minimum and the highest maximum; the largest clock drift either way; any sample with a
//   flag in the wrong state).
// - Shell resistance "NULL" (0xFFFF, not measured): fails `shell.min_kohm` unless the file
//   says `shell.not_measured = "pass"`; a rig that asks for an insulation minimum usually
//   wants it measured. The lower of the two sides (to B+, to B-) is compared.
// - A value the pack did not report (bootloader mode, a part not read) fails its limit with
//   "not read".
// - serial.pattern is a shell glob matched against the whole serial (fnmatch(3): `*`, `?`,
//   `[...]`, case-sensitive), not a regular expression.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bms/calendar.hpp"
#include "bms/catalogue.hpp"
#include "bms/readings.hpp"
#include "bms/snapshot.hpp"
#include "util/result.hpp"

namespace bms {

// An inclusive range; either side may be open.
struct LimitRange {
  std::optional<std::int64_t> min;
  std::optional<std::int64_t> max;
  bool given() const { return min || max; }
};

inline constexpr int k_default_max_diff_mv = 100;  // the manual: above 100 mV, charge 24 h

struct Limits {
  std::string file;                           // where it was read from (messages, JUnit)
  std::optional<int> cell_count;              // [cells] count
  LimitRange cell_mv;                         // [cells] min_mv, max_mv: every cell
  int max_diff_mv = k_default_max_diff_mv;    // [cells] max_diff_mv
  LimitRange pack_mv;                         // [pack] min_mv, max_mv
  LimitRange cell_temperature_dc;             // [temperature] cell_min_c, cell_max_c (every sensor), 0.1 °C
  LimitRange mos_temperature_dc;              // [temperature] mos_min_c, mos_max_c, 0.1 °C
  LimitRange rsoc_pct;                        // [rsoc] min_pct, max_pct
  std::optional<std::int64_t> max_drift_s;    // [clock] max_drift_s: |BMS - computer|
  std::optional<int> min_shell_kohm;          // [shell] min_kohm
  bool shell_not_measured_passes = false;     // [shell] not_measured = "pass" | "fail"
  std::vector<int> flags_clear;               // [flags] clear = ["OV", ...]: bit numbers
  std::vector<int> flags_set;                 // [flags] set = ["D-MOS", "C-MOS"]
  std::optional<FirmwareVersion> firmware_exact;    // [firmware] exact = "1.4.2"
  std::optional<FirmwareVersion> firmware_minimum;  // [firmware] minimum = "1.4.0"
  std::optional<std::string> serial_pattern;  // [serial] pattern = "RKS3611A2*"
};

// Parses a limits file's text. `file` names it in messages. Errc::usage, the message
// starting "FILE:LINE: ", for TOML syntax errors, unknown tables or keys, wrong types
// ("cells.min_mv: an integer (mV) is expected, not a string"), values out of their possible
// range (negative voltages, RSOC above 100, a cell count outside 1-32, unknown flag names,
// a flag both set and clear, firmware exact and minimum together) and ranges whose minimum
// is above their maximum. Flag names are the lights of §5 as `faults` prints them
// ("D-MOS", "2nd-OT"; case-insensitive, '_' for '-').
util::Result<Limits> parse_limits(std::string_view text, const std::string& file,
                                  const Catalogue& catalogue = Catalogue::builtin());

// Reads and parses FILE: Errc::io when it cannot be read, else as parse_limits.
util::Result<Limits> load_limits(const std::string& path,
                                 const Catalogue& catalogue = Catalogue::builtin());

// One reading of the pack and the computer's local time when it was taken (for the drift).
struct Sample {
  Snapshot snapshot;
  Calendar local_time;
};

struct LimitResult {
  std::string name;      // stable id: "cell_voltage", "clock_drift", ...
  std::string measured;  // "3641 mV (#3) to 3644 mV (#4)", "not read"
  std::string limit;     // "3000 to 3650 mV"
  bool pass = false;
};

// Every limit the file gives (and the max diff-voltage), in a fixed order: cell_count,
// cell_voltage, max_diff_voltage, pack_voltage, cell_temperature, mos_temperature, rsoc,
// clock_drift, shell_resistance, flags_clear, flags_set, firmware, serial. Each judged on its
// worst value over `samples` (at least one).
std::vector<LimitResult> evaluate(const Limits& limits, const std::vector<Sample>& samples,
                                  const Catalogue& catalogue = Catalogue::builtin());

// Parses "1.4.2" (three numbers 0-255); nullopt otherwise.
std::optional<FirmwareVersion> parse_firmware_version(std::string_view text);

}  // namespace bms
