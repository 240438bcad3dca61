// rocketctl faults [--all]
#include <fmt/format.h>

#include "commands.hpp"
#include "exit_status.hpp"
#include "render/reports.hpp"

namespace cli {
namespace {

CommandResult run(App& app, bool all) {
  auto lang = app.lang();
  if (!lang) return tl::unexpected(lang.error());
  auto client = app.client();
  if (!client) return tl::unexpected(client.error());
  auto s = bms::read_snapshot(**client, static_cast<std::uint32_t>(bms::Part::status));
  if (!s) return tl::unexpected(s.error());
  if (!s->status)
    return util::fail(util::Errc::refused, "the pack is in bootloader mode: it reports no status lights");
  const RenderContext ctx{app.catalogue(), *lang, app.style()};
  if (app.options.json)
    print_json_line(faults_json(*s, ctx));
  else
    fmt::print("{}", render_faults(*s, all, ctx));
  return ctx.catalogue.abnormal(s->status->flags).empty() ? k_exit_ok : k_exit_faults;
}

}  // namespace

CommandRun setup_faults(CLI::App& sub, App& app) {
  auto all = std::make_shared<bool>(false);
  sub.add_flag("--all", *all, "Show all 27 lights, like BMS Studio's panel");
  return [&app, all] { return run(app, *all); };
}

}  // namespace cli
