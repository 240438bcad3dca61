#pragma once
// The bench mode of clock calibration (BMS Studio: "when the battery serial number read
// changes, the battery time is set to the PC's"): wait for a pack, calibrate it, wait until
// it is unplugged or replaced, go on with the next serial.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "bms/clock_sync.hpp"

namespace bms {

struct BenchOptions {
  CalibrationOptions calibration;
  util::Duration poll_interval = std::chrono::milliseconds(500);  // looking for a pack / its absence
  int count = 0;  // stop after this many packs (calibrated or failed); 0: until cancelled
};

struct BenchRecord {
  Calendar time;  // local time when the pack was done
  std::string serial;
  std::uint8_t address = k_default_bms;
  std::optional<Calibration> calibration;  // set on success
  std::optional<util::Error> error;        // set on failure
};

struct BenchSummary {
  int done = 0;
  int failed = 0;
  std::int64_t largest_drift_s = 0;  // the largest |drift before| seen, with its sign
  std::string largest_drift_serial;
};

// Runs until `options.count` packs, the client's cancel hook (Ctrl-C), or `on_pack` returning
// false, calling `on_pack` for each pack as soon as it is done. The same serial seen again in a row is not calibrated
// twice; a pack that failed is tried again once it has been unplugged. A pack that fails does
// not stop the bench. Fails only when the interface fails.
util::Result<BenchSummary> run_bench(Client& client, const BenchOptions& options,
                                     const std::function<bool(const BenchRecord&)>& on_pack);

}  // namespace bms
