// The simulated battery's diagnostic channel end to end: a tool-side isotp::Channel and the
// battery on one hub in simulated time, against rockets-can-v1 §6-§8, §10, §11 and §12.

#include <catch2/catch.hpp>

#include <algorithm>

#include "bms/event_log.hpp"
#include "can/hub.hpp"
#include "fw/image.hpp"
#include "isotp/channel.hpp"
#include "sim/battery.hpp"
#include "sim/diag_log.hpp"
#include "uds/client.hpp"
#include "uds/nrc.hpp"
#include "util/hex.hpp"

using namespace std::chrono_literals;

namespace {

std::string hex(std::span<const std::uint8_t> bytes) {
  return util::to_hex(bytes, ' ');
}

std::vector<std::uint8_t> bytes_of(std::string_view text) {
  auto b = util::from_hex(text);
  REQUIRE(b);
  return *b;
}

std::vector<std::uint8_t> u32s(std::vector<std::uint8_t> head, std::initializer_list<std::uint32_t> values) {
  for (std::uint32_t v : values)
    for (int shift : {24, 16, 8, 0}) head.push_back(static_cast<std::uint8_t>(v >> shift));
  return head;
}

std::vector<std::uint8_t> with(std::vector<std::uint8_t> head, std::span<const std::uint8_t> data) {
  head.insert(head.end(), data.begin(), data.end());
  return head;
}

// A battery on a hub, a poll port and ISO-TP channels for tools 0x40 and 0x41.
struct Rig {
  explicit Rig(sim::BatteryConfig config = {}) : battery(std::move(config), bms::FrameMap::builtin()) {
    hub.attach(battery, "bms");
    poll = hub.open_port("poll", {can::Filter{0x18004001U, 0x1F00FFFFU}});
    for (std::uint8_t tool : {0x40, 0x41}) {
      const std::uint32_t rx = isotp::diag_id(tool, 0x01);
      ports.push_back(hub.open_port("tool" + std::to_string(tool), {can::Filter{rx, 0x1FFFFFFFU}}));
      isotp::Config c;
      c.tx_id = isotp::diag_id(0x01, tool);
      c.rx_id = rx;
      channels.push_back(std::make_unique<isotp::Channel>(*ports.back(), c));
    }
  }
  util::TimePoint now() { return hub.clock().now(); }
  isotp::Channel& channel(std::uint8_t tool) { return *channels.at(tool == 0x40 ? 0 : 1); }
  sim::Diagnostics& diag() { return battery.diagnostics(); }

  void send(std::span<const std::uint8_t> request, std::uint8_t tool = 0x40) {
    REQUIRE(channel(tool).send(request, now() + 2s));
  }
  // The next message from the BMS to `tool` within `wait`, as hex; "" when none comes.
  std::string next(std::uint8_t tool = 0x40, util::Duration wait = 100ms) {
    auto m = channel(tool).receive(now() + wait);
    REQUIRE(m);
    return *m ? hex(**m) : "";
  }
  std::string ask(std::span<const std::uint8_t> request, std::uint8_t tool = 0x40) {
    send(request, tool);
    return next(tool);
  }
  std::string ask(std::string_view request, std::uint8_t tool = 0x40) { return ask(bytes_of(request), tool); }

  // A poll request from tool 0x40; the answer frame's "id#data", "" when none within 100 ms.
  std::string poll_request(std::uint8_t cmd, std::vector<std::uint8_t> data = {}) {
    data.resize(8, 0x00);
    const auto id = 0x18000140U | std::uint32_t{cmd} << 16;
    REQUIRE(poll->send(can::make_frame(id, data), now() + 1s));
    // Everything within 100 ms (IDENTITY's frames 2-3 too); the first answer counts.
    const auto deadline = now() + 100ms;
    std::string first;
    while (true) {
      auto e = poll->receive(deadline);
      REQUIRE(e);
      if (!*e) return first;
      const auto* f = std::get_if<can::Frame>(&**e);
      if (f && (f->id & 0x1FFF0000U) != 0x18DA0000U && first.empty()) first = can::to_string(*f);
    }
  }
  std::string connect() { return poll_request(0x01, {0x01}); }
  // CONNECT every 150 ms until the answer's mode byte is `mode`; the time from `since`.
  util::Duration connect_until(std::uint8_t mode, util::TimePoint since, util::Duration limit = 5s) {
    while (now() - since < limit) {
      auto a = connect();
      if (a.size() == 25 && a.substr(23) == (mode ? "01" : "00")) return now() - since;
      hub.run_until(now() + 150ms);
    }
    FAIL("no CONNECT answer in mode " << int(mode));
    return {};
  }

