// dbc/parser.hpp and dbc/writer.hpp: every supported statement, load -> write -> load round
// trips, and line-numbered errors for malformed input.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "dbc/parser.hpp"
#include "dbc/writer.hpp"

namespace {

const std::string k_data = std::string(ROCKETCTL_SOURCE_DIR) + "/tests/data/dbc/";
const std::string k_rockets = std::string(ROCKETCTL_SOURCE_DIR) + "/proto/rockets.dbc";

dbc::Database load(const std::string& path) {
  auto db = dbc::load_file(path);
  INFO((db ? std::string() : db.error().message));
  REQUIRE(db);
  return *db;
}

// Field by field, so that a difference names itself.
void check_same(const dbc::Signal& a, const dbc::Signal& b) {
  INFO("signal " << a.name);
  CHECK(a.name == b.name);
  CHECK(a.start_bit == b.start_bit);
  CHECK(a.length == b.length);
  CHECK(a.byte_order == b.byte_order);
  CHECK(a.is_signed == b.is_signed);
  CHECK(a.factor == b.factor);
  CHECK(a.offset == b.offset);
  CHECK(a.minimum == b.minimum);
  CHECK(a.maximum == b.maximum);
  CHECK(a.unit == b.unit);
  CHECK(a.receivers == b.receivers);
  CHECK(a.mux_role == b.mux_role);
  CHECK(a.mux_value == b.mux_value);
  CHECK(a.comment == b.comment);
  CHECK(a.values == b.values);
  CHECK(a.start_value == b.start_value);
  CHECK(a.attributes == b.attributes);
}

void check_same(const dbc::Database& a, const dbc::Database& b) {
  CHECK(a.version == b.version);
  CHECK(a.nodes == b.nodes);
  CHECK(a.comment == b.comment);
  CHECK(a.node_comments == b.node_comments);
  CHECK(a.attribute_definitions == b.attribute_definitions);
  CHECK(a.attributes == b.attributes);
  CHECK(a.node_attributes == b.node_attributes);
  CHECK(a.value_tables == b.value_tables);
  REQUIRE(a.messages.size() == b.messages.size());
  for (std::size_t i = 0; i < a.messages.size(); ++i) {
    const auto& ma = a.messages[i];
    const auto& mb = b.messages[i];
    INFO("message " << ma.name);
    CHECK(ma.id == mb.id);
    CHECK(ma.extended == mb.extended);
    CHECK(ma.name == mb.name);
    CHECK(ma.dlc == mb.dlc);
    CHECK(ma.sender == mb.sender);
    CHECK(ma.comment == mb.comment);
    CHECK(ma.attributes == mb.attributes);
    REQUIRE(ma.signals.size() == mb.signals.size());
    for (std::size_t j = 0; j < ma.signals.size(); ++j) check_same(ma.signals[j], mb.signals[j]);
  }
  CHECK(a == b);
}

dbc::AttributeValue number(std::string text) {
  return {dbc::AttributeValue::Kind::number, std::move(text)};
}
dbc::AttributeValue string(std::string text) {
  return {dbc::AttributeValue::Kind::string, std::move(text)};
}

// The error message parse() gives for `text`, named "bad.dbc".
std::string error_of(const std::string& text) {
  auto db = dbc::parse(text, "bad.dbc");
  if (db) return "(parsed without error)";
  CHECK(db.error().code == util::Errc::malformed);
  return db.error().message;
}

const std::string k_head = "VERSION \"\"\nBS_:\nBU_: A B\n";  // lines 1-3

}  // namespace

