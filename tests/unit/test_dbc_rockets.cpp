// proto/rockets.dbc against the worked frames of rockets-can-v1 section 10 (and the fixed
// responses of section 4): every frame decoded from its literal bytes through the DBC, physical
// values checked, then encoded back from those values to the same bytes.
#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dbc/codec.hpp"
#include "dbc/parser.hpp"

namespace {

using Bytes = std::vector<std::uint8_t>;
using Values = std::vector<std::pair<std::string, double>>;

const dbc::Database& rockets() {
  static const dbc::Database db = [] {
    auto loaded = dbc::load_file(std::string(ROCKETCTL_SOURCE_DIR) + "/proto/rockets.dbc");
    if (!loaded) FAIL(loaded.error().message);
    return *loaded;
  }();
  return db;
}

const dbc::Message& message(std::uint32_t id) {
  const dbc::Message* m = rockets().find(id, true);
  INFO("id " << std::hex << id);
  REQUIRE(m != nullptr);
  CHECK(m->dlc == 8);
  return *m;
}

std::map<std::string, dbc::Value> decode(const dbc::Message& m, const Bytes& data) {
  std::map<std::string, dbc::Value> out;
  for (const auto& v : dbc::decode(m, data)) out.emplace(v.signal->name, v);
  return out;
}

// Decodes `data` as message `id` (named `name`): `expected` must name every decoded signal but
// Reserved, whose raw value must be its start value. Then encodes `expected` back to `data`.
void check_frame(std::uint32_t id, const std::string& name, const Bytes& data,
                 const Values& expected) {
  INFO(name << " " << std::hex << id);
  const dbc::Message& m = message(id);
  CHECK(m.name == name);
  auto decoded = decode(m, data);
  for (const auto& [signal, physical] : expected) {
    INFO(signal);
    REQUIRE(decoded.count(signal) == 1);
    CHECK(decoded.at(signal).physical == Approx(physical).margin(1e-9));
    decoded.erase(signal);
  }
  if (decoded.count("Reserved") == 1) {
    const auto& reserved = decoded.at("Reserved");
    REQUIRE(reserved.signal->start_value);
    CHECK(reserved.raw == *reserved.signal->start_value);
    decoded.erase("Reserved");
  }
  for (const auto& [signal, value] : decoded) FAIL_CHECK("signal not checked: " << signal);

  std::map<std::string, double> physical(expected.begin(), expected.end());
  auto encoded = dbc::encode(m, physical);
  INFO((encoded ? std::string() : encoded.error().message));
  REQUIRE(encoded);
  CHECK(*encoded == data);
}

std::string description(std::uint32_t id, const std::string& signal, std::int64_t raw) {
  const dbc::Signal* s = message(id).find(signal);
  REQUIRE(s != nullptr);
  auto it = s->values.find(raw);
  return it == s->values.end() ? "" : it->second;
}

}  // namespace

