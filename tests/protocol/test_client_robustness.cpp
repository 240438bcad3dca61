// The client's transaction rules (rockets-can-v1 §3.2, §3.3, §12) against scripted peers and
// the simulated battery, in simulated time: exact, deterministic timings.

#include <catch2/catch.hpp>

#include "bms/snapshot.hpp"
#include "dbc/parser.hpp"
#include "fixtures.hpp"

using namespace std::chrono_literals;
using test::Bench;
using test::frame;

namespace {

// Answers a request of one command with scripted frames; answers CONNECT like the reference.
class ScriptedPeer final : public can::Node {
public:
  std::uint8_t command = 0;
  std::vector<std::vector<can::Frame>> answers;  // one list per request, in turn; then silence
  util::Duration gap = 1ms;
  int requests = 0;

  void on_frame(const can::Frame& f) override {
    auto id = bms::parse_poll_id(f.id);
    if (!id || id->src != 0x40) return;
    if (id->cmd == 0x01) {
      context().transmit(frame(0x18014001, "01 0A 02 03 01 04 02 00"), context().now() + 1ms);
      return;
    }
    if (id->cmd != command) return;
    std::size_t n = static_cast<std::size_t>(requests++);
    if (n >= answers.size()) return;
    util::TimePoint at = context().now() + 2ms;
    for (const can::Frame& a : answers[n]) {
      context().transmit(a, at);
      at += gap;
    }
  }
};

struct PeerBench {
  PeerBench() {
    hub.attach(peer, "peer");
    port = hub.open_port("tool");  // no kernel-like filter: the client's own checks are tested
    client = std::make_unique<bms::Client>(*port, bms::FrameMap::builtin());
  }
  can::Hub hub;
  ScriptedPeer peer;
  std::unique_ptr<can::Bus> port;
  std::unique_ptr<bms::Client> client;
};

}  // namespace

TEST_CASE("multi-frame answers: any order, duplicates ignored, bad numbers and short frames dropped",
          "[protocol][client]") {
  PeerBench b;
  b.peer.command = 0x14;
  b.peer.answers = {{
      frame(0x18144001, "04 0E 3A FF FF FF FF FF"),
      frame(0x18144001, "02 0E 3C 0E 3A 0E 3B FF"),
      frame(0x18144001, "02 0E 3C 0E 3A 0E 3B FF"),  // duplicate
      frame(0x18144001, "09 00 01 00 02 00 03 FF"),  // frame number out of 1..4
      frame(0x18144002, "01 00 00 00 00 00 00 FF"),  // from BMS 0x02: not ours
      frame(0x18134001, "01 00 00 00 00 00 00 FF"),  // another command
      frame(0x18144001, "03 0E 3A 0E 39 0E 3B FF"),
      frame(0x18144001, "01 0E 3A 0E 3B 0E 39 FF"),
  }};
  can::Frame short_frame = frame(0x18144001, "01 00 00");
  short_frame.dlc = 3;
  b.peer.answers[0].insert(b.peer.answers[0].begin() + 1, short_frame);
  can::Frame standard = frame(0x144, "01 00 00 00 00 00 00 00");
  standard.extended = false;
  b.peer.answers[0].insert(b.peer.answers[0].begin(), standard);

  REQUIRE(b.client->connect());
  auto cells = b.client->cell_voltages();
  REQUIRE(cells);
  CHECK(*cells == std::vector<int>{3642, 3643, 3641, 3644, 3642, 3643, 3642, 3641, 3643, 3642});
  CHECK(b.client->counters().duplicates == 1);
  CHECK(b.client->counters().malformed == 2);  // the DLC-3 frame and frame number 9
  CHECK(b.client->counters().retries == 0);
}

TEST_CASE("no answer: two retries, each after 250 ms plus 20 ms a further frame", "[protocol][client]") {
  PeerBench b;
  b.peer.command = 0x14;  // never answered
  REQUIRE(b.client->connect());
  auto& clock = static_cast<util::ManualClock&>(b.hub.clock());
  const util::TimePoint start = clock.now();
  auto cells = b.client->cell_voltages();
  REQUIRE_FALSE(cells);
  CHECK(cells.error().code == util::Errc::no_answer);
  CHECK(cells.error().message == "no answer from BMS 0x01 to CELL VOLTAGES on tool after 3 tries");
  CHECK(b.peer.requests == 3);
  CHECK(clock.now() - start == 3 * (250ms + 3 * 20ms));  // 4 frames expected: 250 + 60 ms a try
}

TEST_CASE("an answer after one lost request arrives on the retry", "[protocol][client]") {
  PeerBench b;
  b.peer.command = 0x10;
  b.peer.answers = {{}, {frame(0x18104001, "00 00 8E 47 FF FF FF F8")}};
  auto pack = b.client->pack();
  REQUIRE(pack);
  CHECK(pack->voltage_mv == 36423);
  CHECK(b.client->counters().retries == 1);
}

TEST_CASE("NAK busy is waited out like no answer, other NAKs are typed errors", "[protocol][client]") {
  PeerBench b;
  b.peer.command = 0x10;
  b.peer.answers = {{frame(0x187F4001, "10 03 00 00 00 00 00 00")},
                    {frame(0x18104001, "00 00 8E 47 FF FF FF F8")}};
  REQUIRE(b.client->pack());
  CHECK(b.client->counters().retries == 1);

  PeerBench c;
  c.peer.command = 0x10;
  c.peer.answers = {{frame(0x187F4001, "11 01 00 00 00 00 00 00"),    // NAK for another command
                     frame(0x187F4001, "10 01 00 00 00 00 00 00")}};  // unknown command
  auto pack = c.client->pack();
  REQUIRE_FALSE(pack);
  CHECK(pack.error().code == util::Errc::refused);
  CHECK(pack.error().detail == 0x01);
  CHECK(pack.error().message == "BMS 0x01 refused PACK: unknown command (NAK 0x01)");
}

