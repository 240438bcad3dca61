// isotp::Engine on its own, in simulated time: every frame type byte for byte, the length
// boundaries, flow control (BS, STmin, WAIT, OVERFLOW), the N_Bs / N_Cr timers, sequence
// numbers, and the frames §12 says to ignore or to start over on (rockets-can-v1 §6, §10, §12).

#include <algorithm>
#include <chrono>
#include <numeric>
#include <optional>
#include <vector>

#include <catch2/catch.hpp>

#include "isotp/channel.hpp"
#include "isotp/engine.hpp"

using namespace std::chrono_literals;

namespace {

using Bytes = std::vector<std::uint8_t>;
using isotp::Abort;
using isotp::Engine;

constexpr std::uint32_t k_to_bms = isotp::diag_id(0x01, 0x40);   // 0x18DA0140
constexpr std::uint32_t k_to_tool = isotp::diag_id(0x40, 0x01);  // 0x18DA4001

const util::TimePoint t0{std::chrono::hours(1)};

isotp::Config tool_config() {
  isotp::Config c;
  c.tx_id = k_to_bms;
  c.rx_id = k_to_tool;
  return c;
}

isotp::Config bms_config(std::uint8_t block_size = 0, std::uint8_t st_min = 0) {
  isotp::Config c;
  c.tx_id = k_to_tool;
  c.rx_id = k_to_bms;
  c.block_size = block_size;
  c.st_min = st_min;
  return c;
}

can::Frame raw(std::uint32_t id, Bytes bytes, std::uint8_t dlc = 8) {
  can::Frame f = can::make_frame(id, bytes);
  f.dlc = dlc;
  return f;
}

Bytes payload(const can::Frame& f) { return Bytes(f.data.begin(), f.data.end()); }

Bytes pattern(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return b;
}

// Every frame an engine has due at `now`.
std::vector<can::Frame> drain(Engine& e, util::TimePoint now) {
  std::vector<can::Frame> out;
  while (auto f = e.poll(now)) out.push_back(*f);
  return out;
}

struct Sent {
  util::TimePoint at;
  can::Frame frame;
  int from;  // 0: a, 1: b
};

// Two engines on a wire that takes no time: frames cross at once; when nothing moves, time
// jumps to the earliest wake_at(). Stops when both are quiet or at `limit`.
std::vector<Sent> run(Engine& a, Engine& b, util::TimePoint& now, util::Duration limit = 600s) {
  std::vector<Sent> log;
  const util::TimePoint end = now + limit;
  while (now < end) {
    bool moved = false;
    for (int side = 0; side < 2; ++side) {
      Engine& from = side == 0 ? a : b;
      Engine& to = side == 0 ? b : a;
      while (auto f = from.poll(now)) {
        log.push_back({now, *f, side});
        to.on_frame(*f, now);
        moved = true;
      }
    }
    if (moved) continue;
    auto wa = a.wake_at();
    auto wb = b.wake_at();
    if (!wa && !wb) break;
    util::TimePoint next = std::min(wa.value_or(util::TimePoint::max()), wb.value_or(util::TimePoint::max()));
    now = std::max(now, next);
  }
  return log;
}

std::vector<can::Frame> frames_from(const std::vector<Sent>& log, int side) {
  std::vector<can::Frame> out;
  for (const Sent& s : log)
    if (s.from == side) out.push_back(s.frame);
  return out;
}

}  // namespace

TEST_CASE("STmin bytes stand for milliseconds, 100-900 us, and reserved values for 127 ms",
          "[isotp]") {
  CHECK(isotp::st_min_duration(0x00) == 0ms);
  CHECK(isotp::st_min_duration(0x01) == 1ms);
  CHECK(isotp::st_min_duration(0x7F) == 127ms);
  CHECK(isotp::st_min_duration(0xF1) == 100us);
  CHECK(isotp::st_min_duration(0xF5) == 500us);
  CHECK(isotp::st_min_duration(0xF9) == 900us);
  for (int reserved : {0x80, 0xA0, 0xF0, 0xFA, 0xFF})
    CHECK(isotp::st_min_duration(static_cast<std::uint8_t>(reserved)) == 127ms);
}

