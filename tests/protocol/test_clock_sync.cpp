// Clock calibration and discovery (rockets-can-v1 §4 0x01, 0x18, 0x20) against simulated
// batteries in simulated time: the computer's clock is the hub's clock, so every drift is exact.

#include <catch2/catch.hpp>

#include "bms/clock_sync.hpp"
#include "bms/scan.hpp"
#include "fixtures.hpp"

using namespace std::chrono_literals;
using test::Bench;
using test::frame;

namespace {

const bms::Calendar k_local_start{2026, 11, 24, 9, 0, 0};

// The computer's local time, running with the hub's simulated clock from k_local_start.
bms::CalibrationOptions options_for(Bench& b) {
  bms::CalibrationOptions o;
  util::TimePoint t0 = b.clock().now();
  util::Clock* clock = &b.clock();
  o.local_now = [clock, t0] {
    auto s = std::chrono::duration_cast<std::chrono::seconds>(clock->now() - t0).count();
    return bms::from_seconds(bms::to_seconds(k_local_start) + s);
  };
  return o;
}

bool sent(const can::Hub& hub, std::uint32_t id) {
  for (const auto& r : hub.traffic())
    if (r.frame.id == id) return true;
  return false;
}

// A BMS that passes everything to the battery inside it except SET CLOCK, which it either
// refuses (NAK 0x02) or acknowledges without changing its clock.
class OddClock final : public can::Node {
public:
  enum class Kind { refuse, ignore };
  OddClock(sim::Battery& inner, Kind kind) : m_inner(inner), m_kind(kind) {}
  void on_frame(const can::Frame& f) override {
    if (f.id != 0x18200140) return m_inner.on_frame(f);
    if (m_kind == Kind::refuse) {
      context().transmit(frame(0x187F4001, "20 02 00 00 00 00 00 00"), context().now() + 2ms);
    } else {
      auto now = m_inner.clock_now();
      auto echo = bms::encode_clock(bms::FrameMap::builtin(), bms::Command::set_clock, now, {0x40, 0x01});
      context().transmit(*echo, context().now() + 2ms);
    }
  }

private:
  void on_started() override { m_inner.bind(context()); }
  sim::Battery& m_inner;
  Kind m_kind;
};

}  // namespace

TEST_CASE("settime sets the local time and verifies it by reading back", "[protocol][settime]") {
  Bench b;
  auto c = bms::calibrate(*b.client, options_for(b));
  REQUIRE(c);
  CHECK(c->serial == "RKS3611A201000123");
  CHECK(c->bms_before == bms::Calendar{2020, 10, 17, 16, 48, 40});
  CHECK(c->drift_before_s == bms::to_seconds({2020, 10, 17, 16, 48, 40}) - bms::to_seconds(k_local_start));
  CHECK(c->action == bms::CalibrationAction::set);
  CHECK(c->target == k_local_start);
  CHECK(c->bms_after == k_local_start);
  CHECK(c->drift_after_s == 0);
  CHECK(sent(b.hub, 0x18200140));
  // Ten minutes later the BMS has kept time with the computer.
  b.hub.run_until(b.clock().now() + 600s);
  CHECK(b.battery.clock_now() == bms::Calendar{2026, 11, 24, 9, 10, 0});
}

TEST_CASE("settime --at sets that time", "[protocol][settime]") {
  Bench b;
  auto o = options_for(b);
  o.at = bms::Calendar{2026, 11, 24, 10, 0, 0};
  auto c = bms::calibrate(*b.client, o);
  REQUIRE(c);
  CHECK(c->bms_after == bms::Calendar{2026, 11, 24, 10, 0, 0});
  CHECK(c->drift_after_s == 0);
}

TEST_CASE("settime with a maximum drift: within it nothing is written, beyond it the clock is set", "[protocol][settime]") {
  sim::BatteryConfig close;
  close.clock = bms::Calendar{2026, 11, 24, 9, 0, 4};  // 4 s ahead of the computer
  Bench b(close);
  auto o = options_for(b);
  o.max_drift_s = 5;
  auto c = bms::calibrate(*b.client, o);
  REQUIRE(c);
  CHECK(c->action == bms::CalibrationAction::within_max_drift);
  CHECK(c->drift_before_s == 4);
  CHECK_FALSE(sent(b.hub, 0x18200140));

  Bench far(close);
  auto o3 = options_for(far);
  o3.max_drift_s = 3;
  auto set = bms::calibrate(*far.client, o3);
  REQUIRE(set);
  CHECK(set->action == bms::CalibrationAction::set);
  CHECK(set->drift_after_s == 0);
}

