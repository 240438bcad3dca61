// can::wire: CRC-15/CAN and exact frame bit counts (ISO 11898-1 classical frames).
//
// The checks do not trust lib/can/wire.cpp's own bit builder: this file has an independent
// bitwise CRC-15/CAN (proved on the standard check value), builds frames bit by bit itself
// and stuffs them by writing the stuffed stream out. Hand derivations are in the comments.

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "can/frame.hpp"
#include "can/wire.hpp"

using namespace std::chrono_literals;

namespace {

using Bits = std::vector<int>;

void append(Bits& bits, std::uint32_t value, int width) {
  for (int i = width - 1; i >= 0; --i) bits.push_back(static_cast<int>((value >> i) & 1U));
}

// CRC-15/CAN, bit by bit as ISO 11898-1 §10.4.2.6 writes it: generator
// x^15 + x^14 + x^10 + x^8 + x^7 + x^4 + x^3 + 1 (0x4599), register initialised to 0,
// no reflection, no final XOR.
std::uint16_t ref_crc15(const Bits& bits) {
  unsigned reg = 0;
  for (int bit : bits) {
    unsigned crc_nxt = static_cast<unsigned>(bit) ^ ((reg >> 14) & 1U);
    reg = (reg << 1) & 0x7FFFU;
    if (crc_nxt != 0) reg ^= 0x4599U;
  }
  return static_cast<std::uint16_t>(reg);
}

Bits bits_of_text(std::string_view text) {
  Bits bits;
  for (char c : text) append(bits, static_cast<unsigned char>(c), 8);
  return bits;
}

// SOF to the end of the data field, unstuffed.
Bits ref_frame_bits(const can::Frame& f) {
  Bits b{0};  // SOF, dominant
  if (f.extended) {
    append(b, f.id >> 18, 11);       // identifier A (base)
    b.push_back(1);                  // SRR, recessive
    b.push_back(1);                  // IDE, recessive: extended
    append(b, f.id & 0x3FFFFU, 18);  // identifier B (extension)
  } else {
    append(b, f.id, 11);
  }
  b.push_back(f.remote ? 1 : 0);  // RTR
  b.push_back(0);                 // r1 (extended) / IDE (standard), dominant
  b.push_back(0);                 // r0
  append(b, f.dlc, 4);
  if (!f.remote)
    for (int i = 0; i < (f.dlc > 8 ? 8 : f.dlc); ++i)
      append(b, f.data[static_cast<std::size_t>(i)], 8);
  return b;
}

// Writes out the stuffed stream: after five equal bits, the complement is inserted (and counts
// as the first bit of the next run).
Bits ref_stuff(const Bits& in) {
  Bits out;
  for (int bit : in) {
    out.push_back(bit);
    std::size_t n = out.size();
    if (n >= 5 && out[n - 1] == out[n - 2] && out[n - 2] == out[n - 3] &&
        out[n - 3] == out[n - 4] && out[n - 4] == out[n - 5]) {
      // Five equal bits end here (a stuff bit can only be the first of them, since it
      // differs from the bit before it): insert the complement.
      out.push_back(1 - bit);
    }
  }
  return out;
}

int longest_run(const Bits& bits) {
  int best = 0, run = 0;
  for (std::size_t i = 0; i < bits.size(); ++i) {
    run = (i > 0 && bits[i] == bits[i - 1]) ? run + 1 : 1;
    best = std::max(best, run);
  }
  return best;
}

// Bits on the wire by the independent model: stuffed SOF..CRC, then 13 fixed-form bits.
std::uint32_t ref_wire_bits(const can::Frame& f) {
  Bits b = ref_frame_bits(f);
  append(b, ref_crc15(b), 15);
  return static_cast<std::uint32_t>(ref_stuff(b).size()) + 13;
}

can::Frame ext(std::uint32_t id, std::vector<std::uint8_t> bytes) {
  return can::make_frame(id, bytes);
}

can::Frame std_frame(std::uint32_t id, std::vector<std::uint8_t> bytes, std::uint8_t dlc) {
  can::Frame f = can::make_frame(id, bytes);
  f.extended = false;
  f.dlc = dlc;
  return f;
}

can::Frame random_frame(std::mt19937& rng, bool extended) {
  can::Frame f;
  f.extended = extended;
  f.id = static_cast<std::uint32_t>(rng()) &
         (extended ? can::k_max_extended_id : can::k_max_standard_id);
  f.dlc = 8;
  for (auto& byte : f.data) byte = static_cast<std::uint8_t>(rng());
  return f;
}

}  // namespace

TEST_CASE("the test's reference CRC-15/CAN gives the standard check value", "[wire]") {
  // CRC-15/CAN catalogue entry: width 15, poly 0x4599, init 0, refin/refout false, xorout 0,
  // check ("123456789") = 0x059E.
  CHECK(ref_crc15(bits_of_text("123456789")) == 0x059E);
  CHECK(ref_crc15({}) == 0);
  // A CRC without final XOR leaves remainder 0 when the message is followed by its own CRC.
  Bits msg = bits_of_text("123456789");
  append(msg, 0x059E, 15);
  CHECK(ref_crc15(msg) == 0);
}

