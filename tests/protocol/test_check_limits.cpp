// `check`'s evaluator against the simulated battery: the snapshot really read over the hub
// (simulated time), with the battery set up (flags, cell imbalance, temperatures, clock
// drift, shell resistance, firmware, serial) to pass and then to fail each limit.

#include <catch2/catch.hpp>

#include "bms/limits.hpp"
#include "fixtures.hpp"

namespace {

// Every limit, set so that the reference battery (§11) passes.
const char* k_limits = R"(
[cells]
count = 10
min_mv = 3600
max_mv = 3650
max_diff_mv = 100
[pack]
min_mv = 36300
max_mv = 40500
[temperature]
cell_min_c = 10
cell_max_c = 40
mos_min_c = 10
mos_max_c = 60
[rsoc]
min_pct = 30
max_pct = 100
[clock]
max_drift_s = 5
[shell]
min_kohm = 500
[flags]
set = ["D-MOS", "C-MOS"]
clear = ["OV", "UV", "ODV", "PF"]
[firmware]
minimum = "1.4.0"
[serial]
pattern = "RKS3611A2*"
)";

// The computer's local time the test pretends: the reference battery's clock (§11), so the
// drift is whatever the battery's `drift_s` adds.
const bms::Calendar k_local{2020, 10, 17, 16, 48, 40};

std::vector<bms::LimitResult> check(const sim::BatteryConfig& config) {
  test::Bench bench(config);
  auto snapshot = bms::read_snapshot(*bench.client, bms::k_all_parts);
  REQUIRE(snapshot);
  auto limits = bms::parse_limits(k_limits, "rig.toml");
  REQUIRE(limits);
  return bms::evaluate(*limits, {bms::Sample{*snapshot, k_local}});
}

sim::BatteryConfig passing() {
  sim::BatteryConfig c;
  c.shell = bms::ShellResistance{2000, 1800};
  return c;
}

// Every limit but `failing` passes; `failing` fails with `measured`.
void expect_only(const std::vector<bms::LimitResult>& results, const std::string& failing, const std::string& measured) {
  bool seen = false;
  for (const auto& r : results) {
    INFO(r.name << ": measured " << r.measured << ", limit " << r.limit);
    if (r.name == failing) {
      seen = true;
      CHECK_FALSE(r.pass);
      CHECK(r.measured == measured);
    } else {
      CHECK(r.pass);
    }
  }
  CHECK(seen);
}

}  // namespace

TEST_CASE("check: the reference battery passes every limit", "[check]") {
  auto results = check(passing());
  REQUIRE(results.size() == 13);
  for (const auto& r : results) {
    INFO(r.name << ": " << r.measured);
    CHECK(r.pass);
  }
  auto find = [&](const std::string& n) {
    return *std::find_if(results.begin(), results.end(), [&](auto& r) { return r.name == n; });
  };
  // §11's values as read over the hub.
  CHECK(find("cell_count").measured == "10");
  CHECK(find("cell_voltage").measured == "3641 mV (#3) to 3644 mV (#4)");
  CHECK(find("max_diff_voltage").measured == "3 mV");
  CHECK(find("pack_voltage").measured == "36423 mV");
  CHECK(find("cell_temperature").measured == "21.1 to 21.2 °C");
  CHECK(find("mos_temperature").measured == "22.7 °C");
  CHECK(find("rsoc").measured == "40 %");
  CHECK(find("shell_resistance").measured == "1800 kΩ");
  CHECK(find("flags_clear").measured == "all clear");
  CHECK(find("flags_set").measured == "all set");
  CHECK(find("firmware").measured == "1.4.2");
  CHECK(find("serial").measured == "RKS3611A201000123");
}

