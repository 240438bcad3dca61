// bms::PollTransaction alone: frames and times in, frames, deadlines and results out, no bus.
// The §10 worked frames, at exact times.

#include <catch2/catch.hpp>

#include "bms/messages.hpp"
#include "bms/poll_transaction.hpp"
#include "can/hub.hpp"
#include "can/wire.hpp"
#include "sim/traffic.hpp"
#include "util/hex.hpp"

using namespace std::chrono_literals;

namespace {

can::Frame frame(std::uint32_t id, std::string_view hex) { return can::make_frame(id, *util::from_hex(hex)); }

const util::TimePoint t0{std::chrono::hours(1)};

bms::PollTransaction make(bms::Command cmd, int frames, std::optional<util::Duration> collect = {}) {
  auto request = bms::encode_request(bms::FrameMap::builtin(), cmd, {0x01, 0x40});
  REQUIRE(request);
  return bms::PollTransaction(bms::FrameMap::builtin(), 0x01, 0x40, bms::PollRequest{cmd, *request, frames, collect},
                              bms::PollPolicy{}, "can0");
}

const can::Frame k_pack_request = frame(0x18100140, "00 00 00 00 00 00 00 00");
const can::Frame k_pack_answer = frame(0x18104001, "00 00 8E 47 FF FF FF F8");

}  // namespace

TEST_CASE("poll transaction: the request, its deadline, the answer", "[bms][poll]") {
  auto tx = make(bms::Command::pack, 1);
  CHECK(tx.wake_at() <= t0);  // ready: poll now
  auto sent = tx.poll(t0);
  REQUIRE(sent);
  CHECK(*sent == k_pack_request);
  CHECK_FALSE(tx.poll(t0));  // one request outstanding
  CHECK(tx.wake_at() == t0 + 250ms);
  tx.on_frame(frame(0x18104002, "00 00 00 00 00 00 00 00"), t0 + 1ms);  // another BMS
  tx.on_frame(frame(0x18114001, "28 00 12 7C 00 2D 50 FF"), t0 + 1ms);  // another command
  CHECK_FALSE(tx.done());
  tx.on_frame(k_pack_answer, t0 + 2ms);
  REQUIRE(tx.done());
  CHECK_FALSE(tx.wake_at());
  auto r = tx.take_result();
  REQUIRE(r);
  CHECK(r->frames == std::vector<can::Frame>{k_pack_answer});
  CHECK(tx.counters().requests == 1);
}

TEST_CASE("poll transaction: silence, two repeats at 250 ms + 20 ms a further frame, then no answer", "[bms][poll]") {
  auto tx = make(bms::Command::cell_voltages, 4);
  std::vector<util::TimePoint> sent_at;
  util::TimePoint now = t0;
  while (!tx.done()) {
    if (tx.poll(now)) sent_at.push_back(now);
    if (!tx.done()) now = *tx.wake_at();
  }
  REQUIRE(sent_at.size() == 3);
  CHECK(sent_at[1] - sent_at[0] == 310ms);
  CHECK(sent_at[2] - sent_at[1] == 310ms);
  auto r = tx.take_result();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == util::Errc::no_answer);
  CHECK(r.error().message == "no answer from BMS 0x01 to CELL VOLTAGES on can0 after 3 tries");
  CHECK(tx.counters().retries == 2);
}

TEST_CASE("poll transaction: a bus fault during the silence makes it a bus error, an answer clears it", "[bms][poll]") {
  auto tx = make(bms::Command::pack, 1);
  (void)tx.poll(t0);
  tx.on_bus_error(can::BusError{can::BusError::Kind::no_ack, 128, 0});
  for (util::TimePoint now = t0; !tx.done(); now += 10ms) (void)tx.poll(now);
  auto r = tx.take_result();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == util::Errc::bus_error);
  CHECK_THAT(r.error().message, Catch::StartsWith("no answer from BMS 0x01 to PACK on can0: no acknowledgement"));

  auto ok = make(bms::Command::pack, 1);
  (void)ok.poll(t0);
  ok.on_bus_error(can::BusError{can::BusError::Kind::no_ack, 128, 0});
  ok.on_frame(frame(0x187F4001, "10 03 00 00 00 00 00 00"), t0 + 2ms);  // BUSY: an answer all the same
  for (util::TimePoint now = t0; !ok.done(); now += 10ms) (void)ok.poll(now);
  CHECK(ok.take_result().error().code == util::Errc::no_answer);
}

TEST_CASE("poll transaction: numbered frames in any order, duplicates, conflicts and bad numbers", "[bms][poll]") {
  auto tx = make(bms::Command::identity, 3);
  (void)tx.poll(t0);
  tx.on_frame(frame(0x18024001, "03 31 32 33 00 00 00 00"), t0 + 2ms);
  tx.on_frame(frame(0x18024001, "03 31 32 33 00 00 00 00"), t0 + 2ms);  // duplicate
  tx.on_frame(frame(0x18024001, "04 31 32 33 00 00 00 00"), t0 + 2ms);  // no frame 4
  tx.on_frame(frame(0x18024001, "01 52 4B 53 33 36 31 31"), t0 + 3ms);
  CHECK_FALSE(tx.conflict());
  tx.on_frame(frame(0x18024001, "03 31 32 34 00 00 00 00"), t0 + 3ms);  // frame 3 from a second pack
  CHECK(tx.conflict());
  tx.on_frame(frame(0x18024001, "02 41 32 30 31 30 30 30"), t0 + 4ms);
  REQUIRE(tx.done());
  auto r = tx.take_result();
  REQUIRE(r);
  CHECK(bms::decode_identity(bms::FrameMap::builtin(), r->frames).value() == "RKS3611A201000123");
  CHECK(tx.counters().duplicates == 2);
  CHECK(tx.counters().malformed == 1);
}

