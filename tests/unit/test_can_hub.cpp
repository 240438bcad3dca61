// can::Hub, the in-process virtual bus: delivery to ports and nodes, filters, deadlines in
// simulated time, the drop hook, injection, detach, serial wire timing at a bitrate, the
// traffic record; and a short real-time smoke test.

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "can/hub.hpp"
#include "can/wire.hpp"

using namespace std::chrono_literals;

namespace {

using can::Frame;
using can::Hub;

Frame ext(std::uint32_t id, std::vector<std::uint8_t> bytes = {}) {
  return can::make_frame(id, bytes);
}

// The next event on `bus` before `deadline`, which must be a frame (or nothing).
std::optional<Frame> next_frame(can::Bus& bus, util::TimePoint deadline) {
  auto event = bus.receive(deadline);
  REQUIRE(event);
  if (!event->has_value()) return std::nullopt;
  const Frame* frame = std::get_if<Frame>(&**event);
  REQUIRE(frame != nullptr);
  return *frame;
}

// Answers every frame with a copy whose id is one higher, `delay` later: through
// NodeContext::transmit(frame, at), or through a call_at timer that transmits at once.
class EchoNode final : public can::Node {
public:
  enum class Via { transmit_at, call_at };
  explicit EchoNode(util::Duration delay, Via via = Via::transmit_at)
      : m_delay(delay), m_via(via) {}

  void on_frame(const Frame& frame) override {
    seen.push_back(frame);
    seen_at.push_back(context().now());
    Frame reply = frame;
    reply.id = frame.id + 1;
    if (m_via == Via::transmit_at) {
      context().transmit(reply, context().now() + m_delay);
    } else {
      context().call_at(context().now() + m_delay,
                        [this, reply] { context().transmit(reply, context().now()); });
    }
  }

  std::vector<Frame> seen;
  std::vector<util::TimePoint> seen_at;

private:
  util::Duration m_delay;
  Via m_via;
};

// Only records what it sees.
class ListenNode final : public can::Node {
public:
  void on_frame(const Frame& frame) override { seen.push_back(frame); }
  std::vector<Frame> seen;
};

// Arms a timer and a delayed frame when told to.
class TimerNode final : public can::Node {
public:
  void on_frame(const Frame& frame) override { seen.push_back(frame); }
  void arm(util::Duration timer, util::Duration frame_delay) {
    context().call_at(context().now() + timer, [this] { ++fired; });
    context().transmit(ext(0x18AA0001, {0xAA}), context().now() + frame_delay);
  }
  int fired = 0;
  std::vector<Frame> seen;
};

// Detaches itself from the hub when it sees a frame.
class SelfDetachingNode final : public can::Node {
public:
  explicit SelfDetachingNode(Hub& hub) : m_hub(hub) {}
  void on_frame(const Frame& frame) override {
    seen.push_back(frame);
    m_hub.detach(*this);
  }
  std::vector<Frame> seen;

private:
  Hub& m_hub;
};

}  // namespace

TEST_CASE("a port's frame reaches other ports and nodes, never the sender", "[hub]") {
  Hub hub;
  auto tool = hub.open_port("tool");
  auto spy = hub.open_port("spy");
  EchoNode bms(5ms);
  hub.attach(bms, "bms");
  const util::TimePoint t0 = hub.clock().now();
  CHECK(&tool->clock() == &hub.clock());
  CHECK(tool->name() == "tool");

  const Frame request = ext(0x18100140, {1, 2, 3});
  REQUIRE(tool->send(request, t0 + 1s));

  // The spy sees the request at once (no bitrate: no time on the wire), then the echo.
  CHECK(next_frame(*spy, t0 + 1s) == request);
  CHECK(hub.clock().now() == t0);
  REQUIRE(bms.seen.size() == 1);
  CHECK(bms.seen[0] == request);
  CHECK(bms.seen_at[0] == t0);

  Frame reply = request;
  reply.id = 0x18100141;
  CHECK(next_frame(*spy, t0 + 1s) == reply);
  CHECK(hub.clock().now() == t0 + 5ms);

  // The tool gets the reply but not its own request; the node did not get its own reply
  // (else it would echo forever).
  CHECK(next_frame(*tool, t0 + 1s) == reply);
  CHECK(bms.seen.size() == 1);
  CHECK_FALSE(next_frame(*tool, t0 + 1s));
  CHECK_FALSE(next_frame(*spy, t0 + 1s));
}

