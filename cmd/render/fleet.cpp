#include "render/fleet.hpp"

#include <fmt/format.h>

#include "exit_status.hpp"
#include "render/format.hpp"

namespace cli {

std::string short_verdict(std::uint32_t word, const RenderContext& ctx) {
  auto abnormal = ctx.catalogue.abnormal(word);
  if (abnormal.empty()) return ctx.style.paint("normal", Color::green);
  std::string names;
  bool severe = false;
  for (const bms::FlagInfo* f : abnormal) {
    const bool on = ((word >> f->bit) & 1U) != 0;
    names += (names.empty() ? "" : ", ") + f->light + (f->normally_set && !on ? " off" : "");
    if (f->kind == bms::FlagKind::error || f->kind == bms::FlagKind::protection || f->normally_set)
      severe = true;
  }
  return ctx.style.paint(names, severe ? Color::red : Color::yellow);
}

std::string render_status_table(const std::vector<bms::PackOutcome<bms::Snapshot>>& packs,
                                const RenderContext& ctx) {
  std::string out = ctx.style.paint(fmt::format("{:<6}{:<22}{:>5}  {:>9}  {:>9}  {:<14}{:>6}  {}", "Addr",
                                                "Serial", "RSOC", "Voltage", "Current", "Temp",
                                                "Diff", "Status"),
                                    Color::bold) +
                    "\n";
  int normal = 0, abnormal = 0, failed = 0;
  for (const auto& p : packs) {
    if (!p.result) {
      ++failed;
      out += fmt::format("0x{:02X}  {}\n", p.address, ctx.style.paint(p.result.error().message, Color::red));
      continue;
    }
    const bms::Snapshot& s = *p.result;
    std::string rsoc = s.capacity ? fmt::format("{} %", s.capacity->rsoc_pct) : "-";
    std::string volt = s.pack ? volts(s.pack->voltage_mv) : "-";
    std::string amp = s.pack ? amps(s.pack->current_ma) : "-";
    std::string temp = s.temperature_summary
                           ? fmt::format("{:.1f}..{:.1f} °C", s.temperature_summary->lowest_dc / 10.0,
                                         s.temperature_summary->highest_dc / 10.0)
                           : "-";
    std::string diff = s.cell_summary ? fmt::format("{} mV", s.cell_summary->diff_mv()) : "-";
    std::string verdict;
    if (s.connect.mode == bms::Mode::bootloader) {
      verdict = ctx.style.paint("bootloader mode", Color::yellow);
      ++abnormal;
    } else if (s.status) {
      verdict = short_verdict(s.status->flags, ctx);
      (s.status->flags == bms::k_normal_status ? normal : abnormal)++;
    }
    out += fmt::format("0x{:02X}  {:<22}{:>5}  {:>9}  {:>9}  {}{:>6}  {}\n", s.address,
                       s.serial.value_or("?"), rsoc, volt, amp, pad(temp, 14), diff, verdict);
  }
  out += fmt::format("{} {}: {} normal, {} not normal, {} not read\n", packs.size(),
                     packs.size() == 1 ? "pack" : "packs", normal, abnormal, failed);
  return out;
}

std::string render_pack_error(std::uint8_t address, const util::Error& error, const RenderContext& ctx) {
  return ctx.style.paint(fmt::format("BMS 0x{:02X}: {}", address, error.message), Color::red) + "\n";
}

nlohmann::json pack_error_json(std::string_view schema, std::uint8_t address, const util::Error& error) {
  return {{"schema", schema},
          {"address", address},
          {"error",
           {{"code", errc_name(error.code)},
            {"message", error.message},
            {"exit_status", exit_status_for(error.code)}}}};
}

std::string address_list(const std::vector<std::uint8_t>& addresses) {
  std::string out;
  for (std::uint8_t a : addresses) out += fmt::format("{}0x{:02X}", out.empty() ? "" : ", ", a);
  return out;
}

}  // namespace cli
