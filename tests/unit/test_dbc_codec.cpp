// dbc/codec.hpp: bit numbering (Motorola and Intel), signedness, 1..64 bits, multiplexing and
// encode errors. Expected bytes and values are literals worked out by hand from the DBC rules.
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "dbc/codec.hpp"

namespace {

using Bytes = std::vector<std::uint8_t>;

dbc::Signal make_signal(std::string name, std::uint32_t start, std::uint32_t length,
                        dbc::ByteOrder order, bool is_signed = false) {
  dbc::Signal s;
  s.name = std::move(name);
  s.start_bit = start;
  s.length = length;
  s.byte_order = order;
  s.is_signed = is_signed;
  return s;
}

constexpr auto motorola = dbc::ByteOrder::big_endian;
constexpr auto intel = dbc::ByteOrder::little_endian;

Bytes inserted(const dbc::Signal& s, std::int64_t raw, Bytes data = Bytes(8, 0)) {
  dbc::insert_raw(s, raw, data);
  return data;
}

// FrameNumber M (byte 0); A m1 and B m2 share byte 1; C m1 at bytes 2-3; Tail plain (byte 7).
dbc::Message multiplexed_message() {
  dbc::Message m;
  m.name = "Muxed";
  m.id = 0x100;
  auto mux = make_signal("FrameNumber", 7, 8, motorola);
  mux.mux_role = dbc::MuxRole::multiplexor;
  auto a = make_signal("A", 15, 8, motorola);
  a.mux_role = dbc::MuxRole::multiplexed;
  a.mux_value = 1;
  auto b = make_signal("B", 15, 8, motorola, true);
  b.mux_role = dbc::MuxRole::multiplexed;
  b.mux_value = 2;
  auto c = make_signal("C", 23, 16, motorola);
  c.mux_role = dbc::MuxRole::multiplexed;
  c.mux_value = 1;
  c.start_value = 0x1234;
  auto tail = make_signal("Tail", 63, 8, motorola);
  tail.start_value = 0xFF;
  m.signals = {mux, a, b, c, tail};
  return m;
}

}  // namespace

TEST_CASE("Intel signals: LSB at start_bit, crossing bytes", "[dbc]") {
  const auto byte0 = make_signal("b0", 0, 8, intel);
  CHECK(dbc::extract_raw(byte0, Bytes{0xAB, 0, 0, 0, 0, 0, 0, 0}) == 0xAB);

  // bits 4..15: high nibble of byte 0, then all of byte 1
  const auto s = make_signal("s", 4, 12, intel);
  CHECK(dbc::extract_raw(s, Bytes{0x5A, 0xC3, 0, 0, 0, 0, 0, 0}) == 0xC35);
  CHECK(inserted(s, 0xABC) == Bytes{0xC0, 0xAB, 0, 0, 0, 0, 0, 0});

  // a little-endian u16 at bytes 6-7
  const auto u16 = make_signal("u16", 48, 16, intel);
  CHECK(dbc::extract_raw(u16, Bytes{0, 0, 0, 0, 0, 0, 0x34, 0x12}) == 0x1234);
  CHECK(inserted(u16, 0xBEEF) == Bytes{0, 0, 0, 0, 0, 0, 0xEF, 0xBE});
}

TEST_CASE("Motorola signals: MSB at start_bit, sawtooth numbering, crossing bytes", "[dbc]") {
  const auto u16 = make_signal("u16", 7, 16, motorola);  // bytes 0-1, big-endian
  CHECK(dbc::extract_raw(u16, Bytes{0x12, 0x34, 0, 0, 0, 0, 0, 0}) == 0x1234);
  CHECK(inserted(u16, 0xBEEF) == Bytes{0xBE, 0xEF, 0, 0, 0, 0, 0, 0});

  // start 3, 12 bits: bits 3..0 of byte 0 (the MSBs), then byte 1
  const auto s12 = make_signal("s12", 3, 12, motorola);
  CHECK(dbc::extract_raw(s12, Bytes{0xA5, 0x3C, 0, 0, 0, 0, 0, 0}) == 0x53C);
  CHECK(inserted(s12, 0xFFF) == Bytes{0x0F, 0xFF, 0, 0, 0, 0, 0, 0});

  // u24 at bytes 1-3 (start 15)
  const auto u24 = make_signal("u24", 15, 24, motorola);
  CHECK(dbc::extract_raw(u24, Bytes{0x28, 0x00, 0x12, 0x7C, 0, 0, 0, 0}) == 4732);

  // bits 3..0 of byte 1 only; neighbouring bits are kept
  const auto nibble = make_signal("nibble", 11, 4, motorola);
  CHECK(inserted(nibble, 0, Bytes(8, 0xFF)) ==
        Bytes{0xFF, 0xF0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF});
  CHECK(inserted(nibble, 0x1F) == Bytes{0, 0x0F, 0, 0, 0, 0, 0, 0});  // only the low 4 bits
}

