#include "can/wire.hpp"

#include <vector>

namespace can {
namespace {

// The unstuffed bit sequence from SOF to the end of the data field (ISO 11898-1 frame format).
std::vector<bool> header_and_data_bits(const Frame& f) {
  std::vector<bool> bits;
  bits.reserve(160);
  auto put = [&bits](std::uint32_t value, int count) {
    for (int i = count - 1; i >= 0; --i) bits.push_back(((value >> i) & 1U) != 0);
  };
  put(0, 1);  // SOF
  if (f.extended) {
    put(f.id >> 18, 11);  // base identifier
    put(1, 1);            // SRR
    put(1, 1);            // IDE
    put(f.id & 0x3FFFF, 18);
    put(f.remote ? 1 : 0, 1);  // RTR
    put(0, 2);                 // r1, r0
  } else {
    put(f.id, 11);
    put(f.remote ? 1 : 0, 1);  // RTR
    put(0, 2);                 // IDE, r0
  }
  put(f.dlc, 4);
  for (std::uint8_t byte : f.payload()) put(byte, 8);
  return bits;
}

std::uint16_t crc15_of(const std::vector<bool>& bits) {
  std::uint16_t crc = 0;
  for (bool bit : bits) {
    bool next = bit != (((crc >> 14) & 1U) != 0);
    crc = static_cast<std::uint16_t>((crc << 1) & 0x7FFF);
    if (next) crc ^= 0x4599;
  }
  return crc;
}

}  // namespace

std::uint16_t crc15(const Frame& frame) { return crc15_of(header_and_data_bits(frame)); }

std::uint32_t wire_bits(const Frame& frame) {
  std::vector<bool> bits = header_and_data_bits(frame);
  std::uint16_t crc = crc15_of(bits);
  for (int i = 14; i >= 0; --i) bits.push_back(((crc >> i) & 1U) != 0);

  // A stuff bit follows every run of five equal bits; it starts the next run itself.
  std::uint32_t stuffed = 0;
  int run = 0;
  bool last = false;
  for (std::size_t i = 0; i < bits.size(); ++i) {
    if (i != 0 && bits[i] == last) {
      ++run;
    } else {
      run = 1;
      last = bits[i];
    }
    if (run == 5) {
      ++stuffed;
      last = !last;
      run = 1;
    }
  }
  constexpr std::uint32_t k_tail = 1 + 2 + 7 + 3;  // CRC delimiter, ACK, EOF, IFS
  return static_cast<std::uint32_t>(bits.size()) + stuffed + k_tail;
}

util::Duration wire_time(const Frame& frame, std::uint32_t bitrate) {
  return util::Duration(static_cast<std::int64_t>(wire_bits(frame)) * 1'000'000'000LL / bitrate);
}

}  // namespace can