TEST_CASE("a node's timers (call_at) run in simulated time", "[hub]") {
  Hub hub;
  auto tool = hub.open_port("tool");
  EchoNode bms(250ms, EchoNode::Via::call_at);
  hub.attach(bms, "bms");
  const util::TimePoint t0 = hub.clock().now();
  REQUIRE(tool->send(ext(0x18160140), t0));
  auto reply = next_frame(*tool, t0 + 10s);
  REQUIRE(reply);
  CHECK(reply->id == 0x18160141);
  CHECK(hub.clock().now() == t0 + 250ms);
}

TEST_CASE("the timing is deterministic: the same exchange gives the same times", "[hub]") {
  auto run = [] {
    Hub hub;
    auto tool = hub.open_port("tool");
    EchoNode a(3ms), b(7ms, EchoNode::Via::call_at);
    hub.attach(a, "a", {can::Filter{0x100, 0xF00}});
    hub.attach(b, "b", {can::Filter{0x200, 0xF00}});
    const util::TimePoint t0 = hub.clock().now();
    std::vector<util::Duration> times;
    for (std::uint32_t id : {0x100U, 0x200U, 0x100U}) {
      REQUIRE(tool->send(ext(id), hub.clock().now()));
      REQUIRE(next_frame(*tool, hub.clock().now() + 1s));
      times.push_back(hub.clock().now() - t0);
    }
    return times;
  };
  const std::vector<util::Duration> expected{3ms, 10ms, 13ms};
  CHECK(run() == expected);
  CHECK(run() == expected);
}

TEST_CASE("filters select what a port or node receives", "[hub]") {
  Hub hub;
  auto tool = hub.open_port("tool");
  auto all = hub.open_port("all");
  auto exact = hub.open_port("exact", {can::Filter{0x18104001, can::k_max_extended_id}});
  // Two filters: CMD 0x10 or CMD 0x16 (rockets-can-v1 §3.1: CMD in bits 16..23).
  auto two = hub.open_port("two", {can::Filter{0x00100000, 0x00FF0000},
                                   can::Filter{0x00160000, 0x00FF0000}});
  ListenNode status_only;
  hub.attach(status_only, "status", {can::Filter{0x18164001, 0x1FFF0000}});
  const util::TimePoint t0 = hub.clock().now();

  const Frame pack = ext(0x18104001), status = ext(0x18164001), cells = ext(0x18144001);
  Frame standard = ext(0x123);
  standard.extended = false;
  for (const Frame& f : {pack, status, cells, standard}) REQUIRE(tool->send(f, t0));

  auto drain = [&](can::Bus& bus) {
    std::vector<std::uint32_t> ids;
    while (auto f = next_frame(bus, t0 + 1s)) ids.push_back(f->id);
    return ids;
  };
  using Ids = std::vector<std::uint32_t>;
  CHECK(drain(*all) == Ids{0x18104001, 0x18164001, 0x18144001, 0x123});
  CHECK(drain(*exact) == Ids{0x18104001});
  CHECK(drain(*two) == Ids{0x18104001, 0x18164001});  // a standard frame never passes a filter
  REQUIRE(status_only.seen.size() == 1);
  CHECK(status_only.seen[0] == status);
}

TEST_CASE("receive() returns nothing at its deadline, in simulated time", "[hub]") {
  Hub hub;
  auto tool = hub.open_port("tool");
  const util::TimePoint t0 = hub.clock().now();

  SECTION("the clock stands exactly at the deadline") {
    CHECK_FALSE(next_frame(*tool, t0 + 250ms));
    CHECK(hub.clock().now() == t0 + 250ms);
    CHECK_FALSE(next_frame(*tool, t0 + 250ms + 1ns));
    CHECK(hub.clock().now() == t0 + 250ms + 1ns);
  }
  SECTION("a deadline in the past returns at once, time does not go back") {
    CHECK_FALSE(next_frame(*tool, t0 - 1s));
    CHECK(hub.clock().now() == t0);
  }
  SECTION("a 10 s wait takes no real time") {
    const auto real_start = std::chrono::steady_clock::now();
    CHECK_FALSE(next_frame(*tool, t0 + 10s));
    const auto real_elapsed = std::chrono::steady_clock::now() - real_start;
    CHECK(hub.clock().now() == t0 + 10s);
    CHECK(real_elapsed < 1s);  // generous: it is microseconds
  }
  SECTION("a reply after the deadline is not returned; at the deadline it is") {
    EchoNode bms(100ms);
    hub.attach(bms, "bms");
    REQUIRE(tool->send(ext(0x18100140), t0));
    CHECK_FALSE(next_frame(*tool, t0 + 99ms));
    CHECK(hub.clock().now() == t0 + 99ms);
    CHECK(next_frame(*tool, t0 + 100ms));  // due at or before the deadline: delivered
    CHECK(hub.clock().now() == t0 + 100ms);
  }
  SECTION("run_until moves the clock and runs what is due") {
    EchoNode bms(2s);
    hub.attach(bms, "bms");
    REQUIRE(tool->send(ext(0x18100140), t0));
    hub.run_until(t0 + 5s);
    CHECK(hub.clock().now() == t0 + 5s);
    // The reply came at t0 + 2 s and waits in the port's queue.
    CHECK(next_frame(*tool, t0 + 5s));
    CHECK(hub.clock().now() == t0 + 5s);
  }
}

