// rocketctl scan
#include <fmt/format.h>

#include "bms/scan.hpp"
#include "commands.hpp"
#include "exit_status.hpp"
#include "render/reports.hpp"

namespace cli {
namespace {

constexpr auto k_scan_window = std::chrono::milliseconds(300);  // 50 ms answer time, with room

CommandResult run(App& app) {
  auto lang = app.lang();
  if (!lang) return tl::unexpected(lang.error());
  auto client = app.client();
  if (!client) return tl::unexpected(client.error());
  auto map = app.frame_map();
  if (!map) return tl::unexpected(map.error());
  auto result = bms::scan(**client, **map, k_scan_window);
  if (!result) return tl::unexpected(result.error());
  if (result->packs.empty())
    return util::fail(util::Errc::no_answer,
                      fmt::format("no BMS answered a broadcast CONNECT on {}", app.interface_name()));
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
