// The client against the simulated reference battery (rockets-can-v1 §10, §11): every poll
// command, and the worked frames as they really went over the hub, byte for byte.

#include <algorithm>

#include <catch2/catch.hpp>

#include "bms/snapshot.hpp"
#include "fixtures.hpp"

using test::Bench;

namespace {

bool on_wire(const can::Hub& hub, const std::string& frame) {
  auto t = test::traffic(hub);
  return std::find(t.begin(), t.end(), frame) != t.end();
}

}  // namespace

TEST_CASE("client reads every poll command of the reference battery", "[protocol][client]") {
  Bench b;
  auto& c = *b.client;

  auto info = c.connect();
  REQUIRE(info);
  CHECK(info->protocol_version == 1);
  CHECK(info->cell_count == 10);
  CHECK(info->sensor_count == 2);
  CHECK(info->hardware_revision == 3);
  CHECK(info->firmware == bms::FirmwareVersion{1, 4, 2});
  CHECK(info->mode == bms::Mode::application);

  CHECK(c.serial().value() == "RKS3611A201000123");
  auto pack = c.pack().value();
  CHECK(pack.voltage_mv == 36423);
  CHECK(pack.current_ma == -8);
  auto cap = c.capacity().value();
  CHECK(cap.rsoc_pct == 40);
  CHECK(cap.remaining_mah == 4732);
  CHECK(cap.full_mah == 11600);
  auto t = c.temperature_summary().value();
  CHECK(t.highest_dc == 212);
  CHECK(t.highest_sensor == 2);
  CHECK(t.lowest_dc == 211);
  CHECK(t.lowest_sensor == 1);
  CHECK(t.mos_dc == 227);
  auto cs = c.cell_summary().value();
  CHECK(cs.highest_mv == 3644);
  CHECK(cs.highest_cell == 4);
  CHECK(cs.lowest_mv == 3641);
  CHECK(cs.lowest_cell == 3);
  CHECK(cs.cell_count == 10);
  CHECK(c.cell_voltages().value() ==
        std::vector<int>{3642, 3643, 3641, 3644, 3642, 3643, 3642, 3641, 3643, 3642});
  CHECK(c.temperatures().value() == std::vector<int>{211, 212});
  auto st = c.status().value();
  CHECK(st.flags == 0x41U);
  CHECK(st.balancing == 0U);
  auto cy = c.cycles().value();
  CHECK(cy.count == 0);
  CHECK(cy.longest_uncharged_h == 95);
  CHECK(c.clock().value() == bms::Calendar{2020, 10, 17, 16, 48, 40});
  auto shell = c.shell_resistance().value();
  CHECK_FALSE(shell.positive_kohm.has_value());
  CHECK_FALSE(shell.negative_kohm.has_value());
  CHECK(c.counters().retries == 0);
  CHECK(c.counters().malformed == 0);
}

TEST_CASE("the worked frames of section 10 are what goes over the wire", "[protocol][golden]") {
  Bench b;
  auto snap = bms::read_snapshot(*b.client, bms::k_all_parts);
  REQUIRE(snap);
  // Requests (tool 0x40 -> BMS 0x01) and responses, exactly as the reference writes them.
  for (const char* expected : {
           "18010140#0100000000000000",  // CONNECT req
           "18014001#010A020301040200",  // CONNECT rsp
           "18024001#01524B5333363131",  // IDENTITY 1
           "18024001#0241323031303030",  // IDENTITY 2
           "18024001#0331323300000000",  // IDENTITY 3
           "18104001#00008E47FFFFFFF8",  // PACK
           "18114001#2800127C002D50FF",  // CAPACITY
           "18124001#00D400D300E30201",  // TEMP SUMMARY
           "18134001#0E3C040E39030AFF",  // CELL SUMMARY
           "18144001#010E3A0E3B0E39FF",  // CELL VOLTS 1..4
           "18144001#020E3C0E3A0E3BFF",
           "18144001#030E3A0E390E3BFF",
           "18144001#040E3AFFFFFFFFFF",
           "18154001#0100D300D47FFFFF",  // TEMPERATURES
           "18164001#0000004100000000",  // STATUS
           "18174001#0000005FFFFFFFFF",  // CYCLES
           "18184001#140A11103028FFFF",  // CLOCK (read within the first second)
           "18194001#FFFFFFFFFFFFFFFF",  // SHELL
       }) {
    INFO(expected);
    CHECK(on_wire(b.hub, expected));
  }
}

TEST_CASE("broadcast CONNECT finds every pack on the bus, each answering from its address",
          "[protocol][client]") {
  sim::BatteryConfig second;
  second.address = 0x05;
  second.serial = "RKS3611A201000999";
  second.cell_mv = {3300, 3301, 3302, 3303};
  sim::BatteryConfig twin;  // a second pack at 0x05: two answers from one address
  twin.address = 0x05;
  twin.sensor_dc = {200, 201, 202};
  Bench b;
  sim::Battery other(second, bms::FrameMap::builtin());
  sim::Battery clash(twin, bms::FrameMap::builtin());
  b.hub.attach(other, "bms5");
  b.hub.attach(clash, "bms5b");

  auto found = b.client->discover(std::chrono::milliseconds(100));
  REQUIRE(found);
  REQUIRE(found->size() == 3);
  CHECK(on_wire(b.hub, "1801FF40#0100000000000000"));  // CONNECT to 0xFF
  CHECK(on_wire(b.hub, "18014001#010A020301040200"));  // each answer addressed to the tool
  std::vector<int> addresses;
  for (const auto& d : *found) addresses.push_back(d.address);
  std::sort(addresses.begin(), addresses.end());
  CHECK(addresses == std::vector<int>{0x01, 0x05, 0x05});
  for (const auto& d : *found)
    if (d.address == 0x05) CHECK((d.info.cell_count == 4 || d.info.sensor_count == 3));
  // Discovery opened a session on each: no NAK 0x05 on the next request.
  bms::ClientOptions to5;
  to5.bms = 0x05;
  bms::Client c5(*b.port, bms::FrameMap::builtin(), to5);
  REQUIRE(c5.capacity());
  CHECK(other.stats().naks == 0);
}

TEST_CASE("SET CLOCK and SLEEP requests match the worked frames", "[protocol][golden]") {
  Bench b;
  REQUIRE(b.client->connect());
  auto set = b.client->set_clock({2026, 11, 24, 10, 0, 0});
  REQUIRE(set);
  CHECK(*set == bms::Calendar{2026, 11, 24, 10, 0, 0});
  CHECK(on_wire(b.hub, "18200140#1A0B180A00000000"));
  CHECK(b.client->clock().value() == bms::Calendar{2026, 11, 24, 10, 0, 0});

  auto bad = b.client->set_clock({2023, 2, 29, 10, 0, 0});  // no such day
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == util::Errc::refused);
  CHECK(bad.error().detail == 0x02);
  CHECK(on_wire(b.hub, "18200140#17021D0A00000000"));
  CHECK(on_wire(b.hub, "187F4001#2002000000000000"));
  CHECK(b.client->clock().value() == bms::Calendar{2026, 11, 24, 10, 0, 0});  // unchanged

  REQUIRE(b.client->sleep());
  CHECK(on_wire(b.hub, "18210140#A55A000000000000"));
  CHECK(on_wire(b.hub, "18214001#00FFFFFFFFFFFFFF"));
}