TEST_CASE("the drop hook loses frames on the wire", "[hub]") {
  Hub hub;
  auto tool = hub.open_port("tool");
  auto spy = hub.open_port("spy");
  EchoNode bms(1ms);
  hub.attach(bms, "bms");
  hub.drop = [](const Frame& f) { return f.id == 0x18100140; };
  const util::TimePoint t0 = hub.clock().now();

  REQUIRE(tool->send(ext(0x18100140), t0));  // lost
  REQUIRE(tool->send(ext(0x18160140), t0));  // delivered, echoed as 0x18160141
  auto first = next_frame(*spy, t0 + 1s);
  REQUIRE(first);
  CHECK(first->id == 0x18160140);
  auto second = next_frame(*spy, t0 + 1s);
  REQUIRE(second);
  CHECK(second->id == 0x18160141);
  CHECK_FALSE(next_frame(*spy, t0 + 1s));
  REQUIRE(bms.seen.size() == 1);
  CHECK(bms.seen[0].id == 0x18160140);

  hub.drop = nullptr;  // no hook: nothing lost
  REQUIRE(tool->send(ext(0x18100140), hub.clock().now()));
  auto third = next_frame(*spy, hub.clock().now() + 1s);
  REQUIRE(third);
  CHECK(third->id == 0x18100140);
}

TEST_CASE("inject() puts any frame on the bus, malformed ones too", "[hub]") {
  Hub hub;
  auto tool = hub.open_port("tool");
  ListenNode node;
  hub.attach(node, "bms");
  const util::TimePoint t0 = hub.clock().now();

  Frame short_frame = ext(0x18104001, {0x00, 0x00, 0x8E});
  short_frame.dlc = 3;  // rockets-can-v1 §1: DLC < 8 is malformed; the hub passes it on
  hub.inject(short_frame, "cansend");
  auto got = next_frame(*tool, t0 + 1s);
  REQUIRE(got);
  CHECK(*got == short_frame);
  CHECK(got->dlc == 3);
  CHECK(got->size() == 3);
  REQUIRE(node.seen.size() == 1);
  CHECK(node.seen[0] == short_frame);
  REQUIRE(hub.traffic().size() == 1);
  CHECK(hub.traffic()[0].from == "cansend");

  hub.inject(ext(0x18164001));  // default sender name
  CHECK(next_frame(*tool, t0 + 1s));
  REQUIRE(hub.traffic().size() == 2);
  CHECK(hub.traffic()[1].from == "inject");
}

TEST_CASE("inject_error() reaches every port", "[hub]") {
  Hub hub;
  auto a = hub.open_port("a");
  auto b = hub.open_port("b");
  const util::TimePoint t0 = hub.clock().now();
  const can::BusError error{can::BusError::Kind::bus_off, 255, 0};
  hub.inject_error(error);
  for (can::Bus* port : {a.get(), b.get()}) {
    auto event = port->receive(t0 + 1s);
    REQUIRE(event);
    REQUIRE(event->has_value());
    const auto* e = std::get_if<can::BusError>(&**event);
    REQUIRE(e != nullptr);
    CHECK(*e == error);
    CHECK_FALSE(next_frame(*port, t0 + 1s));  // once only
  }
  CHECK(hub.traffic().empty());  // not a frame
}

TEST_CASE("detach() stops delivery to a node", "[hub]") {
  Hub hub;
  auto tool = hub.open_port("tool");
  ListenNode kept, gone;
  hub.attach(gone, "gone");
  hub.attach(kept, "kept");
  const util::TimePoint t0 = hub.clock().now();

  REQUIRE(tool->send(ext(0x18010140), t0));
  hub.run_until(t0 + 1ms);
  CHECK(gone.seen.size() == 1);
  CHECK(kept.seen.size() == 1);

  hub.detach(gone);
  REQUIRE(tool->send(ext(0x18020140), hub.clock().now()));
  hub.run_until(t0 + 2ms);
  CHECK(gone.seen.size() == 1);
  CHECK(kept.seen.size() == 2);
}

