#pragma once
// settime --auto (cmd/bench.cpp).

#include <string>

#include "bms/clock_sync.hpp"
#include "commands.hpp"

namespace cli {

struct BenchSettings {
  bms::CalibrationOptions calibration;
  int count = 0;       // --count: stop after N packs; 0 until Ctrl-C
  std::string report;  // --report FILE.csv
};

// Exit status 0 when every pack was set, 1 when any failed.
CommandResult run_bench(App& app, const BenchSettings& settings);

}  // namespace cli
