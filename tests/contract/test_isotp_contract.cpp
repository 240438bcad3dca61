// ISO-TP over every Bus backend (rig.hpp): an isotp::Channel on one bus exchanges messages of
// 1, 7, 8, 62 and 4095 bytes both ways with a peer on another bus, under several block sizes
// and STmin values. The peer is an isotp::Engine (what the simulated battery runs), driven
// between the slices of the channel's waits: one thread, so the same test runs on the
// simulated hub (no threads possible), the real-time hub and SocketCAN (vcan0 in UML).
// Timings are not asserted here (wall clock); tests/unit/test_isotp_*.cpp do that in
// simulated time.

#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <variant>
#include <vector>

#include "can/bus.hpp"
#include "isotp/channel.hpp"
#include "rig.hpp"

namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;

constexpr std::uint32_t k_to_bms = isotp::diag_id(0x01, 0x40);
constexpr std::uint32_t k_to_tool = isotp::diag_id(0x40, 0x01);
// The longest the channel's bus waits before the peer gets its turn.
constexpr util::Duration k_slice = 1ms;

Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 13 + seed);
  return b;
}

// The peer end: an Engine on its own bus, stepped by service().
class Peer {
 public:
  Peer(can::Bus& bus, isotp::Config config) : m_bus(bus), engine(config) {}

  // Takes every event already on the bus, then puts every due frame on it.
  void service() {
    util::Clock& clock = m_bus.clock();
    for (;;) {
      auto event = m_bus.receive(clock.now());
      if (!event) FAIL("peer receiving: " << event.error().message);
      if (!*event) break;
      if (const auto* frame = std::get_if<can::Frame>(&**event)) engine.on_frame(*frame, clock.now());
      else FAIL("peer: bus fault " << can::describe(std::get<can::BusError>(**event)));
    }
    while (auto frame = engine.poll(clock.now())) {
      auto sent = m_bus.send(*frame, clock.now() + 1s);
      if (!sent) FAIL("peer sending: " << sent.error().message);
    }
  }

  // The time the peer next needs a turn, if it has one.
  std::optional<util::TimePoint> wake_at() const { return engine.wake_at(); }

  // Steps the peer alone (the channel is idle) until it has a message or `limit` passes.
  std::optional<Bytes> take_message(util::TimePoint limit) {
    util::Clock& clock = m_bus.clock();
    for (;;) {
      service();
      if (auto m = engine.take_message()) return m;
      if (clock.now() >= limit) return std::nullopt;
      util::TimePoint until = std::min(limit, clock.now() + k_slice);
      if (auto w = engine.wake_at()) until = std::min(until, std::max(*w, clock.now()));
      auto event = m_bus.receive(until);
      if (!event) FAIL("peer receiving: " << event.error().message);
      if (*event) {
        if (const auto* frame = std::get_if<can::Frame>(&**event)) engine.on_frame(*frame, clock.now());
      }
    }
  }

 private:
  can::Bus& m_bus;

 public:
  isotp::Engine engine;
};

// The channel's bus: every wait is cut into slices, and the peer is serviced between them.
class SharedBus final : public can::Bus {
 public:
  SharedBus(can::Bus& inner, Peer& peer) : m_inner(inner), m_peer(peer) {}
  util::Result<void> send(const can::Frame& frame, util::TimePoint deadline) override {
    return m_inner.send(frame, deadline);
  }
  util::Result<std::optional<can::Event>> receive(util::TimePoint deadline) override {
    util::Clock& clock = m_inner.clock();
    for (;;) {
      m_peer.service();
      util::TimePoint until = std::min(deadline, clock.now() + k_slice);
      if (auto w = m_peer.wake_at()) until = std::min(until, std::max(*w, clock.now()));
      auto event = m_inner.receive(until);
      if (!event || *event || clock.now() >= deadline) return event;
    }
  }
  util::Clock& clock() override { return m_inner.clock(); }
  const std::string& name() const override { return m_inner.name(); }

 private:
  can::Bus& m_inner;
  Peer& m_peer;
};

std::unique_ptr<can::Bus> open_bus(contract::Rig& rig, std::uint32_t rx_id) {
  auto bus = rig.open({can::Filter{rx_id, 0x1FFFFFFF}});
  if (!bus) FAIL("opening a bus: " << bus.error().message);
  return std::move(*bus);
}

struct Case {
  std::size_t length;
  std::uint8_t block_size;  // of both ends' flow control
  std::uint8_t st_min;
};

// Without a block size or STmin a whole message leaves at once; 4095 bytes that way could
// overrun a socket's receive buffer in this one-thread test (vcan does not pace frames), so
// 4095 bytes go with BS or STmin only.
std::vector<Case> cases() {
  std::vector<Case> out;
  for (std::size_t length : {1, 7, 8, 62})
    for (auto [bs, st] : {std::pair{0, 0x00}, {4, 0x01}, {32, 0xF1}})
      out.push_back({length, static_cast<std::uint8_t>(bs), static_cast<std::uint8_t>(st)});
  for (auto [bs, st] : {std::pair{32, 0x00}, {8, 0xF1}, {0, 0xF5}})
    out.push_back({4095, static_cast<std::uint8_t>(bs), static_cast<std::uint8_t>(st)});
  return out;
}

}  // namespace

TEST_CASE("ISO-TP messages cross both ways under each block size and STmin", "[contract][isotp]") {
  const std::string backend = GENERATE(from_range(contract::backends()));
  const Case c = GENERATE(from_range(cases()));
  const std::size_t length = c.length;
  INFO("backend " << backend << ", " << length << " bytes, BS " << int{c.block_size}
                  << ", STmin 0x" << fmt::format("{:02X}", c.st_min));
  auto rig = contract::make_rig(backend);
  auto tool_bus = open_bus(*rig, k_to_tool);
  auto bms_bus = open_bus(*rig, k_to_bms);

  const isotp::Config tool_config{k_to_bms, k_to_tool, c.block_size, c.st_min};
  const isotp::Config bms_config{k_to_tool, k_to_bms, c.block_size, c.st_min};
  Peer bms(*bms_bus, bms_config);
  SharedBus shared(*tool_bus, bms);
  isotp::Channel tool(shared, tool_config);
  util::Clock& clock = tool.clock();

  const Bytes request = pattern(length, 1);
  auto sent = tool.send(request, clock.now() + 1s);
  if (!sent) FAIL("tool sending: " << sent.error().message);
  CHECK(bms.take_message(clock.now() + 5s) == request);

  const Bytes response = pattern(length, 2);
  REQUIRE(bms.engine.send(response, clock.now()));
  auto got = tool.receive(clock.now() + 1s);
  if (!got) FAIL("tool receiving: " << got.error().message);
  CHECK(*got == response);

  CHECK(tool.engine().counters().aborts == 0);
  CHECK(bms.engine.counters().aborts == 0);
  CHECK(tool.engine().counters().ignored == 0);
  CHECK(bms.engine.counters().ignored == 0);
  CHECK(tool.engine().counters().messages_sent == 1);
  CHECK(tool.engine().counters().messages_received == 1);
}