TEST_CASE("1-bit signals in both byte orders", "[dbc]") {
  const Bytes status{0x00, 0x00, 0x00, 0x41, 0, 0, 0, 0};
  CHECK(dbc::extract_raw(make_signal("bit0", 24, 1, motorola), status) == 1);
  CHECK(dbc::extract_raw(make_signal("bit1", 25, 1, motorola), status) == 0);
  CHECK(dbc::extract_raw(make_signal("bit6", 30, 1, motorola), status) == 1);
  CHECK(dbc::extract_raw(make_signal("bit7", 31, 1, motorola), status) == 0);
  CHECK(dbc::extract_raw(make_signal("i6", 30, 1, intel), status) == 1);
  CHECK(inserted(make_signal("i9", 9, 1, intel), 1) == Bytes{0, 0x02, 0, 0, 0, 0, 0, 0});
  CHECK(inserted(make_signal("m0", 0, 1, motorola), 1) == Bytes{0x01, 0, 0, 0, 0, 0, 0, 0});
  // a signed 1-bit signal reads -1
  CHECK(dbc::extract_raw(make_signal("s1", 24, 1, motorola, true), status) == -1);
}

TEST_CASE("64-bit signals, unsigned stored bit-for-bit in int64", "[dbc]") {
  const Bytes counting{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
  CHECK(dbc::extract_raw(make_signal("i", 0, 64, intel), counting) == 0x0807060504030201);
  CHECK(dbc::extract_raw(make_signal("m", 7, 64, motorola), counting) == 0x0102030405060708);
  CHECK(inserted(make_signal("m", 7, 64, motorola), 0x0102030405060708) == counting);
  CHECK(inserted(make_signal("i", 0, 64, intel), 0x0807060504030201) == counting);

  const Bytes ones(8, 0xFF);
  const auto u64 = make_signal("u64", 7, 64, motorola);
  const auto s64 = make_signal("s64", 7, 64, motorola, true);
  CHECK(dbc::extract_raw(u64, ones) == -1);  // 0xFFFFFFFFFFFFFFFF bit-for-bit
  CHECK(dbc::to_physical(u64, -1) == 18446744073709551615.0);
  CHECK(dbc::to_physical(s64, -1) == -1.0);
  CHECK(dbc::raw_fits(u64, -1));
  CHECK(inserted(u64, -1) == ones);
}

TEST_CASE("signed signals are sign-extended", "[dbc]") {
  // s32 at bytes 4-7: FF FF FF F8 = -8
  const auto s32 = make_signal("s32", 39, 32, motorola, true);
  CHECK(dbc::extract_raw(s32, Bytes{0, 0, 0x8E, 0x47, 0xFF, 0xFF, 0xFF, 0xF8}) == -8);
  CHECK(inserted(s32, -8) == Bytes{0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xF8});
  // Intel s16: 18 FC = 0xFC18 = -1000
  const auto s16 = make_signal("s16", 0, 16, intel, true);
  CHECK(dbc::extract_raw(s16, Bytes{0x18, 0xFC, 0, 0, 0, 0, 0, 0}) == -1000);
  // Intel s12 across bytes: 0x800 = -2048; the same bits unsigned read 2048
  CHECK(dbc::extract_raw(make_signal("s12", 4, 12, intel, true), Bytes{0x00, 0x80}) == -2048);
  CHECK(dbc::extract_raw(make_signal("u12", 4, 12, intel), Bytes{0x00, 0x80}) == 2048);
  // positive values stay positive
  CHECK(dbc::extract_raw(s32, Bytes{0, 0, 0, 0, 0x00, 0x00, 0x00, 0xD4}) == 212);
}

TEST_CASE("physical values: raw * factor + offset and back, rounded", "[dbc]") {
  auto t = make_signal("t", 7, 16, motorola, true);
  t.factor = 0.1;
  t.offset = -40;
  CHECK(dbc::to_physical(t, 612) == Approx(21.2));
  CHECK(dbc::to_raw(t, 21.2) == 612);
  CHECK(dbc::to_raw(t, -40.04) == 0);  // rounded to nearest
  CHECK(dbc::to_raw(t, -40.06) == -1);
  auto v = make_signal("v", 7, 32, motorola);
  v.factor = 0.001;
  CHECK(dbc::to_raw(v, 36.423) == 36423);
  CHECK(dbc::to_raw(v, NAN) == 0);
}

TEST_CASE("signal_fits checks the last bit against the data size", "[dbc]") {
  CHECK(dbc::signal_fits(make_signal("m", 7, 16, motorola), 2));
  CHECK_FALSE(dbc::signal_fits(make_signal("m", 7, 16, motorola), 1));
  CHECK(dbc::signal_fits(make_signal("m", 63, 8, motorola), 8));
  CHECK_FALSE(dbc::signal_fits(make_signal("m", 56, 2, motorola), 8));  // runs into byte 8
  CHECK(dbc::signal_fits(make_signal("i", 56, 8, intel), 8));
  CHECK_FALSE(dbc::signal_fits(make_signal("i", 60, 8, intel), 8));
  CHECK_FALSE(dbc::signal_fits(make_signal("zero", 0, 0, intel), 8));
  CHECK_FALSE(dbc::signal_fits(make_signal("huge", 0xFFFFFFFF, 64, motorola), 8));
}

TEST_CASE("decode of a multiplexed message gives only the active mux value's signals", "[dbc]") {
  const auto m = multiplexed_message();
  auto names = [](const std::vector<dbc::Value>& values) {
    std::vector<std::string> out;
    for (const auto& v : values) out.push_back(v.signal->name);
    return out;
  };
  const auto one = dbc::decode(m, Bytes{0x01, 0x11, 0x22, 0x33, 0, 0, 0, 0x44});
  REQUIRE(names(one) == std::vector<std::string>{"FrameNumber", "A", "C", "Tail"});
  CHECK(one[1].raw == 0x11);
  CHECK(one[2].raw == 0x2233);
  CHECK(one[3].physical == 0x44);

  const auto two = dbc::decode(m, Bytes{0x02, 0xFE, 0, 0, 0, 0, 0, 0});
  REQUIRE(names(two) == std::vector<std::string>{"FrameNumber", "B", "Tail"});
  CHECK(two[1].raw == -2);

  CHECK(names(dbc::decode(m, Bytes{0x07, 0, 0, 0, 0, 0, 0, 0})) ==
        std::vector<std::string>{"FrameNumber", "Tail"});
  // a short frame: signals past its end are skipped
  CHECK(names(dbc::decode(m, Bytes{0x01, 0x11, 0x22})) ==
        std::vector<std::string>{"FrameNumber", "A"});
  CHECK(dbc::decode(m, Bytes{}).empty());
}

TEST_CASE("encode fills unnamed signals with their start value, else 0", "[dbc]") {
  const auto m = multiplexed_message();
  auto one = dbc::encode(m, {{"FrameNumber", 1}, {"A", 0x11}});
  REQUIRE(one);
  CHECK(*one == Bytes{0x01, 0x11, 0x12, 0x34, 0, 0, 0, 0xFF});
  auto two = dbc::encode_raw(m, {{"FrameNumber", 2}, {"B", -2}, {"Tail", 0}});
  REQUIRE(two);
  CHECK(*two == Bytes{0x02, 0xFE, 0, 0, 0, 0, 0, 0x00});

  dbc::Message short_message;
  short_message.name = "Short";
  short_message.dlc = 3;
  short_message.signals = {make_signal("X", 7, 16, motorola)};
  auto s = dbc::encode(short_message, {{"X", 0x0102}});
  REQUIRE(s);
  CHECK(*s == Bytes{0x01, 0x02, 0x00});
}

TEST_CASE("encode errors", "[dbc]") {
  const auto m = multiplexed_message();
  auto error_of = [](const util::Result<std::vector<std::uint8_t>>& r) {
    REQUIRE_FALSE(r);
    CHECK(r.error().code == util::Errc::usage);
    return r.error().message;
  };
  CHECK(error_of(dbc::encode(m, {{"FrameNumber", 1}, {"Nope", 1}})) ==
        "message 'Muxed' has no signal 'Nope'");
  CHECK(error_of(dbc::encode_raw(m, {{"FrameNumber", 1}, {"B", 1}})) ==
        "signal 'B' of message 'Muxed' belongs to FrameNumber value 2, not 1");
  CHECK(error_of(dbc::encode(m, {{"A", 1}})) ==
        "message 'Muxed' is multiplexed: its multiplexor 'FrameNumber' must be given");
  CHECK(error_of(dbc::encode_raw(m, {{"FrameNumber", 256}})) ==
        "signal 'FrameNumber': raw value 256 does not fit unsigned 8 bits");
  CHECK(error_of(dbc::encode_raw(m, {{"FrameNumber", 2}, {"B", -129}})) ==
        "signal 'B': raw value -129 does not fit signed 8 bits");
  CHECK(error_of(dbc::encode_raw(m, {{"FrameNumber", -1}})) ==
        "signal 'FrameNumber': raw value -1 does not fit unsigned 8 bits");
  CHECK(error_of(dbc::encode(m, {{"FrameNumber", 1}, {"A", 255.6}})) ==
        "signal 'A': value 255.6 is out of range for unsigned 8 bits");
  CHECK(error_of(dbc::encode(m, {{"FrameNumber", 2}, {"B", -128.6}})) ==
        "signal 'B': value -128.6 is out of range for signed 8 bits");
  CHECK(error_of(dbc::encode(m, {{"FrameNumber", NAN}})) ==
        "signal 'FrameNumber': value nan is out of range for unsigned 8 bits");
  // the edges are accepted
  CHECK(dbc::encode(m, {{"FrameNumber", 2}, {"B", -128.4}}));
  CHECK(dbc::encode(m, {{"FrameNumber", 1}, {"A", 255.4}}));
}
