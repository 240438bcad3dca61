// bms::Dispatcher: many BMSs at once over one bus (rockets-can-v1 §3.2 rule 4), against the
// simulated fleet in simulated time: exact durations, so "in flight together" is measured.

#include <catch2/catch.hpp>

#include "bms/clock_sync.hpp"
#include "bms/dispatcher.hpp"
#include "bms/scan.hpp"
#include "bms/snapshot.hpp"
#include "bms/targets.hpp"
#include "can/wire.hpp"
#include "sim/fleet.hpp"
#include "sim/options.hpp"

using namespace std::chrono_literals;

namespace {

struct Fleet {
  explicit Fleet(std::string_view options_text, can::Hub::Options hub_options = {}) : hub(hub_options) {
    auto options = sim::parse_options(options_text);
    REQUIRE(options);
    auto created = sim::Fleet::create(*options, bms::FrameMap::builtin());
    REQUIRE(created);
    fleet = std::move(*created);
    fleet->attach(hub);
    port = hub.open_port("tool", {can::Filter{0x18004000U, 0x1F00FF00U}});
  }
  util::ManualClock& clock() { return static_cast<util::ManualClock&>(hub.clock()); }
  // Every pack's snapshot at once, and the simulated time it took.
  std::pair<std::vector<util::Result<bms::Snapshot>>, util::Duration> read_all(
      bms::Dispatcher& d, const std::vector<std::uint8_t>& addresses) {
    std::vector<util::Task<util::Result<bms::Snapshot>>> reads;
    for (std::uint8_t a : addresses) reads.push_back(bms::read_snapshot(d.peer(a), bms::k_all_parts));
    const util::TimePoint start = clock().now();
    auto results = d.run_all(std::move(reads));
    return {std::move(results), clock().now() - start};
  }

  can::Hub hub;
  std::unique_ptr<sim::Fleet> fleet;
  std::unique_ptr<can::Bus> port;
};

std::vector<std::uint8_t> one_to(int n) {
  std::vector<std::uint8_t> v;
  for (int a = 1; a <= n; ++a) v.push_back(static_cast<std::uint8_t>(a));
  return v;
}

}  // namespace

TEST_CASE("eight packs read at once take exactly the time of one", "[protocol][dispatcher]") {
  Fleet one("packs=1");
  bms::Dispatcher d1(*one.port, bms::FrameMap::builtin());
  auto [single, t1] = one.read_all(d1, {1});
  REQUIRE(single[0]);

  Fleet eight("packs=8");
  bms::Dispatcher d8(*eight.port, bms::FrameMap::builtin());
  auto [all, t8] = eight.read_all(d8, one_to(8));
  for (std::size_t i = 0; i < all.size(); ++i) {
    REQUIRE(all[i]);
    CHECK(all[i]->address == i + 1);
    CHECK(all[i]->serial == "RKS3611A201000" + std::to_string(123 + i));
    CHECK(all[i]->cell_mv.size() == 10);
  }
  CHECK(t8 == t1);  // no wire time on this hub: every pack in flight together
  CHECK(d8.most_in_flight() == 8);
  CHECK(t1 > 20ms);  // 12 transactions of 2 ms and more each, one after the other
}

TEST_CASE("the window bounds the packs in flight", "[protocol][dispatcher]") {
  Fleet f("packs=8");
  bms::DispatcherOptions o;
  o.window = 2;
  bms::Dispatcher d(*f.port, bms::FrameMap::builtin(), o);
  auto [all, took] = f.read_all(d, one_to(8));
  for (const auto& r : all) REQUIRE(r);
  CHECK(d.most_in_flight() == 2);

  Fleet g("packs=1");
  bms::Dispatcher d1(*g.port, bms::FrameMap::builtin());
  auto [single, t1] = g.read_all(d1, {1});
  CHECK(took >= 4 * t1);  // two at a time: four packs' worth, one after the other
}

TEST_CASE("on a paced bus the packs share the wire: each added pack costs its frames", "[protocol][dispatcher]") {
  can::Hub::Options paced;
  paced.bitrate = 250000;
  Fleet one("packs=1", paced);
  bms::Dispatcher d1(*one.port, bms::FrameMap::builtin());
  auto [single, t1] = one.read_all(d1, {1});
  REQUIRE(single[0]);
  const std::size_t frames_one = one.hub.traffic().size();

  Fleet many("packs=16", paced);
  bms::Dispatcher d16(*many.port, bms::FrameMap::builtin());
  auto [all, t16] = many.read_all(d16, one_to(16));
  for (const auto& r : all) REQUIRE(r);
  CHECK(many.hub.traffic().size() == 16 * frames_one);
  util::Duration wire{};
  for (const auto& r : many.hub.traffic()) wire += can::wire_time(r.frame, 250000);
  // Each added pack costs at most its own frames' time on the wire, not its whole run.
  CHECK(t16 <= t1 + wire);
  CHECK(t16 < 16 * t1 / 2);  // far from one pack after the other (16 x t1)
}

TEST_CASE("a silent pack costs its own retries, not the others' time", "[protocol][dispatcher]") {
  Fleet f("packs=4");
  f.fleet->batteries()[2]->config().standby = true;  // pack 3 asleep
  bms::Dispatcher d(*f.port, bms::FrameMap::builtin());
  auto [all, took] = f.read_all(d, one_to(4));
  REQUIRE(all[0]);
  REQUIRE(all[1]);
  REQUIRE_FALSE(all[2]);
  REQUIRE(all[3]);
  CHECK(all[2].error().code == util::Errc::no_answer);
  CHECK(all[2].error().message == "no answer from BMS 0x03 to CONNECT on tool after 3 tries");
  CHECK(took == 3 * 250ms);  // CONNECT's three tries; the others finish meanwhile
}

