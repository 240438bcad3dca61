// The event log: the worked record of §10, every event code, the F1A0 layout, and the upload
// against a scripted BMS (fake_link.hpp): one block, many blocks with the counter wrapping past
// 0xFF, a lost TransferData response, and the ways an upload can go wrong.
#include <random>

#include <catch2/catch.hpp>

#include "bms/event_log.hpp"
#include "fake_link.hpp"

using fakelink::Bytes;
using fakelink::negative;
using fakelink::reply;

namespace {

const Bytes k_worked{0x27, 0x1D, 0xDC, 0xE8, 0x01, 0x07, 0x10, 0x54,
                     0x00, 0xC8, 0x10, 0x9B, 0x10, 0x06, 0x1F, 0x61};

bms::EventRecord decode(const Bytes& b) {
  return bms::decode_record(std::span<const std::uint8_t, bms::k_record_size>(b.data(), bms::k_record_size));
}

// A BMS serving its event log over UDS as §7 and §12 say, with faults to order.
struct LogServer {
  Bytes data;                    // the records, count × 16 bytes
  int count = 0;
  int capacity = 2000;
  std::uint8_t record_size = 16;
  std::uint32_t base = 0x40000000;
  std::size_t max_block = 4095;  // maxNumberOfBlockLength
  // Faults: the nth TransferData (1-based) gets no response; a wrong counter echo; extra bytes.
  int drop_transfer = 0;
  int wrong_echo_at = 0;
  std::size_t extra_bytes = 0;

  int transfers = 0;
  std::size_t sent = 0;             // bytes handed out
  std::optional<std::uint8_t> last_counter;
  Bytes last_block;
  bool uploading = false;

  fakelink::Replies operator()(const Bytes& req) {
    switch (req[0]) {
      case 0x22:
        return {reply({0x62, 0xF1, 0xA0, static_cast<std::uint8_t>(count >> 8), static_cast<std::uint8_t>(count),
                       static_cast<std::uint8_t>(capacity >> 8), static_cast<std::uint8_t>(capacity), record_size,
                       static_cast<std::uint8_t>(base >> 24), static_cast<std::uint8_t>(base >> 16),
                       static_cast<std::uint8_t>(base >> 8), static_cast<std::uint8_t>(base)})};
      case 0x35: {
        if (req.size() != 11) return {negative(0x35, 0x13)};
        const std::uint32_t size = std::uint32_t{req[7]} << 24 | std::uint32_t{req[8]} << 16 |
                                   std::uint32_t{req[9]} << 8 | req[10];
        if (size != data.size()) return {negative(0x35, 0x31)};
        uploading = true;
        return {reply({0x75, 0x20, static_cast<std::uint8_t>(max_block >> 8), static_cast<std::uint8_t>(max_block)})};
      }
      case 0x36: {
        ++transfers;
        const std::uint8_t counter = req[1];
        Bytes rsp{0x76, counter};
        if (last_counter && counter == *last_counter) {
          rsp.insert(rsp.end(), last_block.begin(), last_block.end());  // §12: the same block again
        } else {
          const std::uint8_t expected = static_cast<std::uint8_t>(last_counter.value_or(0) + 1);
          if (!uploading || counter != expected) return {negative(0x36, 0x73)};
          if (sent >= data.size()) return {negative(0x36, 0x24)};
          const std::size_t n = std::min(max_block - 2, data.size() - sent);
          last_block.assign(data.begin() + static_cast<std::ptrdiff_t>(sent),
                            data.begin() + static_cast<std::ptrdiff_t>(sent + n));
          for (std::size_t i = 0; i < extra_bytes; ++i) last_block.push_back(0xEE);
          sent += n;
          last_counter = counter;
          rsp.insert(rsp.end(), last_block.begin(), last_block.end());
        }
        if (transfers == wrong_echo_at) rsp[1] = static_cast<std::uint8_t>(counter + 2);
        if (transfers == drop_transfer) return {};
        return {reply(rsp)};
      }
      case 0x37:
        if (!uploading || sent < data.size()) return {negative(0x37, 0x24)};
        uploading = false;
        return {reply({0x77})};
      default:
        return {negative(req[0], 0x11)};
    }
  }
};

// `n` plausible records: the worked one, a second later each time, the codes cycling.
Bytes make_records(int n) {
  Bytes out;
  bms::EventRecord r = decode(k_worked);
  const std::uint8_t codes[] = {0x01, 0x02, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x42};
  for (int i = 0; i < n; ++i) {
    r.time_s = decode(k_worked).time_s + static_cast<std::uint32_t>(i);
    r.code = codes[i % 10];
    r.flag = r.code <= 0x02 ? std::optional<int>((7 + i) % 27) : std::nullopt;
    r.rsoc_pct = (97 + i) % 101;
    auto bytes = bms::encode_record(r);
    out.insert(out.end(), bytes.begin(), bytes.end());
  }
  return out;
}

LogServer server_with(int count, std::size_t max_block) {
  LogServer s;
  s.count = count;
  s.data = make_records(count);
  s.max_block = max_block;
  return s;
}

}  // namespace

