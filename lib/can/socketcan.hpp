#pragma once
// can::Bus over Linux SocketCAN: a non-blocking raw CAN socket bound to one interface
// (can0, vcan0). Receive filters run in the kernel; error frames become can::BusError.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "can/bus.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

struct can_frame;  // <linux/can.h>

namespace can {

class SocketCanBus final : public Bus {
 public:
  // Opens a raw socket on `ifname`; only extended data frames passing one of `filters` are
  // delivered (all frames when empty), bus faults always. Fails with Errc::interface_error and
  // one line saying what to do: no SocketCAN in the kernel, no such CAN interface (naming the
  // ones that exist), interface down (with the `ip link` command), permission denied.
  static util::Result<std::unique_ptr<Bus>> open(const std::string& ifname,
                                                 std::vector<Filter> filters);

  ~SocketCanBus() override;
  SocketCanBus(const SocketCanBus&) = delete;
  SocketCanBus& operator=(const SocketCanBus&) = delete;

  // A full transmit queue is retried until `deadline`, then Errc::bus_error; an interface
  // that went down or disappeared is Errc::interface_error.
  util::Result<void> send(const Frame& frame, util::TimePoint deadline) override;
  // The next frame or bus fault (also "frames lost: read too slowly" as rx_overflow).
  util::Result<std::optional<Event>> receive(util::TimePoint deadline) override;

  util::Clock& clock() override { return m_clock; }
  const std::string& name() const override { return m_name; }

  // The kernel's receive time of the last frame or fault receive() returned (wall clock);
  // nullopt before the first one or when the kernel gave none.
  std::optional<std::chrono::system_clock::time_point> last_timestamp() const override {
    return m_timestamp;
  }
  // The controller's state, error counters and bitrate from rtnetlink (no root needed);
  // nullopt when the kernel does not answer. A vcan has none of them: all fields empty.
  std::optional<ControllerStatus> controller_status() override;
  // Frames the kernel dropped because this socket's receive queue was full (cumulative).
  std::uint32_t dropped() const { return m_dropped; }
  // The raw socket, for socket options the bus does not set itself (tests shrink its queue).
  int native_handle() const { return m_fd; }

 private:
  SocketCanBus(int fd, std::string name);
  util::Result<std::optional<Event>> read_one();
  util::Error interface_gone(int err) const;

  int m_fd = -1;
  std::string m_name;
  bool m_is_virtual = false;  // vcan: no bitrate in the `ip link` hint
  util::SystemClock m_clock;
  std::optional<std::chrono::system_clock::time_point> m_timestamp;
  std::uint32_t m_dropped = 0;
  std::optional<Event> m_pending;  // a frame held back behind an overflow report
};

// The kernel error classes receive() asks for (CAN_RAW_ERR_FILTER).
std::uint32_t error_filter_mask();

// Translates a SocketCAN error frame (CAN_ERR_FLAG set; linux/can/error.h) into one BusError,
// the most severe class it reports: bus-off, restarted, no ACK, controller RX overflow,
// error-passive, error-warning, protocol error, TX timeout, else other. Counters come from
// data[6] (tx) and data[7] (rx) when CAN_ERR_CNT is set, else -1.
BusError translate_error_frame(const ::can_frame& cf);

// A received classical frame as a can::Frame: extended and remote flags, the DLC (len8_dlc
// for codes 9..15 when the interface delivers it), bytes past the payload zeroed.
Frame from_kernel_frame(const ::can_frame& cf);
// The reverse, for writing: DLC 9..15 travels as len 8 + len8_dlc.
::can_frame to_kernel_frame(const Frame& frame);

}  // namespace can
