#pragma once
// Everything BMS Studio's monitoring page shows, read in one go (§4), for `status`, `cells`
// and `faults`. Parts that a command does not need are not read.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bms/client.hpp"
#include "bms/readings.hpp"

namespace bms {

enum class Part : std::uint32_t {
  identity = 1U << 0,
  pack = 1U << 1,
  capacity = 1U << 2,
  temperatures = 1U << 3,  // summary and every sensor
  cells = 1U << 4,         // summary and every cell
  status = 1U << 5,
  cycles = 1U << 6,
  clock = 1U << 7,
  shell = 1U << 8,
};
constexpr std::uint32_t operator|(Part a, Part b) {
  return static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b);
}
constexpr std::uint32_t operator|(std::uint32_t a, Part b) { return a | static_cast<std::uint32_t>(b); }
inline constexpr std::uint32_t k_all_parts = 0x1FF;

struct Snapshot {
  std::uint8_t address = k_default_bms;
  ConnectInfo connect;
  std::optional<std::string> serial;
  std::optional<PackReading> pack;
  std::optional<Capacity> capacity;
  std::optional<TemperatureSummary> temperature_summary;
  std::vector<int> sensor_dc;  // 0.1 °C, sensors 1..N
  std::optional<CellSummary> cell_summary;
  std::vector<int> cell_mv;  // cells 1..N
  std::optional<StatusWords> status;
  std::optional<Cycles> cycles;
  std::optional<Calendar> clock;
  std::optional<ShellResistance> shell;
};

// CONNECTs if needed and reads `parts`. In bootloader mode only the identity is read (the
// bootloader serves nothing else). Fails with the first error.
util::Task<util::Result<Snapshot>> read_snapshot(Peer& peer, std::uint32_t parts);

// The same, blocking, with the client's pack.
inline util::Result<Snapshot> read_snapshot(Client& client, std::uint32_t parts) {
  return client.run(read_snapshot(client.peer(), parts));
}

}  // namespace bms