TEST_CASE("rockets.dbc: CONNECT request and response", "[dbc]") {
  check_frame(0x18010140, "CONNECT_REQ", {0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
              {{"ProtocolVersion", 1}});
  // 10 cells, 2 sensors, hw 3, fw 1.4.2, application
  check_frame(0x18014001, "CONNECT_RSP", {0x01, 0x0A, 0x02, 0x03, 0x01, 0x04, 0x02, 0x00},
              {{"ProtocolVersion", 1},
               {"CellCount", 10},
               {"SensorCount", 2},
               {"HardwareRevision", 3},
               {"FirmwareMajor", 1},
               {"FirmwareMinor", 4},
               {"FirmwarePatch", 2},
               {"Mode", 0}});
  CHECK(description(0x18014001, "Mode", 0) == "application");
  CHECK(description(0x18014001, "Mode", 1) == "bootloader");
}

TEST_CASE("rockets.dbc: IDENTITY, three multiplexed frames", "[dbc]") {
  const Bytes f1{0x01, 0x52, 0x4B, 0x53, 0x33, 0x36, 0x31, 0x31};  // "RKS3611"
  const Bytes f2{0x02, 0x41, 0x32, 0x30, 0x31, 0x30, 0x30, 0x30};  // "A201000"
  const Bytes f3{0x03, 0x31, 0x32, 0x33, 0x00, 0x00, 0x00, 0x00};  // "123"
  check_frame(0x18024001, "IDENTITY_RSP", f1,
              {{"FrameNumber", 1},
               {"SerialChar1", 'R'},
               {"SerialChar2", 'K'},
               {"SerialChar3", 'S'},
               {"SerialChar4", '3'},
               {"SerialChar5", '6'},
               {"SerialChar6", '1'},
               {"SerialChar7", '1'}});
  check_frame(0x18024001, "IDENTITY_RSP", f2,
              {{"FrameNumber", 2},
               {"SerialChar8", 'A'},
               {"SerialChar9", '2'},
               {"SerialChar10", '0'},
               {"SerialChar11", '1'},
               {"SerialChar12", '0'},
               {"SerialChar13", '0'},
               {"SerialChar14", '0'}});
  check_frame(0x18024001, "IDENTITY_RSP", f3,
              {{"FrameNumber", 3},
               {"SerialChar15", '1'},
               {"SerialChar16", '2'},
               {"SerialChar17", '3'},
               {"SerialChar18", 0},
               {"SerialChar19", 0},
               {"SerialChar20", 0},
               {"SerialChar21", 0}});
  // The 21 characters concatenate in frame order (any arrival order).
  std::string serial(21, '?');
  for (const Bytes* frame : {&f3, &f1, &f2})
    for (const auto& v : dbc::decode(message(0x18024001), *frame))
      if (v.signal->name.rfind("SerialChar", 0) == 0)
        serial.at(std::stoul(v.signal->name.substr(10)) - 1) = static_cast<char>(v.raw);
  CHECK(serial == std::string("RKS3611A201000123\0\0\0\0", 21));
  check_frame(0x18020140, "IDENTITY_REQ", Bytes(8, 0x00), {});
}

TEST_CASE("rockets.dbc: PACK, CAPACITY, TEMP SUMMARY, CELL SUMMARY", "[dbc]") {
  check_frame(0x18104001, "PACK_RSP", {0x00, 0x00, 0x8E, 0x47, 0xFF, 0xFF, 0xFF, 0xF8},
              {{"PackVoltage", 36.423}, {"PackCurrent", -0.008}});
  check_frame(0x18114001, "CAPACITY_RSP", {0x28, 0x00, 0x12, 0x7C, 0x00, 0x2D, 0x50, 0xFF},
              {{"RSOC", 40}, {"RemainingCapacity", 4732}, {"FullChargeCapacity", 11600}});
  check_frame(0x18124001, "TEMP_SUMMARY_RSP", {0x00, 0xD4, 0x00, 0xD3, 0x00, 0xE3, 0x02, 0x01},
              {{"HighestTemperature", 21.2},
               {"LowestTemperature", 21.1},
               {"MosTemperature", 22.7},
               {"HighestSensor", 2},
               {"LowestSensor", 1}});
  check_frame(0x18134001, "CELL_SUMMARY_RSP", {0x0E, 0x3C, 0x04, 0x0E, 0x39, 0x03, 0x0A, 0xFF},
              {{"HighestCellVoltage", 3.644},
               {"HighestCell", 4},
               {"LowestCellVoltage", 3.641},
               {"LowestCell", 3},
               {"CellCount", 10}});
  for (std::uint32_t cmd : {0x10u, 0x11u, 0x12u, 0x13u})
    CHECK(dbc::encode(message(0x18000140 | cmd << 16), {}) == Bytes(8, 0x00));
}

TEST_CASE("rockets.dbc: CELL VOLTAGES, four frames", "[dbc]") {
  const std::uint32_t id = 0x18144001;
  check_frame(id, "CELL_VOLTAGES_RSP", {0x01, 0x0E, 0x3A, 0x0E, 0x3B, 0x0E, 0x39, 0xFF},
              {{"FrameNumber", 1},
               {"CellVoltage1", 3.642},
               {"CellVoltage2", 3.643},
               {"CellVoltage3", 3.641}});
  check_frame(id, "CELL_VOLTAGES_RSP", {0x02, 0x0E, 0x3C, 0x0E, 0x3A, 0x0E, 0x3B, 0xFF},
              {{"FrameNumber", 2},
               {"CellVoltage4", 3.644},
               {"CellVoltage5", 3.642},
               {"CellVoltage6", 3.643}});
  check_frame(id, "CELL_VOLTAGES_RSP", {0x03, 0x0E, 0x3A, 0x0E, 0x39, 0x0E, 0x3B, 0xFF},
              {{"FrameNumber", 3},
               {"CellVoltage7", 3.642},
               {"CellVoltage8", 3.641},
               {"CellVoltage9", 3.643}});
  check_frame(id, "CELL_VOLTAGES_RSP", {0x04, 0x0E, 0x3A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
              {{"FrameNumber", 4},
               {"CellVoltage10", 3.642},
               {"CellVoltage11", 65.535},
               {"CellVoltage12", 65.535}});
  CHECK(description(id, "CellVoltage11", 0xFFFF) == "absent");
  CHECK(description(id, "CellVoltage33", 0xFFFF) == "absent");
  // Frame 11 holds cells 31..33; unnamed slots take 0, the reserved byte its 0xFF.
  auto last = dbc::encode_raw(message(id), {{"FrameNumber", 11}, {"CellVoltage31", 0x0E3A}});
  REQUIRE(last);
  CHECK(*last == Bytes{0x0B, 0x0E, 0x3A, 0x00, 0x00, 0x00, 0x00, 0xFF});
}

TEST_CASE("rockets.dbc: TEMPERATURES and STATUS", "[dbc]") {
  check_frame(0x18154001, "TEMPERATURES_RSP", {0x01, 0x00, 0xD3, 0x00, 0xD4, 0x7F, 0xFF, 0xFF},
              {{"FrameNumber", 1},
               {"Temperature1", 21.1},
               {"Temperature2", 21.2},
               {"Temperature3", 3276.7}});
  CHECK(description(0x18154001, "Temperature3", 0x7FFF) == "absent");
  // negative temperatures: -10.5 degC = 0xFF97
  auto cold = dbc::encode(message(0x18154001), {{"FrameNumber", 6}, {"Temperature18", -10.5}});
  REQUIRE(cold);
  CHECK(*cold == Bytes{0x06, 0x00, 0x00, 0x00, 0x00, 0xFF, 0x97, 0xFF});

  const char* const flags[27] = {
      "Flag_D_MOS",   "Flag_UV",      "Flag_DOC",    "Flag_DOL",   "Flag_SC",     "Flag_PF",
      "Flag_C_MOS",   "Flag_OV",      "Flag_COC",    "Flag_TOV",   "Flag_TUV",    "Flag_ODV",
      "Flag_DOT",     "Flag_DUT",     "Flag_COT",    "Flag_CUT",   "Flag_MOS_OT", "Flag_LR",
      "Flag_P_MOS",   "Flag_E2_E",    "Flag_AFE_E",  "Flag_RTC_E", "Flag_2nd_OT", "Flag_2nd_OV",
      "Flag_D_MOS_E", "Flag_C_MOS_E", "Flag_P_MOS_E"};
  Values normal{{"BalancingCells", 0}};
  for (int bit = 0; bit < 27; ++bit) normal.emplace_back(flags[bit], bit == 0 || bit == 6 ? 1 : 0);
  // D-MOS, C-MOS on; no balancing
  check_frame(0x18164001, "STATUS_RSP", {0x00, 0x00, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00}, normal);
  // one flag per byte of the status word: bit 26 (byte 0), 16 (byte 1), 8 (byte 2), 7 (byte 3)
  auto status = dbc::encode(message(0x18164001), {{"Flag_P_MOS_E", 1},
                                                  {"Flag_MOS_OT", 1},
                                                  {"Flag_COC", 1},
                                                  {"Flag_OV", 1},
                                                  {"BalancingCells", 0x205}});
  REQUIRE(status);
  CHECK(*status == Bytes{0x04, 0x01, 0x01, 0x80, 0x00, 0x00, 0x02, 0x05});
}

TEST_CASE("rockets.dbc: CYCLES, CLOCK, SHELL RESISTANCE", "[dbc]") {
  check_frame(0x18174001, "CYCLES_RSP", {0x00, 0x00, 0x00, 0x5F, 0xFF, 0xFF, 0xFF, 0xFF},
              {{"CycleCount", 0}, {"LongestUncharged", 95}});
  // 2020-10-17 16:48:40
  check_frame(
      0x18184001, "CLOCK_RSP", {0x14, 0x0A, 0x11, 0x10, 0x30, 0x28, 0xFF, 0xFF},
      {{"Year", 2020}, {"Month", 10}, {"Day", 17}, {"Hour", 16}, {"Minute", 48}, {"Second", 40}});
  // not measured (NULL)
  check_frame(0x18194001, "SHELL_RESISTANCE_RSP", {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
              {{"ResistancePositive", 65535}, {"ResistanceNegative", 65535}});
  CHECK(description(0x18194001, "ResistancePositive", 0xFFFF) == "not measured");
  CHECK(description(0x18194001, "ResistanceNegative", 0xFFFF) == "not measured");
}

TEST_CASE("rockets.dbc: SET CLOCK, SLEEP, NAK", "[dbc]") {
  // 2026-11-24 10:00:00
  check_frame(
      0x18200140, "SET_CLOCK_REQ", {0x1A, 0x0B, 0x18, 0x0A, 0x00, 0x00, 0x00, 0x00},
      {{"Year", 2026}, {"Month", 11}, {"Day", 24}, {"Hour", 10}, {"Minute", 0}, {"Second", 0}});
  // 2023-02-29 10:00:00 (no such day: the DBC carries it, the BMS refuses it)
  check_frame(
      0x18200140, "SET_CLOCK_REQ", {0x17, 0x02, 0x1D, 0x0A, 0x00, 0x00, 0x00, 0x00},
      {{"Year", 2023}, {"Month", 2}, {"Day", 29}, {"Hour", 10}, {"Minute", 0}, {"Second", 0}});
  // the response has the CLOCK layout (section 4 0x20)
  check_frame(
      0x18204001, "SET_CLOCK_RSP", {0x1A, 0x0B, 0x18, 0x0A, 0x00, 0x00, 0xFF, 0xFF},
      {{"Year", 2026}, {"Month", 11}, {"Day", 24}, {"Hour", 10}, {"Minute", 0}, {"Second", 0}});

  const Bytes sleep{0xA5, 0x5A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  check_frame(0x18210140, "SLEEP_REQ", sleep, {{"Guard", 42330}});
  CHECK(dbc::encode(message(0x18210140), {}) == sleep);  // the guard is the start value
  // accepted: b0 = 0x00, b1-b7 = 0xFF (section 4 0x21)
  check_frame(0x18214001, "SLEEP_RSP", {0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
              {{"Result", 0}});
  CHECK(description(0x18214001, "Result", 0) == "accepted");

  // SET CLOCK refused: invalid parameter
  check_frame(0x187F4001, "NAK_RSP", {0x20, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
              {{"RefusedCommand", 0x20}, {"Reason", 2}});
  CHECK(description(0x187F4001, "RefusedCommand", 0x20) == "SET CLOCK");
  CHECK(description(0x187F4001, "RefusedCommand", 0x01) == "CONNECT");
  CHECK(description(0x187F4001, "Reason", 1) == "unknown command");
  CHECK(description(0x187F4001, "Reason", 2) == "invalid parameter");
  CHECK(description(0x187F4001, "Reason", 3) == "busy");
  CHECK(description(0x187F4001, "Reason", 4) == "conditions not met");
  CHECK(description(0x187F4001, "Reason", 5) == "no session");
}

TEST_CASE("rockets.dbc: the frame map's shape", "[dbc]") {
  const auto& db = rockets();
  CHECK(db.nodes == std::vector<std::string>{"BMS", "TOOL"});
  CHECK(db.messages.size() == 29);
  CHECK(db.comment.find("rockets-can-v1") != std::string::npos);
  CHECK(db.comment.find("0x18000000 | CMD<<16 | DST<<8 | SRC") != std::string::npos);
  for (const auto& m : db.messages) {
    INFO(m.name);
    CHECK(m.extended);
    CHECK(m.dlc == 8);
    CHECK_FALSE(m.comment.empty());
    const bool request = m.name.size() > 4 && m.name.substr(m.name.size() - 4) == "_REQ";
    CHECK((m.id & 0xFF00FFFF) == (request ? 0x18000140u : 0x18004001u));
    CHECK(m.sender == (request ? "TOOL" : "BMS"));
    for (const auto& s : m.signals) {
      INFO(s.name);
      CHECK(s.byte_order == dbc::ByteOrder::big_endian);
      CHECK(s.receivers == std::vector<std::string>{request ? "BMS" : "TOOL"});
    }
  }
  const auto* cells = db.find("CELL_VOLTAGES_RSP");
  REQUIRE(cells != nullptr);
  REQUIRE(cells->multiplexor() != nullptr);
  CHECK(cells->multiplexor()->name == "FrameNumber");
  CHECK(cells->find("CellVoltage33")->mux_value == 11);
  CHECK(db.find("TEMPERATURES_RSP")->find("Temperature18")->mux_value == 6);
  CHECK(db.find("IDENTITY_RSP")->find("SerialChar21")->mux_value == 3);
  CHECK(db.find("SLEEP_RSP")->find("Reserved")->start_value == 72057594037927935);
  CHECK(db.find("CYCLES_RSP")->find("Reserved")->start_value == 4294967295);
  CHECK(db.find("CLOCK_RSP")->find("Reserved")->start_value == 65535);
  CHECK(db.find("PACK_RSP")->find("PackCurrent")->comment.find("positive = charging") !=
        std::string::npos);
}
