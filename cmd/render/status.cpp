#include <fmt/format.h>

#include "render/format.hpp"
#include "render/reports.hpp"

namespace cli {
namespace {

std::string mode_name(bms::Mode m) { return m == bms::Mode::bootloader ? "bootloader" : "application"; }

std::string line(const std::string& label, const std::string& value) {
  return pad(label, 14) + value + "\n";
}

}  // namespace

std::int64_t drift_seconds(const bms::Calendar& bms_time, const bms::Calendar& local) {
  return bms::to_seconds(bms_time) - bms::to_seconds(local);
}

std::string status_verdict(std::uint32_t word, const RenderContext& ctx) {
  auto abnormal = ctx.catalogue.abnormal(word);
  if (abnormal.empty())
    return ctx.style.paint(ctx.catalogue.message("all_normal", ctx.lang), Color::green);
  std::string names;
  bool severe = false;
  for (const bms::FlagInfo* f : abnormal) {
    if (!names.empty()) names += ", ";
    bool on = ((word >> f->bit) & 1U) != 0;
    names += f->light + (f->normally_set && !on ? " off" : "");
    if (f->kind == bms::FlagKind::error || f->kind == bms::FlagKind::protection || f->normally_set)
      severe = true;
  }
  return ctx.style.paint(fmt::format("NOT NORMAL: {}", names), severe ? Color::red : Color::yellow) +
         " (run 'rocketctl faults' for what to do)";
}

std::string render_status(const StatusReport& r, const RenderContext& ctx) {
  const bms::Snapshot& s = r.snapshot;
  const Style& st = ctx.style;
  std::string out;
  out += st.paint(fmt::format("RocketS SMART {}", s.serial.value_or("(serial not read)")), Color::bold);
  out += fmt::format("  BMS 0x{:02X} on {}\n", s.address, r.interface);
  out += line("Firmware", fmt::format("{}   hardware {}   {} mode", s.connect.firmware.to_string(),
                                      s.connect.hardware_revision, mode_name(s.connect.mode)));
  if (s.connect.mode == bms::Mode::bootloader) {
    out += st.paint("The pack is in bootloader mode: it has no running application to report from.\n",
                    Color::yellow);
    return out;
  }
  out += "\n";
  if (s.capacity)
    out += line("Capacity", fmt::format("RSOC {} %   R-Cap {} mAh   FullCap {} mAh", s.capacity->rsoc_pct,
                                        s.capacity->remaining_mah, s.capacity->full_mah));
  if (s.pack) {
    out += line("Voltage", volts(s.pack->voltage_mv));
    const char* dir = s.pack->current_ma > 0 ? " (charging)" : s.pack->current_ma < 0 ? " (discharging)" : "";
    out += line("Current", amps(s.pack->current_ma) + dir);
  }
  if (s.temperature_summary) {
    const auto& t = *s.temperature_summary;
    out += line("Temperature", fmt::format("highest {} (sensor {})   lowest {} (sensor {})   MOS {}",
                                           celsius(t.highest_dc), t.highest_sensor,
                                           celsius(t.lowest_dc), t.lowest_sensor, celsius(t.mos_dc)));
    std::string sensors;
    for (std::size_t i = 0; i < s.sensor_dc.size(); ++i)
      sensors += fmt::format("{}#{} {}", i ? "   " : "", i + 1, celsius(s.sensor_dc[i]));
    out += line("Sensors", sensors);
  }
  if (s.cell_summary) {
    const auto& c = *s.cell_summary;
    out += line("Cells", fmt::format("{} cells   highest {} (#{})   lowest {} (#{})   max diff {} mV",
                                     c.cell_count, volts(c.highest_mv), c.highest_cell,
                                     volts(c.lowest_mv), c.lowest_cell, c.diff_mv()));
  }
  if (s.clock) {
    out += line("BMS time", bms::to_string(*s.clock));
    std::int64_t drift = drift_seconds(*s.clock, r.local_time);
    std::string note = drift == 0 ? "in step" : drift > 0 ? "BMS ahead" : "BMS behind";
    std::string value = fmt::format("{}   drift {} ({})", bms::to_string(r.local_time),
                                    signed_duration(drift), note);
    if (std::llabs(drift) > 60) value = st.paint(value, Color::yellow);
    out += line("Local time", value);
  }
  if (s.shell)
    out += line("Shell", fmt::format("to B+ {}   to B- {}", kohm(s.shell->positive_kohm),
                                     kohm(s.shell->negative_kohm)));
  if (s.cycles)
    out += line("Cycles", fmt::format("{}   L-UCHG {}", s.cycles->count,
                                      hours_long(s.cycles->longest_uncharged_h)));
  if (s.status) out += line("Status", status_verdict(s.status->flags, ctx));
  return out;
}

nlohmann::json status_json(const StatusReport& r, const RenderContext& ctx) {
  const bms::Snapshot& s = r.snapshot;
  nlohmann::json j;
  j["schema"] = "rocketctl.status/1";
  j["interface"] = r.interface;
  j["address"] = s.address;
  j["serial"] = s.serial ? nlohmann::json(*s.serial) : nlohmann::json(nullptr);
  j["firmware"] = s.connect.firmware.valid() ? nlohmann::json(s.connect.firmware.to_string())
                                              : nlohmann::json(nullptr);
  j["hardware_revision"] = s.connect.hardware_revision;
  j["protocol_version"] = s.connect.protocol_version;
  j["mode"] = mode_name(s.connect.mode);
  if (s.capacity) {
    j["rsoc_pct"] = s.capacity->rsoc_pct;
    j["remaining_capacity_mah"] = s.capacity->remaining_mah;
    j["full_capacity_mah"] = s.capacity->full_mah;
  }
  if (s.pack) {
    j["voltage_mv"] = s.pack->voltage_mv;
    j["current_ma"] = s.pack->current_ma;
  }
  if (s.temperature_summary) {
    const auto& t = *s.temperature_summary;
    j["temperature"] = {{"highest_dc", t.highest_dc}, {"highest_sensor", t.highest_sensor},
                        {"lowest_dc", t.lowest_dc},   {"lowest_sensor", t.lowest_sensor},
                        {"mos_dc", t.mos_dc},         {"sensors_dc", s.sensor_dc}};
  }
  if (s.cell_summary) {
    const auto& c = *s.cell_summary;
    j["cells"] = {{"count", c.cell_count},         {"highest_mv", c.highest_mv},
                  {"highest_cell", c.highest_cell}, {"lowest_mv", c.lowest_mv},
                  {"lowest_cell", c.lowest_cell},   {"diff_mv", c.diff_mv()},
                  {"voltages_mv", s.cell_mv}};
  }
  if (s.clock) {
    j["bms_time"] = bms::to_iso(*s.clock);
    j["local_time"] = bms::to_iso(r.local_time);
    j["drift_s"] = drift_seconds(*s.clock, r.local_time);
  }
  if (s.shell) {
    auto opt = [](const std::optional<int>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
    j["shell_resistance"] = {{"positive_kohm", opt(s.shell->positive_kohm)},
                             {"negative_kohm", opt(s.shell->negative_kohm)}};
  }
  if (s.cycles) {
    j["cycle_count"] = s.cycles->count;
    j["longest_uncharged_h"] = s.cycles->longest_uncharged_h;
  }
  if (s.status) {
    nlohmann::json abnormal = nlohmann::json::array();
    for (const bms::FlagInfo* f : ctx.catalogue.abnormal(s.status->flags)) abnormal.push_back(f->light);
    j["status"] = {{"word", s.status->flags},
                   {"normal", abnormal.empty()},
                   {"abnormal", abnormal},
                   {"balancing_word", s.status->balancing}};
  }
  return j;
}

}  // namespace cli
