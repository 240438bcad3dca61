// The UDS client against a scripted server (fake_link.hpp) in simulated time: positive and
// negative responses, response pending, lost frames and retries, suppressed responses,
// security access with the §6.3 worked example, TesterPresent and cancellation.
#include <catch2/catch.hpp>

#include "fake_link.hpp"
#include "uds/client.hpp"
#include "uds/nrc.hpp"

using namespace std::chrono_literals;
using fakelink::Bytes;
using fakelink::negative;
using fakelink::pending;
using fakelink::reply;

namespace {

util::Duration since(fakelink::FakeLink& link, util::TimePoint t0) {
  return link.manual_clock().now() - t0;
}

}  // namespace

TEST_CASE("uds names: every NRC of the reference with its wire value", "[uds]") {
  const std::pair<std::uint8_t, const char*> nrcs[] = {
      {0x11, "service not supported (0x11)"},
      {0x12, "sub-function not supported (0x12)"},
      {0x13, "wrong message length (0x13)"},
      {0x22, "conditions not correct (0x22)"},
      {0x24, "request sequence error (0x24)"},
      {0x31, "request out of range (0x31)"},
      {0x33, "security access denied (0x33)"},
      {0x35, "invalid key (0x35)"},
      {0x36, "exceeded number of attempts (0x36)"},
      {0x37, "required time delay not expired (0x37)"},
      {0x70, "upload/download not accepted (0x70)"},
      {0x72, "general programming failure (0x72)"},
      {0x73, "wrong block sequence counter (0x73)"},
      {0x78, "response pending (0x78)"},
  };
  for (auto [code, name] : nrcs) CHECK(uds::nrc_name(code) == name);
  CHECK(uds::nrc_name(0x5A) == "NRC 0x5A");
  CHECK(uds::service_name(0x34) == "RequestDownload");
  CHECK(uds::service_name(0x22) == "ReadDataByIdentifier");
  CHECK(uds::service_name(0x37) == "RequestTransferExit");
  CHECK(uds::service_name(0x5A) == "service 0x5A");
}

TEST_CASE("uds security key: the worked example of §6.3", "[uds]") {
  CHECK(uds::security_key(0x11223344) == 0x5E8FDE83);
}

TEST_CASE("uds read DID: the F1A0 worked response, data after the echoed DID", "[uds]") {
  fakelink::FakeLink link;
  link.expect({0x22, 0xF1, 0xA0}, {reply({0x62, 0xF1, 0xA0, 0x00, 0x2A, 0x07, 0xD0, 0x10, 0x40, 0x00, 0x00, 0x00})});
  uds::Client uds(link);
  auto data = uds.read_did(uds::k_did_event_log);
  REQUIRE(data);
  CHECK(*data == Bytes{0x00, 0x2A, 0x07, 0xD0, 0x10, 0x40, 0x00, 0x00, 0x00});
  CHECK(uds.counters().requests == 1);
  CHECK(link.unexpected.empty());
  CHECK(link.script_left() == 0);
}

TEST_CASE("uds negative response: refused with the NRC named and kept, never retried", "[uds]") {
  fakelink::FakeLink link;
  link.expect({0x34, 0x00, 0x44, 0x08, 0x00, 0x40, 0x00, 0x00, 0x00, 0x10, 0x00},
              {negative(0x34, 0x22)});
  uds::Client uds(link);
  auto grant = uds.request_download(0x08004000, 0x1000);
  REQUIRE_FALSE(grant);
  CHECK(grant.error().code == util::Errc::refused);
  CHECK(grant.error().detail == 0x22);
  CHECK(grant.error().message == "RequestDownload refused: conditions not correct (0x22)");
  CHECK(uds.counters().negative == 1);
  CHECK(uds.counters().retries == 0);
  CHECK(link.requests.size() == 1);
}

TEST_CASE("uds negative response: each NRC of the reference comes through as its wire value", "[uds]") {
  for (std::uint8_t nrc : {0x11, 0x12, 0x13, 0x22, 0x24, 0x31, 0x33, 0x35, 0x36, 0x37, 0x70, 0x72, 0x73}) {
    fakelink::FakeLink link;
    link.serve([nrc](const Bytes& req) -> fakelink::Replies { return {negative(req[0], nrc)}; });
    uds::Client uds(link);
    auto r = uds.read_did(0xF18C);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == util::Errc::refused);
    CHECK(r.error().detail == nrc);
    CHECK_THAT(r.error().message, Catch::StartsWith("ReadDataByIdentifier refused: " + uds::nrc_name(nrc)));
    CHECK(link.requests.size() == 1);
  }
}

