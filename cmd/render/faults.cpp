#include <fmt/format.h>

#include "render/format.hpp"
#include "render/reports.hpp"

namespace cli {
namespace {

Color color_for(const bms::FlagInfo& f) {
  switch (f.kind) {
    case bms::FlagKind::warning: return Color::yellow;
    case bms::FlagKind::state: return f.normally_set ? Color::red : Color::yellow;
    default: return Color::red;
  }
}

constexpr std::size_t k_text_indent = 8 + 1 + 11 + 1 + 5 + 1;  // under the Name column

// One row of the lights table: light, kind, state, name.
std::string row(const bms::FlagInfo& f, bool on, const RenderContext& ctx, Color color) {
  std::string state = f.normally_set ? (on ? "on" : "OFF") : (on ? "ON" : "off");
  std::string head = fmt::format("{} {} {}", pad(f.light, 8),
                                 pad(std::string(bms::to_string(f.kind)), 11), pad(state, 5));
  return ctx.style.paint(head, color) + " " + f.text(ctx.lang).name + "\n";
}

// A light that is not normal: its row, what it means and what to do.
std::string describe(const bms::FlagInfo& f, bool on, const RenderContext& ctx) {
  const bms::FlagText& t = f.text(ctx.lang);
  return row(f, on, ctx, color_for(f)) + wrap(t.meaning, k_text_indent, ctx.width) +
         wrap("-> " + t.action, k_text_indent, ctx.width);
}

}  // namespace

std::string render_faults(const bms::Snapshot& s, bool all, const RenderContext& ctx) {
  const std::uint32_t word = s.status->flags;
  const auto abnormal = ctx.catalogue.abnormal(word);
  std::string out;
  if (all) {
    out += ctx.style.paint(fmt::format("{} {} {} {}", pad("Light", 8), pad("Kind", 11),
                                       pad("State", 5), "Name"),
                           Color::bold) +
           "\n";
    for (const bms::FlagInfo& f : ctx.catalogue.flags()) {
      bool on = ((word >> f.bit) & 1U) != 0;
      out += f.abnormal_in(word) ? describe(f, on, ctx) : row(f, on, ctx, Color::none);
    }
    out += "\n";
  } else {
    for (const bms::FlagInfo* f : abnormal) out += describe(*f, ((word >> f->bit) & 1U) != 0, ctx);
    if (!abnormal.empty()) out += "\n";
  }
  out += status_verdict(word, ctx) + "\n";
  return out;
}

nlohmann::json faults_json(const bms::Snapshot& s, const RenderContext& ctx) {
  const std::uint32_t word = s.status->flags;
  nlohmann::json lights = nlohmann::json::array();
  nlohmann::json abnormal = nlohmann::json::array();
  for (const bms::FlagInfo& f : ctx.catalogue.flags()) {
    const bms::FlagText& t = f.text(ctx.lang);
    bool on = ((word >> f.bit) & 1U) != 0;
    bool bad = f.abnormal_in(word);
    if (bad) abnormal.push_back(f.light);
    lights.push_back({{"bit", f.bit},
                      {"light", f.light},
                      {"kind", bms::to_string(f.kind)},
                      {"on", on},
                      {"normal", !bad},
                      {"name", t.name},
                      {"meaning", t.meaning},
                      {"action", t.action}});
  }
  return {{"schema", "rocketctl.faults/1"},
          {"address", s.address},
          {"status_word", word},
          {"normal", abnormal.empty()},
          {"abnormal", abnormal},
          {"lights", lights}};
}

}  // namespace cli
