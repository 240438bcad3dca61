// `check`'s JUnit document and text lines, built from reports by hand: counts per suite and in
// total, the failure message with measured and expected values, the error case of a pack
// that could not be read, XML escaping. (tests/cli/test_check.py parses real documents with
// xml.etree and junitparser.)

#include <catch2/catch.hpp>

#include "render/check.hpp"

namespace {

cli::CheckReport report(std::string serial, std::vector<bms::LimitResult> results) {
  cli::CheckReport r;
  r.serial = std::move(serial);
  r.connect = bms::ConnectInfo{1, 10, 2, 3, {1, 4, 2}, bms::Mode::application};
  r.interface = "sim";
  r.limits_file = "rig.toml";
  r.samples = 1;
  r.results = std::move(results);
  r.started = "2026-11-25T10:00:00";
  return r;
}

}  // namespace

TEST_CASE("check: JUnit suites, cases, failures and errors", "[check]") {
  auto a = report("RKS1", {{"cell_count", "10", "10", true}, {"max_diff_voltage", "150 mV", "<= 100 mV", false}});
  cli::CheckReport b;
  b.address = 2;
  b.interface = "sim";
  b.limits_file = "rig.toml";
  b.error = util::Error{util::Errc::no_answer, "no answer from BMS 0x02"};
  std::string xml = cli::check_junit({a, b});
  CHECK_THAT(xml, Catch::StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"rocketctl check\" "
                                    "tests=\"3\" failures=\"1\" errors=\"1\""));
  CHECK_THAT(xml, Catch::Contains("<testsuite name=\"RKS1\" tests=\"2\" failures=\"1\" errors=\"0\""));
  CHECK_THAT(xml, Catch::Contains("<property name=\"firmware\" value=\"1.4.2\"/>"));
  CHECK_THAT(xml, Catch::Contains("<testcase classname=\"rocketctl.check.RKS1\" name=\"cell_count\" time=\"0\"/>"));
  CHECK_THAT(xml, Catch::Contains("<failure message=\"measured 150 mV, expected &lt;= 100 mV\" type=\"limit\">"
                                  "measured: 150 mV&#10;expected: &lt;= 100 mV</failure>"));
  CHECK_THAT(xml, Catch::Contains("<testsuite name=\"BMS 0x02\" tests=\"1\" failures=\"0\" errors=\"1\""));
  CHECK_THAT(xml, Catch::Contains("<testcase classname=\"rocketctl.check.BMS 0x02\" name=\"read\""));
  CHECK_THAT(xml, Catch::Contains("<error message=\"no answer from BMS 0x02\" type=\"no_answer\">"));
  CHECK_THAT(xml, Catch::EndsWith("</testsuites>\n"));
  CHECK(cli::check_passed(report("X", {{"rsoc", "40 %", ">= 30 %", true}})));
  CHECK_FALSE(cli::check_passed(a));
  CHECK_FALSE(cli::check_passed(b));
}

TEST_CASE("check: XML escaping", "[check]") {
  CHECK(cli::xml_escape("a<b>&\"c'\n\td\x01") == "a&lt;b&gt;&amp;&quot;c&apos;&#10;&#9;d");
  auto r = report("R&D<1>", {{"serial", "R&D<1>", "matches R&D*", false}});
  std::string xml = cli::check_junit({r});
  CHECK_THAT(xml, Catch::Contains("<testsuite name=\"R&amp;D&lt;1&gt;\""));
  CHECK(xml.find("R&D") == std::string::npos);
}

TEST_CASE("check: text lines and verdict", "[check]") {
  const cli::RenderContext ctx{bms::Catalogue::builtin(), bms::Lang::en, cli::Style(false)};
  auto text = cli::render_check(report("RKS1", {{"cell_count", "10", "10", true}, {"rsoc", "20 %", ">= 30 %", false}}), ctx);
  CHECK(text ==
        "RocketS SMART RKS1  BMS 0x01 on sim  firmware 1.4.2\n"
        "limits rig.toml, 1 sample\n"
        "  cell_count  10        10       PASS\n"
        "  rsoc        20 %      >= 30 %  FAIL\n"
        "FAIL: 1 of 2 limits failed (rsoc)\n");
}
