#pragma once
// Signal values in CAN payloads, by the DBC bit numbering.
// Intel (@1): start_bit is the least significant bit; bit b = byte b/8, bit b%8 (0 = LSB).
// Motorola (@0): start_bit is the most significant bit in the same "sawtooth" numbering; the
// signal continues towards the LSB of that byte, then on at bit 7 of the next byte.
// Example: a big-endian u16 in bytes 1-2 is start_bit 15, length 16.

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "dbc/model.hpp"
#include "util/result.hpp"

namespace dbc {

struct Value {
  const Signal* signal;
  std::int64_t raw;  // a 64-bit unsigned raw is stored bit-for-bit
  double physical;
};

// The raw value of `signal` in `data`, sign-extended when is_signed. Bits past the end of
// `data` read as 0 (check signal_fits first).
std::int64_t extract_raw(const Signal& signal, std::span<const std::uint8_t> data);
// Writes the low `length` bits of `raw` into `data`; other bits are kept, bits past the end of
// `data` are dropped.
void insert_raw(const Signal& signal, std::int64_t raw, std::span<std::uint8_t> data);
// raw * factor + offset (an unsigned raw counts as unsigned, even with 64 bits).
double to_physical(const Signal& signal, std::int64_t raw);
// (physical - offset) / factor, rounded to nearest; saturates outside the int64/uint64 range.
std::int64_t to_raw(const Signal& signal, double physical);
// True when every bit of the signal lies inside data_size bytes.
bool signal_fits(const Signal& signal, std::size_t data_size);
// True when `raw` is representable in the signal's length and signedness (64-bit: always).
bool raw_fits(const Signal& signal, std::int64_t raw);

// Every signal present: plain ones, the multiplexor, and the multiplexed signals whose mux value
// matches the multiplexor's raw value. Signals that don't fit in `data` (short frame) are skipped.
// Order: the message's signal order.
std::vector<Value> decode(const Message& message, std::span<const std::uint8_t> data);

// Builds the payload (message dlc bytes, max 8). Signals not named take their start_value,
// else 0. For a multiplexed message the multiplexor must be given and only the signals of that
// mux value (plus plain ones) may be named.
// Fails (Errc::usage) on: an unknown signal name, a signal of another mux value, a missing
// multiplexor, a value that does not fit the signal's length/signedness (or is not finite).
util::Result<std::vector<std::uint8_t>> encode(const Message& message,
                                               const std::map<std::string, double>& physical);
util::Result<std::vector<std::uint8_t>> encode_raw(const Message& message,
                                                   const std::map<std::string, std::int64_t>& raw);

}  // namespace dbc
