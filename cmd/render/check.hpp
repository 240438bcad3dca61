#pragma once
// `check`: the per-limit results of one pack as text, as JSON (rocketctl.check/1) and, for
// every pack checked, as one JUnit XML document for CI systems (Jenkins, GitLab, GitHub).

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bms/limits.hpp"
#include "render/reports.hpp"
#include "util/result.hpp"

namespace cli {

struct CheckReport {
  std::uint8_t address = 1;
  std::optional<std::string> serial;
  std::optional<bms::ConnectInfo> connect;  // firmware and hardware, when CONNECT answered
  std::string interface;
  std::string limits_file;
  int samples = 0;                          // readings the results are judged on
  std::vector<bms::LimitResult> results;
  std::optional<util::Error> error;         // the pack could not be read: no results
  std::string started;                      // local ISO 8601 time of the first reading
  double seconds = 0;                       // time the readings took
};

// True when the pack was read and every limit passed.
bool check_passed(const CheckReport& r);

// One line per limit (name, measured, limit, PASS/FAIL) and a verdict line.
std::string render_check(const CheckReport& r, const RenderContext& ctx);
nlohmann::json check_json(const CheckReport& r);

// The JUnit XML document: <testsuites> with one <testsuite> per pack, named by its serial
// (by "BMS 0xNN" when the serial was not read); one <testcase> per limit, a <failure> whose
// message holds the measured and the expected value; a pack that could not be read is one
// <testcase name="read"> with an <error> (so a CI job shows it rather than an empty report).
// <properties>: serial, address, firmware, hardware_revision, interface, limits_file, samples.
std::string check_junit(const std::vector<CheckReport>& reports);

// XML text and attribute escaping (& < > " '), control characters dropped.
std::string xml_escape(const std::string& text);

}  // namespace cli
