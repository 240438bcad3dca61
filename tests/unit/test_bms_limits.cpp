// The limits file of `check`: every key parsed into bms::Limits, every error with its line,
// the documented example valid; the evaluator's rules on hand-made samples (worst value over
// several samples, NULL shell resistance, "not read").

#include <string>

#include <catch2/catch.hpp>

#include "bms/limits.hpp"

namespace {

bms::Limits parse_ok(const std::string& text) {
  auto l = bms::parse_limits(text, "rig.toml");
  INFO(text);
  if (!l) FAIL(l.error().message);
  return *l;
}

// The error message for `text`; it must be a usage error.
std::string parse_error(const std::string& text) {
  auto l = bms::parse_limits(text, "rig.toml");
  INFO(text);
  REQUIRE_FALSE(l);
  CHECK(l.error().code == util::Errc::usage);
  return l.error().message;
}

const bms::LimitResult& result(const std::vector<bms::LimitResult>& results, const std::string& name) {
  for (const auto& r : results)
    if (r.name == name) return r;
  FAIL("no result named " << name);
  throw std::logic_error("unreachable");
}

bms::Sample reference_sample() {
  bms::Sample s;
  s.snapshot.connect.cell_count = 3;
  s.snapshot.connect.sensor_count = 2;
  s.snapshot.connect.firmware = {1, 4, 2};
  s.snapshot.serial = "RKS3611A201000123";
  s.snapshot.pack = bms::PackReading{36423, -8};
  s.snapshot.capacity = bms::Capacity{40, 4732, 11600};
  s.snapshot.temperature_summary = bms::TemperatureSummary{212, 211, 227, 2, 1};
  s.snapshot.sensor_dc = {211, 212};
  s.snapshot.cell_summary = bms::CellSummary{3644, 2, 3641, 1, 3};
  s.snapshot.cell_mv = {3641, 3644, 3642};
  s.snapshot.status = bms::StatusWords{bms::k_normal_status, 0};
  s.snapshot.cycles = bms::Cycles{0, 95};
  s.snapshot.clock = bms::Calendar{2020, 10, 17, 16, 48, 40};
  s.snapshot.shell = bms::ShellResistance{};
  s.local_time = bms::Calendar{2020, 10, 17, 16, 48, 39};
  return s;
}

}  // namespace

TEST_CASE("limits: every key is parsed into its field", "[limits]") {
  auto l = parse_ok(R"(
[cells]
count = 10
min_mv = 3000
max_mv = 3650
max_diff_mv = 80
[pack]
min_mv = 30000
max_mv = 36500
[temperature]
cell_min_c = -5
cell_max_c = 45.5
mos_min_c = 0
mos_max_c = 70
[rsoc]
min_pct = 20
max_pct = 100
[clock]
max_drift_s = 60
[shell]
min_kohm = 500
not_measured = "pass"
[flags]
set = ["D-MOS", "c-mos"]
clear = ["OV", "2nd_ot", "ODV"]
[firmware]
minimum = "1.4.0"
[serial]
pattern = "RKS*"
)");
  CHECK(l.file == "rig.toml");
  CHECK(l.cell_count == 10);
  CHECK(l.cell_mv.min == 3000);
  CHECK(l.cell_mv.max == 3650);
  CHECK(l.max_diff_mv == 80);
  CHECK(l.pack_mv.min == 30000);
  CHECK(l.pack_mv.max == 36500);
  CHECK(l.cell_temperature_dc.min == -50);
  CHECK(l.cell_temperature_dc.max == 455);
  CHECK(l.mos_temperature_dc.min == 0);
  CHECK(l.mos_temperature_dc.max == 700);
  CHECK(l.rsoc_pct.min == 20);
  CHECK(l.rsoc_pct.max == 100);
  CHECK(l.max_drift_s == 60);
  CHECK(l.min_shell_kohm == 500);
  CHECK(l.shell_not_measured_passes);
  CHECK(l.flags_set == std::vector<int>{0, 6});
  CHECK(l.flags_clear == std::vector<int>{7, 22, 11});
  REQUIRE(l.firmware_minimum);
  CHECK(*l.firmware_minimum == bms::FirmwareVersion{1, 4, 0});
  CHECK_FALSE(l.firmware_exact);
  CHECK(l.serial_pattern == "RKS*");

  auto exact = parse_ok("[firmware]\nexact = \"1.4.2\"\n");
  CHECK(*exact.firmware_exact == bms::FirmwareVersion{1, 4, 2});
  CHECK(parse_ok("[shell]\nnot_measured = \"fail\"\n").shell_not_measured_passes == false);
}

