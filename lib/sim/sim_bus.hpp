#pragma once
// `-i sim[:options]`: a simulated battery on an in-process hub, seen through can::Bus. Runs on
// the system clock (a tool talking to it waits for real), paced at `bitrate` when given.

#include <memory>
#include <string>

#include "can/bus.hpp"
#include "can/hub.hpp"
#include "sim/battery.hpp"
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
  Battery& battery() { return *m_battery; }

  SimBus(const Options& options, std::vector<can::Filter> filters);

private:
  std::string m_name = "sim";
  std::unique_ptr<can::Hub> m_hub;
  std::unique_ptr<Battery> m_battery;
  std::unique_ptr<can::Bus> m_port;
};

}  // namespace sim
