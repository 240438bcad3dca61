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

std::string describe(const bms::FlagInfo& f, bool on, const RenderContext& ctx) {
  const bms::FlagText& t = f.text(ctx.lang);
  std::string head = fmt::format("{} {}", pad(f.light, 8), pad(std::string(bms::to_string(f.kind)), 11));
  std::string state = f.normally_set ? (on ? "on" : "OFF") : (on ? "ON" : "off");
  return ctx.style.paint(head, color_for(f)) + fmt::format("{}  {}\n", pad(state, 4), t.name) +
         fmt::format("{:21}{}\n{:21}{}\n", "", t.meaning, "", "-> " + t.action);
}

}  // namespace

std::string render_faults(const bms::Snapshot& s, bool all, const RenderContext& ctx) {
  const std::uint32_t word = s.status->flags;
  const auto abnormal = ctx.catalogue.abnormal(word);
  std::string out;
  if (all) {
    out += ctx.style.paint(fmt::format("{} {} {}  {}", pad("Light", 8), pad("Kind", 11), pad("State", 4),
                                       "Name"), Color::bold) + "\n";
    for (const bms::FlagInfo& f : ctx.catalogue.flags()) {
      bool on = ((word >> f.bit) & 1U) != 0;
      if (f.abnormal_in(word)) {
        out += describe(f, on, ctx);
      } else {
        out += fmt::format("{} {} {}  {}\n", pad(f.light, 8), pad(std::string(bms::to_string(f.kind)), 11),
                           pad(on ? "on" : "off", 4), f.text(ctx.lang).name);
      }
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
