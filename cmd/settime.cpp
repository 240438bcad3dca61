// rocketctl settime [--at DATE] [--max-drift S] [--expect-serial SERIAL] [--all]
#include <fmt/format.h>

#include "bms/clock_sync.hpp"
#include "bench.hpp"
#include "bms/scan.hpp"
#include "commands.hpp"
#include "exit_status.hpp"
#include "fleet.hpp"
#include "render/fleet.hpp"
#include "render/reports.hpp"

namespace cli {
namespace {

struct SettimeOptions {
  std::string at;
  std::int64_t max_drift_s = -1;
  std::string expect_serial;
  bool all = false;
  bool bench = false;
  int count = 0;
  std::string report;
};

util::Result<bms::CalibrationOptions> calibration_options(const SettimeOptions& o) {
  bms::CalibrationOptions c;
  if (!o.at.empty()) {
    c.at = bms::parse_calendar(o.at);
    if (!c.at)
      return util::fail(util::Errc::usage,
                        fmt::format("--at {}: not a possible time; write 2026-11-24T10:00:00 "
                                    "(years 2000-2255)", o.at));
  }
  if (o.max_drift_s >= 0) c.max_drift_s = o.max_drift_s;
  if (!o.expect_serial.empty()) c.expect_serial = o.expect_serial;
  return c;
}

void show(App& app, const bms::Calibration& c, const bms::CalibrationOptions& co,
          const RenderContext& ctx) {
  if (app.options.json)
    print_json_line(calibration_json(c));
  else
    fmt::print("{}", render_calibration(c, co.max_drift_s, ctx));
}

CommandResult run(App& app, const SettimeOptions& o) {
  auto lang = app.lang();
  if (!lang) return tl::unexpected(lang.error());
  auto co = calibration_options(o);
  if (!co) return tl::unexpected(co.error());
  if (o.bench) return run_bench(app, BenchSettings{*co, o.count, o.report});
  if (o.count != 0 || !o.report.empty())
    return util::fail(util::Errc::usage, "--count and --report go with --auto");
  const RenderContext ctx{app.catalogue(), *lang, app.style()};
  if (o.all) app.options.targets.all = true;
  if (!app.several()) {
    auto client = app.client();
    if (!client) return tl::unexpected(client.error());
    auto c = bms::calibrate(**client, *co);
    if (!c) return tl::unexpected(c.error());
    show(app, *c, *co, ctx);
    return k_exit_ok;
  }

  // Several packs: every one calibrated at once.
  auto d = app.dispatcher();
  if (!d) return tl::unexpected(d.error());
  auto targets = app.targets();
  if (!targets) return tl::unexpected(targets.error());
  const bms::CalibrationOptions options = *co;
  auto packs = bms::for_each_pack<bms::Calibration>(
      **d, *targets, [options](bms::Peer& p) { return bms::calibrate(p, options); });
  int done = 0;
  for (const auto& p : packs) {
    if (p.result) {
      ++done;
      show(app, *p.result, *co, ctx);
      continue;
    }
    if (app.options.json)
      print_json_line(pack_error_json("rocketctl.settime/1", p.address, p.result.error()));
    else
      fmt::print("{}", render_pack_error(p.address, p.result.error(), ctx));
  }
  if (!app.options.json) fmt::print("{} of {} packs set\n", done, packs.size());
  return fleet_outcome(k_exit_ok, packs.size(), failures(packs));
}

}  // namespace

CommandRun setup_settime(CLI::App& sub, App& app) {
  auto o = std::make_shared<SettimeOptions>();
  sub.add_option("--at", o->at, "Set this time instead of the computer's local time")
      ->type_name("DATE");
  sub.add_option("--max-drift", o->max_drift_s, "Set only when the clock is off by more than SECONDS")
      ->check(CLI::Range(0, 86400 * 366).description(""))
      ->type_name("SECONDS");
  sub.add_option("--expect-serial", o->expect_serial, "Refuse to write when another pack answers")
      ->type_name("SERIAL");
  auto* all = sub.add_flag("--all", o->all, "Every pack that answers a broadcast CONNECT (the same as --address all)");
  sub.add_flag("--auto", o->bench,
               "Bench mode: calibrate each new pack plugged in (keyed on its serial) until Ctrl-C")
      ->excludes(all);
  sub.add_option("--count", o->count, "With --auto: stop after N packs")
      ->check(CLI::Range(1, 1000000).description(""))
      ->type_name("N");
  sub.add_option("--report", o->report,
                 "With --auto: append one CSV row per pack to FILE, synced to disk at once")
      ->type_name("FILE.csv");
  return [&app, o] { return run(app, *o); };
}

}  // namespace cli