TEST_CASE("uds response pending: each 0x78 restarts a P2* wait (a long erase)", "[uds]") {
  fakelink::FakeLink link;
  // Four 0x78 over 20 s, then the final answer: far beyond one P2*, within P2* of the last 0x78.
  link.expect({0x31, 0x01, 0xFF, 0x00, 0x08, 0x00, 0x40, 0x00, 0x00, 0x01, 0xC0, 0x00},
              {pending(0x31, 40ms), pending(0x31, 5040ms), pending(0x31, 10040ms),
               pending(0x31, 15040ms), reply({0x71, 0x01, 0xFF, 0x00}, 20000ms)});
  uds::Client uds(link);
  const auto t0 = link.manual_clock().now();
  const Bytes area{0x08, 0x00, 0x40, 0x00, 0x00, 0x01, 0xC0, 0x00};
  auto status = uds.start_routine(uds::k_routine_erase, area);
  REQUIRE(status);
  CHECK(status->empty());
  CHECK(uds.counters().pending == 4);
  CHECK(uds.counters().negative == 0);
  CHECK(uds.counters().requests == 1);
  CHECK(since(link, t0) == 20000ms);
}

TEST_CASE("uds response pending: silence after 0x78 fails after P2*, without sending again", "[uds]") {
  fakelink::FakeLink link;
  link.serve([](const Bytes&) -> fakelink::Replies { return {pending(0x31, 20ms)}; });
  uds::Client uds(link);
  const auto t0 = link.manual_clock().now();
  auto r = uds.start_routine(uds::k_routine_verify, Bytes{0x12, 0x34, 0x56, 0x78});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == util::Errc::no_answer);
  CHECK_THAT(r.error().message, Catch::Contains("response pending") && Catch::Contains("5500 ms"));
  CHECK(link.requests.size() == 1);
  CHECK(since(link, t0) == 20ms + 5500ms);
}

TEST_CASE("uds response pending then a negative response: refused with the final NRC", "[uds]") {
  fakelink::FakeLink link;
  link.serve([](const Bytes&) -> fakelink::Replies {
    return {pending(0x31, 20ms), negative(0x31, 0x72, 3000ms)};
  });
  uds::Client uds(link);
  auto r = uds.start_routine(uds::k_routine_verify, Bytes{0, 0, 0, 0});
  REQUIRE_FALSE(r);
  CHECK(r.error().detail == 0x72);
  CHECK(uds.counters().pending == 1);
}

TEST_CASE("uds answers for another service are ignored and counted", "[uds]") {
  fakelink::FakeLink link;
  link.expect({0x22, 0xF1, 0x93}, {reply({0x51, 0x01}, 5ms),               // another SID
                                   negative(0x10, 0x22, 6ms),              // NRC for another SID
                                   reply({0x62, 0xF1, 0x93, 0x03}, 7ms)});
  uds::Client uds(link);
  auto rev = uds.read_did(uds::k_did_hw_revision);
  REQUIRE(rev);
  CHECK(*rev == Bytes{0x03});
  CHECK(uds.counters().ignored == 2);
  CHECK(uds.counters().negative == 0);
}

