#pragma once
// The simulated BMS's UDS server at message level (rockets-can-v1 §6.1-§6.3, §7, §8, §12 "UDS",
// "One tester at a time", "Security access", "Firmware update"): a request and the time in, the
// response and what the BMS must do next out. No transport and no timers: sim::Diagnostics
// carries the messages over ISO-TP, delays the responses, runs the erase and the restarts.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "bms/event_log.hpp"
#include "bms/readings.hpp"
#include "sim/battery_config.hpp"
#include "sim/diag_flash.hpp"
#include "util/clock.hpp"

namespace sim {

struct DiagFaults;

class UdsServer {
public:
  // What the BMS does once the response (if any) is out.
  enum class Then {
    nothing,
    restart,             // 11 01, 10 01 in the bootloader: into the application if valid
    restart_bootloader,  // 10 02 in the application
    erase,               // routine 0xFF00 began: 0x78 until finish_erase()
    programmed,          // a TransferData block was written (offset): respond after program_time
    repeated,            // a TransferData repeating the last counter: acknowledged, not written
    verified,            // routine 0xFF01 answered
    power_cut,           // a fault: the pack restarts right now, nothing answered
  };
  struct Outcome {
    std::optional<std::vector<std::uint8_t>> response;  // nullopt: none (suppressed, lost power)
    Then then = Then::nothing;
    std::size_t offset = 0;  // programmed: the block's image offset
  };

  // The server reads `battery` (serial, revision, current, RSOC), programs `flash`, uploads
  // `log`, and looks at `faults` for corrupt_block and reset_at_block.
  UdsServer(const BatteryConfig& battery, const DiagConfig& config, Flash& flash,
            const std::vector<bms::EventRecord>& log, const DiagFaults& faults);

  // The BMS starts: every RAM state is gone (security, sessions, transfers; the lockout and
  // flash stay). The application runs when it is valid and `into_bootloader` is false; a
  // bootloader entered by 10 02 opens a programming session for `tool`.
  void start(bool into_bootloader, std::uint8_t tool, util::TimePoint now);

  Outcome handle(std::uint8_t tool, std::span<const std::uint8_t> request, util::TimePoint now);
  // The erase that handle() began has run its time: the area is erased; the final response.
  Outcome finish_erase(util::TimePoint now);

  bms::Mode mode() const { return m_ram.mode; }
  // CONNECT's version: the application's since the start, 0xFF.0xFF.0xFF from an erase on.
  bms::FirmwareVersion firmware() const { return m_ram.firmware; }
  bool programming_session() const { return m_ram.programming; }
  // The last request of the tool the BMS serves (the programming session's idle clock).
  util::TimePoint last_request() const { return m_ram.last_request; }

  // The next requestSeed answers this seed (tests of the worked seed/key of §10).
  void set_next_seed(std::uint32_t seed) { m_forced_seed = seed; }
  // Blocks of downloads received with the expected counter, repeats not counted (faults).
  int blocks_received() const { return m_blocks_received; }

private:
  struct Download {
    std::size_t size = 0;
    std::size_t received = 0;
  };
  struct Upload {
    std::vector<std::uint8_t> data;  // the range asked for, taken when the upload began
    std::size_t sent = 0;
    std::size_t last_begin = 0;  // the last block sent, for a repeated counter
    std::size_t last_end = 0;
  };
  struct Ram {
    bms::Mode mode = bms::Mode::application;
    bool forced_bootloader = false;  // the bootloader runs because the application is invalid
    bms::FirmwareVersion firmware;
    bool programming = false;
    bool unlocked = false;
    std::uint8_t owner = 0;  // the tool served while unlocked / programming / transferring
    std::optional<std::uint32_t> seed;  // the live seed of seed_tool
    std::uint8_t seed_tool = 0;
    int wrong_keys = 0;
    std::optional<Download> download;
    std::optional<Upload> upload;
    std::uint8_t next_counter = 1;
    std::optional<std::uint8_t> last_counter;
    std::optional<std::size_t> downloaded;  // a completed download's size, for verify
    util::TimePoint last_request{};
  };

  bool transfer_active() const { return m_ram.download || m_ram.upload; }
  bool busy_for(std::uint8_t tool) const;
  bool programming_allowed() const;
  std::uint32_t next_seed();
  void change_session(bool programming, std::uint8_t tool);

  Outcome session_control(std::uint8_t tool, std::span<const std::uint8_t> req);
  Outcome ecu_reset(std::uint8_t tool, std::span<const std::uint8_t> req);
  Outcome read_did(std::uint8_t tool, std::span<const std::uint8_t> req);
  Outcome security_access(std::uint8_t tool, std::span<const std::uint8_t> req, util::TimePoint now);
  Outcome routine_control(std::uint8_t tool, std::span<const std::uint8_t> req);
  Outcome request_download(std::uint8_t tool, std::span<const std::uint8_t> req);
  Outcome request_upload(std::uint8_t tool, std::span<const std::uint8_t> req);
  Outcome start_transfer(uds::Sid sid, std::uint8_t tool);
  Outcome transfer_data(std::uint8_t tool, std::span<const std::uint8_t> req);
  Outcome transfer_exit(std::uint8_t tool, std::span<const std::uint8_t> req);
  Outcome tester_present(std::uint8_t tool, std::span<const std::uint8_t> req);

  const BatteryConfig& m_battery;
  const DiagConfig& m_config;
  Flash& m_flash;
  const std::vector<bms::EventRecord>& m_log;
  const DiagFaults& m_faults;
  Ram m_ram;
  // Kept across restarts and power cuts:
  std::optional<util::TimePoint> m_lockout_until;
  std::uint32_t m_seed_state = 0x2545F491;
  std::optional<std::uint32_t> m_forced_seed;
  int m_blocks_received = 0;
  int m_blocks_written = 0;
};

}  // namespace sim
