#pragma once
// Options of the simulated battery, shared by `-i sim:<options>` and `rocketctl simulate`.
// Text form: key=value pairs separated by ','; lists separated by '/':
//   sim:bitrate=250000,cells=3600/3650/3700,flags=0x841,current=-1200,clock=2026-01-01T00:00:00

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/battery.hpp"
#include "util/result.hpp"

namespace sim {

struct Options {
  BatteryConfig battery;
  std::uint32_t bitrate = 0;  // pace the virtual bus like a real one; 0 = no wire time
};

struct OptionHelp {
  std::string_view key;
  std::string_view value;
  std::string_view meaning;
};
// Every key, for --help and the man page.
const std::vector<OptionHelp>& option_help();

// Applies one key=value; Errc::usage naming the key and what it takes when wrong.
util::Result<void> apply_option(Options& options, std::string_view key, std::string_view value);

// Parses "key=value,key=value" (may be empty) on top of the defaults.
util::Result<Options> parse_options(std::string_view text);

}  // namespace sim