TEST_CASE("event log: the worked record of §10", "[bms][eventlog]") {
  const bms::EventRecord r = decode(k_worked);
  CHECK(bms::to_string(bms::record_time(r)) == "2020-10-17 16:48:40");
  CHECK(r.code == 0x01);
  CHECK(bms::event_name(r.code) == "protection / error raised");
  REQUIRE(r.flag);
  CHECK(*r.flag == 7);  // OV
  CHECK(r.voltage_mv == 41800);
  CHECK(r.current_ma == 2000);
  CHECK(r.max_cell_mv == 4251);
  CHECK(r.min_cell_mv == 4102);
  CHECK(r.max_temp_c == 31);
  CHECK(r.rsoc_pct == 97);
  const auto back = bms::encode_record(r);
  CHECK(Bytes(back.begin(), back.end()) == k_worked);
}

TEST_CASE("event log: signed current and temperature, no flag", "[bms][eventlog]") {
  const Bytes b{0x00, 0x00, 0x00, 0x3C, 0x11, 0xFF, 0x0E, 0x3A, 0xFF, 0x38, 0x0E, 0x3C, 0x0E, 0x39, 0xF6, 0x28};
  const bms::EventRecord r = decode(b);
  CHECK(bms::to_string(bms::record_time(r)) == "2000-01-01 00:01:00");
  CHECK_FALSE(r.flag);
  CHECK(r.voltage_mv == 36420);
  CHECK(r.current_ma == -2000);
  CHECK(r.max_temp_c == -10);
  CHECK(r.rsoc_pct == 40);
  const auto back = bms::encode_record(r);
  CHECK(Bytes(back.begin(), back.end()) == b);
}

TEST_CASE("event log: any 16 bytes decode and encode back to the same bytes", "[bms][eventlog]") {
  std::mt19937 rng(7);
  for (int i = 0; i < 500; ++i) {
    Bytes b(16);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    const auto back = bms::encode_record(decode(b));
    CHECK(Bytes(back.begin(), back.end()) == b);
  }
}

TEST_CASE("event log: encode rounds to the wire's resolution", "[bms][eventlog]") {
  bms::EventRecord r;
  r.voltage_mv = 41805;  // 10 mV steps
  r.current_ma = -15;
  const auto b = bms::encode_record(r);
  CHECK(b[5] == 0xFF);
  const bms::EventRecord back = decode(Bytes(b.begin(), b.end()));
  CHECK(back.voltage_mv == 41810);
  CHECK(back.current_ma == -20);
}

TEST_CASE("event log: every code of §7 has a name and a key, others are unknown", "[bms][eventlog]") {
  const std::tuple<std::uint8_t, const char*, const char*> codes[] = {
      {0x01, "protection / error raised", "raised"},
      {0x02, "protection / error released", "released"},
      {0x10, "power on / reset", "power_on"},
      {0x11, "entered standby", "standby"},
      {0x12, "woke up", "woke"},
      {0x13, "clock set", "clock_set"},
      {0x14, "charge started", "charge_started"},
      {0x15, "charge ended", "charge_ended"},
      {0x16, "firmware updated", "firmware_updated"},
  };
  for (auto [code, name, key] : codes) {
    CHECK(bms::event_name(code) == name);
    CHECK(bms::event_key(code) == key);
  }
  CHECK(bms::event_name(0x42) == "unknown event 0x42");
  CHECK(bms::event_key(0x42) == "unknown_0x42");
  CHECK(bms::event_name(0x00) == "unknown event 0x00");
  CHECK(bms::event_name(0xAB) == "unknown event 0xAB");
}

