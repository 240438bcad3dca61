// The decode command's decoder (bms/decoder.hpp) against the worked frames of rockets-can-v1
// §10: names, directions, addresses and values computed by the decoder from candump lines,
// compared with the reference's values; multi-frame assembly, ISO-TP/UDS, NAKs, incomplete
// messages, raw frames, and the renderer's line and JSON for some of them.

#include <map>

#include <catch2/catch.hpp>

#include "bms/decoder.hpp"
#include "render/decode.hpp"

namespace {

struct Got {
  bms::Message::Kind kind;
  bms::Message::Direction direction;
  std::string name, note, iface;
  std::int64_t time_us;
  std::uint8_t src, dst, code, detail;
  bool complete;
  std::size_t length;
  std::map<std::string, bms::Field> fields;
  std::map<std::string, std::string> texts;
  std::vector<std::string> flags;
  std::vector<double> values;  // every number, in order
  std::string line, json;      // as rendered

  double value(const std::string& n) const {
    INFO(n);
    REQUIRE(fields.count(n));
    return fields.at(n).value;
  }
  std::string unit(const std::string& n) const { return std::string(fields.at(n).unit); }
};

class Collect final : public bms::MessageSink {
public:
  std::vector<Got> got;
  void message(const bms::Message& m) override {
    Got g{m.kind, m.direction, std::string(m.name), std::string(m.note), std::string(m.iface),
          m.time_us, m.src, m.dst, m.code, m.detail, m.complete, m.length, {}, {}, {}, {}, {}, {}};
    for (const bms::Field& f : m.fields) {
      if (f.kind == bms::Field::Kind::flag) {
        g.flags.emplace_back(f.name);
        continue;
      }
      g.fields[std::string(f.name)] = f;
      if (f.kind == bms::Field::Kind::text) g.texts[std::string(f.name)] = std::string(f.text);
      if (f.kind == bms::Field::Kind::number) g.values.push_back(f.value);
    }
    fmt::memory_buffer text, json;
    cli::render_decoded(text, m);
    cli::decoded_json(json, m);
    g.line = fmt::to_string(text);
    g.json = fmt::to_string(json);
    got.push_back(std::move(g));
  }
};

struct Feed {
  bms::Decoder decoder{bms::FrameMap::builtin()};
  Collect sink;
  std::int64_t t = 1764000000000000;
  // "18014001  01 0A 02 03 01 04 02 00" as in §10 -> a candump line -> the decoder.
  void frame(std::string_view id_and_bytes) {
    std::string id(id_and_bytes.substr(0, id_and_bytes.find(' ')));
    std::string data;
    for (char c : id_and_bytes.substr(id.size()))
      if (c != ' ') data += c;
    line(fmt::format("({}.{:06}) sim {}#{}", t / 1000000, t % 1000000, id, data));
    t += 1000;
  }
  void line(const std::string& text) {
    auto r = can::parse_candump_line(text);
    INFO(text);
    REQUIRE(r);
    decoder.feed(*r, sink);
  }
  const Got& last() const {
    REQUIRE_FALSE(sink.got.empty());
    return sink.got.back();
  }
};

}  // namespace