TEST_CASE("check: each limit fails on its own when the battery breaks it", "[check]") {
  SECTION("cell count") {
    auto c = passing();
    c.cell_mv.push_back(3642);
    expect_only(check(c), "cell_count", "11");
  }
  SECTION("cell voltage") {
    auto c = passing();
    c.cell_mv[6] = 3660;
    c.cell_mv[2] = 3630;
    expect_only(check(c), "cell_voltage", "3630 mV (#3) to 3660 mV (#7)");
  }
  SECTION("pack voltage") {
    auto c = passing();
    c.cell_mv = std::vector<int>(10, 3610);  // every cell inside its range, the sum below 36300
    expect_only(check(c), "pack_voltage", "36100 mV");
  }
  SECTION("temperatures") {
    auto c = passing();
    c.sensor_dc = {211, 405};
    expect_only(check(c), "cell_temperature", "21.1 to 40.5 °C");
    c = passing();
    c.sensor_dc = {95, 212};
    expect_only(check(c), "cell_temperature", "9.5 to 21.2 °C");
    c = passing();
    c.mos_dc = 601;
    expect_only(check(c), "mos_temperature", "60.1 °C");
  }
  SECTION("rsoc") {
    auto c = passing();
    c.rsoc_pct = 29;
    expect_only(check(c), "rsoc", "29 %");
  }
  SECTION("clock drift") {
    auto c = passing();
    c.drift_s = 5;
    for (const auto& r : check(c)) CHECK(r.pass);
    c.drift_s = -6;
    expect_only(check(c), "clock_drift", "-6 s (BMS behind)");
  }
  SECTION("shell resistance") {
    auto c = passing();
    c.shell = bms::ShellResistance{499, 1800};
    expect_only(check(c), "shell_resistance", "499 kΩ");
    c.shell = bms::ShellResistance{};
    expect_only(check(c), "shell_resistance", "NULL (not measured)");
  }
  SECTION("flags that must be clear") {
    auto c = passing();
    c.status_flags = 0x00000841;  // ODV
    expect_only(check(c), "flags_clear", "ODV set");
  }
  SECTION("flags that must be set") {
    auto c = passing();
    c.status_flags = 0x00000001;  // C-MOS off
    expect_only(check(c), "flags_set", "C-MOS clear");
  }
  SECTION("firmware") {
    auto c = passing();
    c.firmware = {1, 3, 9};
    expect_only(check(c), "firmware", "1.3.9");
  }
  SECTION("serial") {
    auto c = passing();
    c.serial = "RKS3611B201000123";
    expect_only(check(c), "serial", "RKS3611B201000123");
  }
}

TEST_CASE("check: the max diff-voltage default of 100 mV against the battery", "[check]") {
  auto limits = bms::parse_limits("[cells]\ncount = 10\n", "rig.toml");
  REQUIRE(limits);
  auto run = [&](std::vector<int> cells) {
    sim::BatteryConfig c;
    c.cell_mv = std::move(cells);
    test::Bench bench(c);
    auto snapshot = bms::read_snapshot(*bench.client, bms::k_all_parts);
    REQUIRE(snapshot);
    auto results = bms::evaluate(*limits, {bms::Sample{*snapshot, k_local}});
    REQUIRE(results.size() == 2);
    return results[1];
  };
  auto at = run({3600, 3700, 3650, 3650, 3650, 3650, 3650, 3650, 3650, 3650});
  CHECK(at.name == "max_diff_voltage");
  CHECK(at.pass);
  CHECK(at.measured == "100 mV");
  auto above = run({3600, 3701, 3650, 3650, 3650, 3650, 3650, 3650, 3650, 3650});
  CHECK_FALSE(above.pass);
  CHECK(above.measured == "101 mV");
  CHECK(above.limit == "<= 100 mV");
}

TEST_CASE("check: samples over time take the worst drift as the battery's clock runs", "[check]") {
  // The battery's clock runs with the hub's simulated clock; the computer's "local time" of
  // each sample is held still, so the drift grows by the simulated seconds between samples.
  auto limits = bms::parse_limits("[clock]\nmax_drift_s = 3\n", "rig.toml");
  REQUIRE(limits);
  test::Bench bench(passing());
  std::vector<bms::Sample> samples;
  for (int i = 0; i < 3; ++i) {
    auto s = bms::read_snapshot(*bench.client, bms::k_all_parts);
    REQUIRE(s);
    samples.push_back({*s, k_local});
    bench.clock().advance(std::chrono::seconds(2));
  }
  auto first = bms::evaluate(*limits, {samples[0]});
  CHECK(first[1].pass);
  auto all = bms::evaluate(*limits, samples);
  REQUIRE(all[1].name == "clock_drift");
  CHECK_FALSE(all[1].pass);
  CHECK(all[1].measured == "+4 s (BMS ahead)");
}