TEST_CASE("settime expecting a serial refuses another pack and writes nothing", "[protocol][settime]") {
  Bench b;
  auto o = options_for(b);
  o.expect_serial = "RKS3611A201000999";
  auto c = bms::calibrate(*b.client, o);
  REQUIRE_FALSE(c);
  CHECK(c.error().code == util::Errc::wrong_pack);
  CHECK(c.error().message ==
        "BMS 0x01 is pack RKS3611A201000123, not RKS3611A201000999: nothing written");
  CHECK_FALSE(sent(b.hub, 0x18200140));
}

TEST_CASE("a pack that vanishes after its clock was read: lost, not 'no answer'", "[protocol][settime]") {
  Bench b;
  bool gone = false;
  b.hub.drop = [&gone](const can::Frame& f) {
    if (f.id == 0x18200140) gone = true;  // unplugged as SET CLOCK goes out
    return gone && (f.id & 0xFF) == 0x01;
  };
  auto c = bms::calibrate(*b.client, options_for(b));
  REQUIRE_FALSE(c);
  CHECK(c.error().code == util::Errc::lost);
  CHECK_THAT(c.error().message, Catch::Contains("stopped answering during SET CLOCK"));
}

TEST_CASE("SET CLOCK refused (NAK 0x02) and a clock that does not take the time", "[protocol][settime]") {
  can::Hub hub;
  sim::Battery inner({}, bms::FrameMap::builtin());
  OddClock refusing(inner, OddClock::Kind::refuse);
  hub.attach(refusing, "bms");
  auto port = hub.open_port("tool");
  bms::Client client(*port, bms::FrameMap::builtin());
  auto r = bms::calibrate(client, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == util::Errc::refused);
  CHECK(r.error().detail == 0x02);

  can::Hub hub2;
  sim::Battery inner2({}, bms::FrameMap::builtin());
  OddClock ignoring(inner2, OddClock::Kind::ignore);
  hub2.attach(ignoring, "bms");
  auto port2 = hub2.open_port("tool");
  bms::Client client2(*port2, bms::FrameMap::builtin());
  bms::CalibrationOptions o;
  o.at = bms::Calendar{2026, 11, 24, 10, 0, 0};
  auto v = bms::calibrate(client2, o);
  REQUIRE_FALSE(v);
  CHECK(v.error().code == util::Errc::verify_failed);
  CHECK_THAT(v.error().message, Catch::Contains("accepted 2026-11-24 10:00:00 but reads back 2020-10-17"));
}

TEST_CASE("scan lists every pack and flags an address two packs share", "[protocol][scan]") {
  Bench b;
  sim::BatteryConfig second;
  second.address = 0x02;
  second.serial = "RKS3611A201000124";
  second.firmware = {1, 5, 0};
  sim::BatteryConfig twin_a;
  twin_a.address = 0x07;
  twin_a.serial = "RKS3611A201000701";
  sim::BatteryConfig twin_b = twin_a;
  twin_b.serial = "RKS3611A201000702";
  sim::Battery p2(second, bms::FrameMap::builtin());
  sim::Battery p7a(twin_a, bms::FrameMap::builtin());
  sim::Battery p7b(twin_b, bms::FrameMap::builtin());
  b.hub.attach(p2, "p2");
  b.hub.attach(p7a, "p7a");
  b.hub.attach(p7b, "p7b");

  auto r = bms::scan(*b.client, 300ms);
  REQUIRE(r);
  REQUIRE(r->packs.size() == 3);
  CHECK(r->packs[0].address == 0x01);
  CHECK(r->packs[0].serial == std::optional<std::string>("RKS3611A201000123"));
  CHECK(r->packs[1].address == 0x02);
  CHECK(r->packs[1].serial == std::optional<std::string>("RKS3611A201000124"));
  CHECK(r->packs[1].info.firmware == bms::FirmwareVersion{1, 5, 0});
  CHECK(r->packs[2].address == 0x07);
  CHECK(r->shared == std::vector<std::uint8_t>{0x07});  // same CONNECT, different IDENTITY
}

TEST_CASE("scan of a silent bus finds nothing", "[protocol][scan]") {
  sim::BatteryConfig asleep;
  asleep.standby = true;
  Bench b(asleep);
  auto r = bms::scan(*b.client, 300ms);
  REQUIRE(r);
  CHECK(r->packs.empty());
}
