#pragma once
// A classical CAN frame and the bus-fault events a backend reports beside frames.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <variant>

namespace can {

inline constexpr std::uint32_t k_max_extended_id = 0x1FFFFFFF;
inline constexpr std::uint32_t k_max_standard_id = 0x7FF;

struct Frame {
  std::uint32_t id = 0;  // 11- or 29-bit identifier, no flag bits
  bool extended = true;  // 29-bit identifier
  bool remote = false;   // remote transmission request (no data)
  std::uint8_t dlc = 8;  // data length code 0..15; codes 9..15 carry 8 bytes (classical CAN)
  std::array<std::uint8_t, 8> data{};

  // Number of data bytes the frame carries: min(dlc, 8), 0 for a remote frame.
  std::size_t size() const { return remote ? 0 : (dlc > 8 ? 8 : dlc); }
  std::span<const std::uint8_t> payload() const { return {data.data(), size()}; }

  friend bool operator==(const Frame&, const Frame&) = default;
};

// Builds an extended data frame with DLC 8 from up to 8 bytes (the rest zero).
Frame make_frame(std::uint32_t id, std::span<const std::uint8_t> bytes);

// candump's compact form: "18104001#00008E47FFFFFFF8", "123#", "18104001#R".
std::string to_string(const Frame& frame);

// A fault the controller or driver reports. Counters are the CAN error counters when known.
struct BusError {
  enum class Kind {
    no_ack,         // nobody acknowledged our frame: nothing else on the bus, or wrong bitrate
    bus_off,        // controller left the bus after too many errors
    error_passive,  // error counters above 127
    error_warning,  // error counters above 95
    rx_overflow,    // controller or driver receive buffer overrun: frames were lost
    protocol,       // bit, stuff, form or CRC errors seen on the wire
    tx_timeout,     // the transmission did not complete
    restarted,      // controller restarted after bus-off
    other,
  };
  Kind kind = Kind::other;
  int tx_errors = -1;  // transmit error counter, -1 when unknown
  int rx_errors = -1;  // receive error counter, -1 when unknown

  friend bool operator==(const BusError&, const BusError&) = default;
};

// Words a technician can act on: "no acknowledgement (...)".
std::string describe(const BusError& error);

using Event = std::variant<Frame, BusError>;

}  // namespace can
