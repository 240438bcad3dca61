#pragma once
// can::Bus over a GCAN "ECAN" USB-CAN adapter (USBCAN-I/II, BMS Studio's "GC_CAN1") through
// GCAN's libECanVci.so.1, loaded with dlopen at run time so that rocketctl neither links nor
// needs it unless `-i ecan` is used. The C ABI is in ecan_abi.hpp.
//
// The channel runs at 250 kbit/s accepting every frame; filters run here, in software, with
// SocketCAN's semantics. Vendor error information and controller status are polled and turned
// into the same can::BusError values as SocketCAN's error frames.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "can/bus.hpp"
#include "can/ecan_abi.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace can {

// Which adapter and channel: `-i ecan[:<device-index>:<channel>[:usbcan-i|usbcan-ii]]`.
struct EcanAddress {
  std::uint32_t device_type = ecan::k_usbcan_2;
  std::uint32_t device_index = 0;
  std::uint32_t channel = 0;
};

// The library path dlopen tries, in order: $ROCKETCTL_ECAN_LIB when set and non-empty (only
// that), else "libECanVci.so.1", then "libECanVci.so" (the vendor's install copies both).
std::vector<std::string> ecan_library_candidates();

// The bus fault an adapter's error information and controller status describe, the most
// severe one; nullopt when they show none. GCAN's ErrCode bits, not ZLG's:
//   bus-off        CAN_STATUS.regStatus bit 7 (SJA1000 "bus status"; GCAN has no bus-off bit)
//   no_ack         bus error 0x0010 whose SJA1000 error-code capture (regECCapture bits 4..0)
//                  names the ACK slot (0x19) or ACK delimiter (0x1B): an error in the ACK slot
//                  is the controller seeing its own frame unacknowledged. This is the SJA1000
//                  datasheet's encoding (Linux's sja1000 driver maps it the same way); that
//                  GCAN passes the raw register through is inferred, not confirmed on hardware.
//   rx_overflow    0x0001 controller FIFO, 0x0040 receive overrun, 0x0800 driver buffer
//   error_passive  0x0004, or a counter at 128 or above
//   error_warning  0x0002, or a counter at 96 or above
//   protocol       any other bus error (0x0010)
// Arbitration lost, "receive register full" and "error-active" are not faults. Counters
// come from regTECounter / regRECounter.
std::optional<BusError> translate_ecan_error(const ecan::ErrInfo& info,
                                             const ecan::CanStatus& status);

// "ERROR-ACTIVE", "ERROR-WARNING", "ERROR-PASSIVE" or "BUS-OFF" from the controller's
// registers, with its counters and the 250 kbit/s the channel was opened at.
ControllerStatus ecan_controller_status(const ecan::CanStatus& status);

class EcanBus final : public Bus {
 public:
  // Loads the library, opens the device, initialises the channel at 250 kbit/s (AccCode 0,
  // AccMask 0xFFFFFFFF, normal mode), starts it and clears its buffer. `name` is how the user
  // spelled the interface. Fails with Errc::interface_error and one line saying what to do:
  // library not found, a function missing from it, no adapter, adapter busy, the channel
  // refusing to initialise or start.
  static util::Result<std::unique_ptr<Bus>> open(const std::string& name,
                                                 const EcanAddress& address,
                                                 std::vector<Filter> filters);

  // ResetCAN + CloseDevice (whenever the device was opened), then dlclose.
  ~EcanBus() override;
  EcanBus(const EcanBus&) = delete;
  EcanBus& operator=(const EcanBus&) = delete;

  // Transmit of one frame; a result of 0 (not sent: nobody acknowledges, queue full) is retried
  // until `deadline`, then Errc::bus_error; a vanished adapter is Errc::interface_error.
  util::Result<void> send(const Frame& frame, util::TimePoint deadline) override;
  // Reads in slices of at most 20 ms into a batch, delivering one event per call; polls the
  // error information when nothing arrived (at most every 100 ms). Errc::interface_error when
  // the adapter vanished or returned more frames than it was given room for.
  util::Result<std::optional<Event>> receive(util::TimePoint deadline) override;

  util::Clock& clock() override { return m_clock; }
  const std::string& name() const override { return m_name; }

  // The host's wall clock when the batch holding the last event was read from the library:
  // the adapter's own TimeStamp has an unconfirmed unit and an unknown epoch, so it is not used.
  // Batches are read at least every 20 ms while receive() waits.
  std::optional<std::chrono::system_clock::time_point> last_timestamp() const override {
    return m_timestamp;
  }
  // From ReadCANStatus; nullopt when the call fails.
  std::optional<ControllerStatus> controller_status() override;

 private:
  struct Api;
  EcanBus(std::string name, const EcanAddress& address, std::vector<Filter> filters);
  util::Error device_gone() const;
  util::Error device_error(const std::string& what) const;
  // The fault to report, if new; Errc::interface_error when the adapter is gone.
  util::Result<std::optional<BusError>> poll_errors();
  bool accepts(const Frame& f) const;

  std::string m_name;
  EcanAddress m_address;
  std::vector<Filter> m_filters;
  std::unique_ptr<Api> m_api;
  bool m_device_open = false;
  bool m_gone = false;  // the adapter disappeared: no further calls but the close
  util::SystemClock m_clock;
  std::vector<ecan::CanObj> m_batch;
  std::deque<std::pair<Event, std::chrono::system_clock::time_point>> m_queue;
  std::optional<std::chrono::system_clock::time_point> m_timestamp;
  util::TimePoint m_last_poll{};
  std::optional<BusError::Kind> m_reported;  // the fault last reported, until it clears
};

}  // namespace can
