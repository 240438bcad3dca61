// isotp::Channel on can::Hub in simulated time at 250 kbit/s, against a scripted node that
// sends exact bytes and against an isotp::Engine driven from node callbacks (as the simulated
// battery drives it): the §10 worked frames, round trips, STmin and BS as seen on the wire
// (hub.traffic()), the N_Bs / N_Cr timers, WAIT / OVERFLOW, sequence errors, frames mid-message,
// the receive deadline, bus faults and cancellation.

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "can/hub.hpp"
#include "isotp/channel.hpp"

using namespace std::chrono_literals;

namespace {

using Bytes = std::vector<std::uint8_t>;
using can::Frame;

constexpr std::uint32_t k_to_bms = isotp::diag_id(0x01, 0x40);   // 0x18DA0140
constexpr std::uint32_t k_to_tool = isotp::diag_id(0x40, 0x01);  // 0x18DA4001

Bytes pattern(std::size_t n, std::uint8_t seed = 3) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + seed);
  return b;
}

Bytes payload(const Frame& f) { return Bytes(f.data.begin(), f.data.end()); }

isotp::Config tool_config(std::uint8_t block_size = 0, std::uint8_t st_min = 0) {
  isotp::Config c;
  c.tx_id = k_to_bms;
  c.rx_id = k_to_tool;
  c.block_size = block_size;
  c.st_min = st_min;
  return c;
}

isotp::Config bms_config(std::uint8_t block_size = 0, std::uint8_t st_min = 0) {
  isotp::Config c;
  c.tx_id = k_to_tool;
  c.rx_id = k_to_bms;
  c.block_size = block_size;
  c.st_min = st_min;
  return c;
}

// A node that answers frames from a script: react(frame) may send exact bytes.
class ScriptNode final : public can::Node {
public:
  std::function<void(const Frame&)> react;
  std::vector<Frame> seen;

  void on_frame(const Frame& frame) override {
    seen.push_back(frame);
    if (react) react(frame);
  }
  void send(Bytes bytes, util::Duration delay = 0ms, std::uint8_t dlc = 8) {
    Frame f = can::make_frame(k_to_tool, bytes);
    f.dlc = dlc;
    context().transmit(f, context().now() + delay);
  }
  void later(util::Duration delay, std::function<void()> action) {
    context().call_at(context().now() + delay, std::move(action));
  }
};

// The BMS end as the simulated battery runs it: an Engine fed from on_frame, polled until
// nothing is due, with a timer at wake_at(). Answers each message with `answer(message)`.
class EngineNode final : public can::Node {
public:
  explicit EngineNode(isotp::Config config) : engine(config) {}
  isotp::Engine engine;
  std::function<std::optional<Bytes>(const Bytes&)> answer = [](const Bytes& m) { return m; };
  std::vector<Bytes> received;

  void on_frame(const Frame& frame) override {
    engine.on_frame(frame, context().now());
    pump();
  }
  void send(const Bytes& message) {
    REQUIRE(engine.send(message, context().now()));
    pump();
  }

private:
  void pump() {
    const util::TimePoint now = context().now();
    while (auto f = engine.poll(now)) context().transmit(*f, now);
    while (auto m = engine.take_message()) {
      received.push_back(*m);
      if (auto reply = answer ? answer(*m) : std::nullopt) {
        REQUIRE(engine.send(*reply, now));
        while (auto f = engine.poll(now)) context().transmit(*f, now);
      }
    }
    if (auto at = engine.wake_at()) context().call_at(*at, [this] { pump(); });
  }
};

struct Rig {
  can::Hub hub{can::Hub::Options{can::Hub::Timing::simulated, 250000, true}};
  std::unique_ptr<can::Bus> port = hub.open_port("tool", {can::Filter{k_to_tool, 0x1FFFFFFF}});
  util::Clock& clock = hub.clock();

  void attach(can::Node& node) { hub.attach(node, "bms", {can::Filter{k_to_bms, 0x1FFFFFFF}}); }