TEST_CASE("a session that expired on one pack is reopened there only", "[protocol][dispatcher][session]") {
  Fleet f("packs=3");
  bms::Dispatcher d(*f.port, bms::FrameMap::builtin());
  auto [first, t1] = f.read_all(d, one_to(3));
  for (const auto& r : first) REQUIRE(r);
  f.hub.run_until(f.clock().now() + 11s);  // every session has expired
  auto again = d.run(d.peer(2).pack());
  REQUIRE(again);
  CHECK(d.peer(2).counters().reconnects == 1);
  CHECK(d.peer(1).counters().reconnects == 0);
  CHECK(again->voltage_mv == 36423);
}

TEST_CASE("two packs on one address: a differing second answer marks it shared", "[protocol][dispatcher]") {
  Fleet f("packs=2,duplicate=1");
  bms::Dispatcher d(*f.port, bms::FrameMap::builtin());
  auto [all, took] = f.read_all(d, one_to(2));
  REQUIRE_FALSE(all[0]);
  CHECK(all[0].error().code == util::Errc::shared_address);
  CHECK(all[0].error().message ==
        "two packs answer from BMS address 0x01 on tool: nothing is done there (give each pack "
        "its own address)");
  REQUIRE(all[1]);
  CHECK(d.peer(1).shared());
  CHECK_FALSE(d.peer(2).shared());
}

TEST_CASE("settime on a shared address never sends SET CLOCK", "[protocol][dispatcher][settime]") {
  Fleet f("duplicate=1");
  bms::Dispatcher d(*f.port, bms::FrameMap::builtin());
  bms::CalibrationOptions o;
  o.at = bms::Calendar{2026, 11, 24, 10, 0, 0};
  auto c = d.run(bms::calibrate(d.peer(1), o));
  REQUIRE_FALSE(c);
  CHECK(c.error().code == util::Errc::shared_address);
  for (const auto& r : f.hub.traffic()) CHECK((r.frame.id & 0x00FF0000U) != 0x00200000U);
}

TEST_CASE("scan of 63 packs: two broadcasts, IDENTITY to all at once, one listen window", "[protocol][dispatcher][scan]") {
  Fleet f("packs=63");
  bms::Dispatcher d(*f.port, bms::FrameMap::builtin());
  const util::TimePoint start = f.clock().now();
  auto r = d.run(bms::scan(d, bms::k_listen_window));
  REQUIRE(r);
  CHECK(r->packs.size() == 63);
  CHECK(r->shared.empty());
  CHECK(r->packs[62].address == 63);
  CHECK(r->packs[62].serial == "RKS3611A201000185");
  // Two broadcasts of 150 ms, IDENTITY (the window's 16 at a time), 150 ms listening.
  CHECK(f.clock().now() - start < 3 * bms::k_listen_window + 150ms);
}

TEST_CASE("targets: a list as given, all from a broadcast, a shared address left out", "[protocol][dispatcher]") {
  auto list = bms::parse_addresses("3,1,5-7");
  REQUIRE(list);
  CHECK(list->addresses == std::vector<std::uint8_t>{1, 3, 5, 6, 7});
  CHECK(list->several());
  CHECK(bms::parse_addresses("010")->addresses == std::vector<std::uint8_t>{10});  // never octal
  CHECK(bms::parse_addresses("0x3F")->addresses == std::vector<std::uint8_t>{63});
  CHECK_FALSE(bms::parse_addresses("1")->several());
  CHECK(bms::parse_addresses("all")->all);
  for (const char* bad : {"", "0", "64", "abc", "1,", "5-3", "1-x", "08x", "-1"}) {
    auto r = bms::parse_addresses(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == util::Errc::usage);
  }
  CHECK(bms::parse_addresses("64").error().message == "--address 64: 64 is outside 1-63, the BMS addresses");

  Fleet f("addresses=2/4,duplicate=1");
  bms::Dispatcher d(*f.port, bms::FrameMap::builtin());
  bms::AddressSpec all;
  all.all = true;
  auto t = d.run(bms::resolve_targets(d, all, bms::k_listen_window));
  REQUIRE(t);
  // The duplicate's CONNECT answer equals pack 2's: only its IDENTITY tells them apart later.
  CHECK(t->addresses == std::vector<std::uint8_t>{2, 4});
}

TEST_CASE("Ctrl-C ends every pack's transaction within 100 ms", "[protocol][dispatcher]") {
  Fleet f("packs=4,standby=1");
  bool stop = false;
  bms::DispatcherOptions o;
  o.policy.timeout = 20s;
  o.cancelled = [&stop] { return stop; };
  bms::Dispatcher d(*f.port, bms::FrameMap::builtin(), o);
  f.hub.timeline().at(f.clock().now() + 1s, [&stop] { stop = true; });
  auto [all, took] = f.read_all(d, one_to(4));
  for (const auto& r : all) {
    REQUIRE_FALSE(r);
    CHECK(r.error().code == util::Errc::cancelled);
  }
  CHECK(took >= 1s);
  CHECK(took <= 1100ms);
}
