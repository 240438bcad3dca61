#pragma once
// Simulated packs (sim::Fleet) and a tool port on one hub in simulated time, for the sim tests.

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "bms/client.hpp"
#include "can/hub.hpp"
#include "sim/fleet.hpp"

namespace simtest {

struct Rig {
  explicit Rig(std::string_view options_text) {
    auto options = sim::parse_options(options_text);
    REQUIRE(options);
    auto created = sim::Fleet::create(*options, bms::FrameMap::builtin());
    REQUIRE(created);
    fleet = std::move(*created);
    fleet->attach(hub);
    t0 = hub.clock().now();
    port = hub.open_port("tool", {can::Filter{0x18004000U, 0x1F00FF00U}});
  }
  // A client for BMS `address` (default options otherwise); answers to earlier raw requests
  // still queued on the port are dropped first.
  bms::Client client(std::uint8_t address = 1) {
    while (true) {
      auto event = port->receive(hub.clock().now());
      if (!event || !event->has_value()) break;
    }
    bms::ClientOptions o;
    o.bms = address;
    return bms::Client(*port, bms::FrameMap::builtin(), o);
  }
  // Puts a poll request from tool 0x40 on the bus: command, destination, data bytes 0.
  void request(std::uint8_t cmd, std::uint8_t to, std::uint8_t b0 = 0) {
    std::vector<std::uint8_t> data(8, 0);
    data[0] = b0;
    hub.inject(
        can::make_frame(0x18000040U | std::uint32_t{cmd} << 16 | std::uint32_t{to} << 8, data),
        "tool");
  }
  // Frames the simulated packs sent since `since`: (time after t0 in ms, "id#data", sender).
  struct Seen {
    long ms;
    std::string frame;
    std::string from;
  };
  std::vector<Seen> answers(util::TimePoint since) const {
    std::vector<Seen> out;
    for (const auto& r : hub.traffic())
      if (r.at >= since && r.from != "tool")
        out.push_back(
            {static_cast<long>(
                 std::chrono::duration_cast<std::chrono::milliseconds>(r.at - t0).count()),
             can::to_string(r.frame), r.from});
    return out;
  }
  util::TimePoint at(util::Duration d) const { return t0 + d; }
  void run_to(util::Duration d) { hub.run_until(t0 + d); }

  can::Hub hub;
  std::unique_ptr<sim::Fleet> fleet;
  std::unique_ptr<can::Bus> port;
  util::TimePoint t0;
};

}  // namespace simtest