  // The frames on the wire with `id`, in order, with when they completed.
  std::vector<can::Hub::Record> traffic(std::uint32_t id) const {
    std::vector<can::Hub::Record> out;
    for (const auto& r : hub.traffic())
      if (r.frame.id == id) out.push_back(r);
    return out;
  }
};

util::Result<std::optional<Bytes>> receive_within(isotp::Channel& ch, util::Duration d) {
  return ch.receive(ch.clock().now() + d);
}

}  // namespace

TEST_CASE("channel: the worked frames of §10 byte for byte (read DID F1A0)", "[isotp][channel]") {
  Rig rig;
  ScriptNode bms;
  bms.react = [&bms](const Frame& f) {
    if (f.data[0] == 0x03 && f.data[1] == 0x22) bms.send({0x10, 0x0C, 0x62, 0xF1, 0xA0, 0x00, 0x2A, 0x07}, 5ms);
    if (f.data[0] == 0x30) bms.send({0x21, 0xD0, 0x10, 0x40, 0x00, 0x00, 0x00, 0xCC});
  };
  rig.attach(bms);
  isotp::Channel tool(*rig.port, tool_config());
  std::vector<std::pair<Frame, bool>> trace;
  tool.observer = [&trace](const Frame& f, bool sent) { trace.emplace_back(f, sent); };

  REQUIRE(tool.send(Bytes{0x22, 0xF1, 0xA0}, rig.clock.now() + 1s));
  auto response = receive_within(tool, 50ms);
  REQUIRE(response);
  REQUIRE(response->has_value());
  CHECK(**response == Bytes{0x62, 0xF1, 0xA0, 0x00, 0x2A, 0x07, 0xD0, 0x10, 0x40, 0x00, 0x00, 0x00});

  const auto& wire = rig.hub.traffic();
  REQUIRE(wire.size() == 4);
  CHECK(wire[0].frame.id == 0x18DA0140);
  CHECK(payload(wire[0].frame) == Bytes{0x03, 0x22, 0xF1, 0xA0, 0xCC, 0xCC, 0xCC, 0xCC});
  CHECK(wire[1].frame.id == 0x18DA4001);
  CHECK(payload(wire[1].frame) == Bytes{0x10, 0x0C, 0x62, 0xF1, 0xA0, 0x00, 0x2A, 0x07});
  CHECK(wire[2].frame.id == 0x18DA0140);
  CHECK(payload(wire[2].frame) == Bytes{0x30, 0x00, 0x00, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC});
  CHECK(wire[3].frame.id == 0x18DA4001);
  CHECK(payload(wire[3].frame) == Bytes{0x21, 0xD0, 0x10, 0x40, 0x00, 0x00, 0x00, 0xCC});
  for (const auto& r : wire) CHECK(r.frame.dlc == 8);

  REQUIRE(trace.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(trace[i].first == wire[i].frame);
    CHECK(trace[i].second == (i % 2 == 0));
  }
}

TEST_CASE("channel: round trips of 1, 6, 7, 8, 62 and 4095 bytes with an engine node",
          "[isotp][channel]") {
  const std::size_t length = GENERATE(1, 6, 7, 8, 62, 4095);
  const std::uint8_t bms_bs = GENERATE(0, 32);
  const std::uint8_t tool_bs = GENERATE(0, 5);
  INFO("length " << length << ", BMS BS " << int{bms_bs} << ", tool BS " << int{tool_bs});
  Rig rig;
  EngineNode bms(bms_config(bms_bs));
  bms.answer = [](const Bytes& m) {
    Bytes r = m;
    std::reverse(r.begin(), r.end());
    return r;
  };
  rig.attach(bms);
  isotp::Channel tool(*rig.port, tool_config(tool_bs));
  const Bytes message = pattern(length);
  REQUIRE(tool.send(message, rig.clock.now() + 1s));
  auto answer = receive_within(tool, 1s);
  REQUIRE(answer);
  REQUIRE(answer->has_value());
  CHECK(**answer == Bytes(message.rbegin(), message.rend()));
  REQUIRE(bms.received.size() == 1);
  CHECK(bms.received[0] == message);
  CHECK(tool.engine().counters().aborts == 0);
  CHECK(bms.engine.counters().aborts == 0);
  CHECK(tool.engine().counters().messages_sent == 1);
  CHECK(tool.engine().counters().messages_received == 1);
  for (const auto& r : rig.hub.traffic()) CHECK(r.frame.dlc == 8);
}

