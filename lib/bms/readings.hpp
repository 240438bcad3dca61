#pragma once
// What the poll commands report (§4), in integer units named in the fields.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bms/calendar.hpp"

namespace bms {

struct FirmwareVersion {
  int major = 0xFF;
  int minor = 0xFF;
  int patch = 0xFF;
  // 0xFF 0xFF 0xFF: no valid application
  bool valid() const { return !(major == 0xFF && minor == 0xFF && patch == 0xFF); }
  std::string to_string() const;  // "1.4.2", or "none" when not valid
  friend bool operator==(const FirmwareVersion&, const FirmwareVersion&) = default;
};

enum class Mode { application, bootloader };

struct ConnectInfo {  // 0x01
  int protocol_version = 1;
  int cell_count = 0;
  int sensor_count = 0;
  int hardware_revision = 0;
  FirmwareVersion firmware;
  Mode mode = Mode::application;
  friend bool operator==(const ConnectInfo&, const ConnectInfo&) = default;
};

struct PackReading {  // 0x10
  std::int64_t voltage_mv = 0;
  std::int64_t current_ma = 0;  // positive = charging
};

struct Capacity {  // 0x11
  int rsoc_pct = 0;
  std::int64_t remaining_mah = 0;
  std::int64_t full_mah = 0;
};

struct TemperatureSummary {  // 0x12, temperatures in 0.1 °C
  int highest_dc = 0;
  int lowest_dc = 0;
  int mos_dc = 0;
  int highest_sensor = 0;  // 1-based
  int lowest_sensor = 0;
};

struct CellSummary {  // 0x13
  int highest_mv = 0;
  int highest_cell = 0;  // 1-based
  int lowest_mv = 0;
  int lowest_cell = 0;
  int cell_count = 0;
  int diff_mv() const { return highest_mv - lowest_mv; }
};

struct StatusWords {  // 0x16
  std::uint32_t flags = 0;      // bit n = status flag n (§5)
  std::uint32_t balancing = 0;  // bit k-1 = cell k balancing
};

struct Cycles {  // 0x17
  int count = 0;
  int longest_uncharged_h = 0;
};

struct ShellResistance {  // 0x19; nullopt = not measured ("NULL")
  std::optional<int> positive_kohm;
  std::optional<int> negative_kohm;
};

// §5: normal = D-MOS and C-MOS on, nothing else.
inline constexpr std::uint32_t k_normal_status = 0x00000041;

}  // namespace bms