TEST_CASE("event log: the F1A0 layout of the worked frames", "[bms][eventlog]") {
  auto layout = bms::decode_layout(Bytes{0x00, 0x2A, 0x07, 0xD0, 0x10, 0x40, 0x00, 0x00, 0x00});
  REQUIRE(layout);
  CHECK(layout->count == 42);
  CHECK(layout->capacity == 2000);
  CHECK(layout->record_size == 16);
  CHECK(layout->base == 0x40000000);
  auto short_data = bms::decode_layout(Bytes{0x00, 0x2A, 0x07, 0xD0, 0x10, 0x40, 0x00, 0x00});
  REQUIRE_FALSE(short_data);
  CHECK(short_data.error().code == util::Errc::malformed);
}

TEST_CASE("event log upload: 42 records in one block (§7 steps 1-4)", "[bms][eventlog]") {
  fakelink::FakeLink link;
  LogServer server = server_with(42, 4095);
  link.serve(std::ref(server));
  uds::Client uds(link);
  std::vector<std::pair<std::size_t, std::size_t>> progress;
  auto log = bms::read_event_log(uds, [&](std::size_t done, std::size_t total) { progress.emplace_back(done, total); });
  REQUIRE(log);
  CHECK(log->layout.count == 42);
  CHECK(log->layout.capacity == 2000);
  REQUIRE(log->records.size() == 42);
  CHECK(log->records[0] == decode(k_worked));
  CHECK(bms::to_string(bms::record_time(log->records[41])) == "2020-10-17 16:49:21");
  CHECK(log->records[9].code == 0x42);  // unknown codes come through
  REQUIRE(link.requests.size() == 4);
  CHECK(link.requests[0].bytes == Bytes{0x22, 0xF1, 0xA0});
  CHECK(link.requests[1].bytes == Bytes{0x35, 0x00, 0x44, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xA0});
  CHECK(link.requests[2].bytes == Bytes{0x36, 0x01});
  CHECK(link.requests[3].bytes == Bytes{0x37});
  CHECK(progress == std::vector<std::pair<std::size_t, std::size_t>>{{672, 672}});
  CHECK(link.unexpected.empty());
}

TEST_CASE("event log upload: small blocks, the counter wraps from 0xFF to 0x00", "[bms][eventlog]") {
  fakelink::FakeLink link;
  LogServer server = server_with(300, 10);  // 8 data bytes a block: 600 blocks
  link.serve(std::ref(server));
  uds::Client uds(link);
  std::size_t calls = 0, last_done = 0;
  bool monotonic = true;
  auto log = bms::read_event_log(uds, [&](std::size_t done, std::size_t total) {
    ++calls;
    monotonic = monotonic && done > last_done && total == 4800;
    last_done = done;
  });
  REQUIRE(log);
  REQUIRE(log->records.size() == 300);
  const auto last = bms::encode_record(log->records.back());
  CHECK(Bytes(last.begin(), last.end()) == Bytes(server.data.end() - 16, server.data.end()));
  CHECK(calls == 600);
  CHECK(monotonic);
  CHECK(last_done == 4800);
  // Counters 01 … FF, 00, 01 … in the requests.
  std::vector<std::uint8_t> counters;
  for (const auto& sent : link.requests)
    if (sent.bytes[0] == 0x36) counters.push_back(sent.bytes[1]);
  REQUIRE(counters.size() == 600);
  for (std::size_t k = 0; k < counters.size(); ++k) CHECK(counters[k] == static_cast<std::uint8_t>(k + 1));
  CHECK(counters[254] == 0xFF);
  CHECK(counters[255] == 0x00);
  CHECK(counters[256] == 0x01);
}