TEST_CASE("crc15 of frames matches the reference CRC", "[wire]") {
  // Standard id 0, DLC 0: SOF..DLC is 19 dominant bits; a zero-initialised CRC of zeros is 0.
  CHECK(can::crc15(std_frame(0x000, {}, 0)) == 0x0000);

  // The reference's PACK worked frame 18104001#00008E47FFFFFFF8, and a frame with
  // alternating bits (both used below for the hand counts).
  const can::Frame pack = ext(0x18104001, {0x00, 0x00, 0x8E, 0x47, 0xFF, 0xFF, 0xFF, 0xF8});
  const can::Frame alternating =
      ext(0x0AAAAAAA, {0x55, 0xAA, 0x55, 0xAA, 0x55, 0xAA, 0x55, 0x08});
  CHECK(ref_crc15(ref_frame_bits(pack)) == 0x7935);
  CHECK(can::crc15(pack) == 0x7935);
  CHECK(ref_crc15(ref_frame_bits(alternating)) == 0x2A34);
  CHECK(can::crc15(alternating) == 0x2A34);

  std::mt19937 rng(0xC0FFEE);
  for (int i = 0; i < 500; ++i) {
    can::Frame f = random_frame(rng, i % 2 == 0);
    f.dlc = static_cast<std::uint8_t>(rng() % 16);
    f.remote = (i % 7 == 0);
    INFO(can::to_string(f) << " dlc " << int(f.dlc));
    CHECK(can::crc15(f) == ref_crc15(ref_frame_bits(f)));
  }
}

TEST_CASE("wire_bits of a standard frame with only dominant bits, by hand", "[wire]") {
  // 000#, DLC 0. Stuffed region: SOF 1 + id 11 + RTR 1 + IDE 1 + r0 1 + DLC 4 = 19 zeros, and
  // the CRC of all-zero bits is 0: 15 more zeros, 34 zeros in all. A stuff bit (1) follows
  // every fifth zero and the next zero starts a new run, so zeros 5, 10, 15, 20, 25, 30 are
  // each followed by one: 6 stuff bits (the last 4 zeros make no full run).
  //   00000[1]00000[1]00000[1]00000[1]00000[1]00000[1]0000
  // Total: 34 + 6 + 13 (CRC delimiter 1, ACK 2, EOF 7, IFS 3) = 53 bits.
  const can::Frame f = std_frame(0x000, {}, 0);
  CHECK(can::wire_bits(f) == 53);
  CHECK(ref_wire_bits(f) == 53);
  CHECK(can::wire_time(f, 250000) == 53 * 4us);
}

TEST_CASE("wire_bits of an extended frame that needs no stuffing, by hand", "[wire]") {
  // 0AAAAAAA#55AA55AA55AA5508, CRC 0x2A34 (from ref_crc15).
  //   SOF        0
  //   ID28..18   01010101010        (0x0AAAAAAA >> 18 = 0x2AA)
  //   SRR IDE    1 1
  //   ID17..0    101010101010101010 (0x2AAAA)
  //   RTR r1 r0  0 0 0
  //   DLC        1000
  //   data       01010101 10101010 01010101 10101010 01010101 10101010 01010101 00001000
  //   CRC        010101000110100
  // Longest runs: "111" (ID bit 18=0 is followed by SRR, IDE, ID17 = 1 1 1), "0000"
  // (ID0 RTR r1 r0), "0000" (DLC's 000 + first data bit), "0000" (0x55's last 1, then 0x08's
  // 0000), "0000" (0x08's last 000 + CRC's first 0); never five equal bits: no stuff bits.
  // Stuffed region 1+11+1+1+18+1+2+4+64+15 = 118 bits, + 13 = 131 bits: the minimum for an
  // 8-byte extended frame.
  const can::Frame f = ext(0x0AAAAAAA, {0x55, 0xAA, 0x55, 0xAA, 0x55, 0xAA, 0x55, 0x08});
  Bits b = ref_frame_bits(f);
  append(b, ref_crc15(b), 15);
  REQUIRE(b.size() == 118);
  CHECK(longest_run(b) == 4);
  CHECK(can::wire_bits(f) == 131);
  CHECK(can::wire_time(f, 250000) == 524us);  // 131 * 4 us
}

