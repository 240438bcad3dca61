// rocketctl check --limits FILE [--samples N --interval S] [--junit FILE.xml] [--all]
// A test rig's verdict: the pack's readings against a limits file, one result per limit.
//
// A pack that cannot be read gives its usual exit status (3 no answer, 4 interface, ...), and
// the JUnit file, when asked for, is still written with one <testcase name="read"> holding
// the <error>: a CI job then shows why, instead of silently finding no report.
#include <algorithm>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "bms/limits.hpp"
#include "commands.hpp"
#include "exit_status.hpp"
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

constexpr auto k_keepalive = std::chrono::seconds(4);  // §3.3: a request at least every 5 s

// Waits `seconds`, keeping the poll session of `client` open; false when stopped.
bool wait_keeping_session(bms::Client& client, double seconds) {
  using clock = std::chrono::steady_clock;
  const auto until = clock::now() + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(seconds));
  auto last = clock::now();
  while (!g_stop.load()) {
    auto now = clock::now();
    if (now >= until) return true;
    if (now - last >= k_keepalive) {
      (void)client.status();
      last = now;
    }
    std::this_thread::sleep_for(std::min<clock::duration>(until - now, std::chrono::milliseconds(100)));
  }
  return false;
}

// Reads the pack `samples` times and judges every limit on the worst values.
CheckReport check_pack(App& app, bms::Client& client, const bms::Limits& limits, const CheckOptions& o) {
  CheckReport r;
  r.address = client.options().bms;
  r.interface = app.interface_name();
  r.limits_file = limits.file;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<bms::Sample> samples;
  for (int i = 0; i < o.samples && !r.error; ++i) {
    if (i > 0 && !wait_keeping_session(client, o.interval_s)) break;
    if (i == 0) r.started = bms::to_iso(bms::local_now());
    auto s = bms::read_snapshot(client, bms::k_all_parts);
    if (g_stop.load()) break;
    if (!s) {
      r.error = s.error();
      break;
    }
    r.serial = s->serial;
    r.connect = s->connect;
    samples.push_back({std::move(*s), bms::local_now()});
  }
  if (g_stop.load() && !r.error) r.error = util::Error{util::Errc::cancelled, "interrupted"};
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!r.error) {
    r.samples = static_cast<int>(samples.size());
    r.results = bms::evaluate(limits, samples, app.catalogue());
  }
  return r;
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

  auto client = app.client();
  if (!client) {
    reports.push_back(failed_report(app, *limits, own_address, client.error()));
  } else if (!o.all) {
    reports.push_back(check_pack(app, **client, *limits, o));
    if (!reports.back().error) show(reports.back());
  } else {
    // --all: every pack that answers a broadcast CONNECT, one after the other.
    auto map = app.frame_map();
    auto found = map ? app.scan_bus() : util::Result<bms::ScanResult>(tl::unexpected(map.error()));
    if (!found) {
      reports.push_back(failed_report(app, *limits, own_address, found.error()));
    } else {
      for (const bms::ScannedPack& p : found->packs) {
        if (g_stop.load()) break;
        if (std::find(found->shared.begin(), found->shared.end(), p.address) != found->shared.end()) {
          reports.push_back(failed_report(
              app, *limits, p.address,
              util::Error{util::Errc::refused,
                          fmt::format("BMS 0x{:02X}: two packs answer from this address; not checked "
                                      "(give each pack its own address)", p.address)}));
        } else {
          bms::ClientOptions options = (*client)->options();
          options.bms = p.address;
          bms::Client each((*client)->bus(), **map, options);
          reports.push_back(check_pack(app, each, *limits, o));
        }
        show(reports.back());
      }
    }
  }

  if (!o.junit.empty())
    if (auto w = write_junit(o.junit, reports); !w) return tl::unexpected(w.error());

  std::optional<util::Error> first_error;
  int errors = 0, passed = 0;
  for (const CheckReport& r : reports) {
    if (r.error) {
      ++errors;
      if (!first_error) first_error = r.error;
    } else if (check_passed(r)) {
      ++passed;
    }
  }
  if (o.all && !app.options.json)
    fmt::print("{}\n", ctx.style.paint(fmt::format("{} of {} packs pass", passed, reports.size()),
                                       passed == static_cast<int>(reports.size()) ? Color::green : Color::red));
  if (first_error) {
    if (o.all && reports.size() > 1)
      first_error->context(fmt::format("{} of {} packs could not be checked, the first", errors, reports.size()));
    return tl::unexpected(*first_error);
  }
  return passed == static_cast<int>(reports.size()) ? k_exit_ok : k_exit_faults;
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
  sub.add_flag("--all", o->all, "Every pack that answers a broadcast CONNECT, one test suite each");
  return [&app, o] { return run(app, *o); };
}

}  // namespace cli
