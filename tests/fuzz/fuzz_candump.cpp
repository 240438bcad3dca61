// Fuzz target: candump -L log lines (`rocketctl decode FILE`, one line per '\n' of the input)
// into can::parse_candump_line. A line that parses is written back with format_candump and
// must parse again to the same record (DLC 9..15 are written as their 8 bytes: DLC 8), and
// append_candump writes the same line plus '\n'. Error frames are translated (bus_error_of).
#include <string>

#include "can/candump.hpp"
#include "fuzz_common.hpp"

namespace {

void one_line(std::string_view line) {
  auto record = can::parse_candump_line(line);
  const char* why = nullptr;
  {
    can::CandumpRecord r2;
    why = can::parse_candump(line, r2);
  }
  FUZZ_CHECK(bool(record) == (why == nullptr), "parse_candump and parse_candump_line disagree");
  if (!record) return;
  FUZZ_CHECK(record->frame.id <= can::k_max_extended_id, "id 0x%X", record->frame.id);
  FUZZ_CHECK(record->frame.extended || record->frame.id <= can::k_max_standard_id,
             "standard id 0x%X", record->frame.id);
  FUZZ_CHECK(record->frame.dlc <= 15, "dlc %u", record->frame.dlc);
  if (record->error) (void)can::describe(can::bus_error_of(*record));

  const std::string written = can::format_candump(*record);
  fmt::memory_buffer buffer;
  can::append_candump(buffer, *record);
  FUZZ_CHECK(std::string(buffer.data(), buffer.size()) == written + "\n",
             "append_candump and format_candump differ for %s", written.c_str());

  auto again = can::parse_candump_line(written);
  FUZZ_CHECK(again, "written line does not parse: %s (%s)", written.c_str(),
             again.error().message.c_str());
  can::Frame expected = record->frame;
  if (!expected.remote && expected.dlc > 8) expected.dlc = 8;
  FUZZ_CHECK(again->time_us == record->time_us && again->iface == record->iface &&
                 again->error == record->error && again->frame == expected,
             "format/parse round trip changed the record: %s", written.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::text(data, size);
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    one_line(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return 0;
}
