// The simulated event log: the story a pack's log tells at start, and the records it writes.
#include "sim/diag_log.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace sim {
namespace {

using bms::EventCode;
using bms::EventRecord;

// Status flag numbers of §5 that the story raises.
constexpr int k_uv = 1, k_doc = 2, k_ov = 7, k_odv = 11, k_cot = 14, k_lr = 17;

constexpr std::int64_t k_minute = 60, k_hour = 3600, k_day = 86400;

std::int64_t round_to_10(std::int64_t v) {
  return static_cast<std::int64_t>(std::llround(static_cast<double>(v) / 10.0)) * 10;
}

// Writes the records of a pack's past, forward in time (seconds from an arbitrary origin).
class Story {
public:
  std::vector<EventRecord> records;
  std::vector<std::int64_t> times;  // the records' times from the origin (shifted later)

  std::int64_t now = 0;
  int rsoc = 55;
  int temp_dc = 214;  // the warmest cell sensor, 0.1 °C

  // A deterministic jitter in [0, n).
  int jitter(int n) {
    m_seed = m_seed * 1103515245U + 12345U;
    return static_cast<int>((m_seed >> 16) % static_cast<std::uint32_t>(n));
  }
  void wait(std::int64_t seconds, int spread_s = 0) { now += seconds + (spread_s > 0 ? jitter(spread_s) : 0); }

  // One record at `now` with the present state; `spread_mv` is the cell imbalance, and
  // `min_mv` overrides the lowest cell (under-voltage).
  void add(EventCode code, std::optional<int> flag, std::int64_t current_ma, int spread_mv = 0,
           std::optional<int> min_mv = std::nullopt) {
    // A 10-cell pack: 3.00 V empty to 4.10 V full at rest, pushed up while charging and down
    // while discharging by the cells' internal resistance (about 2 mΩ per cell).
    const int rest = 3000 + rsoc * 11;
    const int avg = rest + static_cast<int>(current_ma / 500);
    if (spread_mv == 0) spread_mv = 6 + jitter(12);
    EventRecord r;
    r.code = static_cast<std::uint8_t>(code);
    r.flag = flag;
    r.max_cell_mv = avg + spread_mv / 2;
    r.min_cell_mv = min_mv ? *min_mv : avg - (spread_mv - spread_mv / 2);
    r.voltage_mv = round_to_10(std::int64_t{avg} * 10 + jitter(9) - 4);
    r.current_ma = round_to_10(current_ma);
    r.max_temp_c = round_half_up_c(temp_dc);
    r.rsoc_pct = rsoc;
    records.push_back(r);
    times.push_back(now);
  }

  void ambient() { temp_dc = 185 + jitter(70); }

  // One turn of the story: about three weeks of a pack's life, every event code of §7.
  void cycle() {
    // Power on after installation, then the technician sets the clock.
    ambient();
    add(EventCode::power_on, std::nullopt, 0);
    wait(2 * k_minute, 60);
    add(EventCode::clock_set, std::nullopt, -10);
    // A full charge.
    wait(k_day, 4 * k_hour);
    add(EventCode::charge_started, std::nullopt, 5000 + jitter(300) * 10);
    wait(3 * k_hour, k_hour);
    rsoc = 100;
    temp_dc += 30;
    add(EventCode::charge_ended, std::nullopt, 400 + jitter(20) * 10);
    // Parked, then woken by a charger.
    wait(2 * k_hour, k_hour);
    ambient();
    add(EventCode::standby, std::nullopt, 0);
    wait(3 * k_day, k_day);
    add(EventCode::woke, std::nullopt, 1200 + jitter(40) * 10);
    // A heavy load trips discharge over-current; released once the load is gone.
    wait(5 * k_hour, 2 * k_hour);
    rsoc = 70 + jitter(10);
    add(EventCode::raised, k_doc, -(52000 + jitter(200) * 10));
    wait(8, 4);
    add(EventCode::released, k_doc, 0);
    // Charging in the sun: charge over-temperature, released as it cools.
    wait(k_day, 6 * k_hour);
    rsoc = 35 + jitter(15);
    temp_dc = 380 + jitter(30);
    add(EventCode::charge_started, std::nullopt, 5000 + jitter(300) * 10);
    wait(40 * k_minute, 20 * k_minute);
    rsoc += 12;
    temp_dc = 455 + jitter(10);  // 45.5-46.4 °C: rounded half up
    add(EventCode::raised, k_cot, 5000 + jitter(300) * 10);
    wait(25 * k_minute, 10 * k_minute);
    temp_dc = 405 + jitter(20);
    add(EventCode::released, k_cot, 0);
    wait(2 * k_hour, k_hour);
    rsoc = 100;
    add(EventCode::charge_ended, std::nullopt, 400 + jitter(20) * 10);
    // Parked again.
    wait(3 * k_hour, k_hour);
    ambient();
    add(EventCode::standby, std::nullopt, 0);
    wait(4 * k_day, k_day);
    add(EventCode::woke, std::nullopt, 1200 + jitter(40) * 10);
    // Run down to low remaining capacity, then recharged.
    wait(9 * k_hour, 3 * k_hour);
    rsoc = 9;
    add(EventCode::raised, k_lr, -(6000 + jitter(200) * 10));
    wait(30 * k_minute, 20 * k_minute);
    rsoc = 8;
    add(EventCode::charge_started, std::nullopt, 5000 + jitter(300) * 10);
    wait(25 * k_minute, 10 * k_minute);
    rsoc = 13;
    add(EventCode::released, k_lr, 5000 + jitter(300) * 10);
    wait(3 * k_hour, k_hour);
    rsoc = 100;
    add(EventCode::charge_ended, std::nullopt, 400 + jitter(20) * 10);
    // A firmware update: the new application's first start.
    wait(2 * k_day, k_day);
    ambient();
    add(EventCode::power_on, std::nullopt, 0);
    add(EventCode::firmware_updated, std::nullopt, 0);
    // Cells drift apart; balancing brings them back during a slow charge.
    wait(2 * k_day, k_day);
    rsoc = 60 + jitter(15);
    add(EventCode::raised, k_odv, -(2000 + jitter(100) * 10), 125 + jitter(20));
    wait(20 * k_hour, 4 * k_hour);
    rsoc += 20;
    add(EventCode::released, k_odv, 300 + jitter(20) * 10, 40 + jitter(20));
    // Left on a load until a cell under-voltage, then recharged.
    wait(3 * k_day, k_day);
    rsoc = 0;
    add(EventCode::raised, k_uv, -(1500 + jitter(100) * 10), 30, 2780 + jitter(15));
    wait(10 * k_minute, 5 * k_minute);
    add(EventCode::released, k_uv, 0, 20, 2910 + jitter(20));
    wait(2 * k_hour, k_hour);
    add(EventCode::charge_started, std::nullopt, 5000 + jitter(300) * 10);
    wait(4 * k_hour, k_hour);
    rsoc = 100;
    add(EventCode::charge_ended, std::nullopt, 400 + jitter(20) * 10);
    // Parked until the next turn.
    wait(k_hour, k_hour);
    ambient();
    add(EventCode::standby, std::nullopt, 0);
    wait(2 * k_day, k_day);
    add(EventCode::woke, std::nullopt, 1200 + jitter(40) * 10);
    wait(6 * k_hour, 3 * k_hour);
    rsoc = 60 + jitter(20);
  }

private:
  std::uint32_t m_seed = 0x524B5453;  // "RKTS"
};

}  // namespace

