#include "sim/fleet.hpp"

namespace sim {

util::Result<std::unique_ptr<Fleet>> Fleet::create(const Options& options,
                                                   const bms::FrameMap& map) {
  auto configs = pack_configs(options);
  if (!configs) return tl::unexpected(configs.error());
  std::unique_ptr<Fleet> fleet(new Fleet());
  if (options.bench != 0) {
    BenchTiming timing{bench_swap(options), bench_gap(options), options.loop};
    fleet->m_bench = std::make_unique<Bench>(std::move(*configs), map, timing);
  } else {
    for (BatteryConfig& c : *configs)
      fleet->m_batteries.push_back(std::make_unique<Battery>(std::move(c), map));
  }
  for (Battery* b : fleet->batteries()) b->diagnostics().faults() = diag_faults(options);
  if (options.load_pct > 0) fleet->m_traffic = std::make_unique<Traffic>(options.load_pct, options.bitrate);
  return fleet;
}

std::vector<std::pair<std::string, can::Node*>> Fleet::nodes() {
  std::vector<std::pair<std::string, can::Node*>> out;
  if (m_bench) out.emplace_back("bench", m_bench.get());
  for (std::size_t i = 0; i < m_batteries.size(); ++i)
    out.emplace_back(m_batteries.size() == 1 ? "bms" : "bms" + std::to_string(i + 1),
                     m_batteries[i].get());
  if (m_traffic) out.emplace_back("traffic", m_traffic.get());
  return out;
}

void Fleet::attach(can::Hub& hub) {
  for (auto& [name, node] : nodes()) hub.attach(*node, name);
}

std::vector<Battery*> Fleet::batteries() const {
  if (m_bench) return m_bench->batteries();
  std::vector<Battery*> out;
  for (const auto& b : m_batteries) out.push_back(b.get());
  return out;
}

int Fleet::wake_all() {
  int woken = 0;
  for (Battery* b : batteries()) woken += b->wake() ? 1 : 0;
  return woken;
}

}  // namespace sim