TEST_CASE("channel: 4095 bytes on the wire, sequence numbers wrapping 0xF to 0x0",
          "[isotp][channel]") {
  Rig rig;
  EngineNode bms(bms_config(32));
  bms.answer = nullptr;
  rig.attach(bms);
  isotp::Channel tool(*rig.port, tool_config());
  REQUIRE(tool.send(pattern(4095), rig.clock.now() + 1s));
  rig.hub.run_until(rig.clock.now() + 100ms);
  auto sent = rig.traffic(k_to_bms);
  REQUIRE(sent.size() == 586);
  CHECK(sent[0].frame.data[0] == 0x1F);
  CHECK(sent[0].frame.data[1] == 0xFF);
  for (std::size_t i = 1; i < sent.size(); ++i) CHECK(sent[i].frame.data[0] == (0x20 | (i & 0xF)));
  REQUIRE(bms.received.size() == 1);
  CHECK(bms.received[0] == pattern(4095));
  // the reference battery's flow control, after the FF and every 32 CFs
  auto fcs = rig.traffic(k_to_tool);
  CHECK(fcs.size() == 19);
  for (const auto& r : fcs) CHECK(payload(r.frame) == Bytes{0x30, 0x20, 0x00, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC});
}

TEST_CASE("channel: STmin is honoured on the wire within 5 ms, both ways", "[isotp][channel]") {
  const std::uint8_t st = GENERATE(0x00, 0x01, 0x0A, 0x7F, 0xF1, 0xF5, 0xF9, 0x80, 0xFA);
  const std::uint8_t bs = GENERATE(0, 4);
  INFO("STmin 0x" << std::hex << int{st} << std::dec << " BS " << int{bs});
  const util::Duration st_min = isotp::st_min_duration(st);
  // Long messages where STmin is short (the whole 4095 bytes), shorter where it is long.
  const std::size_t length = st_min >= 10ms ? 200 : 4095;
  Rig rig;
  EngineNode bms(bms_config(bs, st));
  rig.attach(bms);  // echoes, obeying the tool's flow control (same BS and STmin)
  isotp::Channel tool(*rig.port, tool_config(bs, st));
  REQUIRE(tool.send(pattern(length), rig.clock.now() + 1s));
  auto echo = receive_within(tool, 1s);
  REQUIRE(echo);
  REQUIRE(echo->has_value());
  CHECK(**echo == pattern(length));

  for (std::uint32_t id : {k_to_bms, k_to_tool}) {
    INFO((id == k_to_bms ? "tool -> BMS" : "BMS -> tool"));
    std::vector<util::TimePoint> cf_at;
    for (const auto& r : rig.traffic(id))
      if ((r.frame.data[0] >> 4) == 2) cf_at.push_back(r.at);
    REQUIRE(cf_at.size() == (length - 6 + 6) / 7);
    util::Duration shortest = util::Duration::max(), longest{};
    for (std::size_t i = 1; i < cf_at.size(); ++i) {
      shortest = std::min(shortest, cf_at[i] - cf_at[i - 1]);
      longest = std::max(longest, cf_at[i] - cf_at[i - 1]);
    }
    CHECK(shortest >= st_min);
    CHECK(longest <= st_min + 5ms);
  }
}

