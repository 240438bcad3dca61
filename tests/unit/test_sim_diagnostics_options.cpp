// The simulator keys of the diagnostic channel (bs, stmin, maxblock, log, bootloader, erase and
// the faults): parsing, and what a fleet made from them does on the bus.

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <set>

#include "isotp/channel.hpp"
#include "sim/options.hpp"
#include "test_sim_rig.hpp"
#include "uds/nrc.hpp"
#include "util/hex.hpp"

using namespace std::chrono_literals;

namespace {

// A fleet from `options` and an ISO-TP channel of tool 0x40 to BMS 0x01.
struct DiagRig : simtest::Rig {
  explicit DiagRig(std::string_view options) : Rig(options) {
    diag_port = hub.open_port("tool-diag", {can::Filter{0x18DA4001U, 0x1FFFFFFFU}});
    isotp::Config c;
    c.tx_id = isotp::diag_id(0x01, 0x40);
    c.rx_id = isotp::diag_id(0x40, 0x01);
    channel = std::make_unique<isotp::Channel>(*diag_port, c);
  }
  std::string ask(std::string_view request, util::Duration wait = 100ms) {
    auto bytes = util::from_hex(request);
    REQUIRE(bytes);
    REQUIRE(channel->send(*bytes, hub.clock().now() + 2s));
    auto m = channel->receive(hub.clock().now() + wait);
    REQUIRE(m);
    return *m ? util::to_hex(**m, ' ') : "";
  }
  sim::Diagnostics& diag() { return fleet->batteries().front()->diagnostics(); }

  std::unique_ptr<can::Bus> diag_port;
  std::unique_ptr<isotp::Channel> channel;
};

}  // namespace

TEST_CASE("Diagnostic simulator keys parse into the battery's DiagConfig and the faults", "[sim][diag]") {
  auto o = sim::parse_options("bs=8,stmin=0xF3,maxblock=512,log=5,bootloader=1,erase=300ms,lose=2,corrupt=3,resetblock=4,cut=block/2");
  REQUIRE(o);
  const sim::DiagConfig& d = o->battery.diag;
  CHECK(d.block_size == 8);
  CHECK(d.st_min == 0xF3);
  CHECK(d.max_block == 512);
  CHECK(d.log_records == 5);
  CHECK(d.start_in_bootloader);
  CHECK(d.erase_time == 300ms);
  auto f = sim::diag_faults(*o);
  CHECK(f.lose_response == 2);
  CHECK(f.corrupt_block == 3);
  CHECK(f.reset_at_block == 4);
  REQUIRE(f.on_event);
  using Kind = sim::DiagEvent::Kind;
  CHECK_FALSE(f.on_event({Kind::erase_started}));
  CHECK_FALSE(f.on_event({Kind::block_programmed, 0}));
  CHECK(f.on_event({Kind::block_programmed, 4093}));   // the second block
  CHECK_FALSE(f.on_event({Kind::block_programmed, 8186}));  // once only
  CHECK_FALSE(sim::diag_faults(sim::Options{}).on_event);

  for (const char* bad : {"bs=256", "stmin=0x100", "maxblock=7", "maxblock=4096", "log=2001", "log=-1",
                          "bootloader=2", "erase=5", "erase=11min", "lose=-1", "cut=flash", "cut=block/0",
                          "cut=reset/2/3"}) {
    INFO(bad);
    auto r = sim::parse_options(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == util::Errc::usage);
  }
  std::set<std::string_view> keys;
  for (const auto& h : sim::option_help()) keys.insert(h.key);
  for (const char* k : {"bs", "stmin", "maxblock", "log", "bootloader", "erase", "lose", "corrupt", "resetblock", "cut"})
    CHECK(keys.count(k) == 1);
}

