#include "sim/sim_bus.hpp"

namespace sim {

SimBus::SimBus(std::unique_ptr<Fleet> fleet, std::uint32_t bitrate,
               std::vector<can::Filter> filters)
    : m_hub(std::make_unique<can::Hub>(
          can::Hub::Options{can::Hub::Timing::realtime, bitrate, false})),
      m_fleet(std::move(fleet)) {
  m_fleet->attach(*m_hub);
  m_port = m_hub->open_port("sim", std::move(filters));
}

util::Result<std::unique_ptr<SimBus>> SimBus::open(std::string_view options_text,
                                                   std::vector<can::Filter> filters) {
  auto options = parse_options(options_text);
  if (!options) return tl::unexpected(options.error());
  auto fleet = Fleet::create(*options, bms::FrameMap::builtin());
  if (!fleet) return tl::unexpected(fleet.error());
  return std::make_unique<SimBus>(std::move(*fleet), options->bitrate, std::move(filters));
}

}  // namespace sim
