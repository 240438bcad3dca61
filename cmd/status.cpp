// rocketctl status [--watch [SECONDS]] [--record FILE.csv|FILE.jsonl [--max-size SIZE]]
#include <cstdint>
#include <cstdio>
#include <thread>

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include "bms/record.hpp"
#include "commands.hpp"
#include "exit_status.hpp"
#include "render/reports.hpp"

namespace cli {
namespace {

struct StatusOptions {
  double watch_s = 0;
  CLI::Option* watch = nullptr;
  std::string record;    // --record FILE.csv | FILE.jsonl
  std::string max_size;  // --max-size SIZE: rotate the recording
};

// "4096", "512k", "10M", "1G" (k = 1024 bytes); nullopt when malformed or too large.
std::optional<std::uint64_t> parse_size(const std::string& text) {
  std::size_t i = 0;
  std::uint64_t v = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i < 15)
    v = v * 10 + static_cast<std::uint64_t>(text[i++] - '0');
  if (i == 0) return std::nullopt;
  const std::string unit = text.substr(i);
  int shift = unit.empty() ? 0 : unit == "k" || unit == "K" ? 10 : unit == "M" ? 20 : unit == "G" ? 30 : -1;
  if (shift < 0 || v > (UINT64_MAX >> shift)) return std::nullopt;
  return v << shift;
}

util::Result<std::optional<bms::Recorder>> make_recorder(const StatusOptions& o) {
  if (o.record.empty()) {
    if (!o.max_size.empty()) return util::fail(util::Errc::usage, "--max-size goes with --record");
    return std::optional<bms::Recorder>();
  }
  std::uint64_t max = 0;
  if (!o.max_size.empty()) {
    auto size = parse_size(o.max_size);
    if (!size || *size < 1024)
      return util::fail(util::Errc::usage,
                        fmt::format("--max-size {}: write a size of at least 1k, like 4096, 512k, 10M or 1G",
                                    o.max_size));
    max = *size;
  }
  auto r = bms::Recorder::create(o.record, max);
  if (!r) return tl::unexpected(r.error());
  return std::optional<bms::Recorder>(std::move(*r));
}

// One row for this sample; a recording that cannot go on is an error that ends the command.
util::Result<void> record(std::optional<bms::Recorder>& rec, const util::Result<StatusReport>& report,
                          const App& app) {
  if (!rec) return {};
  if (report) return rec->append(report->local_time, report->snapshot);
  return rec->append_error(bms::local_now(), app.options.address, errc_name(report.error().code),
                           report.error().message);
}

void say_recorded(const std::optional<bms::Recorder>& rec) {
  if (!rec) return;
  if (rec->rows_written() == 0 && rec->rows_pending() > 0)
    spdlog::warn("nothing recorded to {}: the pack never answered", rec->path());
  else
    spdlog::info("{} rows recorded to {}{}", rec->rows_written(), rec->path(),
                 rec->rotations() ? fmt::format(" ({} rotations)", rec->rotations()) : "");
}

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
  auto rec = make_recorder(o);
  if (!rec) return tl::unexpected(rec.error());
  if (o.watch->count() == 0) {
    auto report = read_report(app);
    if (auto r = record(*rec, report, app); !r) return tl::unexpected(r.error());
    say_recorded(*rec);
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
    if (auto r = record(*rec, report, app); !r) return tl::unexpected(r.error());
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
  say_recorded(*rec);
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
  sub.add_option("--record", o->record,
                 "Append every sample as a row to FILE.csv or FILE.jsonl, synced to disk at once")
      ->type_name("FILE");
  sub.add_option("--max-size", o->max_size,
                 "With --record: rotate at SIZE (e.g. 10M): FILE -> FILE.1 ... FILE.5")
      ->type_name("SIZE");
  return [&app, o] { return run(app, *o); };
}

}  // namespace cli