  void unlock(std::uint8_t tool = 0x40) {
    auto seed = bytes_of(ask("27 01", tool));
    REQUIRE(seed.size() == 6);
    const std::uint32_t s = std::uint32_t{seed[2]} << 24 | std::uint32_t{seed[3]} << 16 |
                            std::uint32_t{seed[4]} << 8 | seed[5];
    REQUIRE(ask(u32s({0x27, 0x02}, {uds::security_key(s)}), tool) == "67 02");
  }
  // §8 step 5: 0x78 at least once, then the final answer; returns the number of 0x78.
  int erase() {
    send(u32s({0x31, 0x01, 0xFF, 0x00}, {0x08004000, 0x1C000}));
    int pending = 0;
    while (true) {
      auto m = next(0x40, 5000ms);
      if (m == "7F 31 78") {
        ++pending;
        continue;
      }
      CHECK(m == "71 01 FF 00");
      return pending;
    }
  }
  // §8 steps 6-8 with blocks of `block` bytes of data.
  void download(const std::vector<std::uint8_t>& image, std::size_t block = 4093) {
    REQUIRE(ask(u32s({0x34, 0x00, 0x44}, {0x08004000, static_cast<std::uint32_t>(image.size())})) == "74 20 0F FF");
    std::uint8_t counter = 1;
    for (std::size_t at = 0; at < image.size(); at += block, ++counter) {
      const std::size_t n = std::min(block, image.size() - at);
      REQUIRE(ask(with({0x36, counter}, std::span(image).subspan(at, n))) == hex(std::vector<std::uint8_t>{0x76, counter}));
    }
    REQUIRE(ask("37") == "77");
  }
  std::string verify(std::uint32_t crc) { return ask(u32s({0x31, 0x01, 0xFF, 0x01}, {crc})); }

  can::Hub hub;
  sim::Battery battery;
  std::unique_ptr<can::Bus> poll;
  std::vector<std::unique_ptr<can::Bus>> ports;
  std::vector<std::unique_ptr<isotp::Channel>> channels;
};

std::vector<std::string> diag_frames(const can::Hub& hub, util::TimePoint since = {}) {
  std::vector<std::string> out;
  for (const auto& r : hub.traffic())
    if (r.at >= since && (r.frame.id & 0x1FFF0000U) == 0x18DA0000U) out.push_back(can::to_string(r.frame));
  return out;
}

std::vector<std::uint8_t> codes(const std::vector<bms::EventRecord>& log, std::size_t from) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = from; i < log.size(); ++i) out.push_back(log[i].code);
  return out;
}

}  // namespace

TEST_CASE("Diagnostic channel: the worked F1A0 frames of section 10", "[sim][diag][uds]") {
  Rig rig;
  CHECK(rig.ask("22 F1 A0") == "62 F1 A0 00 2A 07 D0 10 40 00 00 00");
  CHECK(diag_frames(rig.hub) == std::vector<std::string>{
                                    "18DA0140#0322F1A0CCCCCCCC",
                                    "18DA4001#100C62F1A0002A07",
                                    "18DA0140#300000CCCCCCCCCC",
                                    "18DA4001#21D01040000000CC",
                                });
}