TEST_CASE("limits: an empty file checks only the 100 mV diff-voltage default", "[limits]") {
  auto l = parse_ok("# nothing\n");
  CHECK(l.max_diff_mv == 100);
  CHECK_FALSE(l.cell_count);
  CHECK_FALSE(l.cell_mv.given());
  CHECK_FALSE(l.min_shell_kohm);
  auto results = bms::evaluate(l, {reference_sample()});
  REQUIRE(results.size() == 1);
  CHECK(results[0].name == "max_diff_voltage");
  CHECK(results[0].measured == "3 mV");
  CHECK(results[0].limit == "<= 100 mV");
  CHECK(results[0].pass);
}

TEST_CASE("limits: the documented example parses and gives every limit", "[limits]") {
  auto l = bms::load_limits(std::string(ROCKETCTL_SOURCE_DIR) + "/docs/limits.example.toml");
  REQUIRE(l);
  auto results = bms::evaluate(*l, {reference_sample()});
  std::vector<std::string> names;
  for (const auto& r : results) names.push_back(r.name);
  CHECK(names == std::vector<std::string>{"cell_count", "cell_voltage", "max_diff_voltage", "pack_voltage",
                                          "cell_temperature", "mos_temperature", "rsoc", "clock_drift",
                                          "shell_resistance", "flags_clear", "flags_set", "firmware", "serial"});
}

TEST_CASE("limits: a missing file is a file error", "[limits]") {
  auto l = bms::load_limits("/nonexistent/rig.toml");
  REQUIRE_FALSE(l);
  CHECK(l.error().code == util::Errc::io);
  CHECK_THAT(l.error().message, Catch::Contains("/nonexistent/rig.toml"));
}

