#pragma once
// One simulated battery on a hub in simulated time that keeps its state from one command to
// the next, and rocketctl's real command line (cli::run) run against it in this process, with
// its stdout and stderr captured: what a user would see, and the pack they would see it on.

#include <memory>
#include <string>
#include <vector>

#include "can/hub.hpp"
#include "injector.hpp"
#include "sim/battery.hpp"
#include "sim/fleet.hpp"

namespace fault {

struct Outcome {
  int status = 0;
  std::string out;  // stdout
  std::string err;  // stderr
};

class Rig {
public:
  // The reference battery alone; or, with `fleet` (sim options: "packs=4"), the packs those
  // options describe, the injector's pack (reset, standby) the first until target() says.
  Rig();
  explicit Rig(std::string_view fleet);
  ~Rig();
  Rig(const Rig&) = delete;
  Rig& operator=(const Rig&) = delete;

  // Runs `rocketctl -i fault <args>` with the fault armed (kind none: a clean run); the
  // injector is left as the run left it (steps, fired).
  Outcome run(const std::vector<std::string>& args, Kind kind = Kind::none, long at = 0,
              std::function<bool(const Step&)> sample = {}, bool record = false);

  // Lets simulated time pass (a user between two commands).
  void idle(util::Duration d) { m_hub.run_until(m_hub.clock().now() + d); }
  util::TimePoint now() { return m_hub.clock().now(); }

  sim::Battery& battery() { return *m_packs.front(); }
  // Every pack, in address order (one without a fleet).
  const std::vector<sim::Battery*>& packs() const { return m_packs; }
  // The pack that resets and standby faults fall on from the next run().
  void target(sim::Battery& pack) { m_target = &pack; }
  Injector& injector() { return m_inj; }

private:
  void attach_bus();

  can::Hub m_hub;
  std::unique_ptr<sim::Battery> m_battery;
  std::unique_ptr<sim::Fleet> m_fleet;
  std::vector<sim::Battery*> m_packs;
  sim::Battery* m_target = nullptr;
  Injector m_inj;
  int m_saved_out = -1, m_saved_err = -1;
  std::FILE* m_out = nullptr;
  std::FILE* m_err = nullptr;
};

}  // namespace fault
