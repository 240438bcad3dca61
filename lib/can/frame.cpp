#include "can/frame.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "util/hex.hpp"

namespace can {

Frame make_frame(std::uint32_t id, std::span<const std::uint8_t> bytes) {
  Frame f;
  f.id = id;
  std::copy_n(bytes.begin(), std::min<std::size_t>(bytes.size(), 8), f.data.begin());
  return f;
}

std::string to_string(const Frame& frame) {
  std::string id = frame.extended ? fmt::format("{:08X}", frame.id) : fmt::format("{:03X}", frame.id);
  if (frame.remote) return id + "#R";
  return id + "#" + util::to_hex(frame.payload());
}

std::string describe(const BusError& error) {
  std::string counters;
  if (error.tx_errors >= 0 || error.rx_errors >= 0)
    counters = fmt::format(" (tx errors {}, rx errors {})", error.tx_errors, error.rx_errors);
  switch (error.kind) {
    case BusError::Kind::no_ack:
      return "no acknowledgement on the bus: nothing else is connected (check the data connector), "
             "the battery is asleep, or the bitrate is not 250 kbit/s" + counters;
    case BusError::Kind::bus_off:
      return "the CAN controller is bus-off: check the wiring, termination and that the bus runs "
             "at 250 kbit/s" + counters;
    case BusError::Kind::error_passive:
      return "the CAN controller is error-passive: many transmission errors (check wiring, "
             "termination, 250 kbit/s)" + counters;
    case BusError::Kind::error_warning:
      return "CAN error counters are high (check wiring and termination)" + counters;
    case BusError::Kind::rx_overflow:
      return "received frames were lost (the adapter's or this program's receive buffer overflowed)" +
             counters;
    case BusError::Kind::protocol:
      return "errors on the wire (bit, stuff or CRC): check wiring, termination and the 250 kbit/s "
             "bitrate" + counters;
    case BusError::Kind::tx_timeout:
      return "a frame could not be transmitted in time: check that the bus is connected" + counters;
    case BusError::Kind::restarted:
      return "the CAN controller restarted after bus-off" + counters;
    case BusError::Kind::other:
      break;
  }
  return "CAN bus error" + counters;
}

}  // namespace can
