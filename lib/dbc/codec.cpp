#include "dbc/codec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace dbc {
namespace {

constexpr double k_two_63 = 9223372036854775808.0;
constexpr double k_two_64 = 18446744073709551616.0;

// Position of the signal's most significant (Motorola) or least significant (Intel) bit as a
// linear index: Motorola counts from the MSB of byte 0 (0) onwards, Intel from its LSB.
std::uint64_t first_linear_bit(const Signal& s) {
  if (s.byte_order == ByteOrder::little_endian) return s.start_bit;
  return std::uint64_t{s.start_bit} / 8 * 8 + (7 - s.start_bit % 8);
}

std::uint64_t length_mask(std::uint32_t length) {
  return length >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << length) - 1;
}

// Whether the raw value of `s` for the active multiplexor value is to be used.
bool mux_active(const Signal& s, const Signal* mux, std::int64_t mux_raw) {
  if (s.mux_role != MuxRole::multiplexed) return true;
  return mux != nullptr && mux_raw >= 0 && static_cast<std::uint64_t>(mux_raw) == s.mux_value;
}

}  // namespace

bool signal_fits(const Signal& signal, std::size_t data_size) {
  if (signal.length == 0 || signal.length > 64) return false;
  return first_linear_bit(signal) + signal.length <= std::uint64_t{data_size} * 8;
}

bool raw_fits(const Signal& signal, std::int64_t raw) {
  if (signal.length >= 64) return true;
  if (signal.length == 0) return raw == 0;
  if (signal.is_signed) {
    std::int64_t half = std::int64_t{1} << (signal.length - 1);
    return raw >= -half && raw < half;
  }
  return raw >= 0 && static_cast<std::uint64_t>(raw) <= length_mask(signal.length);
}

std::int64_t extract_raw(const Signal& signal, std::span<const std::uint8_t> data) {
  const std::uint32_t length = std::min<std::uint32_t>(signal.length, 64);
  const std::uint64_t first = first_linear_bit(signal);
  std::uint64_t raw = 0;
  for (std::uint32_t i = 0; i < length; ++i) {
    std::uint64_t lin = first + i;
    std::uint64_t byte = lin / 8;
    std::uint64_t bit = 0;
    if (byte < data.size()) {
      unsigned shift = signal.byte_order == ByteOrder::little_endian ? lin % 8 : 7 - lin % 8;
      bit = (data[byte] >> shift) & 1u;
    }
    if (signal.byte_order == ByteOrder::little_endian)
      raw |= bit << i;
    else
      raw = (raw << 1) | bit;
  }
  if (signal.is_signed && length > 0 && length < 64 && ((raw >> (length - 1)) & 1u))
    raw |= ~length_mask(length);
  return static_cast<std::int64_t>(raw);
}

void insert_raw(const Signal& signal, std::int64_t raw, std::span<std::uint8_t> data) {
  const std::uint32_t length = std::min<std::uint32_t>(signal.length, 64);
  const std::uint64_t first = first_linear_bit(signal);
  const std::uint64_t value = static_cast<std::uint64_t>(raw);
  for (std::uint32_t i = 0; i < length; ++i) {
    std::uint64_t lin = first + i;
    std::uint64_t byte = lin / 8;
    if (byte >= data.size()) continue;
    unsigned shift = signal.byte_order == ByteOrder::little_endian ? lin % 8 : 7 - lin % 8;
    unsigned value_bit = signal.byte_order == ByteOrder::little_endian ? i : length - 1 - i;
    auto mask = static_cast<std::uint8_t>(1u << shift);
    if ((value >> value_bit) & 1u)
      data[byte] = static_cast<std::uint8_t>(data[byte] | mask);
    else
      data[byte] = static_cast<std::uint8_t>(data[byte] & ~mask);
  }
}

double to_physical(const Signal& signal, std::int64_t raw) {
  double r = signal.is_signed ? static_cast<double>(raw)
                              : static_cast<double>(static_cast<std::uint64_t>(raw));
  return r * signal.factor + signal.offset;
}