TEST_CASE("log=N starts the pack with N records, the worked record last", "[sim][diag]") {
  DiagRig rig("log=3");
  CHECK(rig.ask("22 F1 A0") == "62 F1 A0 00 03 07 D0 10 40 00 00 00");
  CHECK(rig.ask("35 00 44 40 00 00 20 00 00 00 10") == "75 20 0F FF");
  CHECK(rig.ask("36 01") == "76 01 27 1D DC E8 01 07 10 54 00 C8 10 9B 10 06 1F 61");
  CHECK(rig.ask("37") == "77");
  DiagRig empty("log=0");
  CHECK(empty.ask("22 F1 A0") == "62 F1 A0 00 00 07 D0 10 40 00 00 00");
  CHECK(empty.ask("35 00 44 40 00 00 00 00 00 00 10") == "7F 35 31");
}

TEST_CASE("bs= and stmin= are the flow control the pack sends, maxblock= its block length", "[sim][diag]") {
  DiagRig rig("bs=2,stmin=0x05,maxblock=512,bootloader=1");
  const auto t = rig.hub.clock().now();
  CHECK(rig.ask("22 F1 A1 00 00 00 00 00") == "7F 22 13");
  bool seen = false;
  for (const auto& r : rig.hub.traffic())
    if (r.at >= t && r.frame.id == 0x18DA4001U) {
      CHECK(can::to_string(r.frame) == "18DA4001#300205CCCCCCCCCC");
      seen = true;
      break;
    }
  CHECK(seen);
  CHECK(rig.ask("27 01").substr(0, 5) == "67 01");  // served without 10 02: no application
  rig.request(0x01, 0x01, 0x01);
  rig.run_to(rig.hub.clock().now() - rig.t0 + 50ms);
  CHECK(rig.answers(rig.t0).back().frame == "18014001#010A0203FFFFFF01");
}

TEST_CASE("Fault keys reach every pack of a fleet", "[sim][diag]") {
  DiagRig rig("packs=2,lose=1,cut=reset");
  for (sim::Battery* b : rig.fleet->batteries()) {
    CHECK(b->diagnostics().faults().lose_response == 1);
    CHECK(b->diagnostics().faults().on_event);
  }
  CHECK(rig.ask("22 F1 93") == "");  // the first answer is lost
  CHECK(rig.ask("22 F1 93") == "62 F1 93 03");
  // cut=reset: the ECUReset becomes a power cut (the pack still comes back).
  CHECK(rig.ask("11 01") == "51 01");
  CHECK(rig.diag().stats().power_cuts == 1);
  CHECK(rig.diag().stats().restarts == 0);
  rig.run_to(rig.hub.clock().now() - rig.t0 + 1s);
  CHECK(rig.ask("22 F1 89") == "62 F1 89 01 04 02");
}

TEST_CASE("erase= sets how long the erase answers 0x78", "[sim][diag]") {
  DiagRig rig("bootloader=1,erase=2500ms");
  auto seed = util::from_hex(rig.ask("27 01").substr(6));
  REQUIRE(seed);
  const std::uint32_t s = std::uint32_t{(*seed)[0]} << 24 | std::uint32_t{(*seed)[1]} << 16 |
                          std::uint32_t{(*seed)[2]} << 8 | (*seed)[3];
  const std::uint32_t k = uds::security_key(s);
  CHECK(rig.ask(fmt::format("27 02 {:08X}", k)) == "67 02");
  const auto t = rig.hub.clock().now();
  CHECK(rig.ask("31 01 FF 00 08 00 40 00 00 01 C0 00") == "7F 31 78");
  int pending = 1;
  std::string m;
  while ((m = [&] {
            auto r = rig.channel->receive(rig.hub.clock().now() + 5s);
            REQUIRE(r);
            return *r ? util::to_hex(**r, ' ') : std::string();
          }()) == "7F 31 78")
    ++pending;
  CHECK(m == "71 01 FF 00");
  CHECK(pending == 3);  // at 1 ms, 1001 ms, 2001 ms
  CHECK(rig.hub.clock().now() - t >= 2500ms);
}
