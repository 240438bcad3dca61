// Fuzz target: the event log (§7). Every 16 bytes of the input are a record: decode_record
// then encode_record must give the same bytes back (event_log.cpp keeps every field for that),
// and its names and calendar time must not fail. The input is also the layout (DID F1A0,
// decode_layout) and, through fuzz_link.hpp, the BMS's answers to a whole upload
// (read_event_log): success means layout.count records of 16 bytes.
#include "bms/event_log.hpp"
#include "fuzz_link.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  for (std::size_t at = 0; at + bms::k_record_size <= size; at += bms::k_record_size) {
    std::span<const std::uint8_t, bms::k_record_size> bytes(data + at, bms::k_record_size);
    const bms::EventRecord r = bms::decode_record(bytes);
    const auto back = bms::encode_record(r);
    FUZZ_CHECK(std::equal(back.begin(), back.end(), bytes.begin()),
               "encode_record(decode_record(b)) != b at offset %zu", at);
    (void)bms::event_name(r.code);
    (void)bms::event_key(r.code);
    const bms::Calendar c = bms::record_time(r);
    FUZZ_CHECK(bms::is_valid(c), "record time %u is not a valid calendar time", r.time_s);
  }
  if (auto layout = bms::decode_layout(std::span<const std::uint8_t>(data, size)))
    FUZZ_CHECK(layout->count >= 0 && layout->count <= 0xFFFF, "count %d", layout->count);

  fuzz::Input in(data, size);
  fakelink::FakeLink link;
  fuzz::serve_from(link, in);
  uds::Client client(link);
  std::size_t last_done = 0;
  auto log = bms::read_event_log(client, [&](std::size_t done, std::size_t total) {
    FUZZ_CHECK(done > last_done && done <= total, "progress %zu of %zu after %zu", done, total,
               last_done);
    last_done = done;
  });
  if (log) {
    FUZZ_CHECK(log->layout.record_size == 16, "record size %d", log->layout.record_size);
    FUZZ_CHECK(log->records.size() == static_cast<std::size_t>(log->layout.count),
               "%zu records for a count of %d", log->records.size(), log->layout.count);
  }
  return 0;
}
