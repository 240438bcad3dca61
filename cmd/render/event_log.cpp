// `log dump` renderers: the event log as a table, JSON, CSV and an Excel workbook.
#include "render/event_log.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <string_view>

#include <fmt/format.h>

#include <xlsxwriter.h>

#include "render/format.hpp"
#include "util/append_log.hpp"

namespace cli {
namespace {

// `milli` thousandths shown with `digits` decimals (the record's resolution: V to 10 mV,
// cells to 1 mV), rounded half away from zero: 41800 -> "41.80", -10 -> "-0.01".
std::string decimal(std::int64_t milli, int digits) {
  std::int64_t unit = digits == 3 ? 1 : digits == 2 ? 10 : digits == 1 ? 100 : 1000;
  std::int64_t a = (std::llabs(milli) + unit / 2) / unit;
  std::int64_t scale = 1000 / unit;
  std::string sign = milli < 0 && a != 0 ? "-" : "";
  if (digits == 0) return sign + std::to_string(a);
  return fmt::format("{}{}.{:0{}}", sign, a / scale, a % scale, digits);
}

std::string iso_time(const bms::EventRecord& r) { return bms::to_iso(bms::record_time(r)); }

const bms::FlagInfo* flag_info(const std::optional<int>& flag, const RenderContext& ctx) {
  if (!flag || *flag < 0 || *flag >= static_cast<int>(ctx.catalogue.flags().size())) return nullptr;
  return &ctx.catalogue.flags()[static_cast<std::size_t>(*flag)];
}

std::string flag_light(const std::optional<int>& flag, const RenderContext& ctx) {
  if (!flag) return {};
  const bms::FlagInfo* f = flag_info(flag, ctx);
  return f ? f->light : fmt::format("flag {}", *flag);
}

std::string flag_name(const std::optional<int>& flag, const RenderContext& ctx) {
  const bms::FlagInfo* f = flag_info(flag, ctx);
  return f ? f->text(ctx.lang).name : std::string();
}

std::string firmware_text(const bms::FirmwareVersion& v) { return v.to_string(); }

// The columns every format shares, with their headers in the table, CSV and workbook.
struct Column {
  const char* table;
  const char* csv;
  const char* sheet;
  double sheet_width;
};
constexpr std::array<Column, 11> k_columns = {{
    {"#", "number", "#", 6},
    {"Time", "time", "Time", 20},
    {"Event", "event", "Event", 27},
    {"Flag", "flag", "Flag", 9},
    {"", "flag_name", "Flag name", 44},
    {"Pack V", "pack_voltage_v", "Pack V", 9},
    {"Current A", "current_a", "Current A", 10},
    {"Max cell V", "max_cell_v", "Max cell V", 11},
    {"Min cell V", "min_cell_v", "Min cell V", 11},
    {"Max °C", "max_temp_c", "Max °C", 8},
    {"RSOC %", "rsoc_pct", "RSOC %", 8},
}};

// Two lines: the pack, then the log's size and when it was read.
std::string title(const EventLogReport& r, const Style& style) {
  std::string pack = style.paint(fmt::format("Event log of pack {}", r.serial), Color::bold);
  std::string size = fmt::format("{} record{} (capacity {})", r.count, r.count == 1 ? "" : "s",
                                 r.capacity);
  if (r.since)
    size = fmt::format("{} of {} since {}", r.rows.size(), size, bms::to_string(*r.since));
  return fmt::format("{}  BMS 0x{:02X} on {}  firmware {}\n{}, read {}\n", pack, r.address,
                     r.interface, firmware_text(r.firmware), size, bms::to_string(r.read_at));
}

}  // namespace

std::vector<EventLogRow> select_rows(const std::vector<bms::EventRecord>& records,
                                     const std::optional<bms::Calendar>& since) {
  std::vector<EventLogRow> rows;
  const std::int64_t from = since ? bms::to_seconds(*since) : 0;
  for (std::size_t i = 0; i < records.size(); ++i)
    if (!since || static_cast<std::int64_t>(records[i].time_s) >= from)
      rows.push_back({static_cast<int>(i + 1), records[i]});
  return rows;
}

std::string flag_words(const std::optional<int>& flag, const RenderContext& ctx) {
  if (!flag) return {};
  std::string name = flag_name(flag, ctx);
  return name.empty() ? flag_light(flag, ctx) : flag_light(flag, ctx) + " " + name;
}

std::string render_event_log(const EventLogReport& r, const RenderContext& ctx) {
  std::string out = title(r, ctx.style);
  if (r.rows.empty()) return out + (r.count == 0 ? "The event log is empty.\n" : "No records since then.\n");
  out += "\n";
  // The flag column holds the light and its name; the table has no separate name column.
  constexpr std::size_t k_flag_name = 4;
  std::vector<std::array<std::string, k_columns.size()>> cells;
  for (const EventLogRow& row : r.rows) {
    const bms::EventRecord& e = row.record;
    cells.push_back({std::to_string(row.number), bms::to_string(bms::record_time(e)),
                     bms::event_name(e.code), flag_words(e.flag, ctx), "",
                     decimal(e.voltage_mv, 2), decimal(e.current_ma, 2), decimal(e.max_cell_mv, 3),
                     decimal(e.min_cell_mv, 3), std::to_string(e.max_temp_c),
                     std::to_string(e.rsoc_pct)});
  }
  // Display widths (UTF-8: "°" is one column).
  auto columns_of = [](const std::string& s) {
    std::size_t n = 0;
    for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
    return n;
  };
  std::array<std::size_t, k_columns.size()> width{};
  for (std::size_t c = 0; c < k_columns.size(); ++c) {
    width[c] = columns_of(k_columns[c].table);
    for (auto& row : cells) width[c] = std::max(width[c], columns_of(row[c]));
  }
  auto right = [&](const std::string& s, std::size_t w) {
    return std::string(w > columns_of(s) ? w - columns_of(s) : 0, ' ') + s;
  };
  // Left-aligned: time, event, flag; the rest are numbers, right-aligned.
  auto is_text = [](std::size_t c) { return c >= 1 && c <= 3; };
  auto line = [&](const std::array<std::string, k_columns.size()>& row) {
    std::string text;
    for (std::size_t c = 0; c < k_columns.size(); ++c) {
      if (c == k_flag_name) continue;
      if (!text.empty()) text += "  ";
      text += is_text(c) ? pad(row[c], width[c]) : right(row[c], width[c]);
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text + "\n";
  };
  std::array<std::string, k_columns.size()> header;
  for (std::size_t c = 0; c < k_columns.size(); ++c) header[c] = k_columns[c].table;
  std::string head = line(header);
  head.pop_back();
  out += ctx.style.paint(head, Color::bold) + "\n";
  for (auto& row : cells) out += line(row);
  return out;
}

nlohmann::json event_log_json(const EventLogReport& r, const RenderContext& ctx) {
  nlohmann::json j;
  j["schema"] = "rocketctl.log/1";
  j["interface"] = r.interface;
  j["address"] = r.address;
  j["serial"] = r.serial;
  j["firmware"] = r.firmware.valid() ? nlohmann::json(r.firmware.to_string()) : nlohmann::json(nullptr);
  j["read_at"] = bms::to_iso(r.read_at);
  j["since"] = r.since ? nlohmann::json(bms::to_iso(*r.since)) : nlohmann::json(nullptr);
  j["count"] = r.count;
  j["capacity"] = r.capacity;
  nlohmann::json records = nlohmann::json::array();
  for (const EventLogRow& row : r.rows) {
    const bms::EventRecord& e = row.record;
    nlohmann::json o;
    o["number"] = row.number;
    o["time"] = iso_time(e);
    o["time_s"] = e.time_s;  // seconds since 2000-01-01 00:00:00, BMS local time
    o["event"] = bms::event_key(e.code);
    o["event_code"] = e.code;
    o["event_name"] = bms::event_name(e.code);
    o["flag"] = e.flag ? nlohmann::json(*e.flag) : nlohmann::json(nullptr);
    o["flag_light"] = e.flag ? nlohmann::json(flag_light(e.flag, ctx)) : nlohmann::json(nullptr);
    o["flag_name"] = flag_info(e.flag, ctx) ? nlohmann::json(flag_name(e.flag, ctx)) : nlohmann::json(nullptr);
    o["voltage_mv"] = e.voltage_mv;
    o["current_ma"] = e.current_ma;
    o["max_cell_mv"] = e.max_cell_mv;
    o["min_cell_mv"] = e.min_cell_mv;
    o["max_temperature_c"] = e.max_temp_c;
    o["rsoc_pct"] = e.rsoc_pct;
    records.push_back(std::move(o));
  }
  j["records"] = std::move(records);
  return j;
}

std::string event_log_csv(const EventLogReport& r, const RenderContext& ctx) {
  std::string out;
  for (std::size_t c = 0; c < k_columns.size(); ++c) out += (c ? "," : "") + std::string(k_columns[c].csv);
  out += "\r\n";
  for (const EventLogRow& row : r.rows) {
    const bms::EventRecord& e = row.record;
    // Text through csv_text (quoting, formula escape); numbers as they are: a spreadsheet
    // reads "-0.01" as a number, not a formula.
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\r\n", row.number, iso_time(e),
                       util::csv_text(bms::event_name(e.code)),
                       util::csv_text(flag_light(e.flag, ctx)), util::csv_text(flag_name(e.flag, ctx)),
                       decimal(e.voltage_mv, 2), decimal(e.current_ma, 2),
                       decimal(e.max_cell_mv, 3), decimal(e.min_cell_mv, 3), e.max_temp_c,
                       e.rsoc_pct);
  }
  return out;
}

namespace {

lxw_datetime to_lxw(const bms::Calendar& c) {
  return lxw_datetime{c.year, c.month, c.day, c.hour, c.minute, static_cast<double>(c.second)};
}

// libxlsxwriter reports most errors only when the workbook is closed; the first error of a
// write is kept so that a failure is never silent.
struct SheetWriter {
  lxw_worksheet* sheet;
  lxw_error first = LXW_NO_ERROR;
  void keep(lxw_error e) {
    if (first == LXW_NO_ERROR) first = e;
  }
  void text(lxw_row_t row, lxw_col_t col, const std::string& s, lxw_format* f = nullptr) {
    if (!s.empty()) keep(worksheet_write_string(sheet, row, col, s.c_str(), f));
  }
  void number(lxw_row_t row, lxw_col_t col, double v, lxw_format* f = nullptr) {
    keep(worksheet_write_number(sheet, row, col, v, f));
  }
  void time(lxw_row_t row, lxw_col_t col, const bms::Calendar& c, lxw_format* f) {
    lxw_datetime dt = to_lxw(c);
    keep(worksheet_write_datetime(sheet, row, col, &dt, f));
  }
};

}  // namespace

namespace {

struct Formats {
  lxw_format* bold;
  lxw_format* when;
  lxw_format* two;
  lxw_format* three;
};

// The records of one pack's log: a bold, frozen header row with an autofilter, then a row a record.
lxw_error write_records(lxw_worksheet* sheet, const EventLogReport& r, const Formats& f, const RenderContext& ctx) {
  SheetWriter w{sheet};
  for (std::size_t c = 0; c < k_columns.size(); ++c) {
    const auto col = static_cast<lxw_col_t>(c);
    w.text(0, col, k_columns[c].sheet, f.bold);
    w.keep(worksheet_set_column(sheet, col, col, k_columns[c].sheet_width, nullptr));
  }
  lxw_row_t row = 1;
  for (const EventLogRow& item : r.rows) {
    const bms::EventRecord& e = item.record;
    w.number(row, 0, item.number);
    w.time(row, 1, bms::record_time(e), f.when);
    w.text(row, 2, bms::event_name(e.code));
    w.text(row, 3, flag_light(e.flag, ctx));
    w.text(row, 4, flag_name(e.flag, ctx));
    w.number(row, 5, static_cast<double>(e.voltage_mv) / 1000.0, f.two);
    w.number(row, 6, static_cast<double>(e.current_ma) / 1000.0, f.two);
    w.number(row, 7, e.max_cell_mv / 1000.0, f.three);
    w.number(row, 8, e.min_cell_mv / 1000.0, f.three);
    w.number(row, 9, e.max_temp_c);
    w.number(row, 10, e.rsoc_pct);
    ++row;
  }
  worksheet_freeze_panes(sheet, 1, 0);
  w.keep(worksheet_autofilter(sheet, 0, 0, row - 1, static_cast<lxw_col_t>(k_columns.size() - 1)));
  return w.first;
}

// One pack's sheet "Pack": serial, firmware, read time and the log's size, a row each.
lxw_error write_pack_sheet(lxw_worksheet* sheet, const EventLogReport& r, const Formats& f) {
  SheetWriter p{sheet};
  p.keep(worksheet_set_column(sheet, 0, 0, 22, nullptr));
  p.keep(worksheet_set_column(sheet, 1, 1, 24, nullptr));
  lxw_row_t at = 0;
  auto label = [&](const char* text) { p.text(at, 0, text, f.bold); };
  label("Serial");
  p.text(at++, 1, r.serial);
  label("Firmware");
  p.text(at++, 1, firmware_text(r.firmware));
  label("Read at");
  p.time(at++, 1, r.read_at, f.when);
  label("Interface");
  p.text(at++, 1, r.interface);
  label("BMS address");
  p.number(at++, 1, r.address);
  label("Records in the log");
  p.number(at++, 1, r.count);
  label("Log capacity");
  p.number(at++, 1, r.capacity);
  label("Records in this file");
  p.number(at++, 1, static_cast<double>(r.rows.size()));
  if (r.since) {
    label("Since");
    p.time(at++, 1, *r.since, f.when);
  }
  return p.first;
}

// Several packs: "Summary", a row a pack (address, serial, firmware, records, first and last
// record's time, read time, result), failed packs included.
lxw_error write_summary(lxw_worksheet* sheet, const std::vector<EventLogReport>& logs,
                        const std::vector<FailedLog>& failed, const Formats& f) {
  SheetWriter w{sheet};
  const char* heads[] = {"BMS address", "Serial", "Firmware", "Records", "First record", "Last record",
                         "Read at", "Result"};
  const double widths[] = {12, 22, 10, 9, 20, 20, 20, 60};
  for (lxw_col_t c = 0; c < 8; ++c) {
    w.text(0, c, heads[c], f.bold);
    w.keep(worksheet_set_column(sheet, c, c, widths[c], nullptr));
  }
  struct Line {
    int address;
    const EventLogReport* log;
    const FailedLog* failure;
  };
  std::vector<Line> lines;
  for (const EventLogReport& r : logs) lines.push_back({r.address, &r, nullptr});
  for (const FailedLog& x : failed) lines.push_back({x.address, nullptr, &x});
  std::sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) { return a.address < b.address; });
  lxw_row_t row = 1;
  for (const Line& l : lines) {
    w.number(row, 0, l.address);
    if (l.log) {
      w.text(row, 1, l.log->serial);
      w.text(row, 2, firmware_text(l.log->firmware));
      w.number(row, 3, static_cast<double>(l.log->rows.size()));
      if (!l.log->rows.empty()) {
        w.time(row, 4, bms::record_time(l.log->rows.front().record), f.when);
        w.time(row, 5, bms::record_time(l.log->rows.back().record), f.when);
      }
      w.time(row, 6, l.log->read_at, f.when);
      w.text(row, 7, "read");
    } else {
      w.text(row, 7, "not read: " + l.failure->message);
    }
    ++row;
  }
  worksheet_freeze_panes(sheet, 1, 0);
  return w.first;
}