TEST_CASE("the worked frames of §10: reading DID F1A0", "[isotp]") {
  Engine tool(tool_config());
  Engine bms(bms_config());
  util::TimePoint now = t0;

  REQUIRE(tool.send(Bytes{0x22, 0xF1, 0xA0}, now));
  auto request = drain(tool, now);
  REQUIRE(request.size() == 1);
  CHECK(request[0].id == 0x18DA0140);
  CHECK(request[0].dlc == 8);
  CHECK(payload(request[0]) == Bytes{0x03, 0x22, 0xF1, 0xA0, 0xCC, 0xCC, 0xCC, 0xCC});
  bms.on_frame(request[0], now);
  CHECK(bms.take_message() == Bytes{0x22, 0xF1, 0xA0});

  const Bytes response{0x62, 0xF1, 0xA0, 0x00, 0x2A, 0x07, 0xD0, 0x10, 0x40, 0x00, 0x00, 0x00};
  REQUIRE(bms.send(response, now));
  auto ff = drain(bms, now);
  REQUIRE(ff.size() == 1);
  CHECK(ff[0].id == 0x18DA4001);
  CHECK(payload(ff[0]) == Bytes{0x10, 0x0C, 0x62, 0xF1, 0xA0, 0x00, 0x2A, 0x07});
  CHECK(bms.sending());

  tool.on_frame(ff[0], now);
  CHECK(tool.receiving());
  auto fc = drain(tool, now);
  REQUIRE(fc.size() == 1);
  CHECK(fc[0].id == 0x18DA0140);
  CHECK(payload(fc[0]) == Bytes{0x30, 0x00, 0x00, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC});

  bms.on_frame(fc[0], now);
  auto cf = drain(bms, now);
  REQUIRE(cf.size() == 1);
  CHECK(payload(cf[0]) == Bytes{0x21, 0xD0, 0x10, 0x40, 0x00, 0x00, 0x00, 0xCC});
  CHECK_FALSE(bms.sending());

  tool.on_frame(cf[0], now);
  CHECK_FALSE(tool.receiving());
  CHECK(tool.take_message() == response);
  CHECK_FALSE(tool.take_message());
  CHECK(tool.counters().messages_received == 1);
  CHECK(bms.counters().messages_sent == 1);
  CHECK(bms.counters().frames_sent == 2);
  CHECK(tool.counters().frames_sent == 2);
  CHECK_FALSE(tool.take_abort());
  CHECK_FALSE(bms.take_abort());
}

TEST_CASE("messages of 1 to 7 bytes go in one single frame, 8 and more in FF + CFs", "[isotp]") {
  const std::size_t length = GENERATE(1, 6, 7, 8, 13, 14, 62, 4095);
  INFO("length " << length);
  Engine tool(tool_config());
  Engine bms(bms_config());
  util::TimePoint now = t0;
  const Bytes message = pattern(length);
  REQUIRE(tool.send(message, now));
  auto log = run(tool, bms, now);
  CHECK(bms.take_message() == message);
  CHECK_FALSE(tool.sending());
  CHECK(tool.counters().messages_sent == 1);
  CHECK(tool.counters().aborts == 0);

  auto data = frames_from(log, 0);
  if (length <= 7) {
    REQUIRE(data.size() == 1);
    CHECK(data[0].data[0] == length);
    for (std::size_t i = 1 + length; i < 8; ++i) CHECK(data[0].data[i] == 0xCC);
    CHECK(frames_from(log, 1).empty());  // no flow control for a single frame
  } else {
    const std::size_t cfs = (length - 6 + 6) / 7;
    REQUIRE(data.size() == 1 + cfs);
    CHECK(data[0].data[0] == (0x10 | length >> 8));
    CHECK(data[0].data[1] == (length & 0xFF));
    // sequence numbers 1..15, 0, 1, ...
    for (std::size_t i = 1; i < data.size(); ++i)
      CHECK(data[i].data[0] == (0x20 | (i & 0x0F)));
    const std::size_t last = (length - 6) % 7 == 0 ? 7 : (length - 6) % 7;
    for (std::size_t i = 1 + last; i < 8; ++i) CHECK(data.back().data[i] == 0xCC);
    CHECK(frames_from(log, 1).size() == 1);  // BS 0: one flow control
  }
  for (const can::Frame& f : data) CHECK(f.dlc == 8);
}

