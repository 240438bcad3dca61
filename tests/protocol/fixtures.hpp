#pragma once
// A simulated battery and a client on one hub in simulated time, for protocol tests.

#include <memory>
#include <string>
#include <vector>

#include "bms/client.hpp"
#include "can/hub.hpp"
#include "sim/battery.hpp"
#include "util/hex.hpp"

namespace test {

struct Bench {
  explicit Bench(sim::BatteryConfig config = {}, bms::ClientOptions options = {})
      : battery(std::move(config), bms::FrameMap::builtin()) {
    hub.attach(battery, "bms");
    port = hub.open_port("tool", {can::Filter{0x18004000U, 0x1F00FF00U}});
    client = std::make_unique<bms::Client>(*port, bms::FrameMap::builtin(), options);
  }
  util::ManualClock& clock() { return static_cast<util::ManualClock&>(hub.clock()); }

  can::Hub hub;
  sim::Battery battery;
  std::unique_ptr<can::Bus> port;
  std::unique_ptr<bms::Client> client;
};

// "18104001#00008E47FFFFFFF8" for every frame on the hub, in order.
inline std::vector<std::string> traffic(const can::Hub& hub) {
  std::vector<std::string> out;
  for (const auto& r : hub.traffic()) out.push_back(can::to_string(r.frame));
  return out;
}

// A frame from the reference's notation: id and "01 0A 02 ..." bytes.
inline can::Frame frame(std::uint32_t id, std::string_view hex) {
  auto bytes = util::from_hex(hex);
  return can::make_frame(id, *bytes);
}

}  // namespace test
