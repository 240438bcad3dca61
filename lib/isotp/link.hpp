#pragma once
// A message link: what the UDS client needs from ISO-TP. isotp::Channel is the real one;
// tests of the UDS layer substitute their own.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "util/clock.hpp"
#include "util/result.hpp"

namespace isotp {

class Link {
public:
  virtual ~Link() = default;
  // Sends one message (1..4095 bytes) and returns once its last frame is on the bus.
  // Errors: Errc::no_answer (no flow control within N_Bs), Errc::refused (FC OVERFLOW, too
  // many WAITs), Errc::interface_error / bus_error from the bus, Errc::cancelled.
  virtual util::Result<void> send(std::span<const std::uint8_t> message, util::TimePoint deadline) = 0;
  // The next complete message; nullopt when `deadline` passes with none started. A message
  // whose first frame came before the deadline is waited for (N_Cr rules) beyond it.
  virtual util::Result<std::optional<std::vector<std::uint8_t>>> receive(util::TimePoint deadline) = 0;
  virtual util::Clock& clock() = 0;
  // A bus fault the link has seen since the peer's last frame (a controller report: no
  // acknowledgement, bus-off ...), in words for a "no answer" message; nullopt when none.
  virtual std::optional<std::string> bus_fault() const { return std::nullopt; }
};

}  // namespace isotp