TEST_CASE("Diagnostic channel: every DID of section 6.2 with the reference battery's values", "[sim][diag][uds]") {
  Rig rig;
  CHECK(rig.ask("22 F1 8C") == "62 F1 8C 52 4B 53 33 36 31 31 41 32 30 31 30 30 30 31 32 33");
  CHECK(rig.ask("22 F1 89") == "62 F1 89 01 04 02");
  CHECK(rig.ask("22 F1 80") == "62 F1 80 01 00 00");
  CHECK(rig.ask("22 F1 93") == "62 F1 93 03");
  CHECK(rig.ask("22 F1 A1") == "62 F1 A1 08 00 40 00 00 01 C0 00");
  CHECK(rig.ask("22 F1 A0 F1 A1") == "7F 22 13");
  // P2: the answer comes within 50 ms of the request's last frame.
  const auto sent = rig.now();
  rig.send(bytes_of("22 F1 93"));
  CHECK(rig.next(0x40, 50ms) == "62 F1 93 03");
  CHECK(rig.now() - sent <= 50ms);
}

TEST_CASE("Diagnostic channel: the BMS's flow control is 30 20 00 (BS 32, STmin 0)", "[sim][diag][uds]") {
  Rig rig;
  const auto t = rig.now();
  CHECK(rig.ask("22 F1 8C 00 00 00 00 00") == "7F 22 13");  // 8 bytes: a first frame
  auto frames = diag_frames(rig.hub, t);
  REQUIRE(frames.size() >= 3);
  CHECK(frames[0] == "18DA0140#100822F18C000000");
  CHECK(frames[1] == "18DA4001#302000CCCCCCCCCC");
}

TEST_CASE("Diagnostic channel: security access, the worked seed and the lockout in time", "[sim][diag][uds]") {
  Rig rig;
  rig.diag().set_next_seed(0x11223344);
  CHECK(rig.ask("27 01") == "67 01 11 22 33 44");
  CHECK(rig.ask("27 02 5E 8F DE 83") == "67 02");
  CHECK(rig.ask("10 01") == "50 01 00 32 01 F4");  // locked again
  for (const char* expected : {"7F 27 35", "7F 27 35", "7F 27 36"}) {
    REQUIRE(rig.ask("27 01").substr(0, 5) == "67 01");
    CHECK(rig.ask("27 02 00 00 00 00") == expected);
  }
  const auto locked_at = rig.now();
  CHECK(rig.ask("27 01") == "7F 27 37");
  rig.hub.run_until(locked_at + 9900ms);
  CHECK(rig.ask("27 01") == "7F 27 37");
  CHECK(rig.ask("27 02 00 00 00 00") == "7F 27 37");
  rig.hub.run_until(locked_at + 10s);
  rig.unlock();
}

TEST_CASE("Diagnostic channel: one tester at a time", "[sim][diag][uds]") {
  Rig rig;
  CHECK(rig.ask("22 F1 93", 0x41) == "62 F1 93 03");
  rig.unlock(0x40);
  CHECK(rig.ask("22 F1 93", 0x41) == "7F 22 22");
  CHECK(rig.ask("27 01", 0x41) == "7F 27 22");
  CHECK(rig.ask("22 F1 93", 0x40) == "62 F1 93 03");
}

TEST_CASE("Diagnostic channel: the suppress bit, and negative answers always sent", "[sim][diag][uds]") {
  Rig rig;
  CHECK(rig.ask("3E 80") == "");
  CHECK(rig.ask("3E 00") == "7E 00");
  CHECK(rig.ask("10 81") == "");
  CHECK(rig.ask("3E 83") == "7F 3E 12");
  CHECK(rig.ask("31 81 FF 00 08 00 40 00 00 01 C0 00") == "7F 31 33");
}

TEST_CASE("Diagnostic channel: 10 02 needs an idle pack with charge left", "[sim][diag][uds]") {
  sim::BatteryConfig config;
  config.current_ma = 501;
  Rig rig(config);
  CHECK(rig.ask("10 02") == "7F 10 22");
  rig.battery.config().current_ma = 0;
  rig.battery.config().rsoc_pct = 19;
  CHECK(rig.ask("10 02") == "7F 10 22");
  CHECK(rig.diag().mode() == bms::Mode::application);
}

