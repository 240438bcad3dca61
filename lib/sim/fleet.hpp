#pragma once
// The simulated packs one sim::Options describes, ready for a bus: one battery, several
// (packs=, addresses=, duplicate=), or a bench plugging them in one at a time (bench=).
// The same fleet runs on the in-process hub (SimBus, tests) and on an interface (simulate).

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "can/hub.hpp"
#include "sim/battery.hpp"
#include "sim/bench.hpp"
#include "sim/options.hpp"
#include "sim/traffic.hpp"

namespace sim {

class Fleet {
 public:
  // Errc::usage when the options do not combine (sim::pack_configs).
  static util::Result<std::unique_ptr<Fleet>> create(const Options& options,
                                                     const bms::FrameMap& map);
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  // What goes on the bus, each with a name ("bms" for a lone pack, "bms1", "bms2", ... for
  // several, "bench" for a bench); nodes are bound by whoever runs them.
  std::vector<std::pair<std::string, can::Node*>> nodes();
  // Attaches every node to `hub`.
  void attach(can::Hub& hub);

  // Every battery: the packs in order, the duplicate last; for a bench, in plug-in order.
  std::vector<Battery*> batteries() const;
  // The bench, when the options asked for one.
  Bench* bench() { return m_bench.get(); }

  // Wakes every battery (charge current, §3.3); returns how many were in standby.
  int wake_all();

 private:
  Fleet() = default;

  std::vector<std::unique_ptr<Battery>> m_batteries;  // empty with a bench
  std::unique_ptr<Traffic> m_traffic;                 // load=
  std::unique_ptr<Bench> m_bench;
};

}  // namespace sim
