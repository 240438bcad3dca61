// Fuzz target: a DBC given with --dbc (a firmware variant's frame map) into dbc::parse and
// bms::FrameMap::from_database, then, with a map that is accepted, what the client and
// `rocketctl decode` do with it: the §10 worked frames through every response decoder and the
// streaming bms::Decoder, and every request encoded. The signals' sizes, scaling and byte
// order are the fuzzer's, so this finds what a strange but accepted DBC does to the decoders.
#include <array>

#include "bms/decoder.hpp"
#include "bms/messages.hpp"
#include "dbc/parser.hpp"
#include "fuzz_common.hpp"

namespace {

can::Frame frame(std::uint32_t id, std::array<std::uint8_t, 8> data) {
  return can::make_frame(id, data);
}

struct Sink final : bms::MessageSink {
  std::size_t sum = 0;
  void message(const bms::Message& m) override {
    sum += fuzz::touch(m.name) + fuzz::touch(m.note);
    for (const bms::Field& f : m.fields) sum += fuzz::touch(f.name) + fuzz::touch(f.unit) + fuzz::touch(f.text);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bms;
  auto db = dbc::parse(fuzz::text(data, size), "fuzz.dbc");
  if (!db) return 0;
  auto map = FrameMap::from_database(std::move(*db), "fuzz.dbc");
  if (!map) return 0;

  // rockets-can-v1 §10, tool 0x40, BMS 0x01.
  const std::array<can::Frame, 17> worked = {
      frame(0x18014001, {0x01, 0x0A, 0x02, 0x03, 0x01, 0x04, 0x02, 0x00}),
      frame(0x18024001, {0x01, 0x52, 0x4B, 0x53, 0x33, 0x36, 0x31, 0x31}),
      frame(0x18024001, {0x02, 0x41, 0x32, 0x30, 0x31, 0x30, 0x30, 0x30}),
      frame(0x18024001, {0x03, 0x31, 0x32, 0x33, 0x00, 0x00, 0x00, 0x00}),
      frame(0x18104001, {0x00, 0x00, 0x8E, 0x47, 0xFF, 0xFF, 0xFF, 0xF8}),
      frame(0x18114001, {0x28, 0x00, 0x12, 0x7C, 0x00, 0x2D, 0x50, 0xFF}),
      frame(0x18124001, {0x00, 0xD4, 0x00, 0xD3, 0x00, 0xE3, 0x02, 0x01}),
      frame(0x18134001, {0x0E, 0x3C, 0x04, 0x0E, 0x39, 0x03, 0x0A, 0xFF}),
      frame(0x18144001, {0x01, 0x0E, 0x3A, 0x0E, 0x3B, 0x0E, 0x39, 0xFF}),
      frame(0x18144001, {0x02, 0x0E, 0x3C, 0x0E, 0x3A, 0x0E, 0x3B, 0xFF}),
      frame(0x18154001, {0x01, 0x00, 0xD3, 0x00, 0xD4, 0x7F, 0xFF, 0xFF}),
      frame(0x18164001, {0x00, 0x00, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00}),
      frame(0x18174001, {0x00, 0x00, 0x00, 0x5F, 0xFF, 0xFF, 0xFF, 0xFF}),
      frame(0x18184001, {0x14, 0x0A, 0x11, 0x10, 0x30, 0x28, 0xFF, 0xFF}),
      frame(0x18194001, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}),
      frame(0x187F4001, {0x20, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}),
      frame(0x18200140, {0x1A, 0x0B, 0x18, 0x0A, 0x00, 0x00, 0x00, 0x00}),
  };
  const FrameMap& m = *map;
  for (const can::Frame& f : worked) {
    (void)m.match(f);
    (void)decode_connect(m, f);
    (void)decode_pack(m, f);
    (void)decode_capacity(m, f);
    (void)decode_temp_summary(m, f);
    (void)decode_cell_summary(m, f);
    (void)decode_status(m, f);
    (void)decode_cycles(m, f);
    (void)decode_clock(m, Command::clock, f);
    (void)decode_shell(m, f);
    (void)decode_nak(m, f);
    (void)decode_set_clock_request(m, f);
    (void)decode_sleep_request(m, f);
    (void)frame_number(m, Command::cell_voltages, f);
  }
  const std::vector<can::Frame> identity(worked.begin() + 1, worked.begin() + 4);
  (void)decode_identity(m, identity);
  (void)decode_cell_voltages(m, {worked[8], worked[9]}, 5);
  (void)decode_temperatures(m, {worked[10]}, 2);
  for (Command cmd : {Command::connect, Command::identity, Command::pack, Command::status,
                      Command::cell_voltages, Command::sleep})
    (void)encode_request(m, cmd, {0x01, 0x40});
  (void)encode_set_clock(m, Calendar{2026, 11, 24, 10, 0, 0}, {0x01, 0x40});

  Decoder decoder(m);
  Sink sink;
  for (const can::Frame& f : worked) decoder.feed(can::CandumpRecord{0, "can0", f, false}, sink);
  decoder.finish(sink);
  return 0;
}
