// `status --record`: rows of samples appended durably to CSV or JSON Lines, with rotation.
#include "bms/record.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/folder.hpp"

namespace bms {
namespace {

bool ends_with_nocase(const std::string& s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.begin(), suffix.end(), s.end() - static_cast<std::ptrdiff_t>(suffix.size()),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

std::uint64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// The first line of a file (its CSV header); empty when the file is missing or empty.
std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// "cell3_mv" columns and "sensor2_dc" columns of a header.
int count_columns(const std::string& header, std::string_view prefix, std::string_view suffix) {
  int n = 0;
  std::size_t start = 0;
  while (start <= header.size()) {
    std::size_t end = header.find(',', start);
    if (end == std::string::npos) end = header.size();
    std::string_view col(header.data() + start, end - start);
    if (col.size() > prefix.size() + suffix.size() && col.substr(0, prefix.size()) == prefix &&
        col.substr(col.size() - suffix.size()) == suffix &&
        std::isdigit(static_cast<unsigned char>(col[prefix.size()])))
      ++n;
    start = end + 1;
  }
  return n;
}

std::string hex_word(std::uint32_t w) { return fmt::format("0x{:08X}", w); }

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

// The fields of one answered sample, in column order, as (name, JSON value) pairs; arrays for
// the cells and sensors (CSV spreads them over columns).
struct Field {
  std::string name;
  nlohmann::json value;
};

std::vector<Field> fields(const Calendar& local, const Snapshot& s, const Catalogue& catalogue) {
  using nlohmann::json;
  auto opt = [](bool has, auto v) { return has ? json(v) : json(nullptr); };
  std::vector<Field> f;
  f.push_back({"time", to_iso(local)});
  f.push_back({"address", s.address});
  f.push_back({"serial", s.serial ? json(*s.serial) : json(nullptr)});
  f.push_back({"firmware", s.connect.firmware.valid() ? json(s.connect.firmware.to_string()) : json(nullptr)});
  f.push_back({"hardware_revision", s.connect.hardware_revision});
  f.push_back({"mode", s.connect.mode == Mode::bootloader ? "bootloader" : "application"});
  f.push_back({"rsoc_pct", opt(s.capacity.has_value(), s.capacity ? s.capacity->rsoc_pct : 0)});
  f.push_back({"remaining_capacity_mah", opt(s.capacity.has_value(), s.capacity ? s.capacity->remaining_mah : 0)});
  f.push_back({"full_capacity_mah", opt(s.capacity.has_value(), s.capacity ? s.capacity->full_mah : 0)});
  f.push_back({"voltage_mv", opt(s.pack.has_value(), s.pack ? s.pack->voltage_mv : 0)});
  f.push_back({"current_ma", opt(s.pack.has_value(), s.pack ? s.pack->current_ma : 0)});
  const bool t = s.temperature_summary.has_value();
  const TemperatureSummary ts = s.temperature_summary.value_or(TemperatureSummary{});
  f.push_back({"temperature_highest_dc", opt(t, ts.highest_dc)});
  f.push_back({"temperature_highest_sensor", opt(t, ts.highest_sensor)});
  f.push_back({"temperature_lowest_dc", opt(t, ts.lowest_dc)});
  f.push_back({"temperature_lowest_sensor", opt(t, ts.lowest_sensor)});
  f.push_back({"mos_dc", opt(t, ts.mos_dc)});
  f.push_back({"sensors_dc", s.sensor_dc});
  const bool c = s.cell_summary.has_value();
  const CellSummary cs = s.cell_summary.value_or(CellSummary{});
  f.push_back({"cell_count", c ? json(cs.cell_count) : json(s.connect.cell_count)});
  f.push_back({"cell_highest_mv", opt(c, cs.highest_mv)});
  f.push_back({"cell_highest_cell", opt(c, cs.highest_cell)});
  f.push_back({"cell_lowest_mv", opt(c, cs.lowest_mv)});
  f.push_back({"cell_lowest_cell", opt(c, cs.lowest_cell)});
  f.push_back({"diff_mv", opt(c, cs.diff_mv())});
  f.push_back({"cells_mv", s.cell_mv});
  const bool clock = s.clock && is_valid(*s.clock) && is_valid(local);
  f.push_back({"bms_time", s.clock ? json(to_iso(*s.clock)) : json(nullptr)});
  f.push_back({"drift_s", clock ? json(to_seconds(*s.clock) - to_seconds(local)) : json(nullptr)});
  auto side = [&](const std::optional<int>& v) { return v ? json(*v) : json(nullptr); };
  f.push_back({"shell_positive_kohm", s.shell ? side(s.shell->positive_kohm) : json(nullptr)});
  f.push_back({"shell_negative_kohm", s.shell ? side(s.shell->negative_kohm) : json(nullptr)});
  f.push_back({"cycle_count", opt(s.cycles.has_value(), s.cycles ? s.cycles->count : 0)});
  f.push_back({"longest_uncharged_h", opt(s.cycles.has_value(), s.cycles ? s.cycles->longest_uncharged_h : 0)});
  if (s.status) {
    json on = json::array(), abnormal = json::array(), balancing = json::array();
    for (const FlagInfo& fl : catalogue.flags())
      if (((s.status->flags >> fl.bit) & 1U) != 0) on.push_back(fl.light);
    for (const FlagInfo* fl : catalogue.abnormal(s.status->flags)) abnormal.push_back(fl->light);
    for (int k = 0; k < 32; ++k)
      if (((s.status->balancing >> k) & 1U) != 0) balancing.push_back(k + 1);
    f.push_back({"status_word", hex_word(s.status->flags)});
    f.push_back({"flags", on});
    f.push_back({"abnormal", abnormal});
    f.push_back({"balancing_cells", balancing});
  } else {
    for (const char* n : {"status_word", "flags", "abnormal", "balancing_cells"}) f.push_back({n, nullptr});
  }
  f.push_back({"error", nullptr});
  f.push_back({"message", nullptr});
  return f;
}

// One CSV cell from a JSON value: empty for null, names space-separated for arrays of text.
std::string csv_cell(const nlohmann::json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return util::csv_text(v.get<std::string>());
  if (v.is_array()) {
    std::vector<std::string> parts;
    for (const auto& e : v) parts.push_back(e.is_string() ? e.get<std::string>() : e.dump());
    return util::csv_text(join(parts, " "));
  }
  return v.dump();
}

std::string json_line(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string record_csv_header(int cells, int sensors) {
  std::vector<std::string> cols;
  for (const Field& f : fields(Calendar{}, Snapshot{}, Catalogue::builtin())) {
    if (f.name == "sensors_dc") {
      for (int i = 1; i <= sensors; ++i) cols.push_back(fmt::format("sensor{}_dc", i));
    } else if (f.name == "cells_mv") {
      for (int i = 1; i <= cells; ++i) cols.push_back(fmt::format("cell{}_mv", i));
    } else {
      cols.push_back(f.name);
    }
  }
  return join(cols, ",");
}

util::Result<Recorder> Recorder::create(std::string path, std::uint64_t max_size, const Catalogue& catalogue) {
  RecordFormat format;
  if (ends_with_nocase(path, ".csv"))
    format = RecordFormat::csv;
  else if (ends_with_nocase(path, ".jsonl"))
    format = RecordFormat::jsonl;
  else
    return util::fail(util::Errc::usage,
                      fmt::format("--record {}: name the file .csv or .jsonl (the format comes from it)", path));
  return Recorder(std::move(path), format, max_size, catalogue);
}

util::Result<void> Recorder::open_with_header(const std::string& header) {
  auto log = util::AppendLog::open(m_path, header);
  if (!log) return tl::unexpected(log.error());
  m_log = std::move(*log);
  m_size = file_size(m_path);
  return {};
}

util::Result<void> Recorder::rotate() {
  m_log.reset();
  // Oldest first, so that nothing is overwritten before it has moved on.
  std::string oldest = fmt::format("{}.{}", m_path, k_record_keep);
  if (exists(oldest) && std::remove(oldest.c_str()) != 0)
    return util::fail(util::Errc::io, fmt::format("cannot remove {}: {}", oldest, std::strerror(errno)));
  for (int k = k_record_keep - 1; k >= 0; --k) {
    std::string from = k == 0 ? m_path : fmt::format("{}.{}", m_path, k);
    std::string to = fmt::format("{}.{}", m_path, k + 1);
    if (exists(from) && std::rename(from.c_str(), to.c_str()) != 0)
      return util::fail(util::Errc::io, fmt::format("cannot rename {} to {}: {}", from, to, std::strerror(errno)));
  }
  util::sync_folder(util::folder_of(m_path));
  ++m_rotations;
  return {};
}

util::Result<void> Recorder::write_row(const std::string& row) {
  const std::uint64_t need = row.size() + 1;
  const std::uint64_t header_bytes = m_format == RecordFormat::csv ? m_header.size() + 1 : 0;
  // Rotate before a row that would pass max_size, unless the file holds no row yet (a row
  // larger than max_size still gets a file of its own).
  auto full = [&] { return m_max_size > 0 && m_size + need > m_max_size && m_size > header_bytes; };
  if (m_log && full())
    if (auto r = rotate(); !r) return r;
  std::string line = row;
  if (!m_log) {
    const std::uint64_t before = file_size(m_path);
    if (before > 0) {
      m_size = before;
      if (full()) {
        if (auto r = rotate(); !r) return r;
      } else if (!ends_with_newline()) {
        // A power cut left half a row: end it, so that this row starts a line of its own.
        line = "\n" + row;
      }
    }
    if (m_format == RecordFormat::jsonl && file_size(m_path) == 0) {
      // AppendLog writes its header into a new file: for JSON Lines that is the first row.
      if (auto r = open_with_header(row); !r) return r;
      ++m_rows;
      return {};
    }
    if (auto r = open_with_header(m_format == RecordFormat::csv ? m_header : std::string()); !r) return r;
  }
  if (auto r = m_log->append(line); !r) return r;
  m_size += line.size() + 1;
  ++m_rows;
  return {};
}

bool Recorder::ends_with_newline() const {
  std::ifstream in(m_path, std::ios::binary);
  in.seekg(-1, std::ios::end);
  char c = '\n';
  return !in.get(c) || c == '\n';
}

std::string Recorder::csv_error_row(const ErrorRow& e) const {
  std::vector<std::string> cells(m_columns);
  // time first, address second, error and message last (record_csv_header's order).
  cells[0] = e.time;
  cells[1] = e.address;
  cells[m_columns - 2] = util::csv_text(e.code);
  cells[m_columns - 1] = util::csv_text(e.message);
  return join(cells, ",");
}

util::Result<void> Recorder::append(const Calendar& local_time, const Snapshot& s) {
  std::vector<Field> f = fields(local_time, s, *m_catalogue);
  if (m_format == RecordFormat::jsonl) {
    nlohmann::json j = {{"schema", "rocketctl.record/1"}};
    for (auto& field : f) j[field.name] = std::move(field.value);
    return write_row(json_line(j));
  }
  const int cells = static_cast<int>(s.cell_mv.size());
  const int sensors = static_cast<int>(s.sensor_dc.size());
  const std::string header = record_csv_header(cells, sensors);
  if (m_header.empty()) {
    // The columns are known now: an existing recording must have the same.
    std::string existing = file_size(m_path) > 0 ? first_line(m_path) : std::string();
    if (!existing.empty() && existing != header)
      return util::fail(
          util::Errc::usage,
          fmt::format("{} holds a recording with other columns ({} cells, {} sensors; this pack has {} "
                      "cells, {} sensors): record to another file, or move {} away",
                      m_path, count_columns(existing, "cell", "_mv"), count_columns(existing, "sensor", "_dc"),
                      cells, sensors, m_path));
    m_header = header;
    m_columns = static_cast<std::size_t>(std::count(header.begin(), header.end(), ',')) + 1;
    for (const ErrorRow& e : m_pending)
      if (auto r = write_row(csv_error_row(e)); !r) return r;
    m_pending.clear();
  } else if (header != m_header) {
    return util::fail(util::Errc::usage,
                      fmt::format("the pack now reports {} cells and {} sensors, unlike the start of "
                                  "{}: record each pack to its own file",
                                  cells, sensors, m_path));
  }
  std::vector<std::string> row;
  for (const Field& field : f) {
    if (field.value.is_array() && (field.name == "cells_mv" || field.name == "sensors_dc"))
      for (const auto& v : field.value) row.push_back(v.dump());
    else
      row.push_back(csv_cell(field.value));
  }
  return write_row(join(row, ","));
}

util::Result<void> Recorder::append_error(const Calendar& local_time, int address, std::string_view code,
                                          std::string_view message) {
  if (m_format == RecordFormat::jsonl) {
    nlohmann::json j = {{"schema", "rocketctl.record/1"}, {"time", to_iso(local_time)}, {"address", address},
                        {"error", code}, {"message", message}};
    return write_row(json_line(j));
  }
  ErrorRow e{to_iso(local_time), std::to_string(address), std::string(code), std::string(message)};
  if (m_header.empty()) {
    // An existing recording tells the columns; a new file waits for the first answer.
    std::string existing = file_size(m_path) > 0 ? first_line(m_path) : std::string();
    if (existing.empty()) {
      m_pending.push_back(std::move(e));
      return {};
    }
    m_header = existing;
    m_columns = static_cast<std::size_t>(std::count(existing.begin(), existing.end(), ',')) + 1;
    if (m_columns < 4 || existing.rfind("time,address,", 0) != 0 || existing.find(",error,message") == std::string::npos)
      return util::fail(util::Errc::usage,
                        fmt::format("{} is not a rocketctl recording (its first line is not the header "
                                    "`status --record` writes): record to another file", m_path));
  }
  return write_row(csv_error_row(e));
}

}  // namespace bms
