#pragma once
// Options of the simulated battery, shared by `-i sim:<options>` and `rocketctl simulate`.
// Text form: key=value pairs separated by ','; lists separated by '/':
//   sim:bitrate=250000,cells=3600/3650/3700,flags=0x841,current=-1200,clock=2026-01-01T00:00:00
// Several packs: sim:packs=3 (addresses 1-3), sim:addresses=2/5, sim:packs=2,duplicate=1.
// A bench, one pack at a time: sim:bench=3,swap=2s (see pack_configs and sim/bench.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/battery.hpp"
#include "util/result.hpp"

namespace sim {

// Pack k (1-based) of several starts drifted by k × this, unless drift= is given.
inline constexpr std::int64_t k_default_drift_step_s = 37;
// A bench pack is present for `swap`, then nothing answers for `gap`: by default half of
// swap, at least k_min_default_gap.
inline constexpr util::Duration k_default_swap = std::chrono::seconds(3);
inline constexpr util::Duration k_min_default_gap = std::chrono::milliseconds(500);

// cut=EVENT[/N]: the power fails once, at the N-th DiagEvent of that kind (1-based).
struct PowerCut {
  DiagEvent::Kind kind = DiagEvent::Kind::erase_started;
  int nth = 1;
};

// link=...: a fault of the tool's own CAN link, as `-i sim` shows it to the tool (doctor's
// tests): nothing else on the bus acknowledges (every send reports no_ack and reaches nobody),
// the controller is error-passive or bus-off, or the interface is down. `simulate` ignores it.
enum class LinkFault { none, down, noack, passive, busoff };

struct Options {
  BatteryConfig battery;      // pack 1; the others derive from it (pack_configs)
  std::uint32_t bitrate = 0;  // pace the virtual bus like a real one; 0 = no wire time
  int packs = 0;              // packs=N: N packs at address, address+1, ...; 0 = not given
  std::vector<std::uint8_t> addresses;  // addresses=A/B/...: one pack at each
  bool duplicate = false;               // duplicate=1: one more pack at pack 1's address
  int bench = 0;  // bench=N: N packs plugged in one after another; 0 = no bench
  std::optional<util::Duration> swap;   // bench: how long each pack is present
  std::optional<util::Duration> gap;    // bench: silence between two packs
  bool loop = false;                    // bench: after pack N, pack 1 again
  std::optional<std::int64_t> drift_s;  // drift=S as given
  int load_pct = 0;                     // load=P: foreign traffic on P % of the bus (sim::Traffic)
  // Faults of the diagnostic channel, for every pack (DiagFaults; 0 = none).
  int lose_response = 0;    // lose=N: the N-th UDS response is not sent
  int corrupt_block = 0;    // corrupt=N: the N-th downloaded block is written with a flipped bit
  int reset_at_block = 0;   // resetblock=N: the pack restarts on receiving the N-th block
  std::optional<PowerCut> power_cut;  // cut=EVENT[/N]: a power cut at the N-th such event
  LinkFault link = LinkFault::none;   // link=ok|down|noack|passive|busoff (-i sim only)
};

// The DiagFaults these options ask for (the power cut happens once).
DiagFaults diag_faults(const Options& options);

struct OptionHelp {
  std::string_view key;
  std::string_view value;
  std::string_view meaning;
};
// Every key, for --help and the man page.
const std::vector<OptionHelp>& option_help();

// Applies one key=value; Errc::usage naming the key and what it takes when wrong.
util::Result<void> apply_option(Options& options, std::string_view key, std::string_view value);

// Parses "key=value,key=value" (may be empty) on top of the defaults, then checks the
// options together (pack_configs).
util::Result<Options> parse_options(std::string_view text);

// "2s", "500ms", "1.5s", "1min" (a unit is required); nullopt when malformed or negative.
std::optional<util::Duration> parse_duration(std::string_view text);

// The batteries the options describe, in order: the packs by address list (pack k: serial
// of pack 1 plus k-1, drifted by k × step), then the duplicate (next serial, pack 1's
// address); for a bench, packs 1..N at `address`. The step is drift= when given, else
// k_default_drift_step_s when there is more than one battery (a lone pack: 0).
// Errc::usage for combinations that make no sense (bench with packs or duplicate, swap
// without bench, addresses past 63, a drift leaving 2000-2255).
util::Result<std::vector<BatteryConfig>> pack_configs(const Options& options);

// The bench timing, defaults applied.
util::Duration bench_swap(const Options& options);
util::Duration bench_gap(const Options& options);

// `base` with its trailing number increased by `k`, keeping the length (digits wrap); without
// a trailing number, `k` is appended (the serial kept within 21 characters).
std::string derived_serial(const std::string& base, int k);

}  // namespace sim
