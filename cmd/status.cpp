// rocketctl status [--watch [SECONDS]]
#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include "commands.hpp"
#include "exit_status.hpp"
#include "render/reports.hpp"

namespace cli {
namespace {

struct StatusOptions {
  double watch_s = 0;
  CLI::Option* watch = nullptr;
};

constexpr auto k_keepalive = std::chrono::seconds(4);  // §3.3: a request at least every 5 s

util::Result<StatusReport> read_report(App& app) {
  auto client = app.client();
  if (!client) return tl::unexpected(client.error());
  auto snapshot = bms::read_snapshot(**client, bms::k_all_parts);
  if (!snapshot) return tl::unexpected(snapshot.error());
  return StatusReport{std::move(*snapshot), bms::local_now(), app.interface_name()};
}

int exit_for(const StatusReport& r) {
  return r.snapshot.status && r.snapshot.status->flags != bms::k_normal_status ? k_exit_faults : k_exit_ok;
}

// Waits `seconds`, keeping the poll session open; false when stopped.
bool wait_keeping_session(App& app, double seconds) {
  auto until = std::chrono::steady_clock::now() +
               std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                   std::chrono::duration<double>(seconds));
  auto last = std::chrono::steady_clock::now();
  while (!g_stop.load()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= until) return true;
    if (now - last >= k_keepalive) {
      if (auto client = app.client()) (void)(*client)->status();
      last = now;
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        until - now, std::chrono::steady_clock::duration(std::chrono::milliseconds(100))));
  }
  return false;
}

CommandResult run(App& app, const StatusOptions& o) {
  auto lang = app.lang();
  if (!lang) return tl::unexpected(lang.error());
  const RenderContext ctx{app.catalogue(), *lang, app.style()};
  if (o.watch->count() == 0) {
    auto report = read_report(app);
    if (!report) return tl::unexpected(report.error());
    if (app.options.json)
      print_json_line(status_json(*report, ctx));
    else
      fmt::print("{}", render_status(*report, ctx));
    return exit_for(*report);
  }
  if (o.watch_s < 0.1 || o.watch_s > 3600)
    return util::fail(util::Errc::usage, "--watch takes 0.1 to 3600 seconds");
  const bool redraw = !app.options.json && stdout_is_terminal();
  int status = k_exit_ok;
  do {
    auto report = read_report(app);
    if (g_stop.load()) break;  // Ctrl-C ends a watch; a reading cut short is not shown
    if (app.options.json) {
      if (report)
        print_json_line(status_json(*report, ctx));
      else
        print_json_line({{"schema", "rocketctl.status/1"},
                         {"error", {{"code", errc_name(report.error().code)},
                                    {"message", report.error().message},
                                    {"exit_status", exit_status_for(report.error().code)}}}});
    } else {
      std::string text = report ? render_status(*report, ctx)
                                : ctx.style.paint(report.error().message, Color::red) + "\n" +
                                      ctx.catalogue.message("no_answer", ctx.lang) + "\n";
      fmt::print("{}{}\n{}", redraw ? "\x1b[H\x1b[J" : "", text,
                 ctx.style.paint(fmt::format("refreshing every {} s; Ctrl-C to stop", o.watch_s), Color::dim));
      std::fflush(stdout);
    }
    status = report ? exit_for(*report) : exit_status_for(report.error().code);
  } while (wait_keeping_session(app, o.watch_s));
  if (!app.options.json) fmt::print("\n");
  return status;
}

}  // namespace

CommandRun setup_status(CLI::App& sub, App& app) {
  auto o = std::make_shared<StatusOptions>();
  o->watch = sub.add_option("--watch", o->watch_s,
                            "Keep refreshing every SECONDS (default 2), keeping the session open")
                 ->expected(0, 1)
                 ->default_str("2")
                 ->type_name("SECONDS");
  return [&app, o] { return run(app, *o); };
}

}  // namespace cli
