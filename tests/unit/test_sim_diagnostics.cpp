// The simulated BMS's diagnostic channel below the transport: the event log it starts with,
// its flash, and the UDS server at message level (rockets-can-v1 §6, §7, §8, §10, §12).

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "fw/image.hpp"
#include "sim/diag_log.hpp"
#include "sim/diag_uds.hpp"
#include "sim/diagnostics.hpp"
#include "uds/nrc.hpp"
#include "util/hex.hpp"

using namespace std::chrono_literals;

namespace {

// 2020-10-17 16:48:40: the reference battery's start clock and the worked record's time.
constexpr std::uint32_t k_start = 0x271DDCE8;

std::string hex(std::span<const std::uint8_t> bytes) {
  return util::to_hex(bytes, ' ');
}

// The UDS server of a reference battery, at message level, on a clock of its own.
struct Server {
  explicit Server(bool bootloader = false) {
    if (!bootloader)
      flash = sim::Flash(battery.diag.area, sim::synthetic_image(3, {1, 4, 2}, 64 * 1024));
    server.start(false, 0, t);
  }
  // The response to `request` (hex) from `tool`, as hex; "" when none is sent.
  std::string ask(std::string_view request, std::uint8_t tool = 0x40) {
    auto bytes = util::from_hex(request);
    REQUIRE(bytes);
    last = server.handle(tool, *bytes, t);
    return last.response ? hex(*last.response) : "";
  }
  std::string ask(const std::vector<std::uint8_t>& request, std::uint8_t tool = 0x40) {
    return ask(util::to_hex(request), tool);
  }
  void unlock(std::uint8_t tool = 0x40) {
    auto seed = ask("27 01", tool);
    REQUIRE(seed.size() == 17);
    auto bytes = util::from_hex(seed.substr(6));
    const std::uint32_t s = std::uint32_t{(*bytes)[0]} << 24 | std::uint32_t{(*bytes)[1]} << 16 |
                            std::uint32_t{(*bytes)[2]} << 8 | (*bytes)[3];
    const std::uint32_t k = uds::security_key(s);
    const std::vector<std::uint8_t> req{0x27, 0x02, static_cast<std::uint8_t>(k >> 24),
                                        static_cast<std::uint8_t>(k >> 16), static_cast<std::uint8_t>(k >> 8),
                                        static_cast<std::uint8_t>(k)};
    REQUIRE(ask(req, tool) == "67 02");
  }
  // The bootloader for `tool`, as after 10 02 (programming session).
  void into_bootloader(std::uint8_t tool = 0x40) { server.start(true, tool, t); }