TEST_CASE("Diagnostic channel: 10 02 restarts into the bootloader, silent meanwhile", "[sim][diag][uds]") {
  Rig rig;
  CHECK(rig.connect() == "18014001#010A020301040200");
  const auto before = rig.diag().log().size();
  rig.send(bytes_of("10 02"));
  CHECK(rig.next() == "50 02 00 32 01 F4");
  const auto answered = rig.now();
  CHECK(rig.diag().restarting());
  CHECK(rig.connect() == "");  // restarting: nothing answers
  CHECK(rig.ask("22 F1 93") == "");
  const auto took = rig.connect_until(0x01, answered);
  CHECK(took <= 1000ms);
  // The old application's version until the erase; same cells, sensors and revision.
  CHECK(rig.connect() == "18014001#010A020301040201");
  CHECK(rig.diag().log().size() == before);  // the bootloader logs nothing
  // The poll protocol serves CONNECT and IDENTITY only.
  CHECK(rig.poll_request(0x10) == "187F4001#1001000000000000");
  CHECK(rig.poll_request(0x02) == "18024001#01524B5333363131");
  CHECK(rig.poll_request(0x99) == "187F4001#9901000000000000");
  // A programming session: security without another 10 02.
  CHECK(rig.diag().programming_session());
  rig.unlock();
}

TEST_CASE("Diagnostic channel: a programming session ends after 5 s without a request", "[sim][diag][uds]") {
  Rig rig;
  REQUIRE(rig.ask("10 02") == "50 02 00 32 01 F4");
  rig.connect_until(0x01, rig.now());
  // TesterPresent keeps it; poll traffic does not.
  util::TimePoint last;
  for (int i = 0; i < 3; ++i) {
    rig.hub.run_until(rig.now() + 4s);
    last = rig.now();
    REQUIRE(rig.ask("3E 80") == "");
  }
  rig.hub.run_until(last + 4900ms);
  CHECK(rig.connect() == "18014001#010A020301040201");
  const auto took = rig.connect_until(0x00, last, 10s);
  CHECK(took >= 5s);
  CHECK(took <= 5s + 1000ms);
  CHECK(rig.diag().log().back().code == 0x10);  // the application restarted
}

TEST_CASE("Diagnostic channel: ECUReset in the application restarts it and ends poll sessions", "[sim][diag][uds]") {
  Rig rig;
  REQUIRE(rig.connect() != "");
  CHECK(rig.poll_request(0x10) == "18104001#00008E47FFFFFFF8");
  const auto before = rig.diag().log().size();
  CHECK(rig.ask("11 01") == "51 01");
  rig.connect_until(0x00, rig.now());
  CHECK(rig.diag().log().size() == before + 1);
  CHECK(rig.diag().log().back().code == 0x10);
  CHECK(rig.diag().log().back().time_s >= 0x271DDCE8);
  CHECK(rig.diag().log().back().time_s <= bms::to_seconds(rig.battery.clock_now()));
  CHECK(rig.diag().stats().restarts == 1);
}

