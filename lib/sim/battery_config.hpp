#pragma once
// What a simulated battery is: its values (the reference battery's, §11, by default) and the
// settings of its diagnostic channel.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "bms/calendar.hpp"
#include "bms/readings.hpp"
#include "fw/image.hpp"
#include "util/clock.hpp"

namespace sim {

struct DiagConfig {
  std::uint8_t block_size = 32;  // the flow control it sends (§11: BS 32, STmin 0)
  std::uint8_t st_min = 0;
  std::size_t max_block = 4095;  // maxNumberOfBlockLength for upload and download
  fw::Version bootloader{1, 0, 0};
  fw::Area area{0x08004000, 0x1C000};
  std::uint32_t log_base = 0x40000000;
  int log_capacity = 2000;
  int log_records = 42;  // plausible records at start (§11); the worked record among them
  util::Duration response_delay = std::chrono::milliseconds(1);    // well inside P2 = 50 ms
  util::Duration erase_time = std::chrono::milliseconds(1200);     // answered 0x78 meanwhile
  util::Duration pending_every = std::chrono::milliseconds(1000);  // repeat 0x78 while erasing
  util::Duration program_time = std::chrono::microseconds(200);    // per TransferData block
  util::Duration restart_time = std::chrono::milliseconds(300);    // silent while restarting
  util::Duration session_idle = std::chrono::seconds(5);           // programming session limit
  util::Duration lockout = std::chrono::seconds(10);
  bool start_in_bootloader = false;  // no valid application at start (recovery tests)
};

struct BatteryConfig {
  std::uint8_t address = 0x01;
  std::string serial = "RKS3611A201000123";
  int hardware_revision = 3;
  bms::FirmwareVersion firmware{1, 4, 2};
  std::vector<int> cell_mv = {3642, 3643, 3641, 3644, 3642, 3643, 3642, 3641, 3643, 3642};
  std::vector<int> sensor_dc = {211, 212};
  int mos_dc = 227;
  std::int64_t current_ma = -8;
  int rsoc_pct = 40;
  std::int64_t remaining_mah = 4732;
  std::int64_t full_mah = 11600;
  std::uint32_t status_flags = bms::k_normal_status;
  std::uint32_t balancing = 0;
  int cycles = 0;
  int longest_uncharged_h = 95;
  bms::ShellResistance shell;  // not measured
  bms::Calendar clock{2020, 10, 17, 16, 48, 40};
  bool clock_now = false;     // start from the computer's local time instead of `clock`
  std::int64_t drift_s = 0;   // the clock starts this many seconds ahead (+) or behind (-)
  // §3.2 allows 50 ms to the first frame and 20 ms between frames; a real BMS takes a few.
  util::Duration first_frame_delay = std::chrono::milliseconds(2);
  util::Duration frame_gap = std::chrono::microseconds(500);
  bool standby = false;  // starts asleep: answers nothing until woken
  DiagConfig diag;       // the diagnostic channel (§6-§8)
};

}  // namespace sim
