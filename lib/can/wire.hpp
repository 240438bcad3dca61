#pragma once
// The time a frame takes on a classical CAN wire, computed exactly: every field from start of
// frame to interframe space, and the stuff bits that the frame's own bits and CRC cause.

#include <cstdint>

#include "can/frame.hpp"
#include "util/clock.hpp"

namespace can {

// CRC-15/CAN (polynomial 0x4599) over the unstuffed bits from SOF to the end of the data field.
std::uint16_t crc15(const Frame& frame);

// Bits on the wire, stuff bits included: SOF .. CRC (stuffed), CRC delimiter, ACK slot and
// delimiter, 7-bit EOF and the 3-bit interframe space.
std::uint32_t wire_bits(const Frame& frame);

// wire_bits / bitrate.
util::Duration wire_time(const Frame& frame, std::uint32_t bitrate);

}  // namespace can