TEST_CASE("limits: errors name the file and the line", "[limits]") {
  // TOML syntax (toml++'s words, its line)
  CHECK_THAT(parse_error("[cells]\ncount = 10\nmin_mv = = 3\n"), Catch::StartsWith("rig.toml:3: "));
  // unknown table, unknown key, a key outside any table
  CHECK(parse_error("[cells]\ncount = 10\n\n[cell]\nx = 1\n") ==
        "rig.toml:4: unknown table [cell] (tables: cells, pack, temperature, rsoc, clock, shell, flags, "
        "firmware, serial)");
  CHECK(parse_error("[cells]\ncount = 10\nmin_v = 3\n") ==
        "rig.toml:3: unknown key cells.min_v ([cells] takes count, min_mv, max_mv, max_diff_mv)");
  CHECK_THAT(parse_error("count = 10\n"), Catch::StartsWith("rig.toml:1: unknown table [count]"));
  CHECK(parse_error("\ncells = 3\n") == "rig.toml:2: cells: a table [cells] is expected, not an integer");
  // wrong types
  CHECK(parse_error("[cells]\n\nmin_mv = \"3000\"\n") ==
        "rig.toml:3: cells.min_mv: an integer (mV) is expected, not a string");
  CHECK(parse_error("[pack]\nmax_mv = 36.5\n") ==
        "rig.toml:2: pack.max_mv: an integer (mV) is expected, not a decimal number");
  CHECK(parse_error("[temperature]\n\n\ncell_max_c = \"45\"\n") ==
        "rig.toml:4: temperature.cell_max_c: a temperature in °C (a number) is expected, not a string");
  CHECK(parse_error("[clock]\nmax_drift_s = true\n") ==
        "rig.toml:2: clock.max_drift_s: an integer (s) is expected, not a boolean");
  CHECK(parse_error("[flags]\nclear = \"OV\"\n") ==
        "rig.toml:2: flags.clear: an array of light names is expected (e.g. [\"OV\", \"UV\"]), not a string");
  CHECK(parse_error("[flags]\nset = [\"D-MOS\",\n  6]\n") == "rig.toml:3: flags.set: light names are strings, not an integer");
  CHECK(parse_error("[firmware]\nexact = 1.4\n") == "rig.toml:2: firmware.exact: a string is expected, not a decimal number");
  CHECK(parse_error("[serial]\npattern = 5\n") == "rig.toml:2: serial.pattern: a string is expected, not an integer");
  CHECK(parse_error("[shell]\nnot_measured = false\n") ==
        "rig.toml:2: shell.not_measured: a string is expected, not a boolean");
  // impossible values
  CHECK(parse_error("[cells]\ncount = 0\n") == "rig.toml:2: cells.count: 0 is impossible (it takes 1 to 32)");
  CHECK(parse_error("[cells]\ncount = 33\n") == "rig.toml:2: cells.count: 33 is impossible (it takes 1 to 32)");
  CHECK(parse_error("[cells]\nmin_mv = -1\n") == "rig.toml:2: cells.min_mv: -1 is impossible (it takes 0 to 65535 mV)");
  CHECK(parse_error("[cells]\nmax_diff_mv = -5\n") ==
        "rig.toml:2: cells.max_diff_mv: -5 is impossible (it takes 0 to 65535 mV)");
  CHECK(parse_error("[pack]\nmin_mv = -36000\n") ==
        "rig.toml:2: pack.min_mv: -36000 is impossible (it takes 0 to 4294967295 mV)");
  CHECK(parse_error("[rsoc]\nmax_pct = 101\n") == "rig.toml:2: rsoc.max_pct: 101 is impossible (it takes 0 to 100 %)");
  CHECK(parse_error("[clock]\nmax_drift_s = -1\n") ==
        "rig.toml:2: clock.max_drift_s: -1 is impossible (it takes 0 to 8095334400 s)");
  CHECK(parse_error("[shell]\nmin_kohm = 65535\n") ==
        "rig.toml:2: shell.min_kohm: 65535 is impossible (it takes 0 to 65534 kΩ)");
  CHECK(parse_error("[temperature]\nmos_min_c = -300\n") == "rig.toml:2: temperature.mos_min_c: -300 °C is impossible");
  CHECK(parse_error("[shell]\nnot_measured = \"maybe\"\n") ==
        "rig.toml:2: shell.not_measured: \"maybe\": write \"pass\" or \"fail\"");
  CHECK(parse_error("[flags]\nclear = [\"OV\", \"XX\"]\n") ==
        "rig.toml:2: flags.clear: unknown status light \"XX\" (the names `rocketctl faults --all` shows: D-MOS, "
        "UV, OV, ODV, ...)");
  CHECK(parse_error("[flags]\nclear = [\"OV\"]\nset = [\"ov\"]\n") ==
        "rig.toml:3: flags: OV is both in clear and in set: no pack can pass");
  CHECK(parse_error("[firmware]\nminimum = \"1.4\"\n") ==
        "rig.toml:2: firmware.minimum: \"1.4\" is not a firmware version: write it like \"1.4.2\"");
  CHECK(parse_error("[firmware]\nexact = \"1.256.0\"\n") ==
        "rig.toml:2: firmware.exact: \"1.256.0\" is not a firmware version: write it like \"1.4.2\"");
  CHECK(parse_error("[firmware]\nexact = \"1.4.2\"\nminimum = \"1.4.0\"\n") ==
        "rig.toml:3: firmware: give exact or minimum, not both");
  CHECK(parse_error("[serial]\npattern = \"\"\n") == "rig.toml:2: serial.pattern: an empty pattern matches no serial");
  // minimum above maximum, reported at the minimum's line
  CHECK(parse_error("[cells]\nmax_mv = 3600\nmin_mv = 3700\n") ==
        "rig.toml:3: cells: min_mv 3700 is above max_mv 3600 mV: no value can pass");
  CHECK(parse_error("[pack]\nmin_mv = 40000\nmax_mv = 30000\n") ==
        "rig.toml:2: pack: min_mv 40000 is above max_mv 30000 mV: no value can pass");
  CHECK(parse_error("[temperature]\ncell_min_c = 50\ncell_max_c = 45.5\n") ==
        "rig.toml:2: temperature: cell_min_c 50 is above cell_max_c 45.5 °C: no value can pass");
  CHECK(parse_error("[temperature]\nmos_max_c = 10\nmos_min_c = 20\n") ==
        "rig.toml:3: temperature: mos_min_c 20 is above mos_max_c 10 °C: no value can pass");
  CHECK(parse_error("[rsoc]\nmin_pct = 90\nmax_pct = 80\n") ==
        "rig.toml:2: rsoc: min_pct 90 is above max_pct 80 %: no value can pass");
}