TEST_CASE("decoder: the poll worked frames of section 10, request and response", "[bms][decoder]") {
  Feed f;
  f.frame("18010140 01 00 00 00 00 00 00 00");
  {
    const Got& g = f.last();
    CHECK(g.kind == bms::Message::Kind::poll);
    CHECK(g.name == "CONNECT");
    CHECK(g.direction == bms::Message::Direction::request);
    CHECK(g.src == 0x40);
    CHECK(g.dst == 0x01);
    CHECK(g.value("ProtocolVersion") == 1);
    CHECK(g.line == "1764000000.000000 sim 40->01 CONNECT request: ProtocolVersion=1\n");
  }
  f.frame("18014001 01 0A 02 03 01 04 02 00");
  {
    const Got& g = f.last();
    CHECK(g.direction == bms::Message::Direction::response);
    CHECK(g.src == 0x01);
    CHECK(g.dst == 0x40);
    CHECK(g.value("CellCount") == 10);
    CHECK(g.value("SensorCount") == 2);
    CHECK(g.value("HardwareRevision") == 3);
    CHECK(g.value("FirmwareMajor") == 1);
    CHECK(g.value("FirmwareMinor") == 4);
    CHECK(g.value("FirmwarePatch") == 2);
    CHECK(g.value("Mode") == 0);
  }
  f.frame("18100140 00 00 00 00 00 00 00 00");
  f.frame("18104001 00 00 8E 47 FF FF FF F8");
  {
    const Got& g = f.last();
    CHECK(g.name == "PACK");
    CHECK(g.value("PackVoltage") == Approx(36.423));
    CHECK(g.unit("PackVoltage") == "V");
    CHECK(g.value("PackCurrent") == Approx(-0.008));
    CHECK(g.line ==
          "1764000000.003000 sim 01->40 PACK response: PackVoltage=36.423 V, PackCurrent=-0.008 A\n");
    CHECK(g.json ==
          R"({"time":1764000000.003000,"iface":"sim","kind":"poll","id":"18104001","src":1,"dst":64,)"
          R"("name":"PACK","direction":"response","cmd":16,"complete":true,"signals":{"PackVoltage":)"
          R"({"value":36.423,"unit":"V"},"PackCurrent":{"value":-0.008,"unit":"A"}}})"
          "\n");
  }
  f.frame("18114001 28 00 12 7C 00 2D 50 FF");
  CHECK(f.last().value("RSOC") == 40);
  CHECK(f.last().value("RemainingCapacity") == 4732);
  CHECK(f.last().value("FullChargeCapacity") == 11600);
  CHECK(f.last().fields.count("Reserved") == 0);
  f.frame("18124001 00 D4 00 D3 00 E3 02 01");
  CHECK(f.last().name == "TEMPERATURE SUMMARY");
  CHECK(f.last().value("HighestTemperature") == Approx(21.2));
  CHECK(f.last().value("LowestTemperature") == Approx(21.1));
  CHECK(f.last().value("MosTemperature") == Approx(22.7));
  CHECK(f.last().value("HighestSensor") == 2);
  CHECK(f.last().value("LowestSensor") == 1);
  CHECK(f.last().line.find("MosTemperature=22.7 °C") != std::string::npos);
  f.frame("18134001 0E 3C 04 0E 39 03 0A FF");
  CHECK(f.last().value("HighestCellVoltage") == Approx(3.644));
  CHECK(f.last().value("HighestCell") == 4);
  CHECK(f.last().value("LowestCellVoltage") == Approx(3.641));
  CHECK(f.last().value("LowestCell") == 3);
  f.frame("18164001 00 00 00 41 00 00 00 00");
  CHECK(f.last().name == "STATUS");
  CHECK(f.last().flags == std::vector<std::string>{"D_MOS", "C_MOS"});
  CHECK(f.last().value("BalancingCells") == 0);
  CHECK(f.last().line ==
        "1764000000.007000 sim 01->40 STATUS response: flags=D_MOS C_MOS, BalancingCells=0\n");
  f.frame("18174001 00 00 00 5F FF FF FF FF");
  CHECK(f.last().value("CycleCount") == 0);
  CHECK(f.last().value("LongestUncharged") == 95);
  CHECK(f.last().unit("LongestUncharged") == "h");
  f.frame("18184001 14 0A 11 10 30 28 FF FF");
  CHECK(f.last().values == std::vector<double>{2020, 10, 17, 16, 48, 40});
  f.frame("18194001 FF FF FF FF FF FF FF FF");
  CHECK(f.last().name == "SHELL RESISTANCE");
  CHECK(f.last().fields.at("ResistancePositive").kind == bms::Field::Kind::absent);
  CHECK(f.last().fields.at("ResistanceNegative").kind == bms::Field::Kind::absent);
  CHECK(f.last().line.find("ResistancePositive=n/a, ResistanceNegative=n/a") != std::string::npos);
  f.frame("18200140 1A 0B 18 0A 00 00 00 00");
  CHECK(f.last().name == "SET CLOCK");
  CHECK(f.last().direction == bms::Message::Direction::request);
  CHECK(f.last().values == std::vector<double>{2026, 11, 24, 10, 0, 0});
  f.frame("18210140 A5 5A 00 00 00 00 00 00");
  CHECK(f.last().name == "SLEEP");
  CHECK(f.last().value("Guard") == 0xA55A);
  f.frame("18200140 17 02 1D 0A 00 00 00 00");
  f.frame("187F4001 20 02 00 00 00 00 00 00");
  {
    const Got& g = f.last();
    CHECK(g.direction == bms::Message::Direction::negative);
    CHECK(g.name == "SET CLOCK");
    CHECK(g.code == 0x20);
    CHECK(g.detail == 0x02);
    CHECK(g.note == "invalid parameter (0x02)");
    CHECK(g.line == "1764000000.014000 sim 01->40 SET CLOCK NAK: invalid parameter (0x02)\n");
  }
  CHECK(f.decoder.counters().messages == f.sink.got.size());
  CHECK(f.decoder.counters().incomplete == 0);
}

