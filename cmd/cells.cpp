// rocketctl cells
#include <fmt/format.h>

#include "commands.hpp"
#include "exit_status.hpp"
#include "render/reports.hpp"

namespace cli {
namespace {

CommandResult run(App& app) {
  auto lang = app.lang();
  if (!lang) return tl::unexpected(lang.error());
  auto client = app.client();
  if (!client) return tl::unexpected(client.error());
  auto s = bms::read_snapshot(**client, bms::Part::cells | bms::Part::status);
  if (!s) return tl::unexpected(s.error());
  if (!s->cell_summary)
    return util::fail(util::Errc::refused, "the pack is in bootloader mode: it reports no cells");
  const RenderContext ctx{app.catalogue(), *lang, app.style()};
  if (app.options.json)
    print_json_line(cells_json(*s, ctx));
  else
    fmt::print("{}", render_cells(*s, ctx));
  return s->cell_summary->diff_mv() > 100 ? k_exit_faults : k_exit_ok;
}

}  // namespace

CommandRun setup_cells(CLI::App& /*sub*/, App& app) {
  return [&app] { return run(app); };
}

}  // namespace cli