TEST_CASE("limits: firmware versions parse as three numbers 0-255", "[limits]") {
  CHECK(bms::parse_firmware_version("1.4.2") == bms::FirmwareVersion{1, 4, 2});
  CHECK(bms::parse_firmware_version("0.10.255") == bms::FirmwareVersion{0, 10, 255});
  CHECK_FALSE(bms::parse_firmware_version("1.4"));
  CHECK_FALSE(bms::parse_firmware_version("1.4.2.0"));
  CHECK_FALSE(bms::parse_firmware_version("1.4.x"));
  CHECK_FALSE(bms::parse_firmware_version(" 1.4.2"));
}

TEST_CASE("limits: several samples are judged on their worst values", "[limits]") {
  auto l = parse_ok(R"(
[cells]
min_mv = 3600
max_mv = 3650
max_diff_mv = 5
[pack]
min_mv = 36000
[temperature]
cell_max_c = 25
[rsoc]
min_pct = 35
[clock]
max_drift_s = 2
[flags]
clear = ["OV", "ODV"]
set = ["C-MOS"]
)");
  auto a = reference_sample(), b = reference_sample();
  for (const auto& r : bms::evaluate(l, {a})) CHECK(r.pass);
  b.snapshot.cell_mv = {3599, 3646, 3642};        // one cell low, diff 47 mV
  b.snapshot.pack->voltage_mv = 35999;
  b.snapshot.sensor_dc = {211, 251};
  b.snapshot.capacity->rsoc_pct = 34;
  b.local_time = bms::Calendar{2020, 10, 17, 16, 48, 43};  // BMS 3 s behind
  b.snapshot.status->flags = 0x00000801;             // ODV set, C-MOS off
  auto results = bms::evaluate(l, {a, b, a});
  for (const auto& r : results) CHECK_FALSE(r.pass);
  CHECK(result(results, "cell_voltage").measured == "3599 mV (#1) to 3646 mV (#2)");
  CHECK(result(results, "cell_voltage").limit == "3600 to 3650 mV");
  CHECK(result(results, "max_diff_voltage").measured == "47 mV");
  CHECK(result(results, "pack_voltage").measured == "35999 to 36423 mV");
  CHECK(result(results, "pack_voltage").limit == ">= 36000 mV");
  CHECK(result(results, "cell_temperature").measured == "21.1 to 25.1 °C");
  CHECK(result(results, "cell_temperature").limit == "<= 25.0 °C");
  CHECK(result(results, "rsoc").measured == "34 to 40 %");
  CHECK(result(results, "clock_drift").measured == "-3 s (BMS behind)");
  CHECK(result(results, "clock_drift").limit == "<= 2 s either way");
  CHECK(result(results, "flags_clear").measured == "ODV set");
  CHECK(result(results, "flags_clear").limit == "clear: OV ODV");
  CHECK(result(results, "flags_set").measured == "C-MOS clear");
}

TEST_CASE("limits: a part not read fails as not read", "[limits]") {
  auto s = reference_sample();
  s.snapshot.shell.reset();
  s.snapshot.capacity.reset();
  auto results = bms::evaluate(parse_ok("[shell]\nmin_kohm = 1\n[rsoc]\nmin_pct = 0\n"), {s});
  CHECK(result(results, "shell_resistance").measured == "not read");
  CHECK_FALSE(result(results, "shell_resistance").pass);
  CHECK(result(results, "rsoc").measured == "not read");
  CHECK_FALSE(result(results, "rsoc").pass);
}

