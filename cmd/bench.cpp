// settime --auto: the bench mode. Prints a line (or a JSON object) per pack, appends a CSV
// row per pack to --report, and a summary at the end.
#include <fmt/format.h>

#include "bench.hpp"
#include "bms/bench.hpp"
#include "exit_status.hpp"
#include "render/format.hpp"
#include "util/append_log.hpp"

namespace cli {
namespace {

// The --report columns (README "Bench calibration"); times ISO 8601 local, drifts in seconds.
constexpr const char* k_report_header =
    "time,serial,address,result,bms_time_before,drift_before_s,time_set,bms_time_after,"
    "drift_after_s,message";

std::string result_name(const bms::BenchRecord& r) {
  if (!r.calibration) return "failed";
  return r.calibration->action == bms::CalibrationAction::set ? "set" : "within_max_drift";
}

std::string csv_row(const bms::BenchRecord& r) {
  std::string row = fmt::format("{},{},{},{}", bms::to_iso(r.time), util::csv_text(r.serial),
                                r.address, result_name(r));
  if (const auto& c = r.calibration) {
    const bool set = c->action == bms::CalibrationAction::set;
    row += fmt::format(",{},{},{},{},{},", bms::to_iso(c->bms_before), c->drift_before_s,
                       set ? bms::to_iso(c->target) : "", bms::to_iso(c->bms_after),
                       c->drift_after_s);
  } else {
    row += ",,,,,," + util::csv_text(r.error->message);
  }
  return row;
}

nlohmann::json json_of(const bms::BenchRecord& r) {
  nlohmann::json j = {{"schema", "rocketctl.bench/1"},
                      {"time", bms::to_iso(r.time)},
                      {"serial", r.serial},
                      {"address", r.address},
                      {"result", result_name(r)}};
  if (const auto& c = r.calibration) {
    j["bms_time_before"] = bms::to_iso(c->bms_before);
    j["drift_before_s"] = c->drift_before_s;
    j["time_set"] = c->action == bms::CalibrationAction::set ? nlohmann::json(bms::to_iso(c->target))
                                                              : nlohmann::json(nullptr);
    j["bms_time_after"] = bms::to_iso(c->bms_after);
    j["drift_after_s"] = c->drift_after_s;
  } else {
    j["error"] = {{"code", errc_name(r.error->code)}, {"message", r.error->message}};
  }
  return j;
}

std::string text_of(const bms::BenchRecord& r, const Style& style) {
  std::string head = fmt::format("{}  {:<21}", bms::to_string(r.time), r.serial);
  if (!r.calibration) return head + "  " + style.paint("FAILED: " + r.error->message, Color::red);
  const auto& c = *r.calibration;
  if (c.action == bms::CalibrationAction::within_max_drift)
    return head + fmt::format("  drift {}  within --max-drift: not set", signed_duration(c.drift_before_s));
  return head + fmt::format("  drift {} -> {}  ", signed_duration(c.drift_before_s),
                            signed_duration(c.drift_after_s)) +
         style.paint("set", Color::green);
}

}  // namespace

CommandResult run_bench(App& app, const BenchSettings& s) {
  std::optional<util::AppendLog> report;
  if (!s.report.empty()) {
    auto log = util::AppendLog::open(s.report, k_report_header);
    if (!log) return util::with_context(log.error(), "--report");
    report = std::move(*log);
  }
  auto client = app.client();
  if (!client) return tl::unexpected(client.error());
  const Style style = app.style();
  if (!app.options.quiet)
    fmt::print(stderr, "bench: waiting for a pack at BMS 0x{:02X} on {}; Ctrl-C to stop\n",
               app.options.address, app.interface_name());

  bms::BenchOptions o;
  o.calibration = s.calibration;
  o.count = s.count;
  std::optional<util::Error> report_error;
  auto summary = bms::run_bench(**client, o, [&](const bms::BenchRecord& r) {
    if (app.options.json)
      print_json_line(json_of(r));
    else
      fmt::print("{}\n", text_of(r, style));
    std::fflush(stdout);
    if (report) {
      // A row that cannot be saved stops the bench at once: the technician must know now.
      if (auto w = report->append(csv_row(r)); !w) {
        report_error = w.error();
        return false;
      }
    }
    return true;
  });
  if (!summary) return tl::unexpected(summary.error());
  if (!app.options.json && !app.options.quiet)
    fmt::print(stderr, "bench: {} {} set, {} failed{}\n", summary->done,
               summary->done == 1 ? "pack" : "packs", summary->failed,
               summary->largest_drift_serial.empty()
                   ? std::string()
                   : fmt::format(", largest drift {} ({})", signed_duration(summary->largest_drift_s),
                                 summary->largest_drift_serial));
  if (report_error)
    return util::with_context(*report_error, "the bench stopped: the last pack was calibrated, "
                                             "but its report row was not saved");
  return summary->failed == 0 ? k_exit_ok : k_exit_faults;
}

}  // namespace cli