TEST_CASE("Diagnostic channel: a whole update by hand, step by step (section 8)", "[sim][diag][uds][flash]") {
  sim::BatteryConfig config;
  config.diag.max_block = 2050;  // so that an oversize block still fits ISO-TP
  Rig rig(config);
  const auto image = sim::synthetic_image(3, {1, 5, 0}, 9000);
  const auto log_before = rig.diag().log().size();
  // 1-2: CONNECT, 10 02, CONNECT until the bootloader answers.
  REQUIRE(rig.connect() == "18014001#010A020301040200");
  REQUIRE(rig.ask("10 02") == "50 02 00 32 01 F4");
  rig.connect_until(0x01, rig.now());
  // 3-4: security, area, revision.
  rig.unlock();
  CHECK(rig.ask("22 F1 A1") == "62 F1 A1 08 00 40 00 00 01 C0 00");
  CHECK(rig.ask("22 F1 93") == "62 F1 93 03");
  // 5: erase: 0x78 within P2, again after pending_every, then the answer after erase_time.
  const auto t_erase = rig.now();
  CHECK(rig.erase() == 2);
  CHECK(rig.now() - t_erase >= 1200ms);
  CHECK(rig.connect() == "18014001#010A0203FFFFFF01");
  CHECK(rig.ask("22 F1 89") == "62 F1 89 FF FF FF");
  CHECK(std::all_of(rig.diag().flash().begin(), rig.diag().flash().end(), [](auto b) { return b == 0xFF; }));
  // 6-8: download; a repeated counter is acknowledged without writing twice.
  CHECK(rig.ask(u32s({0x34, 0x00, 0x44}, {0x08004000, 9000})) == "74 20 08 02");
  const auto block1 = with({0x36, 0x01}, std::span(image).first(2048));
  CHECK(rig.ask(block1) == "76 01");
  CHECK(rig.ask(block1) == "76 01");
  CHECK(rig.diag().stats().blocks_written == 1);
  CHECK(rig.diag().stats().repeats == 1);
  CHECK(rig.ask(with({0x36, 0x03}, std::span(image).subspan(2048, 10))) == "7F 36 73");
  CHECK(rig.ask(with({0x36, 0x02}, std::span(image).subspan(2048, 2049))) == "7F 36 13");
  CHECK(rig.ask("37") == "7F 37 24");
  std::uint8_t counter = 2;
  for (std::size_t at = 2048; at < image.size(); at += 2048, ++counter) {
    const auto n = std::min<std::size_t>(2048, image.size() - at);
    CHECK(rig.ask(with({0x36, counter}, std::span(image).subspan(at, n))) ==
          hex(std::vector<std::uint8_t>{0x76, counter}));
  }
  CHECK(rig.diag().stats().blocks_written == 5);
  CHECK(rig.ask("37") == "77");
  CHECK(std::equal(image.begin(), image.end(), rig.diag().flash().begin()));
  // 9: verify.
  CHECK(rig.verify(fw::crc32(image)) == "71 01 FF 01 00");
  CHECK(rig.diag().application_valid());
  // 10: ECUReset: the new application within 2000 ms, logging 0x10 then 0x16.
  REQUIRE(rig.ask("11 01") == "51 01");
  CHECK(rig.connect_until(0x00, rig.now()) <= 2000ms);
  CHECK(rig.connect() == "18014001#010A020301050000");
  CHECK(rig.battery.config().firmware == bms::FirmwareVersion{1, 5, 0});
  CHECK(rig.diag().application_crc() == fw::crc32(image));
  CHECK(codes(rig.diag().log(), log_before) == std::vector<std::uint8_t>{0x10, 0x16});
  // The next restart is a plain one.
  REQUIRE(rig.ask("11 01") == "51 01");
  rig.connect_until(0x00, rig.now());
  CHECK(codes(rig.diag().log(), log_before) == std::vector<std::uint8_t>{0x10, 0x16, 0x10});
}

TEST_CASE("Diagnostic channel: a CRC mismatch leaves the pack in its bootloader", "[sim][diag][uds][flash]") {
  Rig rig;
  const auto image = sim::synthetic_image(3, {1, 5, 0}, 5000);
  REQUIRE(rig.ask("10 02") == "50 02 00 32 01 F4");
  rig.connect_until(0x01, rig.now());
  rig.unlock();
  rig.erase();
  rig.download(image);
  CHECK(rig.verify(fw::crc32(image) + 1) == "71 01 FF 01 01");
  REQUIRE(rig.ask("11 01") == "51 01");
  rig.hub.run_until(rig.now() + 1s);
  CHECK(rig.connect() == "18014001#010A0203FFFFFF01");
  // Recovery: the bootloader of an invalid application serves security, erase and download.
  CHECK_FALSE(rig.diag().programming_session());
  rig.unlock();
  rig.erase();
  rig.download(image, 1000);
  CHECK(rig.verify(fw::crc32(image)) == "71 01 FF 01 00");
  REQUIRE(rig.ask("11 01") == "51 01");
  rig.connect_until(0x00, rig.now());
  CHECK(rig.connect() == "18014001#010A020301050000");
}