// A sheet name Excel accepts: at most 31 characters, none of []:*?/\, unique in the book.
std::string sheet_name(const std::string& serial, int address, std::vector<std::string>& used) {
  std::string name;
  for (char c : serial)
    if (std::string_view("[]:*?/\\").find(c) == std::string_view::npos) name += c;
  if (name.empty() || name == "Summary") name = fmt::format("BMS 0x{:02X}", address);
  name = name.substr(0, 31);
  if (std::find(used.begin(), used.end(), name) != used.end())
    name = fmt::format("{} 0x{:02X}", name.substr(0, 26), address);
  used.push_back(name);
  return name;
}

}  // namespace

util::Result<void> write_event_log_xlsx(const EventLogReport& r, const RenderContext& ctx,
                                        const std::string& path) {
  return write_event_logs_xlsx({r}, {}, ctx, path);
}

util::Result<void> write_event_logs_xlsx(const std::vector<EventLogReport>& logs,
                                         const std::vector<FailedLog>& failed, const RenderContext& ctx,
                                         const std::string& path) {
  lxw_workbook* book = workbook_new(path.c_str());
  if (book == nullptr) return util::fail(util::Errc::io, "cannot create the workbook " + path);
  Formats f{workbook_add_format(book), workbook_add_format(book), workbook_add_format(book),
            workbook_add_format(book)};
  format_set_bold(f.bold);
  format_set_num_format(f.when, "yyyy-mm-dd hh:mm:ss");
  format_set_align(f.when, LXW_ALIGN_LEFT);
  format_set_num_format(f.two, "0.00");
  format_set_num_format(f.three, "0.000");

  lxw_error first = LXW_NO_ERROR;
  auto keep = [&first](lxw_error e) {
    if (first == LXW_NO_ERROR) first = e;
  };
  bool made = true;
  if (logs.size() == 1 && failed.empty()) {  // one pack: its log, and a sheet about the pack
    lxw_worksheet* log_sheet = workbook_add_worksheet(book, "Event log");
    lxw_worksheet* pack_sheet = workbook_add_worksheet(book, "Pack");
    made = log_sheet && pack_sheet;
    if (made) {
      keep(write_records(log_sheet, logs.front(), f, ctx));
      keep(write_pack_sheet(pack_sheet, logs.front(), f));
    }
  } else {  // several: a summary, then a sheet per serial
    lxw_worksheet* summary = workbook_add_worksheet(book, "Summary");
    made = summary != nullptr;
    if (made) keep(write_summary(summary, logs, failed, f));
    std::vector<std::string> used;
    for (const EventLogReport& r : logs) {
      if (!made) break;
      lxw_worksheet* sheet = workbook_add_worksheet(book, sheet_name(r.serial, r.address, used).c_str());
      made = sheet != nullptr;
      if (made) keep(write_records(sheet, r, f, ctx));
    }
  }
  lxw_error closed = workbook_close(book);  // frees the workbook whatever happens
  if (!made) return util::fail(util::Errc::io, "cannot create the workbook " + path);
  lxw_error e = first != LXW_NO_ERROR ? first : closed;
  if (e != LXW_NO_ERROR)
    return util::fail(util::Errc::io, fmt::format("cannot write the workbook {}: {}", path, lxw_strerror(e)));
  return {};
}