TEST_CASE("uds a response too short or not echoing the request is malformed", "[uds]") {
  fakelink::FakeLink link;
  uds::Client uds(link);
  SECTION("DID response without the whole DID") {
    link.expect({0x22, 0xF1, 0xA0}, {reply({0x62, 0xF1})});
    auto r = uds.read_did(0xF1A0);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == util::Errc::malformed);
  }
  SECTION("DID response for another DID") {
    link.expect({0x22, 0xF1, 0xA0}, {reply({0x62, 0xF1, 0x8C, 0x41})});
    auto r = uds.read_did(0xF1A0);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == util::Errc::malformed);
    CHECK_THAT(r.error().message, Catch::Contains("62 F1 8C 41"));
  }
  SECTION("negative response of two bytes") {
    link.expect({0x22, 0xF1, 0xA0}, {reply({0x7F, 0x22})});
    auto r = uds.read_did(0xF1A0);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == util::Errc::malformed);
  }
  SECTION("seed of two bytes") {
    link.expect({0x27, 0x01}, {reply({0x67, 0x01, 0x11, 0x22})});
    auto r = uds.unlock();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == util::Errc::malformed);
  }
  SECTION("download grant without a block length") {
    link.expect({0x34, 0x00, 0x44, 0, 0, 0, 0, 0, 0, 0, 1}, {reply({0x74, 0x20, 0x0F})});
    auto r = uds.request_download(0, 1);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == util::Errc::malformed);
  }
  SECTION("TransferData response echoing another counter") {
    link.expect({0x36, 0x07, 0xAA}, {reply({0x76, 0x09})});
    auto r = uds.transfer_data(0x07, Bytes{0xAA});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == util::Errc::malformed);
  }
}

TEST_CASE("uds a lost frame is sent again after P2", "[uds]") {
  fakelink::FakeLink link;
  link.expect({0x22, 0xF1, 0x8C}, {});  // lost
  link.expect({0x22, 0xF1, 0x8C}, {reply({0x62, 0xF1, 0x8C, 'R', 'K'}, 30ms)});
  uds::Client uds(link);
  const auto t0 = link.manual_clock().now();
  auto serial = uds.read_did(uds::k_did_serial);
  REQUIRE(serial);
  CHECK(*serial == Bytes{'R', 'K'});
  CHECK(uds.counters().retries == 1);
  CHECK(uds.counters().lost == 1);
  CHECK(uds.counters().requests == 2);
  CHECK(link.requests[1].at - link.requests[0].at == 250ms);
  CHECK(since(link, t0) == 280ms);
}

TEST_CASE("uds no answer at all: three tries, then a message that says what to check", "[uds]") {
  fakelink::FakeLink link;
  link.serve([](const Bytes&) { return fakelink::Replies{}; });
  uds::Client uds(link);
  const auto t0 = link.manual_clock().now();
  auto r = uds.read_did(0xF1A1);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == util::Errc::no_answer);
  CHECK_THAT(r.error().message,
             Catch::StartsWith("no answer from BMS to ReadDataByIdentifier on the diagnostic channel "
                               "within 250 ms after 3 tries: check"));
  CHECK(link.requests.size() == 3);
  CHECK(since(link, t0) == 750ms);
}

TEST_CASE("uds lockout: NRC 0x36 / 0x37 fail at once and say to wait 10 s", "[uds]") {
  fakelink::FakeLink link;
  uds::Client uds(link);
  SECTION("third wrong key") {
    link.expect({0x27, 0x01}, {reply({0x67, 0x01, 0x11, 0x22, 0x33, 0x44})});
    link.expect({0x27, 0x02, 0x5E, 0x8F, 0xDE, 0x83}, {negative(0x27, 0x36)});
    auto r = uds.unlock();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == util::Errc::refused);
    CHECK(r.error().detail == 0x36);
    CHECK_THAT(r.error().message, Catch::Contains("wait 10 s"));
    CHECK(link.requests.size() == 2);
  }
  SECTION("locked: the seed is refused") {
    link.serve([](const Bytes&) -> fakelink::Replies { return {negative(0x27, 0x37)}; });
    auto r = uds.unlock();
    REQUIRE_FALSE(r);
    CHECK(r.error().detail == 0x37);
    CHECK_THAT(r.error().message,
               Catch::StartsWith("SecurityAccess refused: required time delay not expired (0x37)") &&
                   Catch::Contains("wait 10 s"));
    CHECK(link.requests.size() == 1);
  }
}

