// rocketctl faults [--all]
#include <fmt/format.h>

#include "commands.hpp"
#include "exit_status.hpp"
#include "fleet.hpp"
#include "render/fleet.hpp"
#include "render/reports.hpp"

namespace cli {
namespace {

CommandResult run(App& app, bool all) {
  auto lang = app.lang();
  if (!lang) return tl::unexpected(lang.error());
  const std::uint32_t parts = static_cast<std::uint32_t>(bms::Part::status) |
                              (app.several() ? static_cast<std::uint32_t>(bms::Part::identity) : 0U);
  auto packs = read_snapshots(app, parts);
  if (!packs) return tl::unexpected(packs.error());
  const RenderContext ctx{app.catalogue(), *lang, app.style()};
  int status = k_exit_ok;
  std::vector<PackFailure> failed;
  for (auto& p : *packs) {
    if (p.result && !p.result->status)
      p.result = util::fail(util::Errc::not_ready,
                            fmt::format("BMS 0x{:02X} is in bootloader mode: it reports no status lights", p.address));
    if (!p.result) {
      failed.push_back({p.address, p.result.error()});
      if (!app.several()) continue;
      if (app.options.json)
        print_json_line(pack_error_json("rocketctl.faults/1", p.address, p.result.error()));
      else
        fmt::print("{}", render_pack_error(p.address, p.result.error(), ctx));
      continue;
    }
    if (app.options.json)
      print_json_line(faults_json(*p.result, ctx));
    else
      fmt::print("{}{}", app.several() ? pack_heading(*p.result, ctx.style) : "", render_faults(*p.result, all, ctx));
    if (!ctx.catalogue.abnormal(p.result->status->flags).empty()) status = k_exit_faults;
  }
  return fleet_outcome(status, packs->size(), failed);
}

}  // namespace

CommandRun setup_faults(CLI::App& sub, App& app) {
  auto all = std::make_shared<bool>(false);
  sub.add_flag("--all", *all, "Show all 27 lights, like BMS Studio's panel (not: every pack; that is --address all)");
  return [&app, all] { return run(app, *all); };
}

}  // namespace cli