TEST_CASE("event log upload: a lost TransferData response is retried with the same counter",
          "[bms][eventlog]") {
  fakelink::FakeLink link;
  LogServer server = server_with(42, 66);  // 64 bytes a block: 11 blocks
  server.drop_transfer = 3;
  link.serve(std::ref(server));
  uds::Client uds(link);
  auto log = bms::read_event_log(uds);
  REQUIRE(log);
  REQUIRE(log->records.size() == 42);
  for (std::size_t i = 0; i < 42; ++i) {
    const auto b = bms::encode_record(log->records[i]);
    CHECK(Bytes(b.begin(), b.end()) ==
          Bytes(server.data.begin() + static_cast<std::ptrdiff_t>(16 * i),
                server.data.begin() + static_cast<std::ptrdiff_t>(16 * i + 16)));
  }
  CHECK(uds.counters().retries == 1);
  CHECK(server.transfers == 12);
  // The third and fourth TransferData are the same request: block 3 twice.
  std::vector<Bytes> transfers;
  for (const auto& sent : link.requests)
    if (sent.bytes[0] == 0x36) transfers.push_back(sent.bytes);
  CHECK(transfers[2] == Bytes{0x36, 0x03});
  CHECK(transfers[3] == Bytes{0x36, 0x03});
  CHECK(transfers[4] == Bytes{0x36, 0x04});
}

TEST_CASE("event log upload: an empty log is not uploaded", "[bms][eventlog]") {
  fakelink::FakeLink link;
  LogServer server = server_with(0, 4095);
  link.serve(std::ref(server));
  uds::Client uds(link);
  auto log = bms::read_event_log(uds);
  REQUIRE(log);
  CHECK(log->records.empty());
  CHECK(log->layout.capacity == 2000);
  CHECK(link.requests.size() == 1);
}

TEST_CASE("event log upload: what the tool refuses to take", "[bms][eventlog]") {
  fakelink::FakeLink link;
  uds::Client uds(link);
  SECTION("records of another size") {
    LogServer server = server_with(42, 4095);
    server.record_size = 32;
    link.serve(std::ref(server));
    auto log = bms::read_event_log(uds);
    REQUIRE_FALSE(log);
    CHECK(log.error().code == util::Errc::malformed);
    CHECK_THAT(log.error().message, Catch::Contains("32 bytes"));
    CHECK(link.requests.size() == 1);
  }
  SECTION("more data than announced") {
    LogServer server = server_with(2, 20);  // 18 + 14 bytes; the BMS sends 18 + 18
    server.extra_bytes = 4;
    link.serve(std::ref(server));
    auto log = bms::read_event_log(uds);
    REQUIRE_FALSE(log);
    CHECK(log.error().code == util::Errc::malformed);
    CHECK_THAT(log.error().message, Catch::Contains("more than the 32"));
  }
  SECTION("a block echoing the wrong counter") {
    LogServer server = server_with(42, 66);
    server.wrong_echo_at = 2;
    link.serve(std::ref(server));
    auto log = bms::read_event_log(uds);
    REQUIRE_FALSE(log);
    CHECK(log.error().code == util::Errc::malformed);
    CHECK_THAT(log.error().message, Catch::StartsWith("uploading the event log (64 of 672 bytes): "));
  }
  SECTION("the upload refused") {
    LogServer server = server_with(42, 4095);
    server.data.pop_back();  // the server expects another size: NRC 0x31
    link.serve(std::ref(server));
    auto log = bms::read_event_log(uds);
    REQUIRE_FALSE(log);
    CHECK(log.error().code == util::Errc::refused);
    CHECK(log.error().detail == 0x31);
    CHECK(log.error().message ==
          "starting the event log upload: RequestUpload refused: request out of range (0x31)");
  }
  SECTION("no answer to the layout") {
    link.serve([](const Bytes&) { return fakelink::Replies{}; });
    auto log = bms::read_event_log(uds);
    REQUIRE_FALSE(log);
    CHECK(log.error().code == util::Errc::no_answer);
    CHECK_THAT(log.error().message, Catch::StartsWith("reading the event log layout: no answer from BMS"));
  }
}
