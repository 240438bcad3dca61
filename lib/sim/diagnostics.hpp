#pragma once
// The simulated battery's diagnostic channel (rockets-can-v1 §6-§8, §12): an ISO-TP server
// per tool address, the UDS subset, the event log, and the bootloader with its flash. Owned
// by sim::Battery, which hands it every frame on 0x18DA<own address><tool>, asks it for the
// mode and firmware version that CONNECT reports, and tells it what to log.
//
// Fault injection for tests lives here too (DiagFaults).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "bms/event_log.hpp"
#include "bms/readings.hpp"
#include "can/node.hpp"
#include "isotp/engine.hpp"
#include "sim/battery_config.hpp"
#include "sim/diag_flash.hpp"
#include "sim/diag_uds.hpp"

namespace sim {

// A step of the bootloader's work that a power cut can fall on (with every frame, the
// "events" of the every-point interruption test).
struct DiagEvent {
  enum class Kind { erase_started, erase_done, block_programmed, verified, reset } kind;
  std::size_t offset = 0;  // block_programmed: image offset of the block
};

// What a test can make go wrong. Counters are 1-based; 0 = never.
struct DiagFaults {
  int lose_response = 0;   // the N-th UDS response is not sent (the request is carried out)
  int corrupt_block = 0;   // the N-th TransferData block of a download is written with a flipped byte
  int reset_at_block = 0;  // the pack restarts on receiving the N-th TransferData block (not written)
  // Called at every DiagEvent; returning true cuts the power right there: RAM state is lost,
  // flash keeps what was written, the pack is silent for restart_time and then restarts.
  std::function<bool(const DiagEvent&)> on_event;
};

struct DiagStats {
  int uds_requests = 0;
  int negative = 0;
  int blocks_written = 0;  // TransferData blocks programmed (repeats not counted)
  int repeats = 0;         // TransferData repeats acknowledged without writing
  int restarts = 0;
  int power_cuts = 0;
  int erases = 0;
};

// A deterministic application image for `version` and `hardware_revision`, `size` bytes,
// with its info block at 0x200: what the simulated pack holds at start, and what tests flash.
std::vector<std::uint8_t> synthetic_image(int hardware_revision, fw::Version version, std::size_t size);

class Diagnostics {
public:
  // `battery` is the owning battery's config: serial, hardware revision, current and RSOC are
  // read from it; its `firmware` is set when an application starts (from the info block).
  // At start the flash holds synthetic_image(hardware_revision, firmware, 64 KiB) unless
  // diag.start_in_bootloader.
  explicit Diagnostics(BatteryConfig& battery);

  // Called by the battery once it is on the bus. `bms_clock` gives the BMS time (seconds
  // since 2000) for log records; `on_restart` is called when the BMS restarts (poll sessions
  // end, standby is left).
  void bind(can::NodeContext& context, std::function<std::uint32_t()> bms_clock,
            std::function<void()> on_restart);

  // A frame addressed to this BMS on the diagnostic channel (0x18DA<addr><tool>).
  void on_frame(const can::Frame& frame);

  bms::Mode mode() const;
  // True while the BMS restarts (after 10 02, 11 01, a power cut): it answers nothing.
  bool restarting() const;
  // The running application's version; 0xFF.0xFF.0xFF in bootloader mode without a valid one.
  bms::FirmwareVersion firmware() const;
  bool application_valid() const;

  // Appends a record with the battery's present values at the BMS time (the ring keeps the
  // newest log_capacity).
  void log_event(std::uint8_t code, std::optional<int> flag = std::nullopt);
  const std::vector<bms::EventRecord>& log() const { return m_log; }
  std::vector<bms::EventRecord>& log() { return m_log; }

  // The application area as programmed (area.size bytes; 0xFF where erased).
  const std::vector<std::uint8_t>& flash() const { return m_flash.bytes(); }
  // The CRC-32 of the running application: of the first `size` bytes it was verified with.
  std::optional<std::uint32_t> application_crc() const;

  // Cuts the power now: silent for restart_time, then restarts (application if valid).
  void power_cut();
  // Resets now as ECUReset does (a watchdog, a brown-out): whatever it was doing is gone,
  // silent for restart_time, then it starts (application if valid, logging 0x10).
  void reset() { restart(false, 0); }

  DiagFaults& faults() { return m_faults; }
  const DiagStats& stats() const { return m_stats; }

  // The next SecurityAccess requestSeed answers `seed` (the worked seed/key of §10).
  void set_next_seed(std::uint32_t seed) { m_server.set_next_seed(seed); }
  // True while the programming session of a tool lasts (the 5 s idle limit runs).
  bool programming_session() const { return m_server.programming_session(); }

private:
  // One ISO-TP engine per tool address, and the one timer it asked for.
  struct Port {
    std::unique_ptr<isotp::Engine> engine;
    std::optional<util::TimePoint> timer;
  };

  util::TimePoint now() const;
  // Runs `action` at `at` unless the BMS restarted meanwhile.
  void at(util::TimePoint when, std::function<void()> action);
  Port& port(std::uint8_t tool);
  void pump(std::uint8_t tool);
  void serve(std::uint8_t tool, const std::vector<std::uint8_t>& request);
  void respond(std::uint8_t tool, const std::vector<std::uint8_t>& response);
  void run_erase(std::uint8_t tool, util::TimePoint began);
  // True when a fault cut the power at `event` (the caller stops there).
  bool cut_at(const DiagEvent& event);
  void restart(bool into_bootloader, std::uint8_t tool);
  void go_silent();
  void start(bool into_bootloader, std::uint8_t tool);
  void watch_idle();

  BatteryConfig& m_battery;
  can::NodeContext* m_context = nullptr;
  std::function<std::uint32_t()> m_bms_clock;
  std::function<void()> m_on_restart;
  std::vector<bms::EventRecord> m_log;
  Flash m_flash;
  DiagFaults m_faults;
  DiagStats m_stats;
  UdsServer m_server;
  std::map<std::uint8_t, Port> m_ports;
  std::uint64_t m_life = 0;   // counts starts: timers of an earlier life do nothing
  bool m_bound = false;
  bool m_restarting = false;
  bool m_working = false;     // erasing or programming: its tool's requests are not served
  std::uint8_t m_working_tool = 0;
  int m_responses = 0;        // UDS responses so far (lose_response)
};

}  // namespace sim
