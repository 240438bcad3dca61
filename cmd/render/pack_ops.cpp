// Renderers of scan and settime.
#include <fmt/format.h>

#include "render/format.hpp"
#include "render/reports.hpp"

namespace cli {
namespace {

std::string mode_name(bms::Mode m) { return m == bms::Mode::bootloader ? "bootloader" : "application"; }

}  // namespace

std::string render_scan(const bms::ScanResult& r, const RenderContext& ctx) {
  std::string out = ctx.style.paint(fmt::format("{:<6}{:<23}{:<10}{:<4}{:<13}{:>5}  {}", "Addr",
                                                "Serial", "Firmware", "HW", "Mode", "Cells",
                                                "Sensors"),
                                    Color::bold) +
                    "\n";
  for (const bms::ScannedPack& p : r.packs)
    out += fmt::format("0x{:02X}  {:<23}{:<10}{:<4}{:<13}{:>5}  {}\n", p.address,
                       p.serial.value_or("?"), p.info.firmware.to_string(),
                       p.info.hardware_revision, mode_name(p.info.mode), p.info.cell_count,
                       p.info.sensor_count);
  for (std::uint8_t a : r.shared)
    out += ctx.style.paint(fmt::format("warning: two packs answer from address 0x{:02X}: every "
                                       "command to it is unreliable; give each pack its own "
                                       "address",
                                       a),
                           Color::yellow) +
           "\n";
  out += fmt::format("{} {} found\n", r.packs.size(), r.packs.size() == 1 ? "pack" : "packs");
  return out;
}

nlohmann::json scan_json(const bms::ScanResult& r) {
  nlohmann::json packs = nlohmann::json::array();
  for (const bms::ScannedPack& p : r.packs)
    packs.push_back({{"address", p.address},
                     {"serial", p.serial ? nlohmann::json(*p.serial) : nlohmann::json(nullptr)},
                     {"firmware", p.info.firmware.valid() ? nlohmann::json(p.info.firmware.to_string())
                                                          : nlohmann::json(nullptr)},
                     {"hardware_revision", p.info.hardware_revision},
                     {"mode", mode_name(p.info.mode)},
                     {"cell_count", p.info.cell_count},
                     {"sensor_count", p.info.sensor_count},
                     {"shared_address", std::find(r.shared.begin(), r.shared.end(), p.address) !=
                                            r.shared.end()}});
  return {{"schema", "rocketctl.scan/1"}, {"packs", packs}, {"shared_addresses", r.shared}};
}

std::string render_calibration(const bms::Calibration& c, std::optional<std::int64_t> max_drift_s,
                               const RenderContext& ctx) {
  std::string out = ctx.style.paint(fmt::format("BMS 0x{:02X} {}", c.address, c.serial), Color::bold) + "\n";
  out += fmt::format("  before  {}   local {}   drift {}\n", bms::to_string(c.bms_before),
                     bms::to_string(c.local_before), signed_duration(c.drift_before_s));
  if (c.action == bms::CalibrationAction::within_max_drift) {
    out += fmt::format("  not set: the drift is within --max-drift {} s\n", max_drift_s.value_or(0));
    return out;
  }
  out += fmt::format("  set     {}\n", bms::to_string(c.target));
  out += fmt::format("  after   {}   drift {}   ", bms::to_string(c.bms_after),
                     signed_duration(c.drift_after_s)) +
         ctx.style.paint("verified", Color::green) + "\n";
  return out;
}

nlohmann::json calibration_json(const bms::Calibration& c) {
  const bool set = c.action == bms::CalibrationAction::set;
  return {{"schema", "rocketctl.settime/1"},
          {"address", c.address},
          {"serial", c.serial},
          {"bms_time_before", bms::to_iso(c.bms_before)},
          {"local_time_before", bms::to_iso(c.local_before)},
          {"drift_before_s", c.drift_before_s},
          {"action", set ? "set" : "within_max_drift"},
          {"time_set", set ? nlohmann::json(bms::to_iso(c.target)) : nlohmann::json(nullptr)},
          {"bms_time_after", bms::to_iso(c.bms_after)},
          {"drift_after_s", c.drift_after_s},
          {"verified", set}};
}

}  // namespace cli