TEST_CASE("parse reads every supported statement", "[dbc]") {
  const auto db = load(k_data + "full.dbc");
  CHECK(db.version == "1.2.3");
  CHECK(db.nodes == std::vector<std::string>{"ECU1", "ECU2", "Gateway"});
  CHECK(db.comment == "A database comment\nover two lines, with \"quotes\"");
  CHECK(db.node_comments == std::map<std::string, std::string>{{"ECU1", "The first ECU"}});
  REQUIRE(db.value_tables.size() == 2);
  CHECK(db.value_tables[0].name == "OnOff");
  CHECK(db.value_tables[0].values == std::map<std::int64_t, std::string>{{0, "off"}, {1, "on"}});
  CHECK(db.value_tables[1].values.at(-1) == "reverse");

  REQUIRE(db.messages.size() == 4);  // VECTOR__INDEPENDENT_SIG_MSG is skipped
  const auto& standard = db.messages[0];
  CHECK(standard.id == 291);
  CHECK_FALSE(standard.extended);
  CHECK(standard.name == "Standard");
  CHECK(standard.dlc == 8);
  CHECK(standard.sender == "ECU1");
  CHECK(standard.comment == "A standard frame");
  CHECK(standard.attributes ==
        dbc::Attributes{{"GenMsgCycleTime", number("100")}, {"Mask", number("4660")}});
  REQUIRE(standard.signals.size() == 5);
  const auto& counter = standard.signals[0];
  CHECK(counter.name == "Counter");
  CHECK(counter.start_bit == 0);
  CHECK(counter.length == 4);
  CHECK(counter.byte_order == dbc::ByteOrder::little_endian);
  CHECK_FALSE(counter.is_signed);
  CHECK(counter.start_value == 7);
  CHECK(counter.attributes.empty());
  const auto* speed = standard.find("Speed");
  REQUIRE(speed != nullptr);
  CHECK(speed->factor == 0.1);
  CHECK(speed->maximum == 409.5);
  CHECK(speed->unit == "km/h");
  CHECK(speed->receivers == std::vector<std::string>{"ECU2", "Gateway"});
  CHECK(speed->comment == "Vehicle speed;\nsigned off by \"QA\"");
  CHECK(speed->attributes == dbc::Attributes{{"GenSigUnit", string("km/h")}});
  CHECK_FALSE(speed->start_value);
  const auto* temperature = standard.find("Temperature");
  REQUIRE(temperature != nullptr);
  CHECK(temperature->byte_order == dbc::ByteOrder::big_endian);
  CHECK(temperature->is_signed);
  CHECK(temperature->offset == -40);
  CHECK(temperature->minimum == -367.68);
  CHECK(temperature->attributes == dbc::Attributes{{"Scale", number("0.5")}});
  const auto* flag = standard.find("Flag");
  REQUIRE(flag != nullptr);
  CHECK(flag->receivers.empty());  // Vector__XXX
  CHECK(flag->values == std::map<std::int64_t, std::string>{{0, "clear"}, {1, "set"}});
  CHECK(standard.multiplexor() == nullptr);

  const auto* extended = db.find(0x19000141, true);
  REQUIRE(extended != nullptr);
  CHECK(extended->name == "Extended");
  CHECK(db.find(0x19000141, false) == nullptr);
  CHECK(extended->attributes == dbc::Attributes{{"VFrameFormat", number("1")}});
  REQUIRE(extended->multiplexor() != nullptr);
  CHECK(extended->multiplexor()->name == "Selector");
  CHECK(extended->multiplexor()->comment == "Page selector");
  CHECK(extended->multiplexor()->values.at(2) == "page two");
  const auto* page_two = extended->find("PageTwoA");
  REQUIRE(page_two != nullptr);
  CHECK(page_two->mux_role == dbc::MuxRole::multiplexed);
  CHECK(page_two->mux_value == 2);
  CHECK(page_two->values.at(-1) == "invalid");
  CHECK(extended->find("Common")->mux_role == dbc::MuxRole::none);
  CHECK(extended->find("Common")->start_value == 255);

  const auto* big = db.find("Big");
  REQUIRE(big != nullptr);
  CHECK(big->sender.empty());
  CHECK(big->signals[0].length == 64);
  CHECK(big->signals[0].start_value == -1);  // 18446744073709551615, bit-for-bit
  CHECK(big->signals[1].start_value == -2);
  CHECK(db.find("Empty")->dlc == 0);
  CHECK(db.find("Nope") == nullptr);

  REQUIRE(db.attribute_definitions.size() == 9);  // BA_DEF_REL_ is skipped
  const auto* cycle = db.definition("GenMsgCycleTime", dbc::AttributeObject::message);
  REQUIRE(cycle != nullptr);
  CHECK(cycle->type == dbc::AttributeType::integer);
  CHECK(cycle->minimum == "0");
  CHECK(cycle->maximum == "65535");
  CHECK(cycle->default_value == number("0"));
  const auto* format = db.definition("VFrameFormat", dbc::AttributeObject::message);
  REQUIRE(format != nullptr);
  CHECK(format->type == dbc::AttributeType::enumeration);
  CHECK(format->enum_values == std::vector<std::string>{"StandardCAN", "ExtendedCAN"});
  CHECK(format->default_value == string("StandardCAN"));
  CHECK(db.definition("Scale", dbc::AttributeObject::signal)->minimum == "-3.4E+038");
  CHECK(db.definition("Mask", dbc::AttributeObject::message)->type == dbc::AttributeType::hex);
  CHECK(db.definition("EnvLevel", dbc::AttributeObject::env_var) != nullptr);
  CHECK(db.definition("BusType", dbc::AttributeObject::database)->default_value == string(""));
  CHECK(db.definition("BusType", dbc::AttributeObject::message) == nullptr);
  CHECK(db.attributes == dbc::Attributes{{"BusType", string("CAN")}});
  CHECK(db.node_attributes ==
        std::map<std::string, dbc::Attributes>{{"Gateway", {{"NodeLayer", number("2")}}}});
}