TEST_CASE("4095 bytes: sequence numbers wrap from 0xF to 0x0", "[isotp]") {
  Engine tool(tool_config());
  Engine bms(bms_config());
  util::TimePoint now = t0;
  const Bytes message = pattern(4095);
  REQUIRE(tool.send(message, now));
  auto data = frames_from(run(tool, bms, now), 0);
  REQUIRE(data.size() == 586);  // FF (6 bytes) + 585 CFs (584 x 7 + 1)
  CHECK(payload(data[0]) == Bytes{0x1F, 0xFF, message[0], message[1], message[2], message[3],
                                  message[4], message[5]});
  CHECK(data[15].data[0] == 0x2F);
  CHECK(data[16].data[0] == 0x20);
  CHECK(data[17].data[0] == 0x21);
  CHECK(data[585].data[0] == (0x20 | (585 & 0x0F)));
  CHECK(payload(data[585]) == Bytes{0x29, message[4094], 0xCC, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC});
  CHECK(bms.take_message() == message);
}

TEST_CASE("send refuses an empty message, one of 4096 bytes, and a second one under way",
          "[isotp]") {
  Engine tool(tool_config());
  auto empty = tool.send(Bytes{}, t0);
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code == util::Errc::usage);
  auto big = tool.send(pattern(4096), t0);
  REQUIRE_FALSE(big);
  CHECK(big.error().code == util::Errc::usage);
  CHECK_FALSE(tool.sending());
  CHECK(drain(tool, t0).empty());

  REQUIRE(tool.send(pattern(20), t0));
  auto again = tool.send(pattern(3), t0);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == util::Errc::usage);
}

TEST_CASE("a first frame in the escape form over 4095 bytes is answered with FC OVERFLOW",
          "[isotp]") {
  Engine bms(bms_config(32));
  bms.on_frame(raw(k_to_bms, {0x10, 0x00, 0x00, 0x00, 0x10, 0x00, 0xAA, 0xBB}), t0);  // 4096
  auto out = drain(bms, t0);
  REQUIRE(out.size() == 1);
  CHECK(out[0].id == k_to_tool);
  CHECK(payload(out[0]) == Bytes{0x32, 0x00, 0x00, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC});
  CHECK(bms.counters().overflows_sent == 1);
  CHECK_FALSE(bms.receiving());

  SECTION("an escape form announcing 4095 or less is ignored") {
    bms.on_frame(raw(k_to_bms, {0x10, 0x00, 0x00, 0x00, 0x0F, 0xFF, 0xAA, 0xBB}), t0);
    CHECK(drain(bms, t0).empty());
    CHECK(bms.counters().ignored == 1);
  }
  SECTION("a first frame announcing fewer than 8 bytes is ignored") {
    bms.on_frame(raw(k_to_bms, {0x10, 0x07, 1, 2, 3, 4, 5, 6}), t0);
    CHECK(drain(bms, t0).empty());
    CHECK_FALSE(bms.receiving());
    CHECK(bms.counters().ignored == 1);
  }
}

TEST_CASE("the sender stops on FC OVERFLOW and on an unknown flow status", "[isotp]") {
  Engine tool(tool_config());
  REQUIRE(tool.send(pattern(100), t0));
  REQUIRE(drain(tool, t0).size() == 1);
  const std::uint8_t status = GENERATE(0x32, 0x35);
  tool.on_frame(raw(k_to_tool, {status, 0, 0, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC}), t0);
  CHECK_FALSE(tool.sending());
  CHECK(tool.take_abort() == (status == 0x32 ? Abort::overflow : Abort::invalid_fc));
  CHECK_FALSE(tool.take_abort());
  CHECK(drain(tool, t0 + 10s).empty());
  CHECK(tool.counters().aborts == 1);
}