TEST_CASE("decoder: multi-frame responses are assembled into one message", "[bms][decoder]") {
  Feed f;
  f.frame("18010140 01 00 00 00 00 00 00 00");
  f.frame("18014001 01 0A 02 03 01 04 02 00");  // 10 cells, 2 sensors
  f.frame("18020140 00 00 00 00 00 00 00 00");
  const auto before = f.sink.got.size();
  f.frame("18024001 01 52 4B 53 33 36 31 31");
  f.frame("18024001 03 31 32 33 00 00 00 00");  // any order (§3.2)
  CHECK(f.sink.got.size() == before);           // not yet: frame 2 is missing
  f.frame("18024001 02 41 32 30 31 30 30 30");
  REQUIRE(f.sink.got.size() == before + 1);
  CHECK(f.last().name == "IDENTITY");
  CHECK(f.last().texts.at("Serial") == "RKS3611A201000123");
  CHECK(f.last().complete);
  CHECK(f.last().time_us == 1764000000003000);  // the first frame's time

  f.frame("18140140 00 00 00 00 00 00 00 00");
  f.frame("18144001 01 0E 3A 0E 3B 0E 39 FF");
  f.frame("18144001 02 0E 3C 0E 3A 0E 3B FF");
  f.frame("18144001 03 0E 3A 0E 39 0E 3B FF");
  f.frame("18144001 04 0E 3A FF FF FF FF FF");
  {
    const Got& g = f.last();
    CHECK(g.name == "CELL VOLTAGES");
    std::vector<int> mv;
    for (double v : g.values) mv.push_back(static_cast<int>(std::lround(v * 1000)));
    // The reference battery's cells (§11), the 0xFFFF slots past cell 10 left out.
    CHECK(mv == std::vector<int>{3642, 3643, 3641, 3644, 3642, 3643, 3642, 3641, 3643, 3642});
    CHECK(g.fields.count("CellVoltage11") == 0);
    CHECK(g.fields.count("Reserved") == 0);
  }
  f.frame("18150140 00 00 00 00 00 00 00 00");
  f.frame("18154001 01 00 D3 00 D4 7F FF FF");  // 2 sensors: one frame
  CHECK(f.last().name == "TEMPERATURES");
  CHECK(f.last().values == std::vector<double>{21.1, 21.2});
  CHECK(f.decoder.counters().incomplete == 0);

  // A frame lost: the next request ends the assembly, which is given as incomplete.
  f.frame("18140140 00 00 00 00 00 00 00 00");
  f.frame("18144001 01 0E 3A 0E 3B 0E 39 FF");
  f.frame("18144001 02 0E 3C 0E 3A 0E 3B FF");
  f.frame("18144001 04 0E 3A FF FF FF FF FF");
  f.frame("18100140 00 00 00 00 00 00 00 00");
  REQUIRE(f.sink.got.size() >= 2);
  const Got& partial = f.sink.got[f.sink.got.size() - 2];
  CHECK(partial.name == "CELL VOLTAGES");
  CHECK_FALSE(partial.complete);
  CHECK(partial.note == "incomplete: 1 of 4 frames missing");
  CHECK(partial.values.size() == 7);
  CHECK(f.last().name == "PACK");
}

