#pragma once
// The pack's event log (rockets-can-v1 §7): layout (DID F1A0), the 16-byte records, and the
// upload that reads them.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bms/calendar.hpp"
#include "uds/client.hpp"

namespace bms {

inline constexpr std::size_t k_record_size = 16;

enum class EventCode : std::uint8_t {
  raised = 0x01,
  released = 0x02,
  power_on = 0x10,
  standby = 0x11,
  woke = 0x12,
  clock_set = 0x13,
  charge_started = 0x14,
  charge_ended = 0x15,
  firmware_updated = 0x16,
};
// "protection / error raised"; "unknown event 0x42" for codes the reference does not list.
std::string event_name(std::uint8_t code);
// Short, stable key for JSON and CSV: "raised", "power_on"; "unknown_0x42".
std::string event_key(std::uint8_t code);

struct EventRecord {
  std::uint32_t time_s = 0;       // seconds since 2000-01-01 00:00:00, BMS local time
  std::uint8_t code = 0;
  std::optional<int> flag;        // 0-26 for codes 0x01 / 0x02 (byte 5 != 0xFF)
  std::int64_t voltage_mv = 0;    // pack voltage, 10 mV resolution
  std::int64_t current_ma = 0;    // + charging, 10 mA resolution
  int max_cell_mv = 0;
  int min_cell_mv = 0;
  int max_temp_c = 0;
  int rsoc_pct = 0;
  friend bool operator==(const EventRecord&, const EventRecord&) = default;
};

EventRecord decode_record(std::span<const std::uint8_t, k_record_size> bytes);
std::array<std::uint8_t, k_record_size> encode_record(const EventRecord& record);
Calendar record_time(const EventRecord& record);  // the calendar time of time_s

struct LogLayout {  // DID F1A0
  int count = 0;
  int capacity = 0;
  int record_size = 16;
  std::uint32_t base = 0;
};
util::Result<LogLayout> decode_layout(std::span<const std::uint8_t> did_data);

struct EventLog {
  LogLayout layout;
  std::vector<EventRecord> records;  // oldest first
};

// Reads the layout and uploads every record (§7 steps 1-4). `progress(bytes_done, total)` is
// called after each block. Errc::malformed when the layout's record size is not 16 or the data
// is not count × 16 bytes.
util::Result<EventLog> read_event_log(uds::Client& uds,
                                      const std::function<void(std::size_t, std::size_t)>& progress = {});

}  // namespace bms