TEST_CASE("FC WAIT: ten in a row are accepted, each restarting N_Bs, the eleventh aborts",
          "[isotp]") {
  Engine tool(tool_config());
  util::TimePoint now = t0;
  REQUIRE(tool.send(pattern(20), now));
  REQUIRE(drain(tool, now).size() == 1);
  const can::Frame wait = raw(k_to_tool, {0x31, 0, 0, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC});
  for (int i = 0; i < 10; ++i) {
    now += 900ms;  // each within N_Bs of the last: 9 s in all, far past one N_Bs
    CHECK(drain(tool, now).empty());
    tool.on_frame(wait, now);
    CHECK(tool.wake_at() == now + 1000ms);
  }
  CHECK(tool.sending());
  SECTION("then a CTS lets the message go") {
    tool.on_frame(raw(k_to_tool, {0x30, 0, 0}), now);
    CHECK(drain(tool, now).size() == 2);
    CHECK_FALSE(tool.sending());
    CHECK_FALSE(tool.take_abort());
  }
  SECTION("and the eleventh aborts") {
    tool.on_frame(wait, now + 10ms);
    CHECK_FALSE(tool.sending());
    CHECK(tool.take_abort() == Abort::too_many_waits);
  }
  SECTION("a CTS ends the row: ten more are accepted in the next block") {
    isotp::Config c = tool_config();
    Engine sender(c);
    REQUIRE(sender.send(pattern(30), now));
    drain(sender, now);
    for (int i = 0; i < 10; ++i) sender.on_frame(wait, now);
    sender.on_frame(raw(k_to_tool, {0x30, 1, 0}), now);  // BS 1
    CHECK(drain(sender, now).size() == 1);
    for (int i = 0; i < 10; ++i) sender.on_frame(wait, now);
    CHECK(sender.sending());
    CHECK_FALSE(sender.take_abort());
  }
}

TEST_CASE("N_Bs: no flow control within 1000 ms of the first frame aborts the send", "[isotp]") {
  Engine tool(tool_config());
  REQUIRE(tool.send(pattern(100), t0));
  REQUIRE(drain(tool, t0).size() == 1);
  CHECK(tool.wake_at() == t0 + 1000ms);
  CHECK(drain(tool, t0 + 999ms).empty());
  CHECK(tool.sending());
  CHECK_FALSE(tool.take_abort());
  CHECK(drain(tool, t0 + 1000ms).empty());
  CHECK_FALSE(tool.sending());
  CHECK(tool.take_abort() == Abort::timeout_bs);
  CHECK_FALSE(tool.wake_at());

  SECTION("and after a block, N_Bs runs from its last frame") {
    Engine s(tool_config());
    REQUIRE(s.send(pattern(100), t0));
    drain(s, t0);
    s.on_frame(raw(k_to_tool, {0x30, 2, 0}), t0 + 5ms);
    CHECK(drain(s, t0 + 5ms).size() == 2);
    CHECK(s.wake_at() == t0 + 5ms + 1000ms);
    CHECK(drain(s, t0 + 1004ms).empty());
    CHECK_FALSE(s.take_abort());
    drain(s, t0 + 1005ms);
    CHECK(s.take_abort() == Abort::timeout_bs);
  }
}

TEST_CASE("N_Cr: no consecutive frame within 1000 ms aborts the reception", "[isotp]") {
  Engine bms(bms_config());
  bms.on_frame(raw(k_to_bms, {0x10, 20, 1, 2, 3, 4, 5, 6}), t0);
  REQUIRE(drain(bms, t0).size() == 1);  // the FC
  bms.on_frame(raw(k_to_bms, {0x21, 7, 8, 9, 10, 11, 12, 13}), t0 + 300ms);
  CHECK(bms.wake_at() == t0 + 1300ms);
  CHECK(drain(bms, t0 + 1299ms).empty());
  CHECK(bms.receiving());
  drain(bms, t0 + 1300ms);
  CHECK_FALSE(bms.receiving());
  CHECK(bms.take_abort() == Abort::timeout_cr);
  // the rest, late, is stray
  bms.on_frame(raw(k_to_bms, {0x22, 14, 15, 16, 17, 18, 19, 20}), t0 + 1400ms);
  CHECK_FALSE(bms.take_message());
  CHECK(bms.counters().ignored == 1);
}

TEST_CASE("a sequence-number gap aborts the reception", "[isotp]") {
  Engine bms(bms_config());
  bms.on_frame(raw(k_to_bms, {0x10, 20, 1, 2, 3, 4, 5, 6}), t0);
  drain(bms, t0);
  bms.on_frame(raw(k_to_bms, {0x21, 7, 8, 9, 10, 11, 12, 13}), t0);
  bms.on_frame(raw(k_to_bms, {0x23, 14, 15, 16, 17, 18, 19, 20}), t0);  // 2 missing
  CHECK_FALSE(bms.receiving());
  CHECK(bms.take_abort() == Abort::wrong_sequence);
  CHECK_FALSE(bms.take_message());
  CHECK_FALSE(bms.wake_at());
}