TEST_CASE("uds unlock: the key of the worked seed, an all-zero seed is already unlocked", "[uds]") {
  fakelink::FakeLink link;
  uds::Client uds(link);
  SECTION("seed 11 22 33 44") {
    link.expect({0x27, 0x01}, {reply({0x67, 0x01, 0x11, 0x22, 0x33, 0x44})});
    link.expect({0x27, 0x02, 0x5E, 0x8F, 0xDE, 0x83}, {reply({0x67, 0x02})});
    REQUIRE(uds.unlock());
    CHECK(link.script_left() == 0);
    CHECK(link.unexpected.empty());
  }
  SECTION("zero seed") {
    link.expect({0x27, 0x01}, {reply({0x67, 0x01, 0x00, 0x00, 0x00, 0x00})});
    REQUIRE(uds.unlock());
    CHECK(link.requests.size() == 1);
  }
  SECTION("wrong key") {
    link.expect({0x27, 0x01}, {reply({0x67, 0x01, 0x11, 0x22, 0x33, 0x44})});
    link.expect({0x27, 0x02, 0x5E, 0x8F, 0xDE, 0x83}, {negative(0x27, 0x35)});
    auto r = uds.unlock();
    REQUIRE_FALSE(r);
    CHECK(r.error().detail == 0x35);
    CHECK(r.error().message == "SecurityAccess refused: invalid key (0x35)");
  }
}

TEST_CASE("uds suppressed response: success after P2 of silence, a negative response still counts",
          "[uds]") {
  fakelink::FakeLink link;
  uds::Client uds(link);
  SECTION("TesterPresent 3E 80") {
    link.expect({0x3E, 0x80}, {});
    const auto t0 = link.manual_clock().now();
    auto r = uds.request(Bytes{0x3E, 0x80});
    REQUIRE(r);
    CHECK(r->empty());
    CHECK(since(link, t0) == 250ms);
    CHECK(link.requests.size() == 1);
  }
  SECTION("session control 10 82") {
    link.expect({0x10, 0x82}, {});
    REQUIRE(uds.session_control(0x82));
    CHECK(link.requests.size() == 1);
  }
  SECTION("refused") {
    link.expect({0x3E, 0x80}, {negative(0x3E, 0x12, 20ms)});
    auto r = uds.tester_present();
    REQUIRE_FALSE(r);
    CHECK(r.error().detail == 0x12);
  }
  SECTION("a final answer after 0x78 comes even when suppressed") {
    link.expect({0x11, 0x81}, {pending(0x11, 10ms), reply({0x51, 0x01}, 900ms)});
    auto r = uds.request(Bytes{0x11, 0x81});
    REQUIRE(r);
    CHECK(*r == Bytes{0x51, 0x01});
  }
  SECTION("a positive answer to a suppressed request is taken") {
    link.expect({0x10, 0x82}, {reply({0x50, 0x02, 0x00, 0x32, 0x01, 0xF4})});
    auto r = uds.request(Bytes{0x10, 0x82});
    REQUIRE(r);
    CHECK(r->size() == 6);
  }
}

TEST_CASE("uds keep-alive: TesterPresent only when the session has been idle long enough", "[uds]") {
  fakelink::FakeLink link;
  link.serve([](const Bytes& req) -> fakelink::Replies {
    if (req[0] == 0x22) return {reply({0x62, req[1], req[2], 0x03})};
    return {};
  });
  uds::Client uds(link);
  REQUIRE(uds.read_did(0xF193));
  link.manual_clock().advance(1000ms);
  REQUIRE(uds.keep_alive());
  CHECK(link.requests.size() == 1);
  link.manual_clock().advance(1000ms);
  REQUIRE(uds.keep_alive());
  REQUIRE(link.requests.size() == 2);
  CHECK(link.requests[1].bytes == Bytes{0x3E, 0x80});
  REQUIRE(uds.keep_alive());  // just sent
  CHECK(link.requests.size() == 2);
}

TEST_CASE("uds transfer data: a lost response is retried with the same counter", "[uds]") {
  fakelink::FakeLink link;
  int seen = 0;
  link.serve([&](const Bytes& req) -> fakelink::Replies {
    if (++seen == 1) return {};  // the BMS wrote the block; its response is lost
    return {reply({0x76, req[1]})};
  });
  uds::Client uds(link);
  const Bytes block{0x01, 0x02, 0x03};
  auto r = uds.transfer_data(0x05, block);
  REQUIRE(r);
  CHECK(r->empty());
  REQUIRE(link.requests.size() == 2);
  CHECK(link.requests[0].bytes == Bytes{0x36, 0x05, 0x01, 0x02, 0x03});
  CHECK(link.requests[1].bytes == link.requests[0].bytes);
}

