#include <fmt/format.h>

#include "render/format.hpp"
#include "render/reports.hpp"

namespace cli {
namespace {

constexpr int k_diff_advice_mv = 100;  // manual 3.2.3

bool balancing(const bms::Snapshot& s, std::size_t index) {
  return s.status && index < 32 && ((s.status->balancing >> index) & 1U) != 0;
}

}  // namespace

std::string render_cells(const bms::Snapshot& s, const RenderContext& ctx) {
  const Style& st = ctx.style;
  const bms::CellSummary& c = *s.cell_summary;
  std::string out = st.paint(fmt::format("{:>4}  {:>9}  {}", "Cell", "Voltage", "Note"), Color::bold) + "\n";
  for (std::size_t i = 0; i < s.cell_mv.size(); ++i) {
    const int number = static_cast<int>(i) + 1;
    std::string note;
    Color color = Color::none;
    if (number == c.highest_cell) {
      note = "highest";
      color = Color::yellow;
    }
    if (number == c.lowest_cell) {
      note = "lowest";
      color = Color::yellow;
    }
    if (balancing(s, i)) note += note.empty() ? "balancing" : ", balancing";
    out += fmt::format("{:>4}  {:>9}  {}\n", number, volts(s.cell_mv[i]), st.paint(note, color));
  }
  out += "\n";
  const int diff = c.diff_mv();
  std::string diff_text = fmt::format("Max diff-voltage  {} mV ({} - {})", diff, volts(c.highest_mv),
                                      volts(c.lowest_mv));
  out += (diff > k_diff_advice_mv ? st.paint(diff_text, Color::red) : diff_text) + "\n";
  if (diff > k_diff_advice_mv) out += ctx.catalogue.message("diff_voltage_high", ctx.lang) + "\n";
  return out;
}

nlohmann::json cells_json(const bms::Snapshot& s, const RenderContext& ctx) {
  const bms::CellSummary& c = *s.cell_summary;
  nlohmann::json cells = nlohmann::json::array();
  for (std::size_t i = 0; i < s.cell_mv.size(); ++i) {
    const int number = static_cast<int>(i) + 1;
    cells.push_back({{"cell", number},
                     {"voltage_mv", s.cell_mv[i]},
                     {"highest", number == c.highest_cell},
                     {"lowest", number == c.lowest_cell},
                     {"balancing", balancing(s, i)}});
  }
  const bool high = c.diff_mv() > k_diff_advice_mv;
  return {{"schema", "rocketctl.cells/1"},
          {"address", s.address},
          {"count", c.cell_count},
          {"highest_mv", c.highest_mv},
          {"highest_cell", c.highest_cell},
          {"lowest_mv", c.lowest_mv},
          {"lowest_cell", c.lowest_cell},
          {"diff_mv", c.diff_mv()},
          {"diff_limit_mv", k_diff_advice_mv},
          {"advice", high ? nlohmann::json(ctx.catalogue.message("diff_voltage_high", ctx.lang))
                          : nlohmann::json(nullptr)},
          {"cells", cells}};
}

}  // namespace cli
