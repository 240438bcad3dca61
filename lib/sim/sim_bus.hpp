#pragma once
// `-i sim[:options]`: simulated batteries on an in-process hub, seen through can::Bus: one
// pack by default, several with packs=/addresses=/duplicate=, a bench with bench=. Runs on
// the system clock (a tool talking to it waits for real), paced at `bitrate` when given.

#include <deque>
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

  // Both honour the link fault (link=): down fails every send, busoff reports a full transmit
  // queue, noack reports no_ack after every send and delivers the frame to nobody.
  util::Result<void> send(const can::Frame& frame, util::TimePoint deadline) override;
  util::Result<std::optional<can::Event>> receive(util::TimePoint deadline) override;
  // What a controller with that link fault reports: STOPPED (down), BUS-OFF, ERROR-PASSIVE
  // (passive; noack once it has sent), else ERROR-ACTIVE; the bitrate when bitrate= is given.
  std::optional<can::ControllerStatus> controller_status() override;
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
  void set_link_fault(LinkFault fault) { m_link = fault; }

 private:
  std::string m_name = "sim";
  std::unique_ptr<can::Hub> m_hub;
  std::unique_ptr<Fleet> m_fleet;
  std::unique_ptr<can::Bus> m_port;
  std::uint32_t m_bitrate = 0;
  LinkFault m_link = LinkFault::none;
  int m_sent = 0;                         // sends tried, for the counters the faults report
  std::deque<can::BusError> m_faults;     // faults the controller reports before frames
};

}  // namespace sim