TEST_CASE("session expiry: NAK 0x05 after 10 s idle, one reconnect, the request repeated",
          "[protocol][client][session]") {
  Bench b;
  REQUIRE(b.client->connect());
  REQUIRE(b.client->pack());
  b.hub.run_until(b.clock().now() + 9900ms);  // < 10 s after the last request
  REQUIRE(b.client->pack());  // still open: refreshed by the last request
  CHECK(b.client->counters().reconnects == 0);
  b.hub.run_until(b.clock().now() + 10s);
  auto pack = b.client->pack();
  REQUIRE(pack);
  CHECK(pack->voltage_mv == 36423);
  CHECK(b.client->counters().reconnects == 1);
  CHECK(b.battery.stats().naks == 1);
}

TEST_CASE("a pack in standby answers nothing, SLEEP refused under load", "[protocol][client][standby]") {
  sim::BatteryConfig loaded;
  loaded.current_ma = 501;
  Bench under_load(loaded);
  REQUIRE(under_load.client->connect());
  auto refused = under_load.client->sleep();
  REQUIRE_FALSE(refused);
  CHECK(refused.error().detail == 0x04);
  CHECK_FALSE(under_load.battery.in_standby());

  sim::BatteryConfig limit;
  limit.current_ma = -500;  // exactly 500 mA is allowed (§12)
  Bench b(limit);
  REQUIRE(b.client->connect());
  REQUIRE(b.client->sleep());
  b.hub.run_until(b.clock().now() + 10ms);
  CHECK(b.battery.in_standby());
  const util::TimePoint start = b.clock().now();
  auto pack = b.client->pack();
  REQUIRE_FALSE(pack);
  CHECK(pack.error().code == util::Errc::no_answer);
  CHECK(b.clock().now() - start == 750ms);

  b.battery.wake();  // charge for 1-2 s
  auto again = b.client->pack();  // the session ended with standby: NAK 0x05, reconnect
  REQUIRE(again);
  CHECK(b.client->counters().reconnects == 1);
}

TEST_CASE("a cancelled call ends within 100 ms of simulated time with Errc::cancelled",
          "[protocol][client]") {
  sim::BatteryConfig asleep;
  asleep.standby = true;
  bool stop = false;
  bms::ClientOptions options;
  options.timeout = 20s;
  options.cancelled = [&stop] { return stop; };
  Bench b(asleep, options);
  b.hub.timeline().at(b.clock().now() + 1s, [&stop] { stop = true; });  // Ctrl-C after 1 s
  const util::TimePoint start = b.clock().now();
  auto c = b.client->connect();
  REQUIRE_FALSE(c);
  CHECK(c.error().code == util::Errc::cancelled);
  CHECK(b.clock().now() - start <= 1100ms);
  CHECK(b.clock().now() - start >= 1s);
}

TEST_CASE("a bus fault during silence is reported as a bus error, not as no answer", "[protocol][client]") {
  sim::BatteryConfig asleep;
  asleep.standby = true;
  Bench b(asleep);
  b.hub.inject_error(can::BusError{can::BusError::Kind::no_ack, 128, 0});
  auto c = b.client->connect();
  REQUIRE_FALSE(c);
  CHECK(c.error().code == util::Errc::bus_error);
  CHECK(c.error().message.find("no acknowledgement") != std::string::npos);
}

TEST_CASE("a frame map variant with other scaling decodes to the same readings", "[protocol][dbc]") {
  // The same messages, with PackVoltage in 10 mV steps of unit "mV" (a firmware variant).
  const dbc::Database& base = bms::FrameMap::builtin().database();
  dbc::Database variant = base;
  for (auto& m : variant.messages)
    for (auto& s : m.signals)
      if (s.name == "PackVoltage") {
        s.factor = 10;
        s.unit = "mV";
      }
  auto map = bms::FrameMap::from_database(variant, "variant.dbc");
  REQUIRE(map);
  // 36420 mV as raw 3642 in the variant's scaling
  auto pack = bms::decode_pack(*map, frame(0x18104001, "00 00 0E 3A FF FF FF F8"));
  REQUIRE(pack);
  CHECK(pack->voltage_mv == 36420);
  CHECK(pack->current_ma == -8);

  dbc::Database no_flag = base;
  for (auto& m : no_flag.messages)
    if (m.name == "STATUS_RSP")
      std::erase_if(m.signals, [](const dbc::Signal& s) { return s.name == "Flag_ODV"; });
  auto lacks_flag = bms::FrameMap::from_database(no_flag, "old.dbc");
  REQUIRE_FALSE(lacks_flag);
  CHECK(lacks_flag.error().message == "frame map old.dbc: message STATUS_RSP has no signal Flag_ODV");

  dbc::Database missing = base;
  for (auto& m : missing.messages)
    if (m.name == "PACK_RSP") m.signals.erase(m.signals.begin());
  auto bad = bms::FrameMap::from_database(missing, "broken.dbc");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "frame map broken.dbc: message PACK_RSP has no signal PackVoltage");
}