TEST_CASE("load -> write -> load gives an equal model", "[dbc]") {
  for (const auto& path : {k_data + "full.dbc", k_rockets}) {
    INFO(path);
    const auto first = load(path);
    const std::string text = dbc::write(first);
    auto second = dbc::parse(text, "written.dbc");
    INFO((second ? std::string() : second.error().message));
    REQUIRE(second);
    check_same(first, *second);
    CHECK(dbc::write(*second) == text);  // the written form is stable
  }
}

TEST_CASE("write adds the GenSigStartValue definition a start value needs", "[dbc]") {
  dbc::Database db;
  dbc::Message m;
  m.name = "M";
  m.id = 0x10;
  dbc::Signal s;
  s.name = "S";
  s.start_bit = 7;
  s.length = 8;
  s.start_value = 0xA5;
  m.signals.push_back(s);
  db.messages.push_back(m);
  auto back = dbc::parse(dbc::write(db));
  INFO((back ? std::string() : back.error().message));
  REQUIRE(back);
  CHECK(back->messages.at(0).signals.at(0).start_value == 0xA5);
  CHECK(back->messages.at(0).signals.at(0).attributes.empty());
  CHECK(back->definition("GenSigStartValue", dbc::AttributeObject::signal) != nullptr);
}

TEST_CASE("malformed input is reported with its line", "[dbc]") {
  const std::string bo = "BO_ 2147483904 M: 8 A\n";                 // line 4: extended 0x100
  const std::string sg = " SG_ S : 7|8@0+ (1,0) [0|255] \"\" B\n";  // line 5
  struct Case {
    std::string text;
    std::string error;
  };
  const std::vector<Case> cases = {
      {k_head + bo + " SG_ PackVoltage : 7|0@0+ (1,0) [0|0] \"\" B\n",
       "bad.dbc:5: signal 'PackVoltage': length 0 is out of range 1..64"},
      {k_head + bo + " SG_ S : 7|65@0+ (1,0) [0|0] \"\" B\n",
       "bad.dbc:5: signal 'S': length 65 is out of range 1..64"},
      {k_head + "BO_ 12x M: 8 A\n", "bad.dbc:4: message id '12x' is not an unsigned integer"},
      {k_head + "BO_ 4294967296 M: 8 A\n",
       "bad.dbc:4: message id 4294967296 is out of range 0..4294967295"},
      {k_head + "BO_ 2048 M: 8 A\n",
       "bad.dbc:4: message 'M': standard id 0x800 is above 0x7FF (an extended id is written "
       "with bit 31 set: 2147485696)"},
      {k_head + "BO_ 4026531840 M: 8 A\n",
       "bad.dbc:4: message 'M': extended id 0x70000000 is out of range (29 bits)"},
      {k_head + "BO_ 256 M: 9 A\n", "bad.dbc:4: message 'M': dlc 9 is out of range 0..8"},
      {k_head + bo + sg + " SG_ T : 7|8@0+ (1.5.1,0) [0|255] \"\" B\n",
       "bad.dbc:6: signal 'T': factor '1.5.1' is not a number"},
      {k_head + bo + " SG_ T : 7|8@2+ (1,0) [0|255] \"\" B\n",
       "bad.dbc:5: signal 'T': expected @0+, @0-, @1+ or @1- after the length, found '@2+'"},
      {k_head + bo + " SG_ T : 7|8@0+ (0,0) [0|255] \"\" B\n", "bad.dbc:5: signal 'T': factor 0"},
      {k_head + bo +
           " SG_ T : 7|8@0+ (1,0) [0|255] \"\" B\n SG_ U x1 : 15|8@0+ (1,0) [0|1] \"\" B\n",
       "bad.dbc:6: signal 'U': 'x1' is not a multiplex indicator (M or m<value>)"},
      {k_head + bo + " SG_ T m1M : 7|8@0+ (1,0) [0|255] \"\" B\n",
       "bad.dbc:5: signal 'T': extended multiplexing ('m1M') is not supported"},
      {k_head + " SG_ S : 7|8@0+ (1,0) [0|255] \"\" B\n",
       "bad.dbc:4: SG_ outside a message (no BO_ line before it)"},
      {k_head + bo + sg + "\nCM_ \"x\";\n SG_ T : 15|8@0+ (1,0) [0|255] \"\" B\n",
       "bad.dbc:8: SG_ outside a message (no BO_ line before it)"},
      {k_head + bo + sg + "BO_ 2147483904 N: 8 A\n",
       "bad.dbc:6: message 'N': id 0x100 is already used by message 'M'"},
      {k_head + bo + sg + "BO_ 256 M: 8 A\n", "bad.dbc:6: message name 'M' is used twice"},
      {k_head + bo + sg + sg, "bad.dbc:6: signal 'S' appears twice in message 'M'"},
      {k_head + bo + " SG_ W : 56|16@1+ (1,0) [0|0] \"\" B\n",
       "bad.dbc:5: signal 'W' (start bit 56, length 16, Intel) does not fit in the 8 bytes of "
       "message 'M'"},
      {k_head + "BO_ 256 M: 2 A\n SG_ W : 15|16@0+ (1,0) [0|0] \"\" B\n",
       "bad.dbc:5: signal 'W' (start bit 15, length 16, Motorola) does not fit in the 2 bytes of "
       "message 'M'"},
      {k_head + bo + sg + " SG_ P m1 : 15|8@0+ (1,0) [0|255] \"\" B\n\nCM_ \"x\";\n",
       "bad.dbc:6: signal 'P' is multiplexed (m1) but message 'M' has no multiplexor (M)"},
      {k_head + bo + " SG_ P m1 : 15|8@0+ (1,0) [0|255] \"\" B\n",  // at the end of the file
       "bad.dbc:5: signal 'P' is multiplexed (m1) but message 'M' has no multiplexor (M)"},
      {k_head + bo +
           " SG_ X M : 7|8@0+ (1,0) [0|255] \"\" B\n SG_ Y M : 15|8@0+ (1,0) [0|255] \"\" B\n",
       "bad.dbc:6: message 'M' has two multiplexors: 'X' and 'Y'"},
      {k_head + bo + sg + "CM_ BO_ 256 \"no such message\";\n",
       "bad.dbc:6: CM_ BO_: no message has id 256"},
      {k_head + bo + sg + "CM_ SG_ 2147483904 T \"no such signal\";\n",
       "bad.dbc:6: CM_ SG_: message 'M' has no signal 'T'"},
      {k_head + bo + sg + "CM_ BU_ C \"no such node\";\n", "bad.dbc:6: CM_ BU_: unknown node 'C'"},
      {k_head + bo + sg + "VAL_ 2147483904 T 1 \"one\" ;\n",
       "bad.dbc:6: VAL_: message 'M' has no signal 'T'"},
      {k_head + bo + sg + "VAL_ 99 S 1 \"one\" ;\n", "bad.dbc:6: VAL_: no message has id 99"},
      {k_head + bo + sg + "VAL_ 2147483904 S 1.5 \"one\" ;\n",
       "bad.dbc:6: a raw value '1.5' is not an integer"},
      {k_head + bo + sg + "CM_ SG_ 2147483904 S \"open\n\nstill open;\n",
       "bad.dbc:6: unterminated string"},
      {k_head + bo + sg + "CM_ BO_ 2147483904 \"text\"\nBA_ \"x\" 1;\n",
       "bad.dbc:6: CM_ without its closing ';' (found 'BA_' on line 7)"},
      {k_head + bo + sg + "FOO_ 1 2 3;\n", "bad.dbc:6: unknown statement 'FOO_'"},
      {k_head + "\n\n$\n", "bad.dbc:6: unexpected character '$'"},
      {k_head + "BU_: C\xff\n", "bad.dbc:4: unexpected byte 0xFF"},
      {k_head + "BO_TX_BU_ 256 : A,B\n", "bad.dbc:4: BO_TX_BU_ statement without its closing ';'"},
      {k_head + bo + sg + "SIG_VALTYPE_ 2147483904 S : 1;\n",
       "bad.dbc:6: signal 'S': 32-bit floating-point signals (SIG_VALTYPE_ 1) are not supported"},
      {k_head + bo + sg + "BA_ \"GenMsgCycleTime\" BO_ 2147483904 100;\n",
       "bad.dbc:6: BA_: attribute 'GenMsgCycleTime' is not defined (no BA_DEF_ BO_ "
       "\"GenMsgCycleTime\")"},
      {k_head + bo + sg + "BA_DEF_ BO_ \"C\" INT 0 10;\nBA_ \"C\" BO_ 2147483904 \"x\";\n",
       "bad.dbc:7: attribute 'C' (INT): expected a number, found 'x'"},
      {k_head + bo + sg + "BA_DEF_ BO_ \"C\" INT 0 10;\nBA_ \"C\" BO_ 2147483904 2.5;\n",
       "bad.dbc:7: attribute 'C' (INT) '2.5' is not an integer"},
      {k_head + "BA_DEF_ \"C\" INT 0 10;\nBA_DEF_ \"C\" INT 0 10;\n",
       "bad.dbc:5: attribute 'C' is defined twice"},
      {k_head + "BA_DEF_ \"C\" WORD;\n",
       "bad.dbc:4: attribute 'C': unknown type 'WORD' (INT, HEX, FLOAT, STRING or ENUM)"},
      {k_head + "BA_DEF_DEF_ \"C\" 1;\n", "bad.dbc:4: BA_DEF_DEF_: attribute 'C' has no BA_DEF_"},
      {k_head + bo + sg +
           "BA_DEF_ SG_ \"GenSigStartValue\" INT 0 0;\n"
           "BA_ \"GenSigStartValue\" SG_ 2147483904 S 1.0;\n",
       "bad.dbc:7: signal 'S': GenSigStartValue '1.0' is not an integer"},
      {k_head + "BU_: C C\n", "bad.dbc:4: node 'C' is listed twice"},
      {"VERSION 1\n", "bad.dbc:1: expected the version (a quoted string), found '1'"},
      {"\n: x\n", "bad.dbc:2: expected a statement, found ':'"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    CHECK(error_of(c.text) == c.error);
  }
}

TEST_CASE("valid corner cases parse", "[dbc]") {
  // no receivers, signals with sign/exponent numbers, an empty value table, CRLF line ends
  const std::string text =
      "VERSION \"\"\r\nNS_ :\r\n\tCM_\r\nBS_: 500 : 12,34\r\nBU_:\r\n"
      "BO_ 100 M: 8 Vector__XXX\r\n SG_ S : 0|8@1- (+1E-1,-1.5e+1) [-12.8|12.7] \"\"\r\n"
      "VAL_TABLE_ Empty ;\r\n";
  auto db = dbc::parse(text);
  INFO((db ? std::string() : db.error().message));
  REQUIRE(db);
  REQUIRE(db->messages.size() == 1);
  const auto& s = db->messages[0].signals.at(0);
  CHECK(s.receivers.empty());
  CHECK(s.factor == 0.1);
  CHECK(s.offset == -15);
  CHECK(s.is_signed);
  CHECK(db->value_tables.at(0).values.empty());
  CHECK(dbc::parse("")->messages.empty());
}

TEST_CASE("load_file names the file in errors", "[dbc]") {
  auto missing = dbc::load_file(k_data + "no-such-file.dbc");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == util::Errc::io);
  CHECK(missing.error().message == k_data + "no-such-file.dbc: No such file or directory");

  auto directory = dbc::load_file(k_data);
  REQUIRE_FALSE(directory);
  CHECK(directory.error().code == util::Errc::io);

  auto bad = dbc::load_file(k_data + "malformed_length.dbc");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == util::Errc::malformed);
  CHECK(bad.error().message ==
        "malformed_length.dbc:8: signal 'PackVoltage': length 0 is out of range 1..64");
}

TEST_CASE("arbitrary bytes never crash the parser", "[dbc]") {
  const std::string seeds[] = {"BO_ 1 M: 8 A\n SG_ S : 7|8@0+ (1,0) [0|255] \"\" B\n",
                               "CM_ SG_ 1 S \"",
                               "BA_DEF_ SG_ \"",
                               "VAL_ 1",
                               "NS_ :\n\tX",
                               "SG_ M m",
                               "BO_ 1 M: 8 A\n SG_ S m4294967296 : 7|8@0+"};
  std::uint32_t state = 12345;
  for (const auto& seed : seeds) {
    for (std::size_t cut = 0; cut <= seed.size(); ++cut) (void)dbc::parse(seed.substr(0, cut));
    for (int round = 0; round < 200; ++round) {
      std::string text = seed;
      for (int k = 0; k < 3; ++k) {
        state = state * 1103515245u + 12345u;
        text[state % text.size()] = static_cast<char>(state >> 16);
      }
      (void)dbc::parse(text);
    }
  }
  SUCCEED("no crash");
}
