// settime --auto's bench loop (bms::run_bench) against packs that a test schedule plugs in and
// unplugs on the hub's simulated timeline.

#include <catch2/catch.hpp>

#include "bms/bench.hpp"
#include "fixtures.hpp"

using namespace std::chrono_literals;

namespace {

const bms::Calendar k_local_start{2026, 11, 24, 9, 0, 0};

sim::BatteryConfig pack(std::string serial, bms::Calendar clock) {
  sim::BatteryConfig c;
  c.serial = std::move(serial);
  c.clock = clock;
  return c;
}

struct BenchRig {
  BenchRig() {
    port = hub.open_port("tool", {can::Filter{0x18004000U, 0x1F00FF00U}});
    client = std::make_unique<bms::Client>(*port, bms::FrameMap::builtin());
    t0 = hub.clock().now();
    options.poll_interval = 500ms;
    util::Clock* clock = &hub.clock();
    util::TimePoint start = t0;
    options.calibration.local_now = [clock, start] {
      auto s = std::chrono::duration_cast<std::chrono::seconds>(clock->now() - start).count();
      return bms::from_seconds(bms::to_seconds(k_local_start) + s);
    };
  }
  // Plugs `battery` in at t0 + from and unplugs it at t0 + to.
  void plug(sim::Battery& battery, util::Duration from, util::Duration to) {
    hub.timeline().at(t0 + from, [this, &battery] { hub.attach(battery, battery.config().serial); });
    hub.timeline().at(t0 + to, [this, &battery] { hub.detach(battery); });
  }
  can::Hub hub;
  std::unique_ptr<can::Bus> port;
  std::unique_ptr<bms::Client> client;
  util::TimePoint t0;
  bms::BenchOptions options;
};

}  // namespace

TEST_CASE("bench: each new serial once, the same serial in a row skipped, replaced without a gap",
          "[protocol][bench]") {
  BenchRig rig;
  sim::Battery a(pack("RKS3611A201000001", {2020, 10, 17, 16, 48, 40}), bms::FrameMap::builtin());
  sim::Battery b(pack("RKS3611A201000002", {2026, 11, 24, 9, 0, 37}), bms::FrameMap::builtin());
  sim::Battery c(pack("RKS3611A201000003", {2026, 11, 24, 8, 59, 0}), bms::FrameMap::builtin());
  rig.plug(a, 0s, 3s);
  rig.plug(a, 4s, 6s);  // the same pack again, in a row: not calibrated twice
  rig.plug(b, 7s, 9s);
  rig.plug(c, 9s, 12s);  // replaced without a gap
  rig.options.count = 3;

  std::vector<bms::BenchRecord> records;
  auto summary = bms::run_bench(*rig.client, rig.options,
                                [&records](const bms::BenchRecord& r) {
                                  records.push_back(r);
                                  return true;
                                });
  REQUIRE(summary);
  CHECK(summary->done == 3);
  CHECK(summary->failed == 0);
  REQUIRE(records.size() == 3);
  CHECK(records[0].serial == "RKS3611A201000001");
  CHECK(records[1].serial == "RKS3611A201000002");
  CHECK(records[2].serial == "RKS3611A201000003");
  for (const auto& r : records) {
    REQUIRE(r.calibration);
    CHECK(r.calibration->action == bms::CalibrationAction::set);
    CHECK(r.calibration->drift_after_s == 0);
  }
  // A simulated pack's clock starts at its configured time when it is plugged in: B (09:00:37)
  // at 7 s, when the computer reads 09:00:07; C (08:59:00) at 9 s, computer 09:00:09.
  CHECK(records[1].calibration->drift_before_s == 30);
  CHECK(records[2].calibration->drift_before_s == -69);
  CHECK(summary->largest_drift_serial == "RKS3611A201000001");
  // Every pack was done within one poll interval of being plugged in.
  CHECK(bms::to_seconds(records[1].time) - bms::to_seconds(k_local_start) <= 8);
}

TEST_CASE("bench: a pack that fails does not stop the bench, and is retried after a replug",
          "[protocol][bench]") {
  BenchRig rig;
  sim::Battery bad(pack("RKS3611A201000009", {2020, 1, 1, 0, 0, 0}), bms::FrameMap::builtin());
  sim::Battery good(pack("RKS3611A201000010", {2020, 1, 1, 0, 0, 0}), bms::FrameMap::builtin());
  // The first time, the pack loses contact as SET CLOCK goes out: its answers never come.
  can::Hub* hub = &rig.hub;
  const util::TimePoint first_plug_end = rig.t0 + 5s;
  rig.hub.drop = [hub, first_plug_end](const can::Frame& f) {
    return f.id == 0x18204001 && hub->clock().now() < first_plug_end;
  };
  rig.plug(bad, 0s, 5s);
  rig.plug(bad, 6s, 8s);  // replugged: tried again, and this time it works
  rig.plug(good, 9s, 12s);
  rig.options.count = 3;
  std::vector<bms::BenchRecord> records;
  auto summary = bms::run_bench(*rig.client, rig.options,
                                [&records](const bms::BenchRecord& r) {
                                  records.push_back(r);
                                  return true;
                                });
  REQUIRE(summary);
  REQUIRE(records.size() == 3);
  CHECK(records[0].serial == "RKS3611A201000009");
  REQUIRE(records[0].error);
  CHECK(records[0].error->code == util::Errc::lost);
  CHECK(records[1].serial == "RKS3611A201000009");
  CHECK(records[1].calibration.has_value());
  CHECK(records[2].serial == "RKS3611A201000010");
  CHECK(summary->done == 2);
  CHECK(summary->failed == 1);
}

TEST_CASE("bench: Ctrl-C ends it with the summary so far", "[protocol][bench]") {
  BenchRig rig;
  bool stop = false;
  bms::ClientOptions o;
  o.cancelled = [&stop] { return stop; };
  rig.client = std::make_unique<bms::Client>(*rig.port, bms::FrameMap::builtin(), o);
  sim::Battery a(pack("RKS3611A201000001", {2020, 1, 1, 0, 0, 0}), bms::FrameMap::builtin());
  rig.plug(a, 0s, 3s);
  rig.hub.timeline().at(rig.t0 + 20s, [&stop] { stop = true; });
  int seen = 0;
  auto summary = bms::run_bench(*rig.client, rig.options, [&seen](const bms::BenchRecord&) {
    ++seen;
    return true;
  });
  REQUIRE(summary);
  CHECK(summary->done == 1);
  CHECK(seen == 1);
  CHECK(rig.hub.clock().now() - rig.t0 < 21s);
}
