#pragma once
// `status --watch --record FILE`: one row per sample in FILE.csv or FILE.jsonl, for hours.
//
// Durability: each row is one write() on an O_APPEND descriptor followed by fsync()
// (util::AppendLog), so a killed process or a power cut loses at most the row being written;
// a reader of the file sees only whole rows plus, after a power cut, at most one partial last
// line.
//
// Columns (CSV; JSONL has the same names, cells and sensors as arrays): the values of
// `status --json`, flattened, in its units: time (the computer's local time, ISO 8601),
// address, serial, firmware, hardware_revision, mode, rsoc_pct, remaining_capacity_mah,
// full_capacity_mah, voltage_mv, current_ma, temperature_highest_dc, temperature_highest_sensor,
// temperature_lowest_dc, temperature_lowest_sensor, mos_dc, sensor1_dc..sensorN_dc, cell_count,
// cell_highest_mv, cell_highest_cell, cell_lowest_mv, cell_lowest_cell, diff_mv,
// cell1_mv..cellN_mv, bms_time, drift_s, shell_positive_kohm, shell_negative_kohm (empty:
// NULL), cycle_count, longest_uncharged_h, status_word (0x00000041), flags (the lights that are
// on, space-separated), abnormal (the lights not in their normal state), balancing_cells (cell
// numbers), error (empty, or the error code: no_answer, bus_error, ...), message.
// A sample the pack did not answer is a row with time, address, error and message only.
//
// CSV header: written when the file is new or empty. Appending to a CSV whose header differs
// (another cell or sensor count) is Errc::usage before anything is written. Until the first
// answered sample of a new CSV file the columns are not known: rows for unanswered samples
// are held and written after the header (none is written if the pack never answers).
//
// Rotation (max_size > 0): before a row that would take the file past max_size, FILE.4 ->
// FILE.5, ..., FILE -> FILE.1 (k_record_keep old files kept, the oldest removed), and a new
// FILE (with its header) is begun.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bms/calendar.hpp"
#include "bms/catalogue.hpp"
#include "bms/snapshot.hpp"
#include "util/append_log.hpp"

namespace bms {

enum class RecordFormat { csv, jsonl };

inline constexpr int k_record_keep = 5;  // rotated files kept: FILE.1 (newest) .. FILE.5

class Recorder {
public:
  // The format from the extension (.csv or .jsonl, case-insensitive); Errc::usage otherwise.
  // Opens nothing yet.
  static util::Result<Recorder> create(std::string path, std::uint64_t max_size = 0,
                                       const Catalogue& catalogue = Catalogue::builtin());

  // One row for an answered sample, `local_time` the computer's when it was read.
  util::Result<void> append(const Calendar& local_time, const Snapshot& s);
  // One row for a sample the pack did not answer: `code` as in JSON errors ("no_answer").
  util::Result<void> append_error(const Calendar& local_time, int address, std::string_view code,
                                  std::string_view message);

  RecordFormat format() const { return m_format; }
  const std::string& path() const { return m_path; }
  std::size_t rows_written() const { return m_rows; }
  std::size_t rows_pending() const { return m_pending.size(); }  // CSV rows waiting for a header
  int rotations() const { return m_rotations; }

private:
  struct ErrorRow {
    std::string time, address, code, message;
  };

  Recorder(std::string path, RecordFormat format, std::uint64_t max_size, const Catalogue& catalogue)
      : m_path(std::move(path)), m_format(format), m_max_size(max_size), m_catalogue(&catalogue) {}

  util::Result<void> open_with_header(const std::string& header);
  std::string csv_error_row(const ErrorRow& e) const;
  util::Result<void> write_row(const std::string& row);
  util::Result<void> rotate();
  bool ends_with_newline() const;

  std::string m_path;
  RecordFormat m_format;
  std::uint64_t m_max_size;
  const Catalogue* m_catalogue;
  std::optional<util::AppendLog> m_log;
  std::string m_header;              // CSV: the columns in use (empty until known)
  std::size_t m_columns = 0;
  std::uint64_t m_size = 0;          // bytes in the current file
  std::vector<ErrorRow> m_pending;  // CSV rows of unanswered samples waiting for the header
  std::size_t m_rows = 0;
  int m_rotations = 0;
};

// The CSV header for a pack with `cells` cells and `sensors` sensors.
std::string record_csv_header(int cells, int sensors);

}  // namespace bms
