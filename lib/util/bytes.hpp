#pragma once
// Big-endian integers: the byte order of every multi-byte field of rockets-can-v1 (§1), on
// both the poll protocol and the diagnostic channel.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace util {

inline std::uint16_t get_be16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}

inline std::uint32_t get_be32(std::span<const std::uint8_t> b, std::size_t at) {
  return std::uint32_t{b[at]} << 24 | std::uint32_t{b[at + 1]} << 16 | std::uint32_t{b[at + 2]} << 8 | b[at + 3];
}

inline void put_be16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

inline void put_be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  put_be16(out, static_cast<std::uint16_t>(v >> 16));
  put_be16(out, static_cast<std::uint16_t>(v));
}

}  // namespace util