int round_half_up_c(int deci_celsius) {
  // floor((dc + 5) / 10), for negative readings too (-2.5 °C -> -2 °C).
  const int shifted = deci_celsius + 5;
  return shifted >= 0 ? shifted / 10 : -((-shifted + 9) / 10);
}

bms::EventRecord worked_record(std::uint32_t time_s) {
  EventRecord r;
  r.time_s = time_s;
  r.code = static_cast<std::uint8_t>(EventCode::raised);
  r.flag = k_ov;
  r.voltage_mv = 41800;
  r.current_ma = 2000;
  r.max_cell_mv = 4251;
  r.min_cell_mv = 4102;
  r.max_temp_c = 31;
  r.rsoc_pct = 97;
  return r;
}

std::vector<bms::EventRecord> initial_log(int count, std::uint32_t start_time_s) {
  std::vector<EventRecord> out;
  if (count <= 0) return out;
  // The story, then its last turn: woken by the charger, charging, and the worked record (OV
  // raised near full) at the start clock.
  const std::size_t before = static_cast<std::size_t>(count - 1);
  Story story;
  while (story.records.size() < before) story.cycle();
  // The tail replaces the last turn's ending: woke, charge started.
  story.rsoc = 62;
  story.temp_dc = 236;
  story.add(EventCode::woke, std::nullopt, 1250);
  story.wait(4 * k_minute, 0);
  story.add(EventCode::charge_started, std::nullopt, 4950);
  story.wait(2 * k_hour + 13 * k_minute + 27, 0);  // to the worked record
  const std::int64_t shift = std::int64_t{start_time_s} - story.now;
  const std::size_t first = story.records.size() - before;
  for (std::size_t i = first; i < story.records.size(); ++i) {
    EventRecord r = story.records[i];
    r.time_s = static_cast<std::uint32_t>(std::clamp<std::int64_t>(story.times[i] + shift, 0, 0xFFFFFFFFLL));
    out.push_back(r);
  }
  out.push_back(worked_record(start_time_s));
  return out;
}

bms::EventRecord present_record(const BatteryConfig& b, std::uint32_t time_s, std::uint8_t code,
                                std::optional<int> flag) {
  EventRecord r;
  r.time_s = time_s;
  r.code = code;
  r.flag = flag;
  r.voltage_mv = round_to_10(std::accumulate(b.cell_mv.begin(), b.cell_mv.end(), std::int64_t{0}));
  r.current_ma = round_to_10(b.current_ma);
  if (!b.cell_mv.empty()) {
    r.max_cell_mv = *std::max_element(b.cell_mv.begin(), b.cell_mv.end());
    r.min_cell_mv = *std::min_element(b.cell_mv.begin(), b.cell_mv.end());
  }
  if (!b.sensor_dc.empty()) r.max_temp_c = round_half_up_c(*std::max_element(b.sensor_dc.begin(), b.sensor_dc.end()));
  r.rsoc_pct = b.rsoc_pct;
  return r;
}

void append_record(std::vector<bms::EventRecord>& log, const bms::EventRecord& record, int capacity) {
  if (capacity <= 0) return;
  const auto cap = static_cast<std::size_t>(capacity);
  if (log.size() >= cap) log.erase(log.begin(), log.begin() + static_cast<long>(log.size() - cap + 1));
  log.push_back(record);
}

std::vector<std::uint8_t> log_bytes(const std::vector<bms::EventRecord>& log) {
  std::vector<std::uint8_t> out;
  out.reserve(log.size() * bms::k_record_size);
  for (const EventRecord& r : log) {
    auto bytes = bms::encode_record(r);
    out.insert(out.end(), bytes.begin(), bytes.end());
  }
  return out;
}

}  // namespace sim
