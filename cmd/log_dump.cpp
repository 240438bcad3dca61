// rocketctl log dump [-o FILE] [--format xlsx|csv|json] [--force] [--since DATE]
// Reads the pack's whole event log over the diagnostic channel (§7) and prints it as a table
// (or JSON), or saves it as a workbook, CSV or JSON file that appears only when complete.
#include <algorithm>
#include <cctype>
#include <cstdio>

#include <fmt/format.h>

#include "commands.hpp"
#include "exit_status.hpp"
#include "fleet.hpp"
#include "render/fleet.hpp"
#include "progress.hpp"
#include "render/event_log.hpp"
#include "util/atomic_file.hpp"

namespace cli {
namespace {

struct DumpOptions {
  std::string output;
  std::string format;
  bool force = false;
  std::string since;
};

enum class Format { table, json, csv, xlsx };

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// --format, else the extension of -o, else the table (or JSON with --json).
util::Result<Format> choose_format(const DumpOptions& o, bool json) {
  std::string name = lower(o.format);
  if (name.empty() && !o.output.empty()) {
    auto dot = o.output.rfind('.');
    auto slash = o.output.rfind('/');
    std::string ext = dot == std::string::npos || (slash != std::string::npos && dot < slash)
                          ? std::string()
                          : lower(o.output.substr(dot + 1));
    if (ext != "xlsx" && ext != "csv" && ext != "json")
      return util::fail(util::Errc::usage,
                        fmt::format("-o {}: cannot tell the format from the name; end it in .xlsx, "
                                    ".csv or .json, or add --format xlsx|csv|json", o.output));
    name = ext;
  }
  if (name == "xlsx") {
    if (o.output.empty())
      return util::fail(util::Errc::usage, "--format xlsx writes a file: add -o FILE.xlsx");
    return Format::xlsx;
  }
  if (name == "csv") return Format::csv;
  if (name == "json") return Format::json;
  return json ? Format::json : Format::table;
}

util::Result<std::optional<bms::Calendar>> parse_since(const std::string& text) {
  if (text.empty()) return std::optional<bms::Calendar>{};
  auto c = bms::parse_calendar(text.size() == 10 ? text + "T00:00:00" : text);
  if (!c)
    return util::fail(util::Errc::usage,
                      fmt::format("--since {}: not a possible time; write 2020-10-17 or "
                                  "2020-10-17T16:48:40 (BMS local time)", text));
  return c;
}

util::Result<EventLogReport> read_report(App& app, std::uint8_t address,
                                         const std::optional<bms::Calendar>& since) {
  auto d = app.dispatcher();
  if (!d) return tl::unexpected(d.error());
  bms::Peer& peer = (*d)->peer(address);
  auto info = (*d)->run(peer.connect());  // the firmware; and it tells "no answer" before the long read
  if (!info) return tl::unexpected(info.error());
  auto serial = (*d)->run(peer.serial());
  if (!serial) return tl::unexpected(serial.error());
  auto uds = app.uds(address);
  if (!uds) return tl::unexpected(uds.error());

  ProgressBar bar("reading the event log", ProgressBar::wanted(app.options.quiet));
  auto log = bms::read_event_log(**uds, [&bar](std::size_t done, std::size_t total) {
    bar.update(done, total);
  });
  bar.finish();
  // Ctrl-C ends the read with whatever error the cut-short exchange gave; it is an interruption.
  if (g_stop.load()) return util::fail(util::Errc::cancelled, "interrupted: nothing written");
  if (!log) return util::with_context(log.error(), "reading the event log");

  EventLogReport r;
  r.interface = app.interface_name();
  r.address = address;
  r.serial = *serial;
  r.firmware = info->firmware;
  r.read_at = bms::local_now();
  r.count = log->layout.count;
  r.capacity = log->layout.capacity;
  r.since = since;
  r.rows = select_rows(log->records, since);
  return r;
}

const char* format_name(Format f) {
  switch (f) {
    case Format::xlsx: return "xlsx";
    case Format::csv: return "csv";
    case Format::json: return "json";
    case Format::table: return "table";
  }
  return "table";
}

// Writes the file under a temporary name and renames it when complete (util::AtomicFile).
// One log: the one-pack layouts; several: a sheet (or serial column) a pack, failures named.
util::Result<void> save(const std::vector<EventLogReport>& logs, const std::vector<FailedLog>& failed,
                        Format format, const DumpOptions& o, const RenderContext& ctx) {
  auto file = util::AtomicFile::create(o.output, o.force);
  if (!file) return tl::unexpected(file.error());
  const bool one = logs.size() == 1 && failed.empty();
  util::Result<void> written;
  if (format == Format::xlsx)
    written = write_event_logs_xlsx(logs, failed, ctx, file->temp_path());
  else if (format == Format::csv)
    written = file->write(one ? event_log_csv(logs.front(), ctx) : event_logs_csv(logs, ctx));
  else
    written = file->write((one ? event_log_json(logs.front(), ctx) : event_logs_json(logs, failed, ctx))
                              .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
                          "\n");
  if (!written) return tl::unexpected(written.error());  // the temporary file goes with `file`
  // Ctrl-C while writing: no file, as when it comes during the read.
  if (g_stop.load()) return util::fail(util::Errc::cancelled, "interrupted: nothing written");
  return file->commit();
}

// Several packs: one after the other (the diagnostic channel fills the bus); a pack that fails
// is named and the others go on; the file holds every log that was read.
CommandResult dump_several(App& app, const DumpOptions& o, Format format,
                           const std::optional<bms::Calendar>& since, const RenderContext& ctx) {
  auto targets = app.targets();
  if (!targets) return tl::unexpected(targets.error());
  std::vector<std::uint8_t> all = targets->addresses;
  all.insert(all.end(), targets->shared.begin(), targets->shared.end());
  std::sort(all.begin(), all.end());
  std::vector<EventLogReport> logs;
  std::vector<FailedLog> failed_logs;
  std::vector<PackFailure> failed;
  for (std::uint8_t a : all) {
    auto r = read_report(app, a, since);
    if (!r && r.error().code == util::Errc::cancelled)
      return util::fail(util::Errc::cancelled, "interrupted: nothing written");
    if (!r) {
      failed.push_back({a, r.error()});
      failed_logs.push_back({a, r.error().message});
      if (!app.options.json) fmt::print(stderr, "{}", render_pack_error(a, r.error(), ctx));
      continue;
    }
    if (o.output.empty()) {
      if (format == Format::json)
        print_json_line(event_log_json(*r, ctx));
      else if (format == Format::table)
        fmt::print("{}{}", logs.empty() ? "" : "\n", render_event_log(*r, ctx));
    }
    logs.push_back(std::move(*r));
  }
  if (o.output.empty() && format == Format::csv) fmt::print("{}", event_logs_csv(logs, ctx));
  if (!o.output.empty() && !logs.empty()) {
    if (auto saved = save(logs, failed_logs, format, o, ctx); !saved) return tl::unexpected(saved.error());
    std::size_t records = 0;
    for (const auto& l : logs) records += l.rows.size();
    if (app.options.json)
      print_json_line({{"schema", "rocketctl.logs/1"}, {"file", o.output}, {"format", format_name(format)},
                       {"packs", logs.size()}, {"records", records}});
    else
      fmt::print("Saved {} records of {} packs to {}\n", records, logs.size(), o.output);
  }
  for (const PackFailure& f : failed)
    if (app.options.json) print_json_line(pack_error_json("rocketctl.log/1", f.address, f.error));
  return fleet_outcome(k_exit_ok, all.size(), failed);
}

CommandResult run_dump(App& app, const DumpOptions& o) {
  // Everything that can be wrong with the command line is said before the long read.
  auto since = parse_since(o.since);
  if (!since) return tl::unexpected(since.error());
  auto format = choose_format(o, app.options.json);
  if (!format) return tl::unexpected(format.error());
  if (o.output.empty() && o.force)
    return util::fail(util::Errc::usage, "--force goes with -o FILE");
  if (!o.output.empty())
    if (auto ok = util::AtomicFile::check_target(o.output, o.force); !ok) return tl::unexpected(ok.error());
  auto lang = app.lang();
  if (!lang) return tl::unexpected(lang.error());
  const RenderContext ctx{app.catalogue(), *lang, app.style()};

  if (app.several()) return dump_several(app, o, *format, *since, ctx);
  auto report = read_report(app, static_cast<std::uint8_t>(app.options.address), *since);
  if (!report) return tl::unexpected(report.error());

  if (o.output.empty()) {
    if (*format == Format::json)
      print_json_line(event_log_json(*report, ctx));
    else if (*format == Format::csv)
      fmt::print("{}", event_log_csv(*report, ctx));
    else
      fmt::print("{}", render_event_log(*report, ctx));
    return k_exit_ok;
  }
  if (auto saved = save({*report}, {}, *format, o, ctx); !saved) return tl::unexpected(saved.error());
  if (app.options.json) {
    nlohmann::json j = event_log_json(*report, ctx);
    j["file"] = o.output;
    j["format"] = format_name(*format);
    print_json_line(j);
  } else {
    fmt::print("Saved {} record{} of pack {} to {}\n", report->rows.size(),
               report->rows.size() == 1 ? "" : "s", report->serial, o.output);
  }
  return k_exit_ok;
}

}  // namespace

CommandRun setup_log(CLI::App& sub, App& app) {
  sub.require_subcommand(1);
  CLI::App* dump = sub.add_subcommand(
      "dump", "Read the whole event log: print it, or save it with -o as .xlsx, .csv or .json");
  auto o = std::make_shared<DumpOptions>();
  dump->add_option("-o,--output", o->output,
                   "Save to FILE (.xlsx, .csv or .json), written whole or not at all")
      ->type_name("FILE");
  dump->add_option("--format", o->format, "File format: xlsx, csv or json (default: from FILE's name)")
      ->check(CLI::IsMember({"xlsx", "csv", "json"}, CLI::ignore_case).description(""))
      ->type_name("FORMAT");
  dump->add_flag("--force", o->force, "Replace FILE when it exists");
  dump->add_option("--since", o->since, "Only records from DATE on (YYYY-MM-DD[THH:MM:SS], BMS time)")
      ->type_name("DATE");
  return [&app, o, dump]() -> CommandResult {
    if (dump->parsed()) return run_dump(app, *o);
    return util::fail(util::Errc::usage, "log needs a subcommand: log dump");
  };
}

}  // namespace cli
