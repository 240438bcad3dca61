#pragma once
// Runs simulated batteries on a real interface (`rocketctl simulate -i vcan0`): frames from
// the bus go to every node; what the nodes transmit goes out on the bus at its time.

#include <atomic>
#include <functional>
#include <vector>

#include "can/bus.hpp"
#include "can/node.hpp"
#include "can/timeline.hpp"

namespace sim {

class Runner final : public can::NodeContext {
public:
  explicit Runner(can::Bus& bus) : m_bus(bus) {}

  void add(can::Node& node);

  // Serves until `stop` becomes true (checked at least every 100 ms). Fails when the
  // interface fails or a frame cannot be sent.
  util::Result<void> run(const std::atomic<bool>& stop);

  // Called at every turn of run(), at least every 100 ms (e.g. to act on a signal's flag).
  void set_tick(std::function<void()> tick) { m_tick = std::move(tick); }

  util::TimePoint now() const override { return m_bus.clock().now(); }
  void transmit(const can::Frame& frame, util::TimePoint at) override;
  void call_at(util::TimePoint at, std::function<void()> action) override;

  // Frames sent and received, for the closing summary.
  long frames_sent() const { return m_sent; }
  long frames_received() const { return m_received; }

private:
  can::Bus& m_bus;
  std::vector<can::Node*> m_nodes;
  can::Timeline m_timeline;
  std::function<void()> m_tick;
  std::optional<util::Error> m_send_error;
  long m_sent = 0;
  long m_received = 0;
};

}  // namespace sim