TEST_CASE("detach() cancels the node's pending timers and frames", "[hub]") {
  Hub hub;
  auto tool = hub.open_port("tool");
  TimerNode gone, kept;
  hub.attach(gone, "gone");
  hub.attach(kept, "kept");
  const util::TimePoint t0 = hub.clock().now();
  gone.arm(1s, 2s);
  kept.arm(1s, 2s);
  hub.detach(gone);

  // Only `kept`'s frame arrives; only its timer fires.
  auto frame = next_frame(*tool, t0 + 5s);
  REQUIRE(frame);
  CHECK(hub.clock().now() == t0 + 2s);
  CHECK_FALSE(next_frame(*tool, t0 + 5s));
  CHECK(hub.clock().now() == t0 + 5s);
  CHECK(gone.fired == 0);
  CHECK(kept.fired == 1);
  REQUIRE(hub.traffic().size() == 1);
  CHECK(hub.traffic()[0].from == "kept");
  CHECK(gone.seen.empty());  // nor did it see kept's frame
  CHECK(hub.timeline().empty());
}

// Regression: the delivery loop once skipped the participant after one that detached itself.
TEST_CASE("a node detaching itself in on_frame does not make others miss the frame", "[hub]") {
  Hub hub;
  auto tool = hub.open_port("tool");
  SelfDetachingNode leaving(hub);
  ListenNode after;
  hub.attach(leaving, "leaving");
  hub.attach(after, "after");  // attached after `leaving`: the next slot
  auto spy = hub.open_port("spy");
  const util::TimePoint t0 = hub.clock().now();

  REQUIRE(tool->send(ext(0x18010140), t0));
  hub.run_until(t0 + 1ms);
  CHECK(leaving.seen.size() == 1);
  CHECK(after.seen.size() == 1);                // fails: skipped
  CHECK(next_frame(*spy, t0 + 1ms).has_value());  // the spy, two slots on, is reached
}

TEST_CASE("with a bitrate the wire is serial and each frame takes its exact time", "[hub]") {
  Hub hub(Hub::Options{Hub::Timing::simulated, 250000, true});
  auto tool = hub.open_port("tool");
  auto other = hub.open_port("other");
  auto spy = hub.open_port("spy");
  const util::TimePoint t0 = hub.clock().now();

  const Frame f1 = ext(0x18104001, {0x00, 0x00, 0x8E, 0x47, 0xFF, 0xFF, 0xFF, 0xF8});
  const Frame f2 = ext(0x18164001, {0, 0, 0, 0x41, 0, 0, 0, 0});
  const util::Duration w1 = can::wire_time(f1, 250000);
  const util::Duration w2 = can::wire_time(f2, 250000);
  REQUIRE(w1 == 572us);  // 143 bits (test_can_wire.cpp)
  REQUIRE(w2 == 584us);  // 146 bits

  SECTION("two frames from one port at the same instant") {
    REQUIRE(tool->send(f1, t0));
    REQUIRE(tool->send(f2, t0));
    CHECK(next_frame(*spy, t0 + 1s) == f1);
    CHECK(hub.clock().now() == t0 + w1);
    CHECK(next_frame(*spy, t0 + 1s) == f2);
    CHECK(hub.clock().now() == t0 + w1 + w2);
  }
  SECTION("two senders at the same instant share the wire") {
    REQUIRE(tool->send(f1, t0));
    REQUIRE(other->send(f2, t0));
    CHECK(next_frame(*spy, t0 + 1s) == f1);
    CHECK(hub.clock().now() == t0 + w1);
    CHECK(next_frame(*spy, t0 + 1s) == f2);
    CHECK(hub.clock().now() == t0 + w1 + w2);
    CHECK(next_frame(*tool, t0 + 1s) == f2);  // each gets the other's frame only
    CHECK(next_frame(*other, t0 + 1s) == f1);
  }
  SECTION("a frame is not received before it has completed") {
    REQUIRE(tool->send(f1, t0));
    CHECK_FALSE(next_frame(*spy, t0 + w1 - 1ns));
    CHECK(next_frame(*spy, t0 + w1) == f1);
  }
  SECTION("an idle wire does not delay the next frame") {
    REQUIRE(tool->send(f1, t0));
    hub.run_until(t0 + 10ms);
    REQUIRE(tool->send(f2, hub.clock().now()));
    CHECK(next_frame(*spy, t0 + 1s) == f1);
    CHECK(next_frame(*spy, t0 + 1s) == f2);
    CHECK(hub.clock().now() == t0 + 10ms + w2);
  }
  SECTION("a node's reply starts after its delay and takes its own wire time") {
    EchoNode bms(1ms);
    hub.attach(bms, "bms");
    REQUIRE(tool->send(f1, t0));
    Frame reply = f1;
    reply.id += 1;
    CHECK(next_frame(*tool, t0 + 1s) == reply);
    CHECK(hub.clock().now() == t0 + w1 + 1ms + can::wire_time(reply, 250000));
  }
  SECTION("traffic() records completion times") {
    REQUIRE(tool->send(f1, t0));
    REQUIRE(tool->send(f2, t0));
    hub.run_until(t0 + 10ms);
    REQUIRE(hub.traffic().size() == 2);
    CHECK(hub.traffic()[0].at == t0 + w1);
    CHECK(hub.traffic()[1].at == t0 + w1 + w2);
  }
}