TEST_CASE("uds a late answer to a repeated request is ignored in a later request", "[uds]") {
  // The BMS answers block 5 after 300 ms, beyond P2: the tool repeats it, takes the first
  // answer, and the answer to the repeat arrives while block 8 is under way.
  fakelink::FakeLink link;
  link.serve([](const Bytes& req) -> fakelink::Replies {
    return {reply({0x76, req[1]}, req[1] == 0x05 ? 300ms : 100ms)};
  });
  uds::Client uds(link);
  for (std::uint8_t counter = 5; counter <= 8; ++counter) {
    auto r = uds.transfer_data(counter, Bytes{counter});
    REQUIRE(r);
  }
  CHECK(uds.counters().ignored == 1);
  CHECK(uds.counters().retries == 1);
  CHECK(link.queued() == 0);
}

TEST_CASE("uds download and upload grants: maxNumberOfBlockLength", "[uds]") {
  fakelink::FakeLink link;
  link.expect({0x35, 0x00, 0x44, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xA0},
              {reply({0x75, 0x20, 0x0F, 0xFF})});
  link.expect({0x34, 0x00, 0x44, 0x08, 0x00, 0x40, 0x00, 0x00, 0x01, 0xC0, 0x00},
              {reply({0x74, 0x10, 0x22})});
  uds::Client uds(link);
  auto up = uds.request_upload(0x40000000, 42 * 16);
  REQUIRE(up);
  CHECK(up->max_block == 4095);
  auto down = uds.request_download(0x08004000, 0x1C000);
  REQUIRE(down);
  CHECK(down->max_block == 0x22);
}

TEST_CASE("uds transfer exit and ECU reset", "[uds]") {
  fakelink::FakeLink link;
  link.expect({0x37}, {reply({0x77})});
  link.expect({0x11, 0x01}, {reply({0x51, 0x01})});
  uds::Client uds(link);
  CHECK(uds.transfer_exit());
  CHECK(uds.ecu_reset());
  CHECK(link.script_left() == 0);
}

TEST_CASE("uds cancelled: honoured within 100 ms during a long response-pending wait", "[uds]") {
  fakelink::FakeLink link;
  link.serve([](const Bytes&) -> fakelink::Replies {
    return {pending(0x31, 20ms), reply({0x71, 0x01, 0xFF, 0x00}, 4000ms)};
  });
  const auto t0 = link.manual_clock().now();
  uds::Options options;
  options.cancelled = [&] { return link.manual_clock().now() - t0 >= 1000ms; };
  uds::Client uds(link, options);
  auto r = uds.start_routine(uds::k_routine_erase, Bytes{});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == util::Errc::cancelled);
  CHECK(link.max_receive_ahead <= 100ms);
  CHECK(since(link, t0) <= 1100ms);
}

TEST_CASE("uds send failures: the interface error at once, no flow control counts as a lost frame",
          "[uds]") {
  fakelink::FakeLink link;
  uds::Client uds(link);
  SECTION("interface down") {
    link.send_errors.push_back(util::Error{util::Errc::interface_error, "can0 is down", -1});
    auto r = uds.read_did(0xF18C);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == util::Errc::interface_error);
    CHECK_THAT(r.error().message, Catch::Contains("can0 is down"));
    CHECK(uds.counters().retries == 0);
  }
  SECTION("no flow control, then through") {
    link.send_errors.push_back(util::Error{util::Errc::no_answer, "no flow control within 1000 ms", -1});
    link.serve([](const Bytes& req) -> fakelink::Replies { return {reply({0x76, req[1]})}; });
    auto r = uds.transfer_data(1, Bytes(100, 0xAB));
    REQUIRE(r);
    CHECK(uds.counters().retries == 1);
  }
  SECTION("never any flow control") {
    for (int i = 0; i < 3; ++i)
      link.send_errors.push_back(util::Error{util::Errc::no_answer, "no flow control within 1000 ms", -1});
    auto r = uds.transfer_data(1, Bytes(100, 0xAB));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == util::Errc::no_answer);
    CHECK_THAT(r.error().message, Catch::Contains("flow control") && Catch::Contains("3 tries"));
  }
}
