#pragma once
// The simulated battery: a BMS serving the poll protocol (rockets-can-v1 §3-§5, §12) with the
// reference battery's values (§11) by default. It is a can::Node, so the same battery runs on
// the in-process hub (tests, `-i sim`) and on a real interface (`rocketctl simulate`).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bms/frame_map.hpp"
#include "bms/readings.hpp"
#include "can/node.hpp"
#include "sim/battery_config.hpp"
#include "sim/diagnostics.hpp"

namespace sim {


// Counts for tests: what the battery saw and did.
struct BatteryStats {
  int requests = 0;   // poll requests addressed to it (standby included)
  int malformed = 0;  // frames dropped for DLC < 8
  int naks = 0;
  int ignored_in_standby = 0;
};

// Bound once, its clock starts (config().clock or local time, plus drift_s). Bound again, as a
// test does to unplug and replug it on the same hub, its clock keeps running from the first
// start (the clock of the same bus) and every poll session is closed.
class Battery final : public can::Node {
public:
  Battery(BatteryConfig config, const bms::FrameMap& map);
  // The diagnostic channel keeps a reference to the config: a battery stays where it was made.
  Battery(const Battery&) = delete;
  Battery& operator=(const Battery&) = delete;

  void on_frame(const can::Frame& frame) override;

  // Charge current for 1-2 s: leaves standby (§3.3). Returns whether it was in standby.
  bool wake();
  bool in_standby() const { return m_config.standby; }

  // The battery's state; tests and options change it between requests. Changing `clock`
  // here does not move the running clock: use set_clock().
  BatteryConfig& config() { return m_config; }
  const BatteryConfig& config() const { return m_config; }
  const BatteryStats& stats() const { return m_stats; }

  // The BMS clock now (it runs from its start value: `clock` or local time, plus drift_s).
  bms::Calendar clock_now() const;
  void set_clock(const bms::Calendar& time);
  // Ends every poll session (a restart, standby).
  void end_sessions() { m_sessions.clear(); }
  // The BMS restarts now (a watchdog reset, a brown-out; fault injection, tests/fault): §12's
  // restart: every poll session and standby end, a transfer or programming session is gone, it
  // answers nothing for diag.restart_time, then starts its application if valid (logging 0x10),
  // else its bootloader. Clock, flash and event log are kept.
  void restart() { m_diag.reset(); }

  // The diagnostic channel (§6-§8): UDS, the event log, the bootloader and its flash.
  Diagnostics& diagnostics() { return m_diag; }
  const Diagnostics& diagnostics() const { return m_diag; }

private:
  void on_started() override;
  void serve(const can::Frame& frame, std::uint8_t cmd, std::uint8_t tool);
  void log(bms::EventCode code);
  bool session_open(std::uint8_t tool) const;
  void answer(const std::vector<can::Frame>& frames);
  void nak(std::uint8_t cmd, bms::NakReason reason, std::uint8_t tool);

  BatteryConfig m_config;
  Diagnostics m_diag;  // after m_config, which it refers to
  const bms::FrameMap& m_map;
  BatteryStats m_stats;
  std::map<std::uint8_t, util::TimePoint> m_sessions;  // tool address -> last request
  std::int64_t m_clock_base = 0;                       // seconds since 2000 at m_clock_set_at
  util::TimePoint m_clock_set_at{};
  bool m_started = false;  // bound before: a later bind (replug on the same bus) keeps the clock
};

}  // namespace sim