TEST_CASE("channel: BS is honoured, a flow control after each block", "[isotp][channel]") {
  Rig rig;
  EngineNode bms(bms_config(4));
  bms.answer = nullptr;
  rig.attach(bms);
  isotp::Channel tool(*rig.port, tool_config());
  REQUIRE(tool.send(pattern(62), rig.clock.now() + 1s));  // FF + 8 CFs
  rig.hub.run_until(rig.clock.now() + 10ms);
  std::string order;
  for (const auto& r : rig.hub.traffic())
    order += r.frame.id == k_to_tool ? 'C' : (r.frame.data[0] >> 4) == 1 ? 'F' : 'd';
  CHECK(order == "FCddddCdddd");
  CHECK(bms.received == std::vector<Bytes>{pattern(62)});
}

TEST_CASE("channel: no flow control within N_Bs fails the send with no_answer", "[isotp][channel]") {
  Rig rig;
  ScriptNode bms;  // hears, never answers
  rig.attach(bms);
  isotp::Channel tool(*rig.port, tool_config());
  const util::TimePoint start = rig.clock.now();
  auto sent = tool.send(pattern(100), start + 1s);
  REQUIRE_FALSE(sent);
  CHECK(sent.error().code == util::Errc::no_answer);
  CHECK(sent.error().message == "no flow control within 1000 ms");
  CHECK(rig.hub.traffic().size() == 1);  // the FF
  CHECK(rig.clock.now() - start >= 1000ms);
  CHECK(rig.clock.now() - start <= 1100ms);
  CHECK_FALSE(tool.engine().sending());
  // the channel is usable again
  REQUIRE(tool.send(Bytes{1, 2}, rig.clock.now() + 1s));
}

TEST_CASE("channel: FC WAIT up to ten times in a row, the eleventh refuses", "[isotp][channel]") {
  const int waits = GENERATE(10, 11);
  INFO(waits << " WAITs");
  Rig rig;
  ScriptNode bms;
  bms.react = [&bms, waits](const Frame& f) {
    if ((f.data[0] >> 4) != 1) return;
    // WAITs 900 ms apart: 9 s and more in all, so N_Bs must restart after each one
    for (int i = 1; i <= waits; ++i) bms.send({0x31, 0, 0, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC}, i * 900ms);
    bms.send({0x30, 0, 0, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC}, (waits + 1) * 900ms);
  };
  rig.attach(bms);
  isotp::Channel tool(*rig.port, tool_config());
  auto sent = tool.send(pattern(20), rig.clock.now() + 1s);
  if (waits == 10) {
    REQUIRE(sent);
    rig.hub.run_until(rig.clock.now() + 10ms);
    CHECK(bms.seen.size() == 3);  // FF, 2 CFs
  } else {
    REQUIRE_FALSE(sent);
    CHECK(sent.error().code == util::Errc::refused);
    CHECK(bms.seen.size() == 1);
  }
}

TEST_CASE("channel: FC OVERFLOW refuses the send", "[isotp][channel]") {
  Rig rig;
  ScriptNode bms;
  bms.react = [&bms](const Frame& f) {
    if ((f.data[0] >> 4) == 1) bms.send({0x32, 0, 0, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC});
  };
  rig.attach(bms);
  isotp::Channel tool(*rig.port, tool_config());
  auto sent = tool.send(pattern(300), rig.clock.now() + 1s);
  REQUIRE_FALSE(sent);
  CHECK(sent.error().code == util::Errc::refused);
  CHECK(bms.seen.size() == 1);
}

TEST_CASE("channel: an oversized first frame (escape form) is answered with FC OVERFLOW",
          "[isotp][channel]") {
  Rig rig;
  ScriptNode bms;
  rig.attach(bms);
  isotp::Channel tool(*rig.port, tool_config());
  bms.later(1ms, [&bms] { bms.send({0x10, 0x00, 0x00, 0x01, 0x00, 0x00, 0xAA, 0xBB}); });
  auto got = receive_within(tool, 100ms);
  REQUIRE(got);
  CHECK_FALSE(got->has_value());
  REQUIRE(bms.seen.size() == 1);
  CHECK(payload(bms.seen[0]) == Bytes{0x32, 0x00, 0x00, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC});
  CHECK(tool.engine().counters().overflows_sent == 1);
}

