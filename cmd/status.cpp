// rocketctl status [--watch [SECONDS]] [--record FILE.csv|FILE.jsonl [--max-size SIZE]]
#include <cstdint>
#include <cstdio>
#include <algorithm>

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include "bms/record.hpp"
#include "bms/sessions.hpp"
#include "commands.hpp"
#include "exit_status.hpp"
#include "fleet.hpp"
#include "render/fleet.hpp"
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

util::Result<StatusReport> read_report(App& app) {
  auto client = app.client();
  if (!client) return tl::unexpected(client.error());
  auto snapshot = bms::read_snapshot(**client, bms::k_all_parts);
  if (!snapshot) return tl::unexpected(snapshot.error());
  return StatusReport{std::move(*snapshot), bms::local_now(), app.interface_name()};
}

int exit_for(const bms::Snapshot& s) {
  return s.status && s.status->flags != bms::k_normal_status ? k_exit_faults : k_exit_ok;
}

// Waits `seconds` on the bus clock, keeping the sessions of `peers` open; false when stopped
// (Ctrl-C) or the interface failed.
bool wait_keeping_sessions(bms::Dispatcher& d, std::vector<bms::Peer*> peers, double seconds) {
  const auto until = d.clock().now() + std::chrono::duration_cast<util::Duration>(
                                           std::chrono::duration<double>(seconds));
  return d.run(bms::wait_keeping_sessions(d, std::move(peers), until)).has_value() && !g_stop.load();
}

// Ends with a newline: without a terminal the next sample follows on its own line.
std::string footer(const StatusOptions& o, const RenderContext& ctx) {
  return ctx.style.paint(fmt::format("refreshing every {} s; Ctrl-C to stop", o.watch_s), Color::dim) + "\n";
}

CommandResult run_one(App& app, const StatusOptions& o, const RenderContext& ctx,
                      std::optional<bms::Recorder>& rec) {
  if (o.watch->count() == 0) {
    auto report = read_report(app);
    if (auto r = record(rec, report, app); !r) return tl::unexpected(r.error());
    say_recorded(rec);
    if (!report) return tl::unexpected(report.error());
    if (app.options.json)
      print_json_line(status_json(*report, ctx));
    else
      fmt::print("{}", render_status(*report, ctx));
    return exit_for(report->snapshot);
  }
  auto client = app.client();
  if (!client) return tl::unexpected(client.error());
  const bool redraw = !app.options.json && stdout_is_terminal();
  int status = k_exit_ok;
  do {
    auto report = read_report(app);
    if (g_stop.load()) break;  // Ctrl-C ends a watch; a reading cut short is not shown
    if (auto r = record(rec, report, app); !r) return tl::unexpected(r.error());
    if (app.options.json) {
      if (report)
        print_json_line(status_json(*report, ctx));
      else
        print_json_line(pack_error_json("rocketctl.status/1", static_cast<std::uint8_t>(app.options.address),
                                        report.error()));
    } else {
      std::string text = report ? render_status(*report, ctx)
                                : ctx.style.paint(report.error().message, Color::red) + "\n" +
                                      ctx.catalogue.message("no_answer", ctx.lang) + "\n";
      fmt::print("{}{}\n{}", redraw ? "\x1b[H\x1b[J" : "", text, footer(o, ctx));
      std::fflush(stdout);
    }
    status = report ? exit_for(report->snapshot) : exit_status_for(report.error().code);
  } while (wait_keeping_sessions((*client)->dispatcher(), {&(*client)->peer()}, o.watch_s));
  say_recorded(rec);
  return status;
}

// --address with several packs: every pack read at once, one row (or JSON object) each.
CommandResult run_several(App& app, const StatusOptions& o, const RenderContext& ctx,
                          std::optional<bms::Recorder>& rec) {
  auto d = app.dispatcher();
  if (!d) return tl::unexpected(d.error());
  auto targets = app.targets();
  if (!targets) return tl::unexpected(targets.error());
  const bool watch = o.watch->count() > 0;
  const bool redraw = watch && !app.options.json && stdout_is_terminal();
  int status = k_exit_ok;
  std::vector<PackFailure> failed;  // in the last reading
  std::size_t total = 0;
  std::vector<std::uint8_t> known = targets->addresses;     // every pack seen in this run
  std::vector<std::uint8_t> answered = targets->addresses;  // at the last broadcast
  for (;;) {
    auto packs = bms::for_each_pack<bms::Snapshot>(
        **d, *targets, [](bms::Peer& p) { return bms::read_snapshot(p, bms::k_all_parts); });
    if (g_stop.load()) break;
    const bms::Calendar local = bms::local_now();
    status = k_exit_ok;
    failed = failures(packs);
    total = packs.size();
    for (const auto& p : packs) {
      if (rec) {
        auto r = p.result ? rec->append(local, *p.result)
                          : rec->append_error(local, p.address, errc_name(p.result.error().code),
                                              p.result.error().message);
        if (!r) return tl::unexpected(r.error());
      }
      if (p.result) status = worse_exit(status, exit_for(*p.result));
      if (app.options.json)
        print_json_line(p.result ? status_json(StatusReport{*p.result, local, app.interface_name()}, ctx)
                                 : pack_error_json("rocketctl.status/1", p.address, p.result.error()));
    }
    if (!app.options.json) {
      fmt::print("{}{}", redraw ? "\x1b[H\x1b[J" : "", render_status_table(packs, ctx));
      if (watch) fmt::print("{}", footer(o, ctx));
      std::fflush(stdout);
    }
    if (!watch) break;
    std::vector<bms::Peer*> peers;
    for (std::uint8_t a : targets->addresses) peers.push_back(&(*d)->peer(a));
    if (!wait_keeping_sessions(**d, peers, o.watch_s)) break;
    if (app.options.targets.all) {  // packs plugged in or taken away meanwhile
      auto now = app.targets();
      if (!now && now.error().code != util::Errc::no_answer) return tl::unexpected(now.error());
      const std::vector<std::uint8_t> answering = now ? now->addresses : std::vector<std::uint8_t>{};
      for (std::uint8_t a : answering)
        if (std::find(known.begin(), known.end(), a) == known.end()) {
          spdlog::warn("BMS 0x{:02X} appeared on {}", a, app.interface_name());
          known.push_back(a);
        }
      for (std::uint8_t a : answered)
        if (std::find(answering.begin(), answering.end(), a) == answering.end())
          spdlog::warn("BMS 0x{:02X} no longer answers a broadcast CONNECT on {}", a, app.interface_name());
      answered = answering;
      std::sort(known.begin(), known.end());
      targets->addresses = known;  // a pack that vanished stays, as a row that says so
      if (now) targets->shared = now->shared;
    }
  }
  say_recorded(rec);
  return fleet_outcome(status, total, failed);
}

CommandResult run(App& app, const StatusOptions& o) {
  auto lang = app.lang();
  if (!lang) return tl::unexpected(lang.error());
  const RenderContext ctx{app.catalogue(), *lang, app.style()};
  if (o.watch->count() > 0 && (o.watch_s < 0.1 || o.watch_s > 3600))
    return util::fail(util::Errc::usage, "--watch takes 0.1 to 3600 seconds");
  auto rec = make_recorder(o);
  if (!rec) return tl::unexpected(rec.error());
  return app.several() ? run_several(app, o, ctx, *rec) : run_one(app, o, ctx, *rec);
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
