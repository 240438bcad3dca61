#include "sim/sim_bus.hpp"

#include <fmt/format.h>

namespace sim {
namespace {

// A controller that gets no acknowledgement retransmits until its transmit error counter
// reaches 128 (error-passive), where the rule for a lone node stops it counting (ISO 11898-1).
constexpr int k_noack_tx_errors = 128;
constexpr int k_passive_tx_errors = 136;
constexpr int k_busoff_tx_errors = 256;

}  // namespace

SimBus::SimBus(std::unique_ptr<Fleet> fleet, std::uint32_t bitrate,
               std::vector<can::Filter> filters)
    : m_hub(std::make_unique<can::Hub>(
          can::Hub::Options{can::Hub::Timing::realtime, bitrate, false})),
      m_fleet(std::move(fleet)),
      m_bitrate(bitrate) {
  m_fleet->attach(*m_hub);
  m_port = m_hub->open_port("sim", std::move(filters));
}

util::Result<std::unique_ptr<SimBus>> SimBus::open(std::string_view options_text,
                                                   std::vector<can::Filter> filters) {
  auto options = parse_options(options_text);
  if (!options) return tl::unexpected(options.error());
  auto fleet = Fleet::create(*options, bms::FrameMap::builtin());
  if (!fleet) return tl::unexpected(fleet.error());
  auto bus = std::make_unique<SimBus>(std::move(*fleet), options->bitrate, std::move(filters));
  bus->set_link_fault(options->link);
  return bus;
}

util::Result<void> SimBus::send(const can::Frame& frame, util::TimePoint deadline) {
  ++m_sent;
  switch (m_link) {
    case LinkFault::down:
      return util::fail(util::Errc::interface_error,
                        fmt::format("interface {} is down (simulated: link=down)", m_name));
    case LinkFault::busoff:
      return util::fail(util::Errc::bus_error,
                        fmt::format("transmit queue full: {} cannot get frames onto the bus: {} "
                                    "(simulated: link=busoff)",
                                    m_name,
                                    can::describe({can::BusError::Kind::bus_off,
                                                   k_busoff_tx_errors, 0})));
    case LinkFault::noack:
      // Nobody acknowledges, so nobody received it.
      m_faults.push_back({can::BusError::Kind::no_ack, k_noack_tx_errors, 0});
      return {};
    case LinkFault::passive:
      if (m_sent == 1)
        m_faults.push_back({can::BusError::Kind::error_passive, k_passive_tx_errors, 0});
      break;
    case LinkFault::none:
      break;
  }
  return m_port->send(frame, deadline);
}

util::Result<std::optional<can::Event>> SimBus::receive(util::TimePoint deadline) {
  if (!m_faults.empty()) {
    can::Event e = m_faults.front();
    m_faults.pop_front();
    return std::optional<can::Event>(std::move(e));
  }
  return m_port->receive(deadline);
}

std::optional<can::ControllerStatus> SimBus::controller_status() {
  can::ControllerStatus s{"ERROR-ACTIVE", 0, 0, std::nullopt};
  if (m_bitrate != 0) s.bitrate = m_bitrate;
  switch (m_link) {
    case LinkFault::down:
      s = {"STOPPED", std::nullopt, std::nullopt, s.bitrate};
      break;
    case LinkFault::busoff:
      s.state = "BUS-OFF";
      s.tx_errors = k_busoff_tx_errors;
      break;
    case LinkFault::passive:
      s.state = "ERROR-PASSIVE";
      s.tx_errors = k_passive_tx_errors;
      break;
    case LinkFault::noack:
      if (m_sent > 0) {
        s.state = "ERROR-PASSIVE";
        s.tx_errors = k_noack_tx_errors;
      }
      break;
    case LinkFault::none:
      break;
  }
  return s;
}

}  // namespace sim
