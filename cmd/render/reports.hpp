#pragma once
// Renderers: report data in, text or JSON out. Nothing here reads the bus or prints.
// JSON objects carry "schema": "rocketctl.<command>/1"; units are in the field names.

#include <string>

#include <nlohmann/json.hpp>

#include "bms/calendar.hpp"
#include "bms/catalogue.hpp"
#include "bms/clock_sync.hpp"
#include "bms/scan.hpp"
#include "bms/snapshot.hpp"
#include "term.hpp"

namespace cli {

struct StatusReport {
  bms::Snapshot snapshot;
  bms::Calendar local_time;  // the computer's, when the BMS clock was read
  std::string interface;
};

struct RenderContext {
  const bms::Catalogue& catalogue;
  bms::Lang lang;
  Style style;
  std::size_t width = 100;  // columns to wrap long texts at
};

std::string render_status(const StatusReport& r, const RenderContext& ctx);
nlohmann::json status_json(const StatusReport& r, const RenderContext& ctx);

// `cells`: needs the cells and status parts of the snapshot.
std::string render_cells(const bms::Snapshot& s, const RenderContext& ctx);
nlohmann::json cells_json(const bms::Snapshot& s, const RenderContext& ctx);

// `faults`: the lights that are not normal, or all 27 with `all`.
std::string render_faults(const bms::Snapshot& s, bool all, const RenderContext& ctx);
nlohmann::json faults_json(const bms::Snapshot& s, const RenderContext& ctx);

// `scan`: every pack found and the addresses two packs share.
std::string render_scan(const bms::ScanResult& r, const RenderContext& ctx);
nlohmann::json scan_json(const bms::ScanResult& r);

// `settime`: before, what was set, and the verified read-back.
std::string render_calibration(const bms::Calibration& c, std::optional<std::int64_t> max_drift_s,
                               const RenderContext& ctx);
nlohmann::json calibration_json(const bms::Calibration& c);

// One line on the status lights: "normal: D-MOS and C-MOS on, nothing else" or the lights
// that are not normal.
std::string status_verdict(std::uint32_t status_word, const RenderContext& ctx);

// The seconds the BMS clock is ahead of the computer (negative: behind).
std::int64_t drift_seconds(const bms::Calendar& bms_time, const bms::Calendar& local);

}  // namespace cli