std::int64_t to_raw(const Signal& signal, double physical) {
  double r = std::round((physical - signal.offset) / signal.factor);
  if (std::isnan(r)) return 0;
  if (r < -k_two_63) return INT64_MIN;
  if (r < k_two_63) return static_cast<std::int64_t>(r);
  if (r < k_two_64) return static_cast<std::int64_t>(static_cast<std::uint64_t>(r));
  return signal.is_signed ? INT64_MAX : -1;  // -1: all 64 bits set
}

std::vector<Value> decode(const Message& message, std::span<const std::uint8_t> data) {
  std::vector<Value> values;
  const Signal* mux = message.multiplexor();
  std::int64_t mux_raw = -1;
  if (mux != nullptr && signal_fits(*mux, data.size())) mux_raw = extract_raw(*mux, data);
  for (const Signal& s : message.signals) {
    if (!signal_fits(s, data.size()) || !mux_active(s, mux, mux_raw)) continue;
    std::int64_t raw = extract_raw(s, data);
    values.push_back(Value{&s, raw, to_physical(s, raw)});
  }
  return values;
}

util::Result<std::vector<std::uint8_t>> encode_raw(const Message& message,
                                                   const std::map<std::string, std::int64_t>& raw) {
  for (const auto& [name, value] : raw)
    if (message.find(name) == nullptr)
      return util::fail(util::Errc::usage,
                        fmt::format("message '{}' has no signal '{}'", message.name, name));
  const Signal* mux = message.multiplexor();
  std::int64_t mux_raw = -1;
  if (mux != nullptr) {
    auto it = raw.find(mux->name);
    if (it == raw.end())
      return util::fail(
          util::Errc::usage,
          fmt::format("message '{}' is multiplexed: its multiplexor '{}' must be given",
                      message.name, mux->name));
    mux_raw = it->second;
  }
  std::vector<std::uint8_t> data(std::min<std::uint32_t>(message.dlc, 8), 0);
  for (const Signal& s : message.signals) {
    auto it = raw.find(s.name);
    bool named = it != raw.end();
    if (!mux_active(s, mux, mux_raw)) {
      if (!named) continue;
      return util::fail(util::Errc::usage,
                        fmt::format("signal '{}' of message '{}' belongs to {} value {}, not {}",
                                    s.name, message.name, mux->name, s.mux_value, mux_raw));
    }
    if (!signal_fits(s, data.size())) {
      if (!named) continue;
      return util::fail(util::Errc::usage,
                        fmt::format("signal '{}' does not fit in {} bytes", s.name, data.size()));
    }
    std::int64_t value = named ? it->second : s.start_value.value_or(0);
    if (named && !raw_fits(s, value))
      return util::fail(util::Errc::usage,
                        fmt::format("signal '{}': raw value {} does not fit {} {} bits", s.name,
                                    value, s.is_signed ? "signed" : "unsigned", s.length));
    insert_raw(s, value, data);
  }
  return data;
}

util::Result<std::vector<std::uint8_t>> encode(const Message& message,
                                               const std::map<std::string, double>& physical) {
  std::map<std::string, std::int64_t> raw;
  for (const auto& [name, value] : physical) {
    const Signal* s = message.find(name);
    if (s == nullptr)
      return util::fail(util::Errc::usage,
                        fmt::format("message '{}' has no signal '{}'", message.name, name));
    double r = std::round((value - s->offset) / s->factor);
    double low = 0, high = 0;  // inclusive low, exclusive high
    if (s->length >= 64) {
      low = s->is_signed ? -k_two_63 : 0;
      high = s->is_signed ? k_two_63 : k_two_64;
    } else if (s->length > 0) {
      double span = std::ldexp(1.0, static_cast<int>(s->length));
      low = s->is_signed ? -span / 2 : 0;
      high = s->is_signed ? span / 2 : span;
    }
    if (!std::isfinite(r) || r < low || r >= high)
      return util::fail(util::Errc::usage,
                        fmt::format("signal '{}': value {}{} is out of range for {} {} bits",
                                    s->name, value, s->unit.empty() ? "" : " " + s->unit,
                                    s->is_signed ? "signed" : "unsigned", s->length));
    raw[name] = to_raw(*s, value);
  }
  return encode_raw(message, raw);
}

}  // namespace dbc
