#pragma once
// Renderers of `log dump`: the pack's event log as a text table, JSON (rocketctl.log/1), CSV
// and an Excel workbook. Every format has the same columns in the same order: number, time,
// event, flag, pack voltage, current, highest and lowest cell voltage, highest temperature,
// RSOC. Flag names come from the catalogue in the chosen language; event names are the
// protocol reference's (§7), in English.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bms/event_log.hpp"
#include "bms/readings.hpp"
#include "render/reports.hpp"
#include "util/result.hpp"

namespace cli {

struct EventLogRow {
  int number = 0;  // 1-based position in the pack's log, oldest first (kept when filtered)
  bms::EventRecord record;
};

struct EventLogReport {
  std::string interface;
  int address = 1;
  std::string serial;
  bms::FirmwareVersion firmware;
  bms::Calendar read_at;                // the computer's local time when the read ended
  int count = 0;                        // records in the pack's log
  int capacity = 0;                     // records the pack's log holds at most
  std::optional<bms::Calendar> since;   // --since: rows before it were left out
  std::vector<EventLogRow> rows;
};

// Numbers the records from 1 and keeps those at or after `since` (BMS local time).
std::vector<EventLogRow> select_rows(const std::vector<bms::EventRecord>& records,
                                     const std::optional<bms::Calendar>& since);

// "OV Cell over-voltage protection"; "" without a flag; "flag 31" outside the catalogue.
std::string flag_words(const std::optional<int>& flag, const RenderContext& ctx);

std::string render_event_log(const EventLogReport& r, const RenderContext& ctx);
nlohmann::json event_log_json(const EventLogReport& r, const RenderContext& ctx);
// RFC 4180 with a header line (also for an empty log); text cells that a spreadsheet would
// run as formulas are escaped (util::csv_text). Numbers in V and A with the record's
// resolution ("41.80", "-0.01", "4.251"), times ISO 8601 local ("2020-10-17T16:48:40").
std::string event_log_csv(const EventLogReport& r, const RenderContext& ctx);
// Writes an .xlsx workbook to `path` (replacing it): sheet "Event log" with a bold, frozen
// header row, an autofilter, column widths, date-time cells and numbers as numbers; sheet
// "Pack" with the serial, firmware, read time and the log's size. Errc::io on failure.
util::Result<void> write_event_log_xlsx(const EventLogReport& r, const RenderContext& ctx,
                                        const std::string& path);

// Several packs (log dump --address all): what could not be read of a pack.
struct FailedLog {
  int address = 0;
  std::string message;
};
// The workbook of several packs: sheet "Summary" (a row a pack: address, serial, firmware,
// records, first and last record's time, read time, result; failed packs included), then one
// sheet a pack named by its serial. One pack and no failure: write_event_log_xlsx's layout.
util::Result<void> write_event_logs_xlsx(const std::vector<EventLogReport>& logs,
                                         const std::vector<FailedLog>& failed, const RenderContext& ctx,
                                         const std::string& path);
// event_log_csv's columns after `serial` and `address`, one header, every pack's rows.
std::string event_logs_csv(const std::vector<EventLogReport>& logs, const RenderContext& ctx);
// {"schema": "rocketctl.logs/1", "packs": [event_log_json without schema ...],
//  "failed": [{"address", "message"}]}.
nlohmann::json event_logs_json(const std::vector<EventLogReport>& logs, const std::vector<FailedLog>& failed,
                               const RenderContext& ctx);

}  // namespace cli
