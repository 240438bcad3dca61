#pragma once
// The simulated BMS's event log (rockets-can-v1 §7, §12 "Event log"): the records a pack holds
// when the simulator starts, the record it writes for an event now, and the ring it keeps.

#include <cstdint>
#include <optional>
#include <vector>

#include "bms/event_log.hpp"
#include "sim/battery_config.hpp"

namespace sim {

// §12: a record's highest temperature is the 0.1 °C reading rounded half up to 1 °C.
int round_half_up_c(int deci_celsius);

// The worked record of §10 (OV raised, 41.80 V, +2.00 A, 4.251 / 4.102 V, 31 °C, 97 %) at `time_s`.
bms::EventRecord worked_record(std::uint32_t time_s);

// The log of a pack at start: `count` plausible records, oldest first, the same every run. The
// last is the worked record at `start_time_s` (the reference battery's start clock is the worked
// record's time); the ones before it tell a battery's life (charges, standby, protections,
// a firmware update, a clock setting) so that every event code of §7 appears once count is 32
// or more.
std::vector<bms::EventRecord> initial_log(int count, std::uint32_t start_time_s);

// What the BMS writes for event `code` now: the battery's present values at `time_s`.
bms::EventRecord present_record(const BatteryConfig& battery, std::uint32_t time_s,
                                std::uint8_t code, std::optional<int> flag = std::nullopt);

// Appends `record`; the oldest record drops when the ring holds `capacity`.
void append_record(std::vector<bms::EventRecord>& log, const bms::EventRecord& record, int capacity);

// The log as the upload presents it from the base address: count × 16 bytes, oldest first.
std::vector<std::uint8_t> log_bytes(const std::vector<bms::EventRecord>& log);

}  // namespace sim
