// The candump log format (can/candump.hpp): lines as candump -L writes them, parsed back, and
// malformed lines refused with what is wrong.

#include <catch2/catch.hpp>

#include "can/candump.hpp"
#include "util/hex.hpp"

namespace {

can::CandumpRecord parsed(std::string_view line) {
  auto r = can::parse_candump_line(line);
  INFO(line);
  REQUIRE(r);
  return *r;
}

std::string error_of(std::string_view line) {
  auto r = can::parse_candump_line(line);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == util::Errc::malformed);
  return r.error().message;
}

}  // namespace

TEST_CASE("candump: an extended data frame is written as candump -L writes it", "[can][candump]") {
  auto f = can::make_frame(0x18104001, *util::from_hex("00 00 8E 47 FF FF FF F8"));
  can::CandumpRecord r{1700000000123456, "can0", f, false};
  CHECK(can::format_candump(r) == "(1700000000.123456) can0 18104001#00008E47FFFFFFF8");
  // Small timestamps keep candump's 10-digit seconds and 6-digit fraction.
  r.time_us = 1000001;
  CHECK(can::format_candump(r) == "(0000000001.000001) can0 18104001#00008E47FFFFFFF8");
}

TEST_CASE("candump: standard ids, short data, remote frames and DLC above 8", "[can][candump]") {
  can::Frame f;
  f.extended = false;
  f.id = 0x123;
  f.dlc = 3;
  f.data = {0x11, 0x22, 0x33};
  CHECK(can::format_candump({5, "vcan0", f, false}) == "(0000000000.000005) vcan0 123#112233");
  f.dlc = 0;
  CHECK(can::format_candump({5, "vcan0", f, false}) == "(0000000000.000005) vcan0 123#");
  f.remote = true;
  CHECK(can::format_candump({5, "vcan0", f, false}) == "(0000000000.000005) vcan0 123#R");
  f.dlc = 4;
  CHECK(can::format_candump({5, "vcan0", f, false}) == "(0000000000.000005) vcan0 123#R4");
  can::Frame g = can::make_frame(0x1ABCDEF0, *util::from_hex("0102030405060708"));
  g.dlc = 12;  // written as its 8 bytes
  CHECK(can::format_candump({0, "x", g, false}) == "(0000000000.000000) x 1ABCDEF0#0102030405060708");
}

TEST_CASE("candump: every written frame parses back equal", "[can][candump]") {
  std::vector<can::Frame> frames;
  frames.push_back(can::make_frame(0x18DA4001, *util::from_hex("10 0C 62 F1 A0 00 2A 07")));
  can::Frame s;
  s.extended = false;
  s.id = 0x7FF;
  s.dlc = 2;
  s.data = {0xAB, 0xCD};
  frames.push_back(s);
  can::Frame rtr;
  rtr.id = 0x00000001;
  rtr.remote = true;
  rtr.dlc = 8;
  frames.push_back(rtr);
  can::Frame empty;
  empty.id = 0x1FFFFFFF;
  empty.dlc = 0;
  frames.push_back(empty);
  for (const auto& f : frames) {
    can::CandumpRecord in{1764000000999999, "sim", f, false};
    std::string line = can::format_candump(in);
    auto out = parsed(line);
    CHECK(out.frame == f);
    CHECK(out.time_us == 1764000000999999);
    CHECK(out.iface == "sim");
    CHECK_FALSE(out.error);
  }
}

TEST_CASE("candump: lines other tools write are read", "[can][candump]") {
  auto r = parsed("(1436509052.249713) vcan0 12345678#DEADBEEF");
  CHECK(r.time_us == 1436509052249713);
  CHECK(r.frame.extended);
  CHECK(r.frame.id == 0x12345678);
  CHECK(r.frame.dlc == 4);
  CHECK(r.frame.data[3] == 0xEF);
  // Dots between bytes, lower case, a CR, a direction flag, more fraction digits (truncated).
  r = parsed("(12.123456789) can1 1aB#de.ad.be.ef T\r");
  CHECK(r.time_us == 12123456);
  CHECK_FALSE(r.frame.extended);
  CHECK(r.frame.id == 0x1AB);
  CHECK(r.frame.size() == 4);
  CHECK(r.frame.data[0] == 0xDE);
  // Fewer fraction digits scale up; the len8_dlc suffix.
  r = parsed("(3.5) c 00000001#0102030405060708_C");
  CHECK(r.time_us == 3500000);
  CHECK(r.frame.dlc == 12);
  CHECK(r.frame.size() == 8);
  r = parsed("(3.5) c 123#r7");
  CHECK(r.frame.remote);
  CHECK(r.frame.dlc == 7);
  CHECK(r.frame.size() == 0);
}