std::string event_logs_csv(const std::vector<EventLogReport>& logs, const RenderContext& ctx) {
  std::string out = "serial,address";
  for (const auto& c : k_columns) out += "," + std::string(c.csv);
  out += "\r\n";
  for (const EventLogReport& r : logs) {
    const std::string csv = event_log_csv(r, ctx);
    const std::string prefix = util::csv_text(r.serial) + "," + std::to_string(r.address) + ",";
    // Every row of the one-pack CSV after its header, with the pack's serial and address first.
    for (std::size_t at = csv.find("\r\n") + 2; at < csv.size();) {
      const std::size_t end = csv.find("\r\n", at);
      out += prefix + csv.substr(at, end - at) + "\r\n";
      at = end + 2;
    }
  }
  return out;
}

nlohmann::json event_logs_json(const std::vector<EventLogReport>& logs, const std::vector<FailedLog>& failed,
                               const RenderContext& ctx) {
  nlohmann::json packs = nlohmann::json::array();
  for (const EventLogReport& r : logs) {
    nlohmann::json j = event_log_json(r, ctx);
    j.erase("schema");
    packs.push_back(std::move(j));
  }
  nlohmann::json not_read = nlohmann::json::array();
  for (const FailedLog& x : failed) not_read.push_back({{"address", x.address}, {"message", x.message}});
  return {{"schema", "rocketctl.logs/1"}, {"packs", std::move(packs)}, {"failed", std::move(not_read)}};
}

}  // namespace cli