  sim::BatteryConfig battery;
  sim::Flash flash{battery.diag.area, std::nullopt};
  std::vector<bms::EventRecord> log = sim::initial_log(42, k_start);
  sim::DiagFaults faults;
  sim::UdsServer server{battery, battery.diag, flash, log, faults};
  util::TimePoint t{std::chrono::hours(1)};
  sim::UdsServer::Outcome last;
};

std::vector<std::uint8_t> request_with(std::vector<std::uint8_t> head, std::span<const std::uint8_t> data) {
  head.insert(head.end(), data.begin(), data.end());
  return head;
}

std::vector<std::uint8_t> u32_request(std::vector<std::uint8_t> head, std::uint32_t a, std::optional<std::uint32_t> b = {}) {
  for (std::uint32_t v : {a, b.value_or(0)}) {
    head.push_back(static_cast<std::uint8_t>(v >> 24));
    head.push_back(static_cast<std::uint8_t>(v >> 16));
    head.push_back(static_cast<std::uint8_t>(v >> 8));
    head.push_back(static_cast<std::uint8_t>(v));
    if (!b) break;
  }
  return head;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Event log at start

TEST_CASE("The log at start ends with the worked record of section 10 at the start clock", "[sim][diag][log]") {
  auto log = sim::initial_log(42, k_start);
  REQUIRE(log.size() == 42);
  CHECK(hex(bms::encode_record(log.back())) == "27 1D DC E8 01 07 10 54 00 C8 10 9B 10 06 1F 61");
  CHECK(log.back() == sim::worked_record(k_start));
}

TEST_CASE("The log at start is deterministic, oldest first, and covers every event code", "[sim][diag][log]") {
  auto log = sim::initial_log(42, k_start);
  CHECK(log == sim::initial_log(42, k_start));
  std::set<int> codes, flags;
  for (std::size_t i = 0; i < log.size(); ++i) {
    const auto& r = log[i];
    if (i > 0) CHECK(r.time_s >= log[i - 1].time_s);
    CHECK(r.time_s <= k_start);
    codes.insert(r.code);
    if (r.code == 0x01 || r.code == 0x02) {
      REQUIRE(r.flag);
      CHECK(*r.flag >= 0);
      CHECK(*r.flag <= 26);
      flags.insert(*r.flag);
    } else {
      CHECK_FALSE(r.flag);
    }
    // 10 cells: the pack voltage lies between ten lowest and ten highest cells.
    CHECK(r.min_cell_mv <= r.max_cell_mv);
    CHECK(r.voltage_mv >= 10 * r.min_cell_mv - 10);
    CHECK(r.voltage_mv <= 10 * r.max_cell_mv + 10);
    CHECK(r.max_cell_mv < 4300);
    CHECK(r.min_cell_mv > 2500);
    CHECK(r.rsoc_pct >= 0);
    CHECK(r.rsoc_pct <= 100);
    CHECK(r.max_temp_c > 0);
    CHECK(r.max_temp_c < 60);
    // Charging events carry charge current; standby none.
    if (r.code == 0x14 || r.code == 0x15 || r.code == 0x12) CHECK(r.current_ma > 0);
    if (r.code == 0x11) CHECK(r.current_ma == 0);
    // Survives the 16-byte record unchanged.
    auto bytes = bms::encode_record(r);
    CHECK(bms::decode_record(bytes) == r);
  }
  CHECK(codes == std::set<int>{0x01, 0x02, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16});
  CHECK(flags.size() >= 5);
  CHECK(flags.count(7) == 1);  // OV, the worked record
}

TEST_CASE("The log at start takes any count up to the capacity", "[sim][diag][log]") {
  CHECK(sim::initial_log(0, k_start).empty());
  auto one = sim::initial_log(1, k_start);
  REQUIRE(one.size() == 1);
  CHECK(one[0] == sim::worked_record(k_start));
  auto full = sim::initial_log(2000, k_start);
  REQUIRE(full.size() == 2000);
  CHECK(full.back() == sim::worked_record(k_start));
  CHECK(full.front().time_s < full.back().time_s);
  // The newest 42 of a longer log are not the 42-record log (it starts elsewhere in the story),
  // but both end the same way.
  CHECK(full[1998].code == 0x14);
}

TEST_CASE("A record's highest temperature is the reading rounded half up", "[sim][diag][log]") {
  CHECK(sim::round_half_up_c(212) == 21);
  CHECK(sim::round_half_up_c(215) == 22);
  CHECK(sim::round_half_up_c(214) == 21);
  CHECK(sim::round_half_up_c(0) == 0);
  CHECK(sim::round_half_up_c(-25) == -2);
  CHECK(sim::round_half_up_c(-26) == -3);
  CHECK(sim::round_half_up_c(-24) == -2);

  sim::BatteryConfig b;
  b.sensor_dc = {214, 305};
  b.current_ma = -8;
  auto r = sim::present_record(b, 1234, 0x10);
  CHECK(r.time_s == 1234);
  CHECK(r.max_temp_c == 31);
  CHECK(r.voltage_mv == 36420);  // 36.423 V at 10 mV
  CHECK(r.current_ma == -10);
  CHECK(r.max_cell_mv == 3644);
  CHECK(r.min_cell_mv == 3641);
  CHECK(r.rsoc_pct == 40);
  CHECK_FALSE(r.flag);
}

TEST_CASE("The log ring drops the oldest record when full", "[sim][diag][log]") {
  std::vector<bms::EventRecord> log;
  for (std::uint32_t t = 1; t <= 5; ++t) {
    bms::EventRecord r;
    r.time_s = t;
    sim::append_record(log, r, 3);
  }
  REQUIRE(log.size() == 3);
  CHECK(log.front().time_s == 3);
  CHECK(log.back().time_s == 5);
}

// ---------------------------------------------------------------------------------------------
// Flash

TEST_CASE("The synthetic image is deterministic and carries its info block at 0x200", "[sim][diag][flash]") {
  auto a = sim::synthetic_image(3, {1, 4, 2}, 64 * 1024);
  REQUIRE(a.size() == 64 * 1024);
  CHECK(a == sim::synthetic_image(3, {1, 4, 2}, 64 * 1024));
  CHECK(hex(std::span(a).subspan(0x200, 8)) == "52 4B 54 53 03 01 04 02");
  auto info = fw::info_block(a);
  REQUIRE(info);
  CHECK(info->hardware_revision == 3);
  CHECK(info->version == fw::Version{1, 4, 2});
  auto b = sim::synthetic_image(3, {1, 5, 0}, 64 * 1024);
  CHECK(fw::crc32(a) != fw::crc32(b));
}

TEST_CASE("Flash: erase, program and verify decide whether the application is valid", "[sim][diag][flash]") {
  const fw::Area area{0x08004000, 0x1C000};
  auto old_image = sim::synthetic_image(3, {1, 4, 2}, 64 * 1024);
  sim::Flash flash(area, old_image);
  REQUIRE(flash.bytes().size() == 0x1C000);
  CHECK(flash.application_valid());
  CHECK(flash.application_crc() == fw::crc32(old_image));
  CHECK(flash.bytes()[64 * 1024] == 0xFF);
  CHECK_FALSE(flash.erased());

  flash.begin_erase();
  CHECK_FALSE(flash.application_valid());
  flash.finish_erase();
  CHECK(flash.erased());
  CHECK(std::all_of(flash.bytes().begin(), flash.bytes().end(), [](auto b) { return b == 0xFF; }));

  auto image = sim::synthetic_image(3, {1, 5, 0}, 4096);
  flash.program(0, std::span(image).first(1000));
  CHECK_FALSE(flash.erased());
  flash.program(1000, std::span(image).subspan(1000));
  CHECK(flash.verify(image.size(), fw::crc32(image) ^ 1, 3) == sim::Flash::Verdict::crc_mismatch);
  CHECK_FALSE(flash.application_valid());
  CHECK(flash.verify(image.size(), fw::crc32(image), 4) == sim::Flash::Verdict::not_an_image);
  CHECK_FALSE(flash.application_valid());
  CHECK(flash.verify(image.size(), fw::crc32(image), 3) == sim::Flash::Verdict::valid);
  CHECK(flash.application_valid());
  CHECK(flash.application_info()->version == fw::Version{1, 5, 0});
  CHECK(flash.take_updated());
  CHECK_FALSE(flash.take_updated());
}

// ---------------------------------------------------------------------------------------------
// UDS server, message level

TEST_CASE("UDS server: every DID of section 6.2 with the reference battery's values", "[sim][diag][uds]") {
  Server s;
  CHECK(s.ask("22 F1 8C") == "62 F1 8C " + util::to_hex(std::vector<std::uint8_t>{'R', 'K', 'S', '3', '6', '1', '1', 'A', '2', '0', '1', '0', '0', '0', '1', '2', '3'}, ' '));
  CHECK(s.ask("22 F1 89") == "62 F1 89 01 04 02");
  CHECK(s.ask("22 F1 80") == "62 F1 80 01 00 00");
  CHECK(s.ask("22 F1 93") == "62 F1 93 03");
  CHECK(s.ask("22 F1 A0") == "62 F1 A0 00 2A 07 D0 10 40 00 00 00");
  CHECK(s.ask("22 F1 A1") == "62 F1 A1 08 00 40 00 00 01 C0 00");
  CHECK(s.ask("22 F1 99") == "7F 22 31");
  CHECK(s.ask("22 F1 8C F1 89") == "7F 22 13");  // one DID per request
  CHECK(s.ask("22 F1") == "7F 22 13");
  CHECK(s.ask("85 01") == "7F 85 11");
}

TEST_CASE("UDS server: security access with the worked seed and key", "[sim][diag][uds]") {
  Server s;
  s.server.set_next_seed(0x11223344);
  CHECK(s.ask("27 01") == "67 01 11 22 33 44");
  CHECK(s.ask("27 02 5E 8F DE 83") == "67 02");
  CHECK(s.ask("27 01") == "67 01 00 00 00 00");  // already unlocked
  CHECK(s.ask("27 03") == "7F 27 12");
  CHECK(s.ask("27 02 00") == "7F 27 13");
}

TEST_CASE("UDS server: three wrong keys lock security access for 10 s", "[sim][diag][uds]") {
  Server s;
  CHECK(s.ask("27 02 00 00 00 00") == "7F 27 24");  // no live seed
  for (const char* expected : {"7F 27 35", "7F 27 35", "7F 27 36"}) {
    REQUIRE(s.ask("27 01").substr(0, 5) == "67 01");
    CHECK(s.ask("27 02 00 00 00 00") == expected);
  }
  CHECK(s.ask("27 01") == "7F 27 37");
  s.t += 9999ms;
  CHECK(s.ask("27 02 00 00 00 00") == "7F 27 37");
  // The lockout survives a restart; unlocked security would not.
  s.server.start(false, 0, s.t);
  CHECK(s.ask("27 01") == "7F 27 37");
  s.t += 1ms;
  s.unlock();
  // A right key resets the count: two wrong keys later still get 0x35.
  s.server.start(false, 0, s.t);
  CHECK(s.ask("22 F1 89") == "62 F1 89 01 04 02");
  for (int i = 0; i < 2; ++i) {
    s.ask("27 01");
    CHECK(s.ask("27 02 00 00 00 00") == "7F 27 35");
  }
}

TEST_CASE("UDS server: a seed is used up by one key, and a fresh seed each time", "[sim][diag][uds]") {
  Server s;
  auto first = s.ask("27 01");
  auto second = s.ask("27 01");
  CHECK(first != second);
  CHECK(first != "67 01 00 00 00 00");
  s.ask("27 02 00 00 00 00");
  CHECK(s.ask("27 02 00 00 00 00") == "7F 27 24");
}

TEST_CASE("UDS server: NRC precedence of section 12", "[sim][diag][uds]") {
  Server s;
  // In the application, locked: length before sub-function before range before security.
  CHECK(s.ask("31") == "7F 31 13");
  CHECK(s.ask("31 03 FF 00") == "7F 31 12");
  CHECK(s.ask("31 01 FF 77") == "7F 31 31");
  CHECK(s.ask("31 01 FF 00 08 00 40 00") == "7F 31 13");
  CHECK(s.ask("31 01 FF 00 08 00 40 00 00 00 10 00") == "7F 31 31");  // not the whole area
  CHECK(s.ask("31 01 FF 00 08 00 40 00 00 01 C0 00") == "7F 31 33");  // locked
  CHECK(s.ask("34 00 44 08 00 40 00 00 00 00 00") == "7F 34 31");     // size 0
  CHECK(s.ask("34 00 44 08 00 40 00 00 00 10 00") == "7F 34 33");
  CHECK(s.ask("31 01 FF 01 00 00 00 00") == "7F 31 33");
  // Unlocked in the application: conditions (0x22) for erase, verify and download.
  s.unlock();
  CHECK(s.ask("31 01 FF 00 08 00 40 00 00 01 C0 00") == "7F 31 22");
  CHECK(s.ask("31 01 FF 01 00 00 00 00") == "7F 31 22");
  CHECK(s.ask("34 00 44 08 00 40 00 00 00 10 00") == "7F 34 22");
  // In the bootloader: conditions pass, sequence is last (verify before a download).
  s.into_bootloader();
  s.unlock();
  CHECK(s.ask("31 01 FF 01 00 00 00 00") == "7F 31 24");
  CHECK(s.ask("37") == "7F 37 24");
  CHECK(s.ask("36 01 00") == "7F 36 24");
  // Download range: not at the area's start, past the area; then not erased (0x70).
  CHECK(s.ask("34 00 44 08 00 40 10 00 00 10 00") == "7F 34 31");
  CHECK(s.ask("34 00 44 08 00 40 00 00 01 C0 01") == "7F 34 31");
  CHECK(s.ask("34 00 33 08 00 40 00 00 00 10 00") == "7F 34 31");
  CHECK(s.ask("34 00 44 08 00 40 00 00 00 10") == "7F 34 13");
  CHECK(s.ask("34 00 44 08 00 40 00 00 00 10 00") == "7F 34 70");
}

TEST_CASE("UDS server: the suppress bit on 10, 11, 27, 31 and 3E", "[sim][diag][uds]") {
  Server s;
  CHECK(s.ask("3E 00") == "7E 00");
  CHECK(s.ask("3E 80") == "");
  CHECK(s.ask("3E 01") == "7F 3E 12");
  CHECK(s.ask("3E 81") == "7F 3E 12");  // negative responses are always sent
  CHECK(s.ask("10 81") == "");
  CHECK(s.last.then == sim::UdsServer::Then::nothing);
  CHECK(s.ask("27 81").empty());
  CHECK(s.ask("11 81") == "");
  CHECK(s.last.then == sim::UdsServer::Then::restart);
  CHECK(s.ask("31 81 FF 00 08 00 40 00 00 01 C0 00") == "7F 31 33");
  CHECK(s.ask("10 01") == "50 01 00 32 01 F4");
  CHECK(s.ask("10 03") == "7F 10 12");
  CHECK(s.ask("10 01 00") == "7F 10 13");
}

TEST_CASE("UDS server: 10 02 in the application needs an idle pack with charge", "[sim][diag][uds]") {
  Server s;
  s.battery.current_ma = 501;
  CHECK(s.ask("10 02") == "7F 10 22");
  s.battery.current_ma = -501;
  CHECK(s.ask("10 02") == "7F 10 22");
  s.battery.current_ma = 500;
  s.battery.rsoc_pct = 19;
  CHECK(s.ask("10 02") == "7F 10 22");
  s.battery.rsoc_pct = 20;
  CHECK(s.ask("10 02") == "50 02 00 32 01 F4");
  CHECK(s.last.then == sim::UdsServer::Then::restart_bootloader);
}

TEST_CASE("UDS server: one tester at a time", "[sim][diag][uds]") {
  Server s;
  CHECK(s.ask("22 F1 93", 0x41) == "62 F1 93 03");
  s.unlock(0x40);
  CHECK(s.ask("22 F1 93", 0x41) == "7F 22 22");
  CHECK(s.ask("27 01", 0x41) == "7F 27 22");
  CHECK(s.ask("3E 00", 0x41) == "7F 3E 22");
  CHECK(s.ask("85", 0x41) == "7F 85 11");       // not supported comes first
  CHECK(s.ask("22 F1", 0x41) == "7F 22 13");    // so does the length
  CHECK(s.ask("22 F1 93", 0x40) == "62 F1 93 03");
  // A session change locks security: the other tool is served again.
  CHECK(s.ask("10 01", 0x40) == "50 01 00 32 01 F4");
  CHECK(s.ask("22 F1 93", 0x41) == "62 F1 93 03");
  // A programming session belongs to its tool, as does an upload.
  s.into_bootloader(0x42);
  CHECK(s.ask("22 F1 93", 0x40) == "7F 22 22");
  CHECK(s.ask("22 F1 93", 0x42) == "62 F1 93 03");
}

TEST_CASE("UDS server: the bootloader entered by 10 02 and the one of an invalid application", "[sim][diag][uds]") {
  SECTION("10 02 in the bootloader answers without a restart, 10 01 restarts") {
    Server s;
    s.into_bootloader();
    CHECK(s.server.mode() == bms::Mode::bootloader);
    CHECK(s.server.programming_session());
    CHECK(s.server.firmware() == bms::FirmwareVersion{1, 4, 2});  // until the erase
    CHECK(s.ask("10 02") == "50 02 00 32 01 F4");
    CHECK(s.last.then == sim::UdsServer::Then::nothing);
    CHECK(s.ask("10 01") == "50 01 00 32 01 F4");
    CHECK(s.last.then == sim::UdsServer::Then::restart);
  }
  SECTION("started because the application is invalid: security, erase and download without 10 02") {
    Server s(true);
    CHECK(s.server.mode() == bms::Mode::bootloader);
    CHECK_FALSE(s.server.programming_session());
    CHECK(s.server.firmware() == bms::FirmwareVersion{});
    CHECK(s.ask("22 F1 89") == "62 F1 89 FF FF FF");
    s.unlock();
    CHECK(s.ask("34 00 44 08 00 40 00 00 00 10 00") == "74 20 0F FF");
    CHECK(s.ask("31 01 FF 00 08 00 40 00 00 01 C0 00") == "7F 31 22");  // erase while transferring
  }
}

TEST_CASE("UDS server: erase, download with a repeated counter, exit and verify", "[sim][diag][uds]") {
  Server s;
  s.into_bootloader();
  s.unlock();
  CHECK(s.ask("31 01 FF 00 08 00 40 00 00 01 C0 00") == "");  // the answer follows the erase
  CHECK(s.last.then == sim::UdsServer::Then::erase);
  CHECK(s.server.firmware() == bms::FirmwareVersion{});
  CHECK_FALSE(s.flash.application_valid());
  auto done = s.server.finish_erase(s.t);
  REQUIRE(done.response);
  CHECK(hex(*done.response) == "71 01 FF 00");

  auto image = sim::synthetic_image(3, {1, 5, 0}, 3000);
  CHECK(s.ask(u32_request({0x34, 0x00, 0x44}, 0x08004000, 3000)) == "74 20 0F FF");
  auto block1 = request_with({0x36, 0x01}, std::span(image).first(2000));
  CHECK(s.ask(block1) == "76 01");
  CHECK(s.last.then == sim::UdsServer::Then::programmed);
  CHECK(s.last.offset == 0);
  CHECK(s.ask(block1) == "76 01");  // a repeat: acknowledged, not written again
  CHECK(s.last.then == sim::UdsServer::Then::repeated);
  CHECK(s.ask(request_with({0x36, 0x03}, std::span(image).subspan(2000))) == "7F 36 73");
  CHECK(s.ask("37") == "7F 37 24");  // not all data yet
  std::vector<std::uint8_t> too_big(4094, 0x00);
  CHECK(s.ask(request_with({0x36, 0x02}, too_big)) == "7F 36 13");  // longer than 4095
  CHECK(s.ask(request_with({0x36, 0x02}, std::span(too_big).first(1001))) == "7F 36 31");  // more than announced
  CHECK(s.ask(request_with({0x36, 0x02}, std::span(image).subspan(2000))) == "76 02");
  CHECK(s.last.offset == 2000);
  CHECK(s.ask(request_with({0x36, 0x03}, std::span(image).first(1))) == "7F 36 24");  // after all data
  CHECK(s.ask("37") == "77");
  CHECK(s.ask(u32_request({0x31, 0x01, 0xFF, 0x01}, fw::crc32(image) ^ 0x80)) == "71 01 FF 01 01");
  CHECK_FALSE(s.flash.application_valid());
  CHECK(s.ask(u32_request({0x31, 0x01, 0xFF, 0x01}, fw::crc32(image))) == "71 01 FF 01 00");
  CHECK(s.flash.application_valid());
  CHECK(std::equal(image.begin(), image.end(), s.flash.bytes().begin()));
  // Reported at the next start.
  CHECK(s.server.firmware() == bms::FirmwareVersion{});
  s.server.start(false, 0, s.t);
  CHECK(s.server.mode() == bms::Mode::application);
  CHECK(s.server.firmware() == bms::FirmwareVersion{1, 5, 0});
}

TEST_CASE("UDS server: a matching CRC over an image for another revision gets 0x72", "[sim][diag][uds]") {
  Server s(true);
  s.unlock();
  auto image = sim::synthetic_image(4, {1, 5, 0}, 1024);
  CHECK(s.ask(u32_request({0x34, 0x00, 0x44}, 0x08004000, 1024)) == "74 20 0F FF");
  CHECK(s.ask(request_with({0x36, 0x01}, image)) == "76 01");
  CHECK(s.ask("37") == "77");
  CHECK(s.ask(u32_request({0x31, 0x01, 0xFF, 0x01}, fw::crc32(image))) == "7F 31 72");
  CHECK_FALSE(s.flash.application_valid());
}

TEST_CASE("UDS server: faults corrupt_block and reset_at_block", "[sim][diag][uds]") {
  Server s(true);
  s.unlock();
  s.faults.corrupt_block = 2;
  s.faults.reset_at_block = 3;
  auto image = sim::synthetic_image(3, {1, 5, 0}, 3000);
  CHECK(s.ask(u32_request({0x34, 0x00, 0x44}, 0x08004000, 3000)) == "74 20 0F FF");
  CHECK(s.ask(request_with({0x36, 0x01}, std::span(image).first(1000))) == "76 01");
  CHECK(s.ask(request_with({0x36, 0x02}, std::span(image).subspan(1000, 1000))) == "76 02");
  CHECK_FALSE(std::equal(image.begin(), image.begin() + 2000, s.flash.bytes().begin()));
  CHECK(std::equal(image.begin(), image.begin() + 1000, s.flash.bytes().begin()));
  CHECK(s.ask(request_with({0x36, 0x03}, std::span(image).subspan(2000))) == "");
  CHECK(s.last.then == sim::UdsServer::Then::power_cut);
  CHECK(s.flash.bytes()[2000] == 0xFF);  // not written
}

TEST_CASE("UDS server: event log upload, ranges and the repeated counter", "[sim][diag][uds]") {
  Server s;
  s.battery.diag.max_block = 258;  // 256 bytes of log per block
  const auto all = sim::log_bytes(s.log);
  REQUIRE(all.size() == 42 * 16);
  CHECK(s.ask(u32_request({0x35, 0x00, 0x44}, 0x40000000, 42 * 16 + 1)) == "7F 35 31");
  CHECK(s.ask(u32_request({0x35, 0x00, 0x44}, 0x3FFFFFFF, 16)) == "7F 35 31");
  CHECK(s.ask(u32_request({0x35, 0x00, 0x44}, 0x40000000, 0)) == "7F 35 31");
  CHECK(s.ask(u32_request({0x35, 0x00, 0x44}, 0x40000000, 42 * 16)) == "75 20 01 02");
  CHECK(s.ask(u32_request({0x35, 0x00, 0x44}, 0x40000000, 16)) == "7F 35 22");  // one at a time
  std::vector<std::uint8_t> got;
  auto b1 = s.ask("36 01");
  CHECK(s.ask("36 01") == b1);  // the same block again
  CHECK(s.ask("36 03") == "7F 36 73");
  CHECK(s.ask("37") == "7F 37 24");
  auto b2 = s.ask("36 02");
  auto b3 = s.ask("36 03");
  for (const auto& b : {b1, b2, b3}) {
    auto bytes = util::from_hex(b);
    REQUIRE(bytes);
    REQUIRE((*bytes)[0] == 0x76);
    got.insert(got.end(), bytes->begin() + 2, bytes->end());
  }
  CHECK(got == all);
  CHECK(s.ask("36 04") == "7F 36 24");
  CHECK(s.ask("36 03") == b3);
  CHECK(s.ask("37") == "77");
  // A range inside: the last record alone.
  CHECK(s.ask(u32_request({0x35, 0x00, 0x44}, 0x40000000 + 41 * 16, 16)) == "75 20 01 02");
  CHECK(s.ask("36 01") == "76 01 27 1D DC E8 01 07 10 54 00 C8 10 9B 10 06 1F 61");
  CHECK(s.ask("37") == "77");
}