TEST_CASE("candump: error frames carry CAN_ERR_FLAG and read back as the same bus fault",
          "[can][candump]") {
  using K = can::BusError::Kind;
  for (can::BusError e : {can::BusError{K::no_ack}, can::BusError{K::bus_off, 255, 3},
                          can::BusError{K::error_passive, 130, 0},
                          can::BusError{K::error_warning, 10, 100}, can::BusError{K::rx_overflow},
                          can::BusError{K::protocol}, can::BusError{K::tx_timeout},
                          can::BusError{K::restarted}, can::BusError{K::other}}) {
    auto rec = can::error_record(2000000, "can0", e);
    std::string line = can::format_candump(rec);
    INFO(line);
    CHECK(line.substr(0, 25) == "(0000000002.000000) can0 ");
    CHECK(line[25] == '2');  // 0x20000000 | class bits, 8 digits
    auto back = parsed(line);
    CHECK(back.error);
    CHECK(back.frame.size() == 8);
    CHECK(can::bus_error_of(back) == e);
  }
  // Exactly the bytes the kernel gives: bus-off with counters, error-passive on tx.
  CHECK(can::format_candump(can::error_record(0, "c", {K::bus_off, 255, 3})) ==
        "(0000000000.000000) c 20000240#000000000000FF03");
  CHECK(can::format_candump(can::error_record(0, "c", {K::error_passive, 130, 0})) ==
        "(0000000000.000000) c 20000204#00200000000082" "00");
  CHECK(can::format_candump(can::error_record(0, "c", {K::no_ack})) ==
        "(0000000000.000000) c 20000020#0000000000000000");
  // A kernel error frame candump captured: protocol violation in the ACK slot is "no ack".
  auto kernel = parsed("(1.000000) can0 20000088#0000001900000000");
  CHECK(can::bus_error_of(kernel).kind == K::no_ack);
}

TEST_CASE("candump: malformed lines say what is wrong", "[can][candump]") {
  CHECK(error_of("") == "expected '(seconds.microseconds)' at the start");
  CHECK(error_of("1.0 can0 123#") == "expected '(seconds.microseconds)' at the start");
  CHECK(error_of("(x.0) can0 123#") == "timestamp: seconds expected after '('");
  CHECK(error_of("(1) can0 123#") == "timestamp: '.' expected between seconds and microseconds");
  CHECK(error_of("(1.) can0 123#") == "timestamp: digits expected after '.'");
  CHECK(error_of("(1.5 can0 123#") == "timestamp: ')' expected after the fraction");
  CHECK(error_of("(1.5)can0 123#") == "a space expected after the timestamp");
  CHECK(error_of("(1.5) can0") == "frame missing after the interface name");
  CHECK(error_of("(1.5) can0 123") == "'#' expected between id and data");
  CHECK(error_of("(1.5) can0 12G#00") == "id: hex digits expected before '#'");
  CHECK(error_of("(1.5) can0 1234#00") == "id: 3 hex digits (standard) or 8 (extended) expected");
  CHECK(error_of("(1.5) can0 123456789#00") ==
        "id: 3 hex digits (standard) or 8 (extended) expected");
  CHECK(error_of("(1.5) can0 8FFFFFFF#00") == "id: an extended id is at most 1FFFFFFF");
  CHECK(error_of("(1.5) can0 123#001") == "data: odd number of hex digits");
  CHECK(error_of("(1.5) can0 123#0X") == "data: hex digits expected after '#'");
  CHECK(error_of("(1.5) can0 123#000102030405060708") == "data: more than 8 bytes");
  CHECK(error_of("(1.5) can0 123#0011_9") == "data: '_<dlc 9-F>' only follows 8 data bytes");
  CHECK(error_of("(1.5) can0 123#R9") == "remote frame: 'R' or 'R<length 0-8>' expected");
  CHECK(error_of("(1.5) can0 123##1112233") ==
        "CAN FD frame (##): not supported (classical CAN only)");
  CHECK(error_of("(1.5) can0 123#00 extra") == "unexpected text after the frame");
}

// Found by tests/fuzz/fuzz_candump (regressions/fuzz_candump/standard_id_800): 3 hex digits
// reach 0xFFF; an id past 0x7FF was taken, then written back masked to another frame's id.
TEST_CASE("candump: a standard id above 7FF is refused", "[can][candump]") {
  CHECK(error_of("(0.0) c 801#") == "id: a standard id is at most 7FF");
  CHECK(error_of("(1.5) can0 FFF#00") == "id: a standard id is at most 7FF");
  CHECK(parsed("(1.5) can0 7FF#00").frame.id == 0x7FF);
}