TEST_CASE("wire_bits of the PACK worked frame, with long runs, by hand", "[wire]") {
  // 18104001#00008E47FFFFFFF8, CRC 0x7935 (from ref_crc15). Unstuffed, 118 bits:
  //   0 11000000100 1 1 000100000000000001 0 00 1000
  //   00000000 00000000 10001110 01000111 11111111 11111111 11111111 11111000
  //   111100100110101
  // Stuffed, [x] = stuff bit after five equal bits (it starts the next run):
  //   0 11 00000[1]0 100 11 000100000[1]00000[1]0001   SOF, ID28..18, SRR, IDE, ID17..0: 3
  //   000 1000 00[1]00000[1]00000[1]0000                RTR r1 r0, DLC, 00 00: 3 more (6)
  //   10001110 01000111 11[0]                           8E 47, FF's first two bits: 1 (7)
  //   11111[0]11111[0]11111[0]11111[0]11111[0]11 000    the rest of FF FF FF F8: 5 (12)
  //   111100100110101                                   CRC: longest run 4, none
  // (27 ones follow the first stuff bit of the FF run: 5 stuff bits, 2 ones left over.)
  // Total 118 + 12 + 13 = 143 bits = 572 us at 250 kbit/s.
  const can::Frame f = ext(0x18104001, {0x00, 0x00, 0x8E, 0x47, 0xFF, 0xFF, 0xFF, 0xF8});
  Bits b = ref_frame_bits(f);
  append(b, ref_crc15(b), 15);
  REQUIRE(b.size() == 118);
  CHECK(ref_stuff(b).size() == 130);
  CHECK(can::wire_bits(f) == 143);
  CHECK(can::wire_time(f, 250000) == 572us);
}

TEST_CASE("wire_bits of other fixed frames", "[wire]") {
  // STATUS worked frame 18164001#0000004100000000: 15 stuff bits, 146 bits.
  CHECK(can::wire_bits(ext(0x18164001, {0, 0, 0, 0x41, 0, 0, 0, 0})) == 146);
  // Standard 555#55AA55AA55AA550A: no run of five, 34 + 64 + 13 = 111 bits (the minimum).
  const can::Frame s = std_frame(0x555, {0x55, 0xAA, 0x55, 0xAA, 0x55, 0xAA, 0x55, 0x0A}, 8);
  CHECK(ref_wire_bits(s) == 111);
  CHECK(can::wire_bits(s) == 111);
}

TEST_CASE("wire_bits of random frames stays within the classical CAN bounds", "[wire]") {
  // Stuffed region: extended 54 + 8n bits, standard 34 + 8n; a stuff bit at most every 4 bits
  // after the first 5, so at most floor((region - 1) / 4) of them (Davis et al., 2007).
  //   extended, 8 bytes: 131 .. 118 + 29 + 13 = 160     standard, 8 bytes: 111 .. 98 + 24 + 13 =
  //   135
  std::mt19937 rng(20240601);
  for (int i = 0; i < 2000; ++i) {
    bool extended = i % 2 == 0;
    can::Frame f = random_frame(rng, extended);
    INFO(can::to_string(f));
    std::uint32_t bits = can::wire_bits(f);
    CHECK(bits == ref_wire_bits(f));
    if (extended) {
      CHECK(bits >= 131);
      CHECK(bits <= 160);
    } else {
      CHECK(bits >= 111);
      CHECK(bits <= 135);
    }
  }
  // Worst-case patterns: all-dominant or all-recessive payloads stuff heavily.
  for (std::uint8_t fill : {std::uint8_t{0x00}, std::uint8_t{0xFF}}) {
    can::Frame f = ext(0x00000000, std::vector<std::uint8_t>(8, fill));
    CHECK(can::wire_bits(f) == ref_wire_bits(f));
    CHECK(can::wire_bits(f) > 140);
    CHECK(can::wire_bits(f) <= 160);
  }
}

TEST_CASE("wire_bits for short, remote and DLC > 8 frames", "[wire]") {
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    can::Frame f = random_frame(rng, i % 3 != 0);
    f.dlc = static_cast<std::uint8_t>(i % 16);
    f.remote = (i % 5 == 0);
    INFO(can::to_string(f) << " dlc " << int(f.dlc));
    std::uint32_t region = (f.extended ? 54U : 34U) + 8U * static_cast<std::uint32_t>(f.size());
    CHECK(can::wire_bits(f) == ref_wire_bits(f));
    CHECK(can::wire_bits(f) >= region + 13);
    CHECK(can::wire_bits(f) <= region + (region - 1) / 4 + 13);
  }
  // DLC 9..15 carry 8 bytes: as long as DLC 8 up to the stuffing the DLC code causes.
  can::Frame f = ext(0x0AAAAAAA, {0x55, 0xAA, 0x55, 0xAA, 0x55, 0xAA, 0x55, 0x08});
  f.dlc = 15;
  CHECK(can::wire_bits(f) == ref_wire_bits(f));
  CHECK(can::wire_bits(f) >= 131);
}

TEST_CASE("wire_time is wire_bits over the bitrate", "[wire]") {
  const can::Frame f = ext(0x18104001, {0x00, 0x00, 0x8E, 0x47, 0xFF, 0xFF, 0xFF, 0xF8});
  const auto bits = static_cast<std::int64_t>(can::wire_bits(f));
  CHECK(can::wire_time(f, 250000) == bits * 4us);
  CHECK(can::wire_time(f, 500000) == bits * 2us);
  CHECK(can::wire_time(f, 125000) == bits * 8us);
  CHECK(can::wire_time(f, 1000000) == bits * 1us);
}