TEST_CASE("limits: shell resistance NULL fails unless not_measured = pass", "[limits]") {
  auto s = reference_sample();  // NULL on both sides
  auto strict = parse_ok("[shell]\nmin_kohm = 500\n");
  auto lenient = parse_ok("[shell]\nmin_kohm = 500\nnot_measured = \"pass\"\n");
  auto r = result(bms::evaluate(strict, {s}), "shell_resistance");
  CHECK_FALSE(r.pass);
  CHECK(r.measured == "NULL (not measured)");
  CHECK(r.limit == ">= 500 kΩ (not measured: fail)");
  CHECK(result(bms::evaluate(lenient, {s}), "shell_resistance").pass);

  s.snapshot.shell = bms::ShellResistance{1200, 499};
  r = result(bms::evaluate(lenient, {s}), "shell_resistance");
  CHECK_FALSE(r.pass);
  CHECK(r.measured == "499 kΩ");
  s.snapshot.shell = bms::ShellResistance{1200, std::nullopt};
  CHECK(result(bms::evaluate(lenient, {s}), "shell_resistance").pass);
  r = result(bms::evaluate(strict, {s}), "shell_resistance");
  CHECK_FALSE(r.pass);
  CHECK(r.measured == "1200 kΩ, one side NULL (not measured)");
}

TEST_CASE("limits: values a pack in bootloader mode cannot report fail as not read", "[limits]") {
  auto l = parse_ok("[cells]\ncount = 10\nmin_mv = 3000\n[pack]\nmax_mv = 40000\n[firmware]\nminimum = \"1.0.0\"\n"
                    "[serial]\npattern = \"RKS*\"\n");
  bms::Sample s;
  s.snapshot.connect.mode = bms::Mode::bootloader;
  s.snapshot.serial = "RKS3611A201000123";
  auto results = bms::evaluate(l, {s});
  CHECK(result(results, "cell_count").measured == "not read (bootloader mode)");
  CHECK(result(results, "cell_voltage").measured == "not read (bootloader mode)");
  CHECK(result(results, "max_diff_voltage").measured == "not read (bootloader mode)");
  CHECK(result(results, "pack_voltage").measured == "not read (bootloader mode)");
  CHECK(result(results, "firmware").measured == "none");
  CHECK(result(results, "serial").pass);
  for (const auto& r : results)
    if (r.name != "serial") CHECK_FALSE(r.pass);
}

TEST_CASE("limits: firmware exact and minimum, serial glob", "[limits]") {
  auto s = reference_sample();  // 1.4.2, RKS3611A201000123
  CHECK(result(bms::evaluate(parse_ok("[firmware]\nexact = \"1.4.2\"\n"), {s}), "firmware").pass);
  CHECK_FALSE(result(bms::evaluate(parse_ok("[firmware]\nexact = \"1.4.3\"\n"), {s}), "firmware").pass);
  CHECK(result(bms::evaluate(parse_ok("[firmware]\nminimum = \"1.4.2\"\n"), {s}), "firmware").pass);
  CHECK(result(bms::evaluate(parse_ok("[firmware]\nminimum = \"0.9.9\"\n"), {s}), "firmware").pass);
  auto r = result(bms::evaluate(parse_ok("[firmware]\nminimum = \"1.10.0\"\n"), {s}), "firmware");
  CHECK_FALSE(r.pass);
  CHECK(r.measured == "1.4.2");
  CHECK(r.limit == ">= 1.10.0");
  CHECK(result(bms::evaluate(parse_ok("[serial]\npattern = \"RKS3611A2?1000123\"\n"), {s}), "serial").pass);
  CHECK(result(bms::evaluate(parse_ok("[serial]\npattern = \"RKS[0-9]*\"\n"), {s}), "serial").pass);
  CHECK_FALSE(result(bms::evaluate(parse_ok("[serial]\npattern = \"RKS3611A2\"\n"), {s}), "serial").pass);
  CHECK_FALSE(result(bms::evaluate(parse_ok("[serial]\npattern = \"rks*\"\n"), {s}), "serial").pass);
}