TEST_CASE("channel: a message that breaks off fails after N_Cr with no_answer", "[isotp][channel]") {
  Rig rig;
  ScriptNode bms;
  rig.attach(bms);
  isotp::Channel tool(*rig.port, tool_config());
  bms.later(10ms, [&bms] {
    bms.send({0x10, 0x14, 1, 2, 3, 4, 5, 6});
    bms.send({0x21, 7, 8, 9, 10, 11, 12, 13}, 20ms);
  });
  auto got = receive_within(tool, 50ms);  // the FF comes before this deadline
  REQUIRE_FALSE(got);
  CHECK(got.error().code == util::Errc::no_answer);
  const util::TimePoint last_cf = rig.traffic(k_to_tool).back().at;
  CHECK(rig.clock.now() - last_cf >= 1000ms);
  CHECK(rig.clock.now() - last_cf <= 1100ms);
  CHECK(bms.seen.size() == 1);  // the FC
}

TEST_CASE("channel: a sequence-number gap fails the receive as malformed", "[isotp][channel]") {
  Rig rig;
  ScriptNode bms;
  bms.react = [&bms](const Frame& f) {
    if (f.data[0] == 0x30) {
      bms.send({0x21, 7, 8, 9, 10, 11, 12, 13});
      bms.send({0x23, 14, 15, 16, 17, 18, 19, 20});
    }
  };
  rig.attach(bms);
  isotp::Channel tool(*rig.port, tool_config());
  bms.later(1ms, [&bms] { bms.send({0x10, 0x14, 1, 2, 3, 4, 5, 6}); });
  auto got = receive_within(tool, 100ms);
  REQUIRE_FALSE(got);
  CHECK(got.error().code == util::Errc::malformed);
}

TEST_CASE("channel: a frame of a new message mid-message starts that message", "[isotp][channel]") {
  Rig rig;
  ScriptNode bms;
  rig.attach(bms);
  isotp::Channel tool(*rig.port, tool_config());
  bms.later(1ms, [&bms] {
    bms.send({0x10, 0x14, 1, 2, 3, 4, 5, 6});
    bms.send({0x21, 7, 8, 9, 10, 11, 12, 13}, 2ms);
    bms.send({0x03, 0xAA, 0xBB, 0xCC}, 4ms);              // a single frame
    bms.send({0x22, 14, 15, 16, 17, 18, 19, 20}, 6ms);    // the rest of the old one: stray
    bms.send({0x30, 0, 0}, 7ms);                          // a stray flow control
    bms.send({0x10, 0x08, 9, 8, 7, 6, 5, 4}, 8ms);        // a first frame
    bms.send({0x10, 0x09, 1, 1, 1, 1, 1, 1}, 10ms);       // and another
    bms.send({0x21, 1, 1, 1, 0, 0, 0, 0}, 12ms);
  });
  auto first = receive_within(tool, 100ms);
  REQUIRE(first);
  REQUIRE(first->has_value());
  CHECK(**first == Bytes{0xAA, 0xBB, 0xCC});
  auto second = receive_within(tool, 100ms);
  REQUIRE(second);
  REQUIRE(second->has_value());
  CHECK(**second == Bytes{1, 1, 1, 1, 1, 1, 1, 1, 1});
  CHECK(tool.engine().counters().ignored == 2);
  CHECK(tool.engine().counters().aborts == 2);  // superseded twice
}

TEST_CASE("channel: frames with DLC < 8 are dropped, DLC 9-15 count as 8", "[isotp][channel]") {
  Rig rig;
  ScriptNode bms;
  rig.attach(bms);
  isotp::Channel tool(*rig.port, tool_config());
  bms.later(1ms, [&bms] {
    bms.send({0x02, 0x11, 0x22}, 0ms, 3);
    bms.send({0x02, 0x33, 0x44, 0, 0, 0, 0, 0}, 1ms, 12);
  });
  auto got = receive_within(tool, 100ms);
  REQUIRE(got);
  REQUIRE(got->has_value());
  CHECK(**got == Bytes{0x33, 0x44});
  CHECK(tool.engine().counters().ignored == 1);
}