TEST_CASE("Diagnostic channel: an application that starts invalid (bootloader=1)", "[sim][diag][uds][flash]") {
  sim::BatteryConfig config;
  config.diag.start_in_bootloader = true;
  Rig rig(config);
  CHECK(rig.connect() == "18014001#010A0203FFFFFF01");
  CHECK(rig.ask("10 01") == "50 01 00 32 01 F4");  // restarts: into the bootloader again
  rig.hub.run_until(rig.now() + 1s);
  CHECK(rig.connect() == "18014001#010A0203FFFFFF01");
  const auto image = sim::synthetic_image(3, {2, 0, 1}, 2000);
  rig.unlock();
  rig.erase();
  rig.download(image);
  CHECK(rig.verify(fw::crc32(image)) == "71 01 FF 01 00");
  REQUIRE(rig.ask("11 01") == "51 01");
  rig.connect_until(0x00, rig.now());
  CHECK(rig.connect() == "18014001#010A020302000100");
}

TEST_CASE("Diagnostic channel: the event log upload, byte for byte", "[sim][diag][uds][log]") {
  sim::BatteryConfig config;
  config.diag.max_block = 300;  // several blocks
  Rig rig(config);
  CHECK(rig.ask("22 F1 A0") == "62 F1 A0 00 2A 07 D0 10 40 00 00 00");
  const auto expected = sim::log_bytes(rig.diag().log());
  REQUIRE(expected.size() == 672);
  CHECK(rig.ask(u32s({0x35, 0x00, 0x44}, {0x40000000, 672})) == "75 20 01 2C");
  std::vector<std::uint8_t> got;
  for (std::uint8_t counter = 1; got.size() < 672; ++counter) {
    auto block = bytes_of(rig.ask(std::vector<std::uint8_t>{0x36, counter}));
    REQUIRE(block.size() >= 3);
    REQUIRE(block[0] == 0x76);
    REQUIRE(block[1] == counter);
    got.insert(got.end(), block.begin() + 2, block.end());
  }
  CHECK(rig.ask("36 03").substr(0, 5) == "76 03");  // the last block again
  CHECK(rig.ask("36 04") == "7F 36 24");
  CHECK(rig.ask("37") == "77");
  CHECK(got == expected);
  CHECK(hex(std::span(got).last(16)) == "27 1D DC E8 01 07 10 54 00 C8 10 9B 10 06 1F 61");
  CHECK(rig.ask(u32s({0x35, 0x00, 0x44}, {0x40000000, 673})) == "7F 35 31");
  // In the bootloader too.
  REQUIRE(rig.ask("10 02") == "50 02 00 32 01 F4");
  rig.connect_until(0x01, rig.now());
  CHECK(rig.ask(u32s({0x35, 0x00, 0x44}, {0x40000000 + 41 * 16, 16})) == "75 20 01 2C");
  CHECK(rig.ask("36 01") == "76 01 27 1D DC E8 01 07 10 54 00 C8 10 9B 10 06 1F 61");
  CHECK(rig.ask("37") == "77");
}

TEST_CASE("Diagnostic channel: the log records standby, waking and clock setting, a start logs nothing", "[sim][diag][log]") {
  Rig rig;
  CHECK(rig.diag().log().size() == 42);
  REQUIRE(rig.connect() != "");
  // SET CLOCK 2026-11-24 10:00:00: logged at the new time.
  CHECK(rig.poll_request(0x20, {0x1A, 0x0B, 0x18, 0x0A, 0x00, 0x00}) == "18204001#1A0B180A0000FFFF");
  REQUIRE(rig.diag().log().size() == 43);
  CHECK(rig.diag().log().back().code == 0x13);
  CHECK(rig.diag().log().back().time_s == bms::to_seconds(bms::Calendar{2026, 11, 24, 10, 0, 0}));
  CHECK(rig.diag().log().back().voltage_mv == 36420);
  CHECK(rig.poll_request(0x21, {0xA5, 0x5A}) == "18214001#00FFFFFFFFFFFFFF");
  rig.hub.run_until(rig.now() + 100ms);
  CHECK(rig.diag().log().back().code == 0x11);
  CHECK(rig.ask("22 F1 93") == "");  // standby: nothing at all
  CHECK(rig.battery.wake());
  CHECK(rig.diag().log().back().code == 0x12);
  CHECK(codes(rig.diag().log(), 42) == std::vector<std::uint8_t>{0x13, 0x11, 0x12});
}

