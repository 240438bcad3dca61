#pragma once
// `-i sim[:options]`: simulated batteries on an in-process hub, seen through can::Bus: one
// pack by default, several with packs=/addresses=/duplicate=, a bench with bench=. Runs on
// the system clock (a tool talking to it waits for real), paced at `bitrate` when given.

#include <memory>
#include <string>
#include <vector>

#include "can/bus.hpp"
#include "can/hub.hpp"
#include "sim/battery.hpp"
#include "sim/fleet.hpp"
#include "sim/options.hpp"

namespace sim {

class SimBus final : public can::Bus {
 public:
  // `options_text` is what follows "sim:" (may be empty). Fails with Errc::usage on a bad option.
  static util::Result<std::unique_ptr<SimBus>> open(std::string_view options_text,
                                                    std::vector<can::Filter> filters = {});

  util::Result<void> send(const can::Frame& frame, util::TimePoint deadline) override {
    return m_port->send(frame, deadline);
  }
  util::Result<std::optional<can::Event>> receive(util::TimePoint deadline) override {
    return m_port->receive(deadline);
  }
  util::Clock& clock() override { return m_port->clock(); }
  const std::string& name() const override { return m_name; }

  can::Hub& hub() { return *m_hub; }
  // The first battery (pack 1; the first pack of a bench).
  Battery& battery() { return *m_fleet->batteries().front(); }
  // Every battery, as Fleet::batteries().
  std::vector<Battery*> batteries() const { return m_fleet->batteries(); }
  Fleet& fleet() { return *m_fleet; }
  // Wakes every battery from standby; returns how many were asleep.
  int wake_all() { return m_fleet->wake_all(); }

  SimBus(std::unique_ptr<Fleet> fleet, std::uint32_t bitrate, std::vector<can::Filter> filters);

 private:
  std::string m_name = "sim";
  std::unique_ptr<can::Hub> m_hub;
  std::unique_ptr<Fleet> m_fleet;
  std::unique_ptr<can::Bus> m_port;
};

}  // namespace sim