TEST_CASE("channel: receive's deadline", "[isotp][channel]") {
  Rig rig;
  ScriptNode bms;
  rig.attach(bms);
  isotp::Channel tool(*rig.port, tool_config());
  const util::TimePoint start = rig.clock.now();

  SECTION("nothing: nullopt at the deadline") {
    auto got = tool.receive(start + 300ms);
    REQUIRE(got);
    CHECK_FALSE(got->has_value());
    CHECK(rig.clock.now() == start + 300ms);
  }
  SECTION("a first frame before the deadline: the message is completed after it") {
    bms.later(290ms, [&bms] {
      bms.send({0x10, 0x0A, 1, 2, 3, 4, 5, 6});
      bms.send({0x21, 7, 8, 9, 10}, 800ms);
    });
    auto got = tool.receive(start + 300ms);
    REQUIRE(got);
    REQUIRE(got->has_value());
    CHECK(**got == Bytes{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
    CHECK(rig.clock.now() > start + 1000ms);
  }
  SECTION("a first frame after the deadline is left for the next call") {
    bms.later(310ms, [&bms] { bms.send({0x01, 0x7E}); });
    auto got = tool.receive(start + 300ms);
    REQUIRE(got);
    CHECK_FALSE(got->has_value());
    auto next = tool.receive(start + 400ms);
    REQUIRE(next);
    CHECK(*next == Bytes{0x7E});
  }
}

TEST_CASE("channel: a bus fault fails the call with bus_error naming it", "[isotp][channel]") {
  Rig rig;
  ScriptNode bms;
  rig.attach(bms);
  isotp::Channel tool(*rig.port, tool_config());
  const can::BusError fault{can::BusError::Kind::no_ack, 128, 0};

  SECTION("while receiving") {
    bms.later(20ms, [&rig, fault] { rig.hub.inject_error(fault); });
    auto got = receive_within(tool, 1s);
    REQUIRE_FALSE(got);
    CHECK(got.error().code == util::Errc::bus_error);
    CHECK_THAT(got.error().message, Catch::Contains("no acknowledgement"));
  }
  SECTION("while sending (waiting for flow control)") {
    bms.react = [&rig, &bms, fault](const Frame&) {
      bms.later(5ms, [&rig, fault] { rig.hub.inject_error(fault); });
    };
    auto sent = tool.send(pattern(40), rig.clock.now() + 1s);
    REQUIRE_FALSE(sent);
    CHECK(sent.error().code == util::Errc::bus_error);
    CHECK_THAT(sent.error().message, Catch::Contains("no acknowledgement"));
    CHECK_FALSE(tool.engine().sending());
  }
}

TEST_CASE("channel: cancelled is asked at least every 100 ms", "[isotp][channel]") {
  Rig rig;
  ScriptNode bms;
  rig.attach(bms);
  isotp::Channel tool(*rig.port, tool_config());
  const util::TimePoint start = rig.clock.now();
  int asked = 0;
  tool.cancelled = [&] {
    ++asked;
    return rig.clock.now() >= start + 250ms;
  };
  SECTION("receive") {
    auto got = tool.receive(start + 10s);
    REQUIRE_FALSE(got);
    CHECK(got.error().code == util::Errc::cancelled);
  }
  SECTION("send, waiting for flow control") {
    auto sent = tool.send(pattern(40), start + 10s);
    REQUIRE_FALSE(sent);
    CHECK(sent.error().code == util::Errc::cancelled);
    CHECK_FALSE(tool.engine().sending());
  }
  CHECK(rig.clock.now() >= start + 250ms);
  CHECK(rig.clock.now() <= start + 350ms);
  CHECK(asked >= 3);
}