TEST_CASE("Diagnostic channel: fault lose_response drops one answer", "[sim][diag][uds][faults]") {
  Rig rig;
  rig.diag().faults().lose_response = 2;
  CHECK(rig.ask("22 F1 93") == "62 F1 93 03");
  CHECK(rig.ask("22 F1 93") == "");
  CHECK(rig.ask("22 F1 93") == "62 F1 93 03");
  CHECK(rig.diag().stats().uds_requests == 3);
}

TEST_CASE("Diagnostic channel: fault corrupt_block makes the verify fail", "[sim][diag][uds][faults]") {
  sim::BatteryConfig config;
  config.diag.start_in_bootloader = true;
  Rig rig(config);
  rig.diag().faults().corrupt_block = 2;
  const auto image = sim::synthetic_image(3, {1, 5, 0}, 3000);
  rig.unlock();
  rig.erase();
  rig.download(image, 1000);
  CHECK(rig.verify(fw::crc32(image)) == "71 01 FF 01 01");
  CHECK_FALSE(rig.diag().application_valid());
}

TEST_CASE("Diagnostic channel: fault reset_at_block restarts the pack into its bootloader", "[sim][diag][uds][faults]") {
  Rig rig;
  rig.diag().faults().reset_at_block = 2;
  const auto image = sim::synthetic_image(3, {1, 5, 0}, 3000);
  REQUIRE(rig.ask("10 02") == "50 02 00 32 01 F4");
  rig.connect_until(0x01, rig.now());
  rig.unlock();
  rig.erase();
  REQUIRE(rig.ask(u32s({0x34, 0x00, 0x44}, {0x08004000, 3000})) == "74 20 0F FF");
  REQUIRE(rig.ask(with({0x36, 0x01}, std::span(image).first(1000))) == "76 01");
  CHECK(rig.ask(with({0x36, 0x02}, std::span(image).subspan(1000, 1000))) == "");
  CHECK(rig.diag().stats().power_cuts == 1);
  rig.hub.run_until(rig.now() + 1s);
  CHECK(rig.connect() == "18014001#010A0203FFFFFF01");
  CHECK(rig.diag().flash()[1000] == 0xFF);  // the block was not written
  CHECK(rig.ask("27 02 00 00 00 00") == "7F 27 24");  // security locked again, no seed
}

TEST_CASE("Diagnostic channel: a power cut at any step of an update can be recovered", "[sim][diag][uds][faults]") {
  using Kind = sim::DiagEvent::Kind;
  const auto kind = GENERATE(Kind::erase_started, Kind::erase_done, Kind::block_programmed, Kind::verified, Kind::reset);
  Rig rig;
  const auto image = sim::synthetic_image(3, {1, 5, 0}, 6000);
  REQUIRE(rig.ask("10 02") == "50 02 00 32 01 F4");
  rig.connect_until(0x01, rig.now());
  std::vector<sim::DiagEvent> seen;
  bool cut = false;
  rig.diag().faults().on_event = [&](const sim::DiagEvent& e) {
    seen.push_back(e);
    if (cut || e.kind != kind || (kind == Kind::block_programmed && e.offset == 0)) return false;
    cut = true;
    return true;
  };
  // Runs the update until the power fails; then it comes back and the update runs again.
  auto update = [&]() -> bool {
    rig.unlock();
    rig.send(u32s({0x31, 0x01, 0xFF, 0x00}, {0x08004000, 0x1C000}));
    std::string m;
    while ((m = rig.next(0x40, 5000ms)) == "7F 31 78") {}
    if (m.empty()) return false;
    REQUIRE(m == "71 01 FF 00");
    REQUIRE(rig.ask(u32s({0x34, 0x00, 0x44}, {0x08004000, 6000})) == "74 20 0F FF");
    for (std::uint8_t c = 1; c <= 3; ++c) {
      auto r = rig.ask(with({0x36, c}, std::span(image).subspan((c - 1) * 2000U, 2000)));
      if (r.empty()) return false;
      REQUIRE(r == hex(std::vector<std::uint8_t>{0x76, c}));
    }
    REQUIRE(rig.ask("37") == "77");
    auto v = rig.verify(fw::crc32(image));
    if (v.empty()) return false;
    REQUIRE(v == "71 01 FF 01 00");
    REQUIRE(rig.ask("11 01") == "51 01");
    return true;
  };
  const bool finished = update();
  CHECK(cut);
  rig.hub.run_until(rig.now() + 1s);
  if (!finished || kind == Kind::reset) CHECK(rig.diag().stats().power_cuts == 1);
  auto answer = rig.connect();
  if (kind == Kind::verified || kind == Kind::reset) {
    // The image was verified before the power failed: the new application starts.
    CHECK(answer == "18014001#010A020301050000");
  } else {
    CHECK(answer == "18014001#010A0203FFFFFF01");
    REQUIRE(update());
    rig.connect_until(0x00, rig.now());
    CHECK(rig.connect() == "18014001#010A020301050000");
  }
  CHECK(rig.diag().log().back().code == 0x16);
  CHECK(rig.diag().application_crc() == fw::crc32(image));
  CHECK_FALSE(seen.empty());
}