// Found by tests/fuzz/fuzz_decode (regressions/fuzz_decode/connect_255_cells.log): 255 cells
// made the decoder expect 85 frames, and giving the assembly up read past its 32 frame slots.
TEST_CASE("decoder: a cell count past what one response can carry expects at most 32 frames",
          "[bms][decoder]") {
  Feed f;
  f.frame("18014001 01 FF 02 03 01 04 02 00");  // CONNECT: 255 cells
  f.frame("18144001 01 0E 3A 0E 3B 0E 39 FF");
  f.decoder.finish(f.sink);
  REQUIRE(f.sink.got.size() == 2);
  CHECK(f.last().name == "CELL VOLTAGES");
  CHECK_FALSE(f.last().complete);
  CHECK(f.last().note == "incomplete: 31 of 32 frames missing");
  CHECK(f.last().values.size() == 3);
}

TEST_CASE("decoder: without a CONNECT in the trace, a multi-frame answer ends at the next request "
          "or at the end", "[bms][decoder]") {
  Feed f;
  f.frame("18144001 01 0E 3A 0E 3B 0E 39 FF");
  f.frame("18144001 02 0E 3C 0E 3A 0E 3B FF");
  CHECK(f.sink.got.empty());
  f.decoder.finish(f.sink);
  REQUIRE(f.sink.got.size() == 1);
  CHECK_FALSE(f.last().complete);
  CHECK(f.last().values.size() == 6);
  CHECK(f.last().note == "incomplete: 2 frame(s) seen, count unknown (no CONNECT in the trace)");
  // A CELL SUMMARY gives the count too.
  f.frame("18134001 0E 3C 04 0E 39 03 04 FF");  // 4 cells -> 2 frames
  f.frame("18144001 01 0E 3A 0E 3B 0E 39 FF");
  f.frame("18144001 02 0E 3C FF FF FF FF FF");
  CHECK(f.last().complete);
  CHECK(f.last().values.size() == 4);
}

