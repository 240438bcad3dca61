// Fuzz target: a candump log (`rocketctl decode FILE`) through can::parse_candump_line and the
// streaming bms::Decoder with the built-in frame map: poll assembly, passive ISO-TP reception,
// UDS naming. Every message's fields and texts are read (ASan sees a dangling view), and the
// counters must add up: one frame counted per record fed, messages and incomplete ones as the
// sink got them, field lists within the decoder's fixed buffer.
#include <string>

#include "bms/decoder.hpp"
#include "fuzz_common.hpp"

namespace {

struct Sink final : bms::MessageSink {
  std::uint64_t messages = 0, incomplete = 0;
  std::size_t sum = 0;
  void message(const bms::Message& m) override {
    ++messages;
    if (!m.complete) ++incomplete;
    sum += fuzz::touch(m.name) + fuzz::touch(m.note) + fuzz::touch(m.iface);
    FUZZ_CHECK(m.fields.size() <= 128, "%zu fields", m.fields.size());
    for (const bms::Field& f : m.fields) sum += fuzz::touch(f.name) + fuzz::touch(f.unit) + fuzz::touch(f.text);
    if (m.kind == bms::Message::Kind::raw || m.kind == bms::Message::Kind::bus_error)
      FUZZ_CHECK(m.frame != nullptr, "a raw or bus error message without its frame");
    if (m.frame) sum += m.frame->payload().size();
    if (m.kind == bms::Message::Kind::uds) FUZZ_CHECK(m.length <= 4095, "UDS message of %zu bytes", m.length);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bms::FrameMap& map = bms::FrameMap::builtin();
  bms::Decoder decoder(map);
  Sink sink;
  std::uint64_t fed = 0;
  std::string_view text = fuzz::text(data, size);
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    if (auto record = can::parse_candump_line(text.substr(0, end))) {
      decoder.feed(*record, sink);
      ++fed;
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  decoder.finish(sink);
  const auto& c = decoder.counters();
  FUZZ_CHECK(c.frames == fed, "%llu frames counted, %llu fed", (unsigned long long)c.frames,
             (unsigned long long)fed);
  FUZZ_CHECK(c.messages == sink.messages && c.incomplete == sink.incomplete,
             "counters say %llu messages (%llu incomplete), the sink got %llu (%llu)",
             (unsigned long long)c.messages, (unsigned long long)c.incomplete,
             (unsigned long long)sink.messages, (unsigned long long)sink.incomplete);
  return 0;
}