TEST_CASE("STmin holds between consecutive frames, across flow controls", "[isotp]") {
  const std::uint8_t st = GENERATE(0x00, 0x01, 0x14, 0x7F, 0xF1, 0xF5, 0xF9, 0x80, 0xF0, 0xFA, 0xFF);
  const std::uint8_t bs = GENERATE(0, 1, 3);
  INFO("STmin 0x" << std::hex << int{st} << " BS " << std::dec << int{bs});
  Engine tool(tool_config());
  Engine bms(bms_config(bs, st));
  util::TimePoint now = t0;
  const Bytes message = pattern(62);  // FF + 8 CFs
  REQUIRE(tool.send(message, now));
  auto log = run(tool, bms, now);
  CHECK(bms.take_message() == message);
  std::vector<util::TimePoint> cf_times;
  int flow_controls = 0;
  for (const Sent& s : log) {
    if (s.from == 0 && (s.frame.data[0] >> 4) == 2) cf_times.push_back(s.at);
    if (s.from == 1) ++flow_controls;
  }
  REQUIRE(cf_times.size() == 8);
  // STmin counts from the end of the previous frame: from when it was handed out plus the
  // longest frame's time on the wire
  const util::Duration gap = st == 0 ? 0us : isotp::st_min_duration(st) + 640us;
  CHECK(tool.config().frame_time == 640us);
  for (std::size_t i = 1; i < cf_times.size(); ++i) CHECK(cf_times[i] - cf_times[i - 1] == gap);
  CHECK(flow_controls == (bs == 0 ? 1 : 1 + (8 - 1) / bs));
}

TEST_CASE("the sender waits for STmin, and wake_at says until when", "[isotp]") {
  isotp::Config config = tool_config();
  config.frame_time = 0us;  // STmin alone
  Engine tool(config);
  REQUIRE(tool.send(pattern(30), t0));  // FF + 4 CFs
  drain(tool, t0);
  tool.on_frame(raw(k_to_tool, {0x30, 2, 20}), t0 + 1ms);  // BS 2, STmin 20 ms
  auto first = drain(tool, t0 + 1ms);
  REQUIRE(first.size() == 1);  // the first CF goes at once
  CHECK(tool.wake_at() == t0 + 21ms);
  CHECK(drain(tool, t0 + 20ms).empty());
  CHECK(drain(tool, t0 + 21ms).size() == 1);
  CHECK(tool.wake_at() == t0 + 21ms + 1000ms);  // N_Bs: the block is done
  // The next CTS comes quickly and says STmin 10 ms: the gap still counts from the last CF.
  tool.on_frame(raw(k_to_tool, {0x30, 2, 10}), t0 + 22ms);
  CHECK(tool.wake_at() == t0 + 31ms);
  CHECK(drain(tool, t0 + 30ms).empty());
  CHECK(drain(tool, t0 + 31ms).size() == 1);
  CHECK(drain(tool, t0 + 41ms).size() == 1);
  CHECK_FALSE(tool.sending());
  CHECK_FALSE(tool.wake_at());
}

TEST_CASE("the receiver sends flow control after every block of BS frames", "[isotp]") {
  Engine tool(tool_config());
  Engine bms(bms_config(32));  // the reference battery's 30 20 00
  util::TimePoint now = t0;
  REQUIRE(tool.send(pattern(4095), now));
  auto log = run(tool, bms, now);
  CHECK(bms.take_message() == pattern(4095));
  // After the FF and after CF 32, 64 .. 576; not after the last (585th).
  std::vector<int> cf_before_fc;
  int cfs = 0;
  for (const Sent& s : log) {
    if (s.from == 0 && (s.frame.data[0] >> 4) == 2) ++cfs;
    if (s.from == 1) {
      CHECK(payload(s.frame) == Bytes{0x30, 0x20, 0x00, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC});
      cf_before_fc.push_back(cfs);
    }
  }
  REQUIRE(cf_before_fc.size() == 19);
  for (std::size_t i = 0; i < cf_before_fc.size(); ++i)
    CHECK(cf_before_fc[i] == static_cast<int>(32 * i));
}

