// The bench (sim::Bench): packs plugged in one at a time, on an exact schedule in simulated
// time: present for swap, then silent for gap, then the next serial; sessions closed anew.

#include <catch2/catch.hpp>

#include "sim/bench.hpp"
#include "test_sim_rig.hpp"

using namespace std::chrono_literals;
using simtest::Rig;

namespace {

bms::Calendar shifted(std::int64_t seconds) {
  return bms::from_seconds(bms::to_seconds(bms::Calendar{2020, 10, 17, 16, 48, 40}) + seconds);
}

// The serial of whatever pack answers at address 1 now, or "" when nothing answers.
std::string who(Rig& rig) {
  auto client = rig.client();
  if (!client.connect()) return "";
  auto serial = client.serial();
  return serial ? *serial : "?";
}

}  // namespace

TEST_CASE("bench=3,swap=2s: pack 1 for 2 s, 1 s of silence, pack 2, ..., then silence", "[sim]") {
  Rig rig("bench=3,swap=2s");
  sim::Bench* bench = rig.fleet->bench();
  REQUIRE(bench != nullptr);
  CHECK(bench->timing().swap == 2s);
  CHECK(bench->timing().gap == 1s);  // half of swap
  CHECK(bench->plug_time(0) == rig.t0);
  CHECK(bench->plug_time(1) == rig.at(3s));
  CHECK(bench->plug_time(2) == rig.at(6s));

  // At t0, pack 1 answers CONNECT and IDENTITY: exact frames and times.
  rig.request(0x01, 0xFF, 0x01);
  rig.run_to(10ms);
  rig.request(0x02, 0x01);
  rig.run_to(50ms);
  auto seen = rig.answers(rig.t0);
  REQUIRE(seen.size() == 4);
  CHECK(seen[0].ms == 2);
  CHECK(seen[0].frame == "18014001#010A020301040200");
  CHECK(seen[1].ms == 12);
  CHECK(seen[1].frame == "18024001#01524B5333363131");
  CHECK(seen[0].from == "bench");

  CHECK(who(rig) == "RKS3611A201000123");
  rig.run_to(1990ms);
  CHECK(bench->present() == std::optional<std::size_t>{0});
  rig.run_to(2s);
  CHECK_FALSE(bench->present());
  CHECK(who(rig).empty());  // the gap: nothing answers (the client gives up by t0 + 2.75 s)
  rig.run_to(2999ms);
  CHECK_FALSE(bench->present());
  rig.run_to(3s);
  CHECK(bench->present() == std::optional<std::size_t>{1});
  {
    auto client = rig.client();
    REQUIRE(client.connect());
    CHECK(client.serial().value() == "RKS3611A201000124");
    CHECK(client.clock().value() == shifted(2 * 37 + 3));  // its clock ran from t0
  }
  rig.run_to(6s);
  CHECK(who(rig) == "RKS3611A201000125");
  rig.run_to(8s);
  CHECK_FALSE(bench->present());
  rig.run_to(60s);
  CHECK_FALSE(bench->present());
  CHECK(who(rig).empty());
}

TEST_CASE("bench: the gap is at least 500 ms by default, gap= sets it", "[sim]") {
  {
    Rig rig("bench=2,swap=600ms");
    CHECK(rig.fleet->bench()->timing().gap == 500ms);
    CHECK(rig.fleet->bench()->plug_time(1) == rig.at(1100ms));
  }
  {
    Rig rig("bench=2,swap=1s,gap=0ms");
    CHECK(rig.fleet->bench()->timing().gap == 0ms);
    rig.run_to(1s);
    CHECK(rig.fleet->bench()->present() == std::optional<std::size_t>{1});
  }
}

TEST_CASE("bench: a newly plugged pack starts with sessions closed, on_change reports", "[sim]") {
  Rig rig("bench=2,swap=1s,gap=0ms,loop=1");
  std::vector<std::string> log;
  rig.fleet->bench()->on_change = [&](std::size_t i, bool plugged) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(rig.hub.clock().now() - rig.t0);
    log.push_back(std::to_string(ms.count()) + (plugged ? " in " : " out ") +
                  std::to_string(i + 1));
  };
  rig.run_to(500ms);
  rig.request(0x01, 0x01, 0x01);  // CONNECT pack 1
  rig.run_to(600ms);
  rig.run_to(1100ms);
  rig.request(0x16, 0x01);  // STATUS to pack 2 without CONNECT: NAK 0x05
  rig.run_to(1200ms);
  auto seen = rig.answers(rig.at(1s));
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].frame == "187F4001#1605000000000000");
  CHECK(seen[0].ms == 1102);

  rig.run_to(2100ms);  // loop: pack 1 again, its session from t0 + 500 ms closed
  rig.request(0x16, 0x01);
  rig.run_to(2200ms);
  seen = rig.answers(rig.at(2s));
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].frame == "187F4001#1605000000000000");
  CHECK(log == std::vector<std::string>{"1000 out 1", "1000 in 2", "2000 out 2", "2000 in 1"});
}

TEST_CASE("bench: SLEEP, then the pack stays asleep until woken", "[sim]") {
  Rig rig("bench=2,swap=10s");
  auto client = rig.client();
  REQUIRE(client.connect());
  REQUIRE(client.sleep());
  rig.run_to(1s);
  CHECK_FALSE(client.connect());
  CHECK(rig.fleet->wake_all() == 1);
  CHECK(client.connect());
}
