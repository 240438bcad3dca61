#include "sim/sim_bus.hpp"

namespace sim {

SimBus::SimBus(const Options& options, std::vector<can::Filter> filters)
    : m_hub(std::make_unique<can::Hub>(
          can::Hub::Options{can::Hub::Timing::realtime, options.bitrate, false})),
      m_battery(std::make_unique<Battery>(options.battery, bms::FrameMap::builtin())) {
  m_hub->attach(*m_battery, "bms");
  m_port = m_hub->open_port("sim", std::move(filters));
}

util::Result<std::unique_ptr<SimBus>> SimBus::open(std::string_view options_text,
                                                   std::vector<can::Filter> filters) {
  auto options = parse_options(options_text);
  if (!options) return tl::unexpected(options.error());
  return std::make_unique<SimBus>(*options, std::move(filters));
}

}  // namespace sim