TEST_CASE("poll transaction: after its answer it lingers and still sees a second pack's", "[bms][poll]") {
  auto tx = make(bms::Command::pack, 1);
  (void)tx.poll(t0);
  tx.on_frame(k_pack_answer, t0 + 2ms);
  REQUIRE(tx.done());
  tx.on_frame(k_pack_answer, t0 + 3ms);  // the same bytes: a repeat, not a second pack
  CHECK_FALSE(tx.conflict());
  tx.on_frame(frame(0x18104001, "00 00 8E 48 FF FF FF F8"), t0 + 3ms);
  CHECK(tx.conflict());

  // After a repeat, a late answer to the first request may differ: no verdict then.
  auto repeated = make(bms::Command::pack, 1);
  (void)repeated.poll(t0);
  (void)repeated.poll(t0 + 250ms);  // the repeat
  repeated.on_frame(k_pack_answer, t0 + 252ms);
  repeated.on_frame(frame(0x18104001, "00 00 8E 48 FF FF FF F8"), t0 + 253ms);
  CHECK(repeated.done());
  CHECK_FALSE(repeated.conflict());
}

TEST_CASE("poll transaction: NAK 0x05 gets one CONNECT and the request again without using a try", "[bms][poll]") {
  auto tx = make(bms::Command::pack, 1);
  CHECK(*tx.poll(t0) == k_pack_request);
  tx.on_frame(frame(0x187F4001, "10 05 00 00 00 00 00 00"), t0 + 2ms);
  auto connect = tx.poll(t0 + 2ms);
  REQUIRE(connect);
  CHECK(*connect == frame(0x18010140, "01 00 00 00 00 00 00 00"));
  tx.on_frame(frame(0x18014001, "01 0A 02 03 01 04 02 00"), t0 + 4ms);
  CHECK(*tx.poll(t0 + 4ms) == k_pack_request);
  // A second NAK 0x05 is not reconnected again: it is the answer.
  tx.on_frame(frame(0x187F4001, "10 05 00 00 00 00 00 00"), t0 + 6ms);
  REQUIRE(tx.done());
  auto r = tx.take_result();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == util::Errc::refused);
  CHECK(r.error().detail == 0x05);
  CHECK(tx.counters().reconnects == 1);
}

TEST_CASE("poll transaction: the reconnect's answer is handed on, BUSY waits for the deadline", "[bms][poll]") {
  auto tx = make(bms::Command::pack, 1);
  (void)tx.poll(t0);
  tx.on_frame(frame(0x187F4001, "10 05 00 00 00 00 00 00"), t0 + 2ms);
  (void)tx.poll(t0 + 2ms);
  tx.on_frame(frame(0x18014001, "01 0A 02 03 01 04 02 00"), t0 + 4ms);
  (void)tx.poll(t0 + 4ms);
  tx.on_frame(frame(0x187F4001, "10 03 00 00 00 00 00 00"), t0 + 6ms);  // BUSY
  CHECK_FALSE(tx.done());
  CHECK(tx.wake_at() == t0 + 4ms + 250ms);  // like silence: the repeat comes at the deadline
  CHECK(*tx.poll(t0 + 254ms) == k_pack_request);
  tx.on_frame(k_pack_answer, t0 + 256ms);
  auto r = tx.take_result();
  REQUIRE(r);
  REQUIRE(r->reconnected);
  CHECK(r->reconnected->cell_count == 10);
}

TEST_CASE("poll transaction: collect mode keeps every answer for the window, cancel ends it", "[bms][poll]") {
  auto request = bms::encode_request(bms::FrameMap::builtin(), bms::Command::connect, {0xFF, 0x40});
  bms::PollTransaction d(bms::FrameMap::builtin(), bms::k_broadcast, 0x40,
                         bms::PollRequest{bms::Command::connect, *request, 1, 300ms}, {}, "can0");
  CHECK(*d.poll(t0) == frame(0x1801FF40, "01 00 00 00 00 00 00 00"));
  d.on_frame(frame(0x18014001, "01 0A 02 03 01 04 02 00"), t0 + 2ms);
  d.on_frame(frame(0x18014007, "01 0A 02 03 01 04 02 00"), t0 + 2ms);
  d.on_frame(frame(0x18014007, "01 0A 02 03 01 04 02 00"), t0 + 3ms);
  (void)d.poll(t0 + 299ms);
  CHECK_FALSE(d.done());
  (void)d.poll(t0 + 300ms);
  REQUIRE(d.done());
  CHECK(d.take_result()->frames.size() == 3);

  auto c = make(bms::Command::pack, 1);
  (void)c.poll(t0);
  c.cancel(util::Error{util::Errc::cancelled, "interrupted"});
  REQUIRE(c.done());
  CHECK(c.take_result().error().code == util::Errc::cancelled);
}

TEST_CASE("sim:load: foreign traffic takes the share of the paced bus it was asked for", "[sim][poll]") {
  can::Hub::Options paced;
  paced.bitrate = 250000;
  can::Hub hub(paced);
  sim::Traffic traffic(40, 250000);
  hub.attach(traffic, "traffic");
  const util::TimePoint start = hub.clock().now();
  hub.run_until(start + 10s);
  util::Duration busy{};
  for (const auto& r : hub.traffic()) busy += can::wire_time(r.frame, 250000);
  const double share = std::chrono::duration<double>(busy) / 10s;
  CHECK(share > 0.37);
  CHECK(share < 0.43);
  for (const auto& r : hub.traffic()) CHECK_FALSE((r.frame.extended && (r.frame.id & 0x1F000000U) == 0x18000000U));
}