TEST_CASE("traffic() records every frame with its time and sender", "[hub]") {
  Hub hub;
  auto tool = hub.open_port("tool");
  EchoNode bms(5ms);
  hub.attach(bms, "bms-01");
  const util::TimePoint t0 = hub.clock().now();

  const Frame request = ext(0x18100140, {9});
  REQUIRE(tool->send(request, t0));
  REQUIRE(next_frame(*tool, t0 + 1s));
  hub.inject(ext(0x18FF0000), "test");
  hub.run_until(t0 + 1s);

  const auto& traffic = hub.traffic();
  REQUIRE(traffic.size() == 4);
  CHECK(traffic[0].at == t0);
  CHECK(traffic[0].frame == request);
  CHECK(traffic[0].from == "tool");
  CHECK(traffic[1].at == t0 + 5ms);
  CHECK(traffic[1].frame.id == 0x18100141);
  CHECK(traffic[1].from == "bms-01");
  CHECK(traffic[2].at == t0 + 5ms);  // injected when the clock stood at 5 ms
  CHECK(traffic[2].frame.id == 0x18FF0000);
  CHECK(traffic[2].from == "test");
  CHECK(traffic[3].at == t0 + 10ms);  // the node's echo of the injected frame
  CHECK(traffic[3].frame.id == 0x18FF0001);
  CHECK(traffic[3].from == "bms-01");

  hub.clear_traffic();
  CHECK(hub.traffic().empty());
}

TEST_CASE("traffic() stays empty when recording is off", "[hub]") {
  Hub hub(Hub::Options{Hub::Timing::simulated, 0, false});
  auto tool = hub.open_port("tool");
  auto spy = hub.open_port("spy");
  REQUIRE(tool->send(ext(0x18100140), hub.clock().now()));
  CHECK(next_frame(*spy, hub.clock().now() + 1s));
  CHECK(hub.traffic().empty());
}

TEST_CASE("a port closed with a frame in flight: the frame is still delivered", "[hub]") {
  Hub hub;
  auto tool = hub.open_port("tool");
  ListenNode node;
  hub.attach(node, "bms");
  {
    auto temporary = hub.open_port("temporary");
    REQUIRE(temporary->send(ext(0x18010140), hub.clock().now()));
  }  // closed while its frame is still to be delivered
  CHECK(next_frame(*tool, hub.clock().now() + 1s));
  CHECK(node.seen.size() == 1);
  REQUIRE(tool->send(ext(0x18020140), hub.clock().now()));
  hub.run_until(hub.clock().now() + 1s);
  CHECK(node.seen.size() == 2);
}

TEST_CASE("real-time hub: an echo answers within a few ms, deadlines hold", "[hub][realtime]") {
  // Real time: assert only generous bounds, never tight timings.
  Hub hub(Hub::Options{Hub::Timing::realtime, 250000, true});
  auto tool = hub.open_port("tool");
  EchoNode bms(2ms);
  hub.attach(bms, "bms");

  const auto start = std::chrono::steady_clock::now();
  CHECK(hub.clock().now() >= start);  // the system clock
  REQUIRE(tool->send(ext(0x18100140, {1, 2, 3, 4, 5, 6, 7, 8}), hub.clock().now()));
  auto reply = next_frame(*tool, hub.clock().now() + 2s);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE(reply);
  CHECK(reply->id == 0x18100141);
  CHECK(elapsed >= 2ms);  // the echo's delay at least
  CHECK(elapsed < 1s);

  const util::TimePoint deadline = hub.clock().now() + 30ms;
  const auto wait_start = std::chrono::steady_clock::now();
  CHECK_FALSE(next_frame(*tool, deadline));
  const auto waited = std::chrono::steady_clock::now() - wait_start;
  CHECK(hub.clock().now() >= deadline);
  CHECK(waited >= 25ms);
  CHECK(waited < 2s);
}
