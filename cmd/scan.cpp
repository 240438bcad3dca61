// rocketctl scan
#include <fmt/format.h>

#include "bms/scan.hpp"
#include "commands.hpp"
#include "exit_status.hpp"
#include "render/reports.hpp"

namespace cli {
namespace {

CommandResult run(App& app) {
  auto lang = app.lang();
  if (!lang) return tl::unexpected(lang.error());
  auto result = app.scan_bus();
  if (!result) return tl::unexpected(result.error());
  const RenderContext ctx{app.catalogue(), *lang, app.style()};
  if (app.options.json)
    print_json_line(scan_json(*result));
  else
    fmt::print("{}", render_scan(*result, ctx));
  return result->shared.empty() ? k_exit_ok : k_exit_faults;
}

}  // namespace

CommandRun setup_scan(CLI::App& /*sub*/, App& app) {
  return [&app] { return run(app); };
}

}  // namespace cli
