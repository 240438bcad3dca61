#pragma once
// The one bus interface every transport implements (SocketCAN, the virtual hub, ECAN).
// Deadlines, not durations, pass through every layer unchanged.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "can/frame.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace can {

// What a controller says about itself, when the transport can ask it (rocketctl doctor).
struct ControllerStatus {
  std::string state;  // "ERROR-ACTIVE", "ERROR-WARNING", "ERROR-PASSIVE", "BUS-OFF"; "" unknown
  std::optional<int> tx_errors, rx_errors;  // the CAN error counters, when reported
  std::optional<std::uint32_t> bitrate;     // bit/s, when the transport knows it
};

// Accepts extended-id data frames with (id & mask) == (filter.id & mask).
struct Filter {
  std::uint32_t id = 0;
  std::uint32_t mask = 0;
  bool matches(const Frame& f) const {
    return f.extended && !f.remote && (f.id & mask) == (id & mask);
  }
};

class Bus {
public:
  virtual ~Bus() = default;

  // Queues one frame for transmission. A full transmit queue is waited out until `deadline`.
  // Fails with Errc::interface_error when the interface is gone, Errc::bus_error when the
  // queue stays full until the deadline.
  virtual util::Result<void> send(const Frame& frame, util::TimePoint deadline) = 0;

  // The next frame or bus fault; nullopt when `deadline` passes first (not an error).
  // Fails only when the interface itself fails.
  virtual util::Result<std::optional<Event>> receive(util::TimePoint deadline) = 0;

  // The clock that deadlines for this bus are measured on (simulated time on a manual hub).
  virtual util::Clock& clock() = 0;

  // The interface name as the user gave it: "can0", "sim".
  virtual const std::string& name() const = 0;

  // The transport's receive time (wall clock) of the last frame or fault receive() returned:
  // the kernel's for SocketCAN, the adapter's for ECAN; nullopt when it gives none.
  virtual std::optional<std::chrono::system_clock::time_point> last_timestamp() const {
    return std::nullopt;
  }

  // The controller's state and error counters now; nullopt when the transport cannot tell.
  virtual std::optional<ControllerStatus> controller_status() { return std::nullopt; }
};

}  // namespace can