TEST_CASE("decoder: the diagnostic channel worked frames, ISO-TP reassembled, UDS named",
          "[bms][decoder]") {
  Feed f;
  f.frame("18DA0140 03 22 F1 A0 CC CC CC CC");
  {
    const Got& g = f.last();
    CHECK(g.kind == bms::Message::Kind::uds);
    CHECK(g.name == "ReadDataByIdentifier");
    CHECK(g.direction == bms::Message::Direction::request);
    CHECK(g.src == 0x40);
    CHECK(g.dst == 0x01);
    CHECK(g.fields.at("did").raw == 0xF1A0);
    CHECK(g.texts.at("data") == "event log");
    CHECK(g.line ==
          "1764000000.000000 sim 40->01 UDS ReadDataByIdentifier request: did=0xF1A0, data=event log\n");
  }
  f.frame("18DA4001 10 0C 62 F1 A0 00 2A 07");
  f.frame("18DA0140 30 00 00 CC CC CC CC CC");  // flow control CTS: no line
  CHECK(f.sink.got.size() == 1);
  f.frame("18DA4001 21 D0 10 40 00 00 00 CC");
  REQUIRE(f.sink.got.size() == 2);
  {
    const Got& g = f.last();
    CHECK(g.direction == bms::Message::Direction::response);
    CHECK(g.length == 12);
    CHECK(g.time_us == 1764000000001000);  // the first frame's
    CHECK(g.value("records") == 42);
    CHECK(g.value("capacity") == 2000);
    CHECK(g.value("record_size") == 16);
    CHECK(g.fields.at("base").raw == 0x40000000);
    CHECK(g.line == "1764000000.001000 sim 01->40 UDS ReadDataByIdentifier response: did=0xF1A0, "
                    "data=event log, records=42, capacity=2000, record_size=16 B, base=0x40000000\n");
  }
  // The upload of §7 step 2-4, and a negative response.
  f.frame("18DA0140 10 0B 35 00 44 40 00 00");
  f.frame("18DA4001 30 20 00 CC CC CC CC CC");
  f.frame("18DA0140 21 00 00 00 02 A0 CC CC");
  CHECK(f.last().name == "RequestUpload");
  CHECK(f.last().fields.at("address").raw == 0x40000000);
  CHECK(f.last().value("size") == 42 * 16);
  f.frame("18DA4001 04 75 20 0F FF CC CC CC");
  CHECK(f.last().value("max_block_length") == 4095);
  f.frame("18DA0140 02 36 01 CC CC CC CC CC");
  CHECK(f.last().name == "TransferData");
  CHECK(f.last().value("counter") == 1);
  f.frame("18DA4001 03 7F 36 24 CC CC CC CC");
  {
    const Got& g = f.last();
    CHECK(g.direction == bms::Message::Direction::negative);
    CHECK(g.name == "TransferData");
    CHECK(g.detail == 0x24);
    CHECK(g.note == "request sequence error (0x24)");
    CHECK(g.line ==
          "1764000000.009000 sim 01->40 UDS TransferData negative: request sequence error (0x24)\n");
  }
  // Security access with the §10 seed and key.
  f.frame("18DA4001 06 67 01 11 22 33 44 CC");
  CHECK(f.last().texts.at("seed") == "11 22 33 44");
  f.frame("18DA0140 06 27 02 5E 8F DE 83 CC");
  CHECK(f.last().texts.at("key") == "5E 8F DE 83");
  // A reception cut short by the end of the trace.
  f.frame("18DA4001 10 0C 62 F1 A0 00 2A 07");
  f.decoder.finish(f.sink);
  CHECK(f.last().kind == bms::Message::Kind::isotp);
  CHECK_FALSE(f.last().complete);
  CHECK(f.last().note == "message given up after 6 of 12 bytes: the trace ends");
}

TEST_CASE("decoder: unknown ids, error frames and short frames are shown, never an error",
          "[bms][decoder]") {
  Feed f;
  f.line("(1.000000) can0 123#1122");
  CHECK(f.last().kind == bms::Message::Kind::raw);
  CHECK(f.last().line == "1.000000 can0 raw 123#1122 (standard id (not this protocol))\n");
  f.line("(1.000001) can0 0CF00400#0102");
  CHECK(f.last().note == "unknown id");
  f.line("(1.000002) can0 18104001#0000");
  CHECK(f.last().kind == bms::Message::Kind::raw);
  CHECK(f.last().note == "poll frame shorter than 8 bytes (a receiver drops it)");
  f.line("(1.000003) can0 18424001#0000000000000000");
  CHECK(f.last().note == "response of an unknown command");
  f.line("(1.000004) can0 20000240#000000000000FF03");
  CHECK(f.last().kind == bms::Message::Kind::bus_error);
  CHECK(f.last().value("tx_errors") == 255);
  CHECK(f.last().line.rfind("1.000004 can0 bus error: the CAN controller is bus-off", 0) == 0);
  CHECK(f.last().json.find(R"("kind":"bus_error","id":"20000240","frame":"20000240#000000000000FF03")") !=
        std::string::npos);
  CHECK(f.decoder.counters().raw == 4);
  CHECK(f.decoder.counters().bus_errors == 1);
}

TEST_CASE("decoder: memory stays bounded: more open assemblies than slots give up the oldest",
          "[bms][decoder]") {
  Feed f;
  // 40 packs each start a CELL VOLTAGES answer without finishing it (no count known).
  for (int bms = 1; bms <= 40; ++bms)
    f.frame(fmt::format("181440{:02X} 01 0E 3A 0E 3B 0E 39 FF", bms));
  // Slots are few: the ones beyond them came out early, incomplete; the rest at the end.
  const auto early = f.sink.got.size();
  CHECK(early == 40 - 16);
  f.decoder.finish(f.sink);
  CHECK(f.sink.got.size() == 40);
  for (const Got& g : f.sink.got) CHECK_FALSE(g.complete);
}