TEST_CASE("a single or first frame mid-message abandons it and starts the new message",
          "[isotp]") {
  Engine bms(bms_config());
  bms.on_frame(raw(k_to_bms, {0x10, 20, 1, 2, 3, 4, 5, 6}), t0);
  drain(bms, t0);
  bms.on_frame(raw(k_to_bms, {0x21, 7, 8, 9, 10, 11, 12, 13}), t0);

  SECTION("a single frame") {
    bms.on_frame(raw(k_to_bms, {0x02, 0xAA, 0xBB}), t0);
    CHECK(bms.take_abort() == Abort::superseded);
    CHECK(bms.take_message() == Bytes{0xAA, 0xBB});
    CHECK_FALSE(bms.receiving());
    bms.on_frame(raw(k_to_bms, {0x22, 14, 15, 16, 17, 18, 19, 20}), t0);  // now stray
    CHECK_FALSE(bms.take_message());
    CHECK(bms.counters().ignored == 1);
  }
  SECTION("a first frame") {
    bms.on_frame(raw(k_to_bms, {0x10, 9, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6}), t0);
    CHECK(bms.take_abort() == Abort::superseded);
    CHECK(drain(bms, t0).size() == 1);  // a fresh FC
    CHECK(bms.receiving());
    bms.on_frame(raw(k_to_bms, {0x21, 0xA7, 0xA8, 0xA9}), t0);
    CHECK(bms.take_message() == Bytes{0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9});
  }
  CHECK(bms.counters().aborts == 1);
}

TEST_CASE("stray, short, foreign and non-ISO-TP frames are ignored and any padding is accepted",
          "[isotp]") {
  Engine tool(tool_config());
  tool.on_frame(raw(k_to_tool, {0x30, 0, 0}), t0);                  // FC, nothing sent
  tool.on_frame(raw(k_to_tool, {0x21, 1, 2, 3, 4, 5, 6, 7}), t0);   // CF, nothing received
  tool.on_frame(raw(k_to_tool, {0x02, 0xAA, 0xBB}, 7), t0);         // DLC 7
  tool.on_frame(raw(k_to_bms, {0x02, 0xAA, 0xBB}), t0);             // not our rx_id
  tool.on_frame(raw(k_to_tool, {0x00, 0xAA}), t0);                  // SF length 0
  tool.on_frame(raw(k_to_tool, {0x08, 1, 2, 3, 4, 5, 6, 7}), t0);   // SF length 8
  tool.on_frame(raw(k_to_tool, {0x40, 1, 2}), t0);                  // PCI 4
  can::Frame standard = raw(k_to_tool & 0x7FF, {0x01, 0x55});
  standard.extended = false;
  tool.on_frame(standard, t0);
  can::Frame remote = raw(k_to_tool, {});
  remote.remote = true;
  tool.on_frame(remote, t0);
  CHECK(tool.counters().ignored == 9);
  CHECK(tool.counters().frames_received == 5);
  CHECK_FALSE(tool.take_message());
  CHECK_FALSE(tool.take_abort());
  CHECK(drain(tool, t0).empty());

  // DLC 15 counts as 8; padding 0x00 or 0x55 is as good as 0xCC
  tool.on_frame(raw(k_to_tool, {0x02, 0xAA, 0xBB, 0x00, 0x00, 0x00, 0x00, 0x00}, 15), t0);
  CHECK(tool.take_message() == Bytes{0xAA, 0xBB});
  tool.on_frame(raw(k_to_tool, {0x10, 8, 1, 2, 3, 4, 5, 6}), t0);
  drain(tool, t0);
  tool.on_frame(raw(k_to_tool, {0x21, 7, 8, 0x55, 0x55, 0x55, 0x55, 0x55}), t0);
  CHECK(tool.take_message() == Bytes{1, 2, 3, 4, 5, 6, 7, 8});
}

TEST_CASE("sending and receiving go on at the same time", "[isotp]") {
  Engine a(tool_config());
  Engine b(bms_config(2, 1));
  util::TimePoint now = t0;
  REQUIRE(a.send(pattern(100), now));
  REQUIRE(b.send(pattern(200), now));
  run(a, b, now);
  CHECK(b.take_message() == pattern(100));
  CHECK(a.take_message() == pattern(200));
  CHECK(a.counters().aborts + b.counters().aborts == 0);
}

TEST_CASE("reset forgets every transfer in progress", "[isotp]") {
  Engine bms(bms_config());
  REQUIRE(bms.send(pattern(50), t0));
  bms.on_frame(raw(k_to_bms, {0x10, 20, 1, 2, 3, 4, 5, 6}), t0);
  bms.reset();
  CHECK_FALSE(bms.sending());
  CHECK_FALSE(bms.receiving());
  CHECK(drain(bms, t0).empty());
  CHECK_FALSE(bms.wake_at());
  CHECK(bms.counters().frames_received == 1);
}