TEST_CASE("Diagnostic channel: the tool's own UDS client and log reader against the simulator", "[sim][diag][uds][log]") {
  sim::BatteryConfig config;
  config.diag.log_records = 2000;
  Rig rig(config);
  rig.battery.wake();  // not in standby: logs nothing
  uds::Client client(rig.channel(0x40));
  std::size_t last_done = 0;
  auto log = bms::read_event_log(client, [&](std::size_t done, std::size_t total) {
    CHECK(total == 32000);
    last_done = done;
  });
  REQUIRE(log);
  CHECK(log->layout.count == 2000);
  CHECK(log->layout.capacity == 2000);
  CHECK(log->layout.base == 0x40000000U);
  CHECK(last_done == 32000);
  CHECK(log->records == rig.diag().log());  // 8 blocks of 4093 bytes: counters 1-8

  // A whole update through the client: 0x78 while erasing is waited through.
  const auto image = sim::synthetic_image(3, {1, 6, 0}, 20000);
  REQUIRE(client.session_control(0x02));
  rig.connect_until(0x01, rig.now());
  REQUIRE(client.unlock());
  auto erased = client.start_routine(uds::k_routine_erase, u32s({}, {0x08004000, 0x1C000}));
  REQUIRE(erased);
  CHECK(erased->empty());
  CHECK(client.counters().pending == 2);
  auto grant = client.request_download(0x08004000, static_cast<std::uint32_t>(image.size()));
  REQUIRE(grant);
  CHECK(grant->max_block == 4095);
  std::uint8_t counter = 1;
  for (std::size_t at = 0; at < image.size(); at += 4093, ++counter)
    REQUIRE(client.transfer_data(counter, std::span(image).subspan(at, std::min<std::size_t>(4093, image.size() - at))));
  REQUIRE(client.transfer_exit());
  auto verdict = client.start_routine(uds::k_routine_verify, u32s({}, {fw::crc32(image)}));
  REQUIRE(verdict);
  CHECK(hex(*verdict) == "00");
  REQUIRE(client.ecu_reset());
  rig.connect_until(0x00, rig.now());
  CHECK(rig.connect() == "18014001#010A020301060000");
}

TEST_CASE("Diagnostic channel: a read abandoned mid-upload does not block the next one", "[sim][diag][uds][log]") {
  Rig rig;
  rig.battery.wake();
  uds::Client first(rig.channel(0x40));
  // An upload started and left after one block, as a killed `log dump` leaves it.
  REQUIRE(first.request_upload(0x40000000, 42 * 16));
  REQUIRE(first.transfer_data(0x01, {}));

  // Another tool is refused while our transfer is open, and cannot end it for us.
  uds::Client other(rig.channel(0x41));
  auto refused = bms::read_event_log(other);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().detail == static_cast<int>(uds::Nrc::conditions_not_correct));

  // The same tool's next read ends the stale transfer and reads everything.
  uds::Client again(rig.channel(0x40));
  auto log = bms::read_event_log(again);
  REQUIRE(log);
  CHECK(log->records == rig.diag().log());
}
