// Simulator options for several packs, drift and the bench: parsing, defaults, derived
// serials, and the combinations that are refused.

#include <catch2/catch.hpp>

#include "sim/options.hpp"

using namespace std::chrono_literals;

TEST_CASE("parse_duration takes ms, s and min, with decimals, a unit is required", "[sim]") {
  CHECK(sim::parse_duration("500ms") == util::Duration(500ms));
  CHECK(sim::parse_duration("2s") == util::Duration(2s));
  CHECK(sim::parse_duration("1.5s") == util::Duration(1500ms));
  CHECK(sim::parse_duration("1.1s") == util::Duration(1100ms));
  CHECK(sim::parse_duration("2min") == util::Duration(120s));
  CHECK(sim::parse_duration("0ms") == util::Duration(0));
  for (const char* bad : {"", "2", "s", "2h", "-1s", "1.5", "2 s", "abc", "1e3s", "2sec"})
    CHECK_FALSE(sim::parse_duration(bad));
}

TEST_CASE("derived_serial counts the trailing number up, keeping the length", "[sim]") {
  CHECK(sim::derived_serial("RKS3611A201000123", 0) == "RKS3611A201000123");
  CHECK(sim::derived_serial("RKS3611A201000123", 1) == "RKS3611A201000124");
  CHECK(sim::derived_serial("RKS3611A201000123", 77) == "RKS3611A201000200");
  CHECK(sim::derived_serial("X99", 1) == "X00");
  CHECK(sim::derived_serial("PACK", 2) == "PACK2");
  CHECK(sim::derived_serial("ABCDEFGHIJKLMNOPQRSTU", 12) == "ABCDEFGHIJKLMNOPQRS12");
}

TEST_CASE("new simulator keys parse", "[sim]") {
  auto o = sim::parse_options("packs=4,duplicate=1,drift=-5,clock=now");
  REQUIRE(o);
  CHECK(o->packs == 4);
  CHECK(o->duplicate);
  CHECK(o->drift_s == -5);
  CHECK(o->battery.clock_now);
  auto back = sim::parse_options("clock=now,clock=2021-01-02T03:04:05");
  REQUIRE(back);
  CHECK_FALSE(back->battery.clock_now);

  auto b = sim::parse_options("bench=5,swap=500ms,loop=1,address=7");
  REQUIRE(b);
  CHECK(b->bench == 5);
  CHECK(sim::bench_swap(*b) == 500ms);
  CHECK(sim::bench_gap(*b) == 500ms);
  CHECK(b->loop);
  auto defaults = sim::parse_options("bench=2");
  REQUIRE(defaults);
  CHECK(sim::bench_swap(*defaults) == 3s);
  CHECK(sim::bench_gap(*defaults) == 1500ms);

  auto packs = sim::pack_configs(*b);
  REQUIRE(packs);
  REQUIRE(packs->size() == 5);
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK((*packs)[i].address == 7);
    CHECK((*packs)[i].drift_s == 37 * static_cast<std::int64_t>(i + 1));
  }
  CHECK((*packs)[4].serial == "RKS3611A201000127");
}

TEST_CASE("pack_configs: addresses, serials and drift of several packs", "[sim]") {
  auto o = sim::parse_options("address=10,packs=3,duplicate=1,drift=100");
  REQUIRE(o);
  auto packs = sim::pack_configs(*o);
  REQUIRE(packs);
  REQUIRE(packs->size() == 4);
  std::vector<int> addresses, drifts;
  std::vector<std::string> serials;
  for (const auto& c : *packs) {
    addresses.push_back(c.address);
    drifts.push_back(static_cast<int>(c.drift_s));
    serials.push_back(c.serial);
  }
  CHECK(addresses == std::vector<int>{10, 11, 12, 10});
  CHECK(drifts == std::vector<int>{100, 200, 300, 400});
  CHECK(serials.back() == "RKS3611A201000126");

  auto lone = sim::pack_configs(sim::Options{});
  REQUIRE(lone);
  REQUIRE(lone->size() == 1);
  CHECK(lone->front().drift_s == 0);
  auto same = sim::parse_options("packs=2,addresses=3/4");
  REQUIRE(same);
  CHECK(sim::pack_configs(*same).value().at(1).address == 4);
}

TEST_CASE("simulator options that are refused, with the key named", "[sim]") {
  struct Case {
    const char* text;
    const char* says;
  };
  for (const Case& c : {
           Case{"packs=0", "packs=0"},
           Case{"packs=64", "packs=64"},
           Case{"packs=x", "packs=x"},
           Case{"address=60,packs=5", "pass 63"},
           Case{"addresses=1/1", "addresses=1/1"},
           Case{"addresses=0/2", "addresses=0/2"},
           Case{"addresses=1/64", "addresses=1/64"},
           Case{"packs=2,addresses=1/5/7", "disagree"},
           Case{"duplicate=2", "duplicate=2"},
           Case{"bench=0", "bench=0"},
           Case{"bench=2,duplicate=1", "bench="},
           Case{"bench=2,packs=3", "bench="},
           Case{"bench=2,addresses=1/2", "bench="},
           Case{"bench=2,swap=2", "swap=2"},
           Case{"bench=2,swap=fast", "swap=fast"},
           Case{"bench=2,swap=50ms", "swap=50ms"},
           Case{"bench=2,gap=-1s", "gap=-1s"},
           Case{"swap=2s", "need bench"},
           Case{"loop=1", "need bench"},
           Case{"drift=1.5", "drift=1.5"},
           Case{"drift=abc", "drift=abc"},
           Case{"clock=2000-01-01T00:00:10,drift=-11", "2000-2255"},
           Case{"clock=2000-01-01T00:10:00,packs=3,drift=-201", "pack 3"},
           Case{"clock=later", "clock=later"},
       }) {
    INFO(c.text);
    auto o = sim::parse_options(c.text);
    REQUIRE_FALSE(o);
    CHECK(o.error().code == util::Errc::usage);
    CHECK_THAT(o.error().message, Catch::Contains(c.says));
  }
}

TEST_CASE("option_help lists the new keys", "[sim]") {
  std::vector<std::string> keys;
  for (const auto& h : sim::option_help()) keys.emplace_back(h.key);
  for (const char* k :
       {"packs", "addresses", "duplicate", "bench", "swap", "gap", "loop", "drift", "clock"})
    CHECK(std::find(keys.begin(), keys.end(), k) != keys.end());
  auto unknown = sim::parse_options("bogus=1");
  REQUIRE_FALSE(unknown);
  CHECK_THAT(unknown.error().message, Catch::Contains("bench"));
}
