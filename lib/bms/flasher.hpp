#pragma once
// Firmware update (rockets-can-v1 §8): the ten steps, and recovery from bootloader mode.
//
// The rule that shapes it: whatever fails, the pack is left either running an application
// (the old one, before the erase; the new one, after a verified download) or waiting in its
// bootloader, where running the same update again finishes it (§8 "Recovery"). So:
//   - everything that can refuse the update (image, hardware, area, version, load, charge) is
//     checked before step 2, from what the pack reports in application mode;
//   - success is reported only after the BMS verified the CRC of what it received and came
//     back in application mode with the image's version;
//   - a pack found in bootloader mode is a recovery: steps 2 and the idle check are skipped.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "bms/client.hpp"
#include "fw/image.hpp"
#include "uds/client.hpp"

namespace bms {

// What the pack says about itself before an update (CONNECT and the DIDs of §6.2).
struct PackState {
  ConnectInfo connect;  // the mode: application, or bootloader (a recovery)
  std::string serial;
  fw::Area area;
  int hardware_revision = 0;
  std::optional<fw::Version> application;  // nullopt: no valid application (FF FF FF)
  fw::Version bootloader;
  bool recovery() const { return connect.mode == Mode::bootloader; }
};

struct FlashPolicy {
  bool allow_downgrade = false;  // accept an older version than the running one
  bool force = false;            // accept the same version (a reinstall)
};

// The §8 steps as the tool reports them.
enum class FlashStep {
  enter_bootloader,  // 2
  unlock,            // 3
  check_area,        // 4
  erase,             // 5: from its start the application is invalid
  download,          // 6
  transfer,          // 7
  transfer_exit,     // 8
  verify,            // 9
  restart,           // 10
};
std::string_view step_name(FlashStep step);  // "erase"

struct FlashProgress {
  FlashStep step;
  bool finished = false;    // false: the step starts (or, for transfer, advances)
  std::size_t done = 0;     // transfer: image bytes acknowledged so far
  std::size_t total = 0;    // transfer: image size
};

struct FlashTiming {
  // CONNECT is polled about this often while the BMS restarts (§12). Just above the 50 ms a
  // BMS may take to answer (§3.2), so that a legal late answer is still waited for, and short,
  // because the pack is back at most this long before the tool knows: at 150 ms, flashing
  // spent on average 75 ms per restart idle (tests/bench/bench_cli measures it).
  util::Duration connect_every = std::chrono::milliseconds(60);
  // How long a restart may take: §6.1 and §8 say 1000 ms into the bootloader and 2000 ms into
  // the application; the tool allows twice that for slow adapters.
  util::Duration bootloader_within = std::chrono::milliseconds(2000);
  util::Duration application_within = std::chrono::milliseconds(4000);
};

struct FlashResult {
  fw::Version version;      // what the pack runs now (from CONNECT)
  std::uint32_t crc = 0;    // the image's CRC-32, verified by the BMS
  std::size_t bytes = 0;
  int blocks = 0;
};

class Flasher {
public:
  Flasher(Client& poll, uds::Client& uds, FlashTiming timing = {});

  // Step 1 and what step 4 reads, before anything changes: CONNECT (retried while the pack
  // restarts), serial (DID F18C), area (F1A1), hardware revision (F193), versions (F189, F180).
  util::Result<PackState> inspect();

  // Why `image` must not go into this pack (Errc::rejected), before anything is erased: the
  // image checks of fw::check, then the version rule (older: --allow-downgrade; the same:
  // --force). A recovery has no version to compare with.
  util::Result<void> check_image(const PackState& pack, const fw::Image& image,
                                 const FlashPolicy& policy) const;

  // §8 step 1, in application mode: idle (|current| <= 500 mA) and RSOC >= 20 %, read with
  // PACK and CAPACITY. Errc::refused with what to do. Nothing to check in a recovery.
  util::Result<void> check_ready(const PackState& pack);

  // Steps 2-10. `progress` is called at the start and end of every step and after every
  // TransferData block. On failure, erased() tells whether the application was erased (the
  // pack then waits in bootloader mode for the same update to be run again).
  util::Result<FlashResult> run(const PackState& pack, const fw::Image& image,
                                const std::function<void(const FlashProgress&)>& progress = {});

  // Whether this run reached the erase (the application is invalid until a verified download).
  bool erased() const { return m_erased; }

private:
  // CONNECT every connect_every until the pack answers in `mode` (any: nullopt) or `within`
  // passes (Errc::lost).
  util::Result<ConnectInfo> await_mode(std::optional<Mode> mode, util::Duration within);

  Client& m_poll;
  uds::Client& m_uds;
  FlashTiming m_timing;
  bool m_erased = false;
};

}  // namespace bms
