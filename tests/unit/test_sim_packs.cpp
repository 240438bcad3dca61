// Several simulated packs on one bus (sim::Fleet): addresses, derived serials, drifted
// clocks, a duplicate address, wake after SLEEP; and SimBus hosting them (-i sim:packs=...).

#include <catch2/catch.hpp>

#include "bms/messages.hpp"
#include "sim/sim_bus.hpp"
#include "test_sim_rig.hpp"

using namespace std::chrono_literals;
using simtest::Rig;

namespace {

bms::Calendar shifted(std::int64_t seconds) {
  return bms::from_seconds(bms::to_seconds(bms::Calendar{2020, 10, 17, 16, 48, 40}) + seconds);
}

// The serial in the IDENTITY frames `from` sent.
std::string identity_from(const Rig& rig, const std::string& from) {
  std::vector<can::Frame> frames;
  for (const auto& r : rig.hub.traffic())
    if (r.from == from && (r.frame.id & 0x00FF0000U) == 0x00020000U) frames.push_back(r.frame);
  auto serial = bms::decode_identity(bms::FrameMap::builtin(), frames);
  REQUIRE(serial);
  return *serial;
}

}  // namespace

TEST_CASE("packs=3 answers a broadcast CONNECT from addresses 1, 2 and 3", "[sim]") {
  Rig rig("packs=3");
  REQUIRE(rig.fleet->batteries().size() == 3);
  rig.request(0x01, 0xFF, 0x01);
  rig.run_to(100ms);
  auto seen = rig.answers(rig.t0);
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].ms == 2);
  CHECK(seen[0].frame == "18014001#010A020301040200");
  CHECK(seen[1].frame == "18014002#010A020301040200");
  CHECK(seen[2].frame == "18014003#010A020301040200");
  CHECK(seen[2].ms == 2);
  CHECK(seen[1].from == "bms2");
}

TEST_CASE("pack k has the next serial and a clock drifted by k*37 s", "[sim]") {
  Rig rig("packs=3");
  for (std::uint8_t k = 1; k <= 3; ++k) {
    auto client = rig.client(k);
    REQUIRE(client.connect());
    CHECK(client.serial().value() == "RKS3611A20100012" + std::to_string(2 + k));
    CHECK(client.clock().value() == shifted(k * 37));
  }
}

TEST_CASE("addresses= puts one pack at each address, drift= sets the step", "[sim]") {
  Rig rig("addresses=5/9,drift=-10,serial=PACK-099");
  auto packs = rig.fleet->batteries();
  REQUIRE(packs.size() == 2);
  CHECK(packs[0]->config().address == 5);
  CHECK(packs[1]->config().address == 9);
  CHECK(packs[1]->config().serial == "PACK-100");
  auto client = rig.client(9);
  REQUIRE(client.connect());
  CHECK(client.clock().value() == shifted(-20));
  auto none = rig.client(1);
  CHECK_FALSE(none.connect());
}

TEST_CASE("duplicate=1 answers CONNECT twice from address 1, with two serials", "[sim]") {
  Rig rig("packs=2,duplicate=1");
  REQUIRE(rig.fleet->batteries().size() == 3);
  rig.request(0x01, 0xFF, 0x01);
  rig.run_to(100ms);
  auto seen = rig.answers(rig.t0);
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].frame == "18014001#010A020301040200");
  CHECK(seen[1].frame == "18014002#010A020301040200");
  CHECK(seen[2].frame == "18014001#010A020301040200");
  CHECK(seen[2].from == "bms3");

  rig.request(0x02, 0x01);  // IDENTITY to 0x01: both packs there answer
  rig.run_to(200ms);
  CHECK(identity_from(rig, "bms1") == "RKS3611A201000123");
  CHECK(identity_from(rig, "bms3") == "RKS3611A201000125");
  for (const auto& s : rig.answers(rig.at(100ms))) CHECK(s.frame.substr(0, 8) == "18024001");
}

TEST_CASE("a lone pack: drift= moves its clock, default none", "[sim]") {
  SECTION("no drift") {
    Rig rig("");
    auto client = rig.client();
    REQUIRE(client.connect());
    CHECK(client.clock().value() == shifted(0));
  }
  SECTION("drift=-90") {
    Rig rig("drift=-90");
    auto client = rig.client();
    REQUIRE(client.connect());
    CHECK(client.clock().value() == shifted(-90));
  }
  SECTION("drift=3600, read 12.5 s later") {
    Rig rig("drift=3600");
    rig.run_to(12500ms);
    auto client = rig.client();
    REQUIRE(client.connect());
    CHECK(client.clock().value() == shifted(3612));
  }
  SECTION("clock=now,drift=120 starts two minutes ahead of local time") {
    Rig rig("clock=now,drift=120");
    auto client = rig.client();
    REQUIRE(client.connect());
    auto seen = bms::to_seconds(client.clock().value());
    auto expected = bms::to_seconds(bms::local_now()) + 120;
    CHECK(seen <= expected);
    CHECK(seen >= expected - 2);
  }
}

TEST_CASE("SLEEP puts a pack in standby until it is woken", "[sim]") {
  Rig rig("packs=2");
  auto one = rig.client(1);
  REQUIRE(one.connect());
  REQUIRE(one.sleep());
  rig.run_to(1s);
  CHECK(rig.fleet->batteries()[0]->in_standby());
  CHECK_FALSE(rig.fleet->batteries()[1]->in_standby());
  CHECK_FALSE(one.connect());  // standby: nothing answers, however long
  rig.run_to(60s);
  CHECK_FALSE(one.connect());
  auto two = rig.client(2);
  CHECK(two.connect());

  CHECK(rig.fleet->wake_all() == 1);
  CHECK_FALSE(rig.fleet->batteries()[0]->in_standby());
  REQUIRE(one.connect());
  CHECK(one.serial().value() == "RKS3611A201000123");
  CHECK(rig.fleet->wake_all() == 0);
}

TEST_CASE("SimBus hosts several packs: battery() is the first, batteries() all", "[sim]") {
  auto bus = sim::SimBus::open("packs=2,duplicate=1");
  REQUIRE(bus);
  auto packs = (*bus)->batteries();
  REQUIRE(packs.size() == 3);
  CHECK(&(*bus)->battery() == packs[0]);
  CHECK(packs[2]->config().address == 1);
  CHECK(packs[2]->config().serial == "RKS3611A201000125");
  packs[1]->config().standby = true;
  CHECK((*bus)->wake_all() == 1);

  auto single = sim::SimBus::open("");
  REQUIRE(single);
  REQUIRE((*single)->batteries().size() == 1);
  CHECK((*single)->battery().config().drift_s == 0);

  auto bench = sim::SimBus::open("bench=3,swap=1s");
  REQUIRE(bench);
  CHECK((*bench)->batteries().size() == 3);
  CHECK((*bench)->fleet().bench() != nullptr);

  auto bad = sim::SimBus::open("bench=2,duplicate=1");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == util::Errc::usage);
}
