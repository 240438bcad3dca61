// rocketctl check --limits FILE [--samples N --interval S] [--junit FILE.xml] [--all]
// A test rig's verdict: the pack's readings against a limits file, one result per limit.
//
// A pack that cannot be read gives its usual exit status (3 no answer, 4 interface, ...), and
// the JUnit file, when asked for, is still written with one <testcase name="read"> holding
// the <error>: a CI job then shows why, instead of silently finding no report.
#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "bms/limits.hpp"
#include "bms/sessions.hpp"
#include "commands.hpp"
#include "exit_status.hpp"
#include "fleet.hpp"
#include "render/check.hpp"
#include "util/atomic_file.hpp"

namespace cli {
namespace {

struct CheckOptions {
  std::string limits;
  int samples = 1;
  double interval_s = 1;
  std::string junit;
  bool all = false;
};

// Reads the pack `samples` times, `interval_s` apart on the bus clock with its session kept
// open, and judges every limit on the worst values.
util::Task<CheckReport> check_pack(App& app, bms::Peer& peer, const bms::Limits& limits, CheckOptions o) {
  CheckReport r;
  r.address = peer.address();
  r.interface = app.interface_name();
  r.limits_file = limits.file;
  bms::Dispatcher& d = peer.dispatcher();
  const util::TimePoint t0 = d.clock().now();
  std::vector<bms::Sample> samples;
  for (int i = 0; i < o.samples && !r.error; ++i) {
    if (i > 0) {
      const auto until = t0 + std::chrono::duration_cast<util::Duration>(
                                  std::chrono::duration<double>(o.interval_s * i));
      std::vector<bms::Peer*> keep(1, &peer);  // not a braced list: GCC 12 cannot keep one in a coroutine frame
      if (auto waited = co_await bms::wait_keeping_sessions(d, std::move(keep), until); !waited) {
        r.error = waited.error();
        break;
      }
    }
    if (i == 0) r.started = bms::to_iso(bms::local_now());
    auto s = co_await bms::read_snapshot(peer, bms::k_all_parts);
    if (!s) {
      r.error = s.error();
      break;
    }
    r.serial = s->serial;
    r.connect = s->connect;
    samples.push_back({std::move(*s), bms::local_now()});
  }
  r.seconds = std::chrono::duration<double>(d.clock().now() - t0).count();
  if (!r.error) {
    r.samples = static_cast<int>(samples.size());
    r.results = bms::evaluate(limits, samples, app.catalogue());
  }
  co_return r;
}

CheckReport failed_report(App& app, const bms::Limits& limits, std::uint8_t address, util::Error e) {
  CheckReport r;
  r.address = address;
  r.interface = app.interface_name();
  r.limits_file = limits.file;
  r.started = bms::to_iso(bms::local_now());
  r.error = std::move(e);
  return r;
}

util::Result<void> write_junit(const std::string& path, const std::vector<CheckReport>& reports) {
  // Replaced on every run (a rig runs again and again); appears whole or not at all.
  auto file = util::AtomicFile::create(path, true);
  if (!file) return tl::unexpected(file.error());
  if (auto w = file->write(check_junit(reports)); !w) return w;
  return file->commit();
}

CommandResult run(App& app, const CheckOptions& o) {
  // The limits file first: a mistake in it is reported before the bus is touched.
  auto limits = bms::load_limits(o.limits, app.catalogue());
  if (!limits) return tl::unexpected(limits.error());
  if (!o.junit.empty())
    if (auto t = util::AtomicFile::check_target(o.junit, true); !t) return tl::unexpected(t.error());
  if (o.interval_s < 0 || o.interval_s > 3600)
    return util::fail(util::Errc::usage, "--interval takes 0 to 3600 seconds");
  auto lang = app.lang();
  if (!lang) return tl::unexpected(lang.error());
  const RenderContext ctx{app.catalogue(), *lang, app.style()};
  const auto own_address = static_cast<std::uint8_t>(app.options.address);

  std::vector<CheckReport> reports;
  auto show = [&](const CheckReport& r) {
    if (app.options.json)
      print_json_line(check_json(r));
    else
      fmt::print("{}", render_check(r, ctx));
    std::fflush(stdout);
  };

  if (o.all) app.options.targets.all = true;
  auto d = app.dispatcher();
  auto targets = d ? app.targets() : util::Result<bms::Targets>(tl::unexpected(d.error()));
  if (!targets) {
    reports.push_back(failed_report(app, *limits, own_address, targets.error()));
  } else {
    // Every pack at once, each read `samples` times; their samples interleave on the bus.
    std::vector<std::uint8_t> addresses = targets->addresses;
    addresses.insert(addresses.end(), targets->shared.begin(), targets->shared.end());
    std::sort(addresses.begin(), addresses.end());
    std::vector<util::Task<CheckReport>> checks;
    for (std::uint8_t a : addresses) checks.push_back(check_pack(app, (*d)->peer(a), *limits, o));
    reports = (*d)->run_all(std::move(checks));
    for (CheckReport& r : reports) {
      if (r.error && r.error->code == util::Errc::cancelled) continue;
      if (!r.error || app.several()) show(r);
    }
  }

  if (!o.junit.empty())
    if (auto w = write_junit(o.junit, reports); !w) return tl::unexpected(w.error());

  std::vector<PackFailure> failed;
  int passed = 0;
  for (const CheckReport& r : reports) {
    if (r.error)
      failed.push_back({r.address, *r.error});
    else if (check_passed(r))
      ++passed;
  }
  if (app.several() && !app.options.json)
    fmt::print("{}\n", ctx.style.paint(fmt::format("{} of {} packs pass", passed, reports.size()),
                                       passed == static_cast<int>(reports.size()) ? Color::green : Color::red));
  const int read = static_cast<int>(reports.size() - failed.size());
  return fleet_outcome(passed == read ? k_exit_ok : k_exit_faults, reports.size(), failed);
}

}  // namespace

CommandRun setup_check(CLI::App& sub, App& app) {
  auto o = std::make_shared<CheckOptions>();
  sub.add_option("--limits", o->limits, "The limits file (TOML; see docs/limits.example.toml)")
      ->required()
      ->type_name("FILE.toml");
  sub.add_option("--samples", o->samples, "Read the pack N times and judge each limit on its worst value")
      ->check(CLI::Range(1, 100000).description(""))
      ->type_name("N");
  sub.add_option("--interval", o->interval_s, "Seconds between two samples (default 1)")
      ->type_name("SECONDS");
  sub.add_option("--junit", o->junit, "Also write the results as JUnit XML for CI (replaced each run)")
      ->type_name("FILE.xml");
  sub.add_flag("--all", o->all, "Every pack that answers a broadcast CONNECT, one test suite each (the same as --address all)");
  return [&app, o] { return run(app, *o); };
}

}  // namespace cli
