// The fault catalogue: proto/faults.json as embedded, the parser's errors, abnormal(), the
// language choice. The expected flag list is written from rockets-can-v1 §5.

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bms/catalogue.hpp"

extern const std::string_view bms_embedded_faults;

namespace {

using bms::Catalogue;
using bms::FlagKind;
using bms::Lang;
using nlohmann::json;

struct Expected {
  int bit;
  const char* light;
  FlagKind kind;
};

// rockets-can-v1 §5, the table as written.
const std::vector<Expected> k_reference{
    {0, "D-MOS", FlagKind::state},        {1, "UV", FlagKind::protection},
    {2, "DOC", FlagKind::protection},     {3, "DOL", FlagKind::protection},
    {4, "SC", FlagKind::protection},      {5, "PF", FlagKind::error},
    {6, "C-MOS", FlagKind::state},        {7, "OV", FlagKind::protection},
    {8, "COC", FlagKind::protection},     {9, "TOV", FlagKind::protection},
    {10, "TUV", FlagKind::protection},    {11, "ODV", FlagKind::protection},
    {12, "DOT", FlagKind::protection},    {13, "DUT", FlagKind::protection},
    {14, "COT", FlagKind::protection},    {15, "CUT", FlagKind::protection},
    {16, "MOS-OT", FlagKind::protection}, {17, "LR", FlagKind::warning},
    {18, "P-MOS", FlagKind::state},       {19, "E2-E", FlagKind::error},
    {20, "AFE-E", FlagKind::error},       {21, "RTC-E", FlagKind::error},
    {22, "2nd-OT", FlagKind::protection}, {23, "2nd-OV", FlagKind::protection},
    {24, "D-MOS-E", FlagKind::error},     {25, "C-MOS-E", FlagKind::error},
    {26, "P-MOS-E", FlagKind::error},
};

std::vector<std::string> lights(const std::vector<const bms::FlagInfo*>& flags) {
  std::vector<std::string> out;
  for (const bms::FlagInfo* f : flags) out.push_back(f->light);
  return out;
}

json builtin_json() { return json::parse(bms_embedded_faults); }

// The parser's error message for `doc`, or "" when it parses.
std::string parse_error(const json& doc) {
  auto parsed = Catalogue::parse(doc.dump());
  if (parsed) return "";
  CHECK(parsed.error().code == util::Errc::malformed);
  return parsed.error().message;
}

// Sets or unsets locale variables for one test and restores them afterwards.
class EnvGuard {
public:
  EnvGuard() {
    for (const char* name : k_names) {
      const char* value = std::getenv(name);
      m_saved.push_back(value ? std::optional<std::string>(value) : std::nullopt);
      ::unsetenv(name);
    }
  }
  ~EnvGuard() {
    for (std::size_t i = 0; i < m_saved.size(); ++i) {
      if (m_saved[i])
        ::setenv(k_names[i], m_saved[i]->c_str(), 1);
      else
        ::unsetenv(k_names[i]);
    }
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

  static void set(const char* name, const char* value) { ::setenv(name, value, 1); }

private:
  static constexpr const char* k_names[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
  std::vector<std::optional<std::string>> m_saved;
};

}  // namespace

TEST_CASE("the builtin catalogue parses", "[catalogue]") {
  auto parsed = Catalogue::parse(bms_embedded_faults);
  INFO((parsed ? std::string() : parsed.error().message));
  REQUIRE(parsed);
  REQUIRE_NOTHROW(Catalogue::builtin());
  CHECK(&Catalogue::builtin() == &Catalogue::builtin());  // parsed once
  CHECK(builtin_json().at("schema") == 1);
}

TEST_CASE("the catalogue has the reference's 27 flags in bit order", "[catalogue]") {
  const auto& flags = Catalogue::builtin().flags();
  REQUIRE(flags.size() == 27);
  REQUIRE(k_reference.size() == 27);
  for (std::size_t i = 0; i < flags.size(); ++i) {
    INFO("bit " << i);
    CHECK(flags[i].bit == static_cast<int>(i));
    CHECK(flags[i].bit == k_reference[i].bit);
    CHECK(flags[i].light == k_reference[i].light);
    CHECK(flags[i].kind == k_reference[i].kind);
    // Normally set: D-MOS and C-MOS only (0x00000041 is normal).
    CHECK(flags[i].normally_set == (i == 0 || i == 6));
  }
}

TEST_CASE("every flag and message has both languages, and the Italian is not the English",
          "[catalogue]") {
  const Catalogue& cat = Catalogue::builtin();
  for (const bms::FlagInfo& f : cat.flags()) {
    INFO(f.light);
    for (Lang lang : {Lang::en, Lang::it}) {
      CHECK_FALSE(f.text(lang).name.empty());
      CHECK_FALSE(f.text(lang).meaning.empty());
      CHECK_FALSE(f.text(lang).action.empty());
    }
    CHECK(&f.text(Lang::en) == &f.en);
    CHECK(&f.text(Lang::it) == &f.it);
    CHECK(f.it.name != f.en.name);
    CHECK(f.it.meaning != f.en.meaning);
    CHECK(f.it.action != f.en.action);
  }
  // Named: a range-for over a member of a temporary would iterate a destroyed object.
  const json doc = builtin_json();
  for (auto& [key, value] : doc.at("messages").items()) {
    INFO(key);
    CHECK_FALSE(cat.message(key, Lang::en).empty());
    CHECK_FALSE(cat.message(key, Lang::it).empty());
    CHECK(cat.message(key, Lang::en) != cat.message(key, Lang::it));
    CHECK(cat.message(key, Lang::en) == value.at("en").get<std::string>());
  }
}

TEST_CASE("the manual's advice is in the texts", "[catalogue]") {
  const Catalogue& cat = Catalogue::builtin();
  CHECK_THAT(cat.by_light("ODV")->en.action, Catch::Contains("24 hours"));
  CHECK_THAT(cat.by_light("ODV")->it.action, Catch::Contains("24 ore"));
  CHECK_THAT(cat.by_light("RTC-E")->en.action, Catch::Contains("rocketctl settime"));
  CHECK_THAT(cat.by_light("RTC-E")->it.action, Catch::Contains("rocketctl settime"));
  CHECK_THAT(cat.by_light("COC")->en.action, Catch::Contains("charger"));
  CHECK_THAT(cat.message("diff_voltage_high", Lang::en), Catch::Contains("100 mV"));
  CHECK_THAT(cat.message("diff_voltage_high", Lang::it), Catch::Contains("24 ore"));
  CHECK_THAT(cat.message("standby_wake", Lang::en), Catch::Contains("1-2 seconds"));
  CHECK_THAT(cat.message("no_answer", Lang::en), Catch::Contains("data connector"));
  CHECK_THAT(cat.message("no_answer", Lang::it), Catch::Contains("connettore dati"));
}

TEST_CASE("message() knows the required keys and throws for unknown ones", "[catalogue]") {
  const Catalogue& cat = Catalogue::builtin();
  for (std::string_view key : Catalogue::required_messages()) {
    INFO(key);
    CHECK(cat.has_message(key));
    CHECK_NOTHROW(cat.message(key, Lang::it));
  }
  CHECK_FALSE(cat.has_message("no_such_message"));
  CHECK_THROWS_AS(cat.message("no_such_message", Lang::en), std::out_of_range);
}

TEST_CASE("abnormal() lists the flags out of their normal state", "[catalogue]") {
  const Catalogue& cat = Catalogue::builtin();
  using V = std::vector<std::string>;
  CHECK(cat.abnormal(0x00000041).empty());           // D-MOS, C-MOS on: normal
  CHECK(lights(cat.abnormal(0x00000040)) == V{"D-MOS"});  // discharge path open
  CHECK(lights(cat.abnormal(0x00000001)) == V{"C-MOS"});
  CHECK(lights(cat.abnormal(0x00000000)) == V{"D-MOS", "C-MOS"});
  CHECK(lights(cat.abnormal(0x00000841)) == V{"ODV"});
  // UV has opened the discharge path: both reported, in bit order.
  CHECK(lights(cat.abnormal(0x00000042)) == V{"D-MOS", "UV"});
  CHECK(lights(cat.abnormal(0x04000041)) == V{"P-MOS-E"});
  // Reserved bits 27-31 are ignored.
  CHECK(cat.abnormal(0xF8000041).empty());
  // Everything set: every normally-off flag, and not D-MOS / C-MOS.
  auto all = cat.abnormal(0xFFFFFFFF);
  CHECK(all.size() == 25);
  for (const bms::FlagInfo* f : all) CHECK_FALSE(f->normally_set);
}

TEST_CASE("P-MOS on is reported, as a state", "[catalogue]") {
  // Choice: P-MOS (pre-charge) is normal only for a moment at start-up, so a status word with
  // it set is reported; its kind is `state` (not a fault) and its text explains the start-up.
  const Catalogue& cat = Catalogue::builtin();
  auto flags = cat.abnormal(0x00040041);
  REQUIRE(flags.size() == 1);
  CHECK(flags[0]->light == "P-MOS");
  CHECK(flags[0]->bit == 18);
  CHECK(flags[0]->kind == FlagKind::state);
  CHECK_FALSE(flags[0]->normally_set);
  CHECK_THAT(flags[0]->en.meaning, Catch::Contains("start-up"));
}

TEST_CASE("FlagInfo::abnormal_in", "[catalogue]") {
  const Catalogue& cat = Catalogue::builtin();
  CHECK(cat.flags()[0].abnormal_in(0x40));
  CHECK_FALSE(cat.flags()[0].abnormal_in(0x41));
  CHECK(cat.flags()[11].abnormal_in(0x841));
  CHECK_FALSE(cat.flags()[11].abnormal_in(0x41));
}

TEST_CASE("by_light() ignores case and accepts '_' for '-'", "[catalogue]") {
  const Catalogue& cat = Catalogue::builtin();
  auto bit_of = [&cat](std::string_view light) {
    const bms::FlagInfo* f = cat.by_light(light);
    return f ? f->bit : -1;
  };
  CHECK(bit_of("D-MOS") == 0);
  CHECK(bit_of("d-mos") == 0);
  CHECK(bit_of("D_MOS") == 0);
  CHECK(bit_of("d_mos_e") == 24);
  CHECK(bit_of("2ND_OT") == 22);
  CHECK(bit_of("2nd-ov") == 23);
  CHECK(bit_of("mos-ot") == 16);
  CHECK(bit_of("odv") == 11);
  CHECK(bit_of("P-MOS") == 18);
  CHECK(bit_of("MOS") == -1);
  CHECK(bit_of("DMOS") == -1);
  CHECK(bit_of("") == -1);
  for (const auto& e : k_reference) CHECK(bit_of(e.light) == e.bit);
}

TEST_CASE("to_string(FlagKind)", "[catalogue]") {
  CHECK(bms::to_string(FlagKind::state) == "state");
  CHECK(bms::to_string(FlagKind::protection) == "protection");
  CHECK(bms::to_string(FlagKind::warning) == "warning");
  CHECK(bms::to_string(FlagKind::error) == "error");
}

TEST_CASE("parse() names what is missing or wrong", "[catalogue]") {
  json doc = builtin_json();
  REQUIRE(parse_error(doc).empty());

  SECTION("malformed JSON") {
    auto parsed = Catalogue::parse("{\"schema\": 1, \"flags\": [");
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == util::Errc::malformed);
    CHECK_THAT(parsed.error().message, Catch::StartsWith("not valid JSON: "));
    CHECK_FALSE(Catalogue::parse(""));
    CHECK(parse_error(json::array()) == "not a JSON object");
  }
  SECTION("a missing Italian field") {
    doc["flags"][11]["it"].erase("action");
    CHECK(parse_error(doc) == "flag 11 (ODV): no Italian 'action'");
  }
  SECTION("an empty English field") {
    doc["flags"][7]["en"]["meaning"] = "";
    CHECK(parse_error(doc) == "flag 7 (OV): no English 'meaning'");
  }
  SECTION("a missing language") {
    doc["flags"][3].erase("it");
    CHECK(parse_error(doc) == "flag 3 (DOL): no Italian text");
  }
  SECTION("a missing flag") {
    doc["flags"].erase(5);
    CHECK(parse_error(doc) == "flag 5 missing");
  }
  SECTION("a flag twice") {
    doc["flags"][5] = doc["flags"][4];
    CHECK(parse_error(doc) == "flag 4 (SC) appears twice");
  }
  SECTION("a bit out of range") {
    doc["flags"][26]["bit"] = 27;
    CHECK(parse_error(doc) == "flags[26]: bit 27 out of range 0..26");
  }
  SECTION("no bit") {
    doc["flags"][2].erase("bit");
    CHECK(parse_error(doc) == "flags[2]: no 'bit'");
  }
  SECTION("no light, a duplicate light") {
    json other = doc;
    doc["flags"][2].erase("light");
    CHECK(parse_error(doc) == "flag 2: no 'light'");
    other["flags"][2]["light"] = "uv";
    CHECK(parse_error(other) == "light 'uv' used by flags 1 and 2");
  }
  SECTION("an unknown kind, a bad normal state") {
    json other = doc;
    doc["flags"][17]["kind"] = "notice";
    CHECK(parse_error(doc) ==
          "flag 17 (LR): unknown kind 'notice': use state, protection, warning or error");
    other["flags"][0]["normal"] = true;
    CHECK(parse_error(other) == "flag 0 (D-MOS): 'normal' must be \"on\" or \"off\"");
  }
  SECTION("schema") {
    json other = doc;
    doc["schema"] = 2;
    CHECK(parse_error(doc) == "unsupported schema 2: this tool reads schema 1");
    other.erase("schema");
    CHECK(parse_error(other) == "no 'schema'");
  }
  SECTION("no flags") {
    doc.erase("flags");
    CHECK(parse_error(doc) == "no 'flags' array");
  }
  SECTION("messages") {
    json other = doc;
    json third = doc;
    doc["messages"]["no_answer"].erase("it");
    CHECK(parse_error(doc) == "message 'no_answer': no Italian text");
    other["messages"].erase("all_normal");
    CHECK(parse_error(other) == "no message 'all_normal'");
    third.erase("messages");
    CHECK(parse_error(third) == "no 'messages' object");
  }
  SECTION("extra keys are ignored; flag order in the file does not matter") {
    doc["flags"][0]["comment"] = "extra";
    std::swap(doc["flags"][0], doc["flags"][26]);
    doc["messages"]["extra_message"] = {{"en", "Hello."}, {"it", "Ciao."}};
    auto parsed = Catalogue::parse(doc.dump());
    REQUIRE(parsed);
    CHECK(parsed->flags()[0].light == "D-MOS");
    CHECK(parsed->flags()[26].light == "P-MOS-E");
    CHECK(parsed->message("extra_message", Lang::it) == "Ciao.");
  }
}

TEST_CASE("parse_lang accepts en and it in any case", "[catalogue]") {
  CHECK(bms::parse_lang("en") == Lang::en);
  CHECK(bms::parse_lang("EN") == Lang::en);
  CHECK(bms::parse_lang("it") == Lang::it);
  CHECK(bms::parse_lang("It") == Lang::it);
  auto de = bms::parse_lang("de");
  REQUIRE_FALSE(de);
  CHECK(de.error().code == util::Errc::usage);
  CHECK(de.error().message == "unknown language 'de': use en or it");
  CHECK_FALSE(bms::parse_lang(""));
  CHECK_FALSE(bms::parse_lang("it_IT"));
  CHECK_FALSE(bms::parse_lang("english"));
}

TEST_CASE("lang_from_environment reads LC_ALL, LC_MESSAGES, LANG", "[catalogue]") {
  EnvGuard env;  // all three unset here, restored at the end
  CHECK(bms::lang_from_environment() == Lang::en);

  EnvGuard::set("LANG", "it_IT.UTF-8");
  CHECK(bms::lang_from_environment() == Lang::it);
  EnvGuard::set("LANG", "it");
  CHECK(bms::lang_from_environment() == Lang::it);
  EnvGuard::set("LANG", "it_CH");
  CHECK(bms::lang_from_environment() == Lang::it);
  EnvGuard::set("LANG", "en_GB.UTF-8");
  CHECK(bms::lang_from_environment() == Lang::en);
  EnvGuard::set("LANG", "C");
  CHECK(bms::lang_from_environment() == Lang::en);
  EnvGuard::set("LANG", "italian");  // not a locale name we know
  CHECK(bms::lang_from_environment() == Lang::en);

  // LC_MESSAGES overrides LANG, LC_ALL overrides both; empty ones are skipped.
  EnvGuard::set("LANG", "it_IT.UTF-8");
  EnvGuard::set("LC_MESSAGES", "en_US.UTF-8");
  CHECK(bms::lang_from_environment() == Lang::en);
  EnvGuard::set("LC_ALL", "it_IT.UTF-8");
  CHECK(bms::lang_from_environment() == Lang::it);
  EnvGuard::set("LC_ALL", "POSIX");
  CHECK(bms::lang_from_environment() == Lang::en);
  EnvGuard::set("LC_ALL", "");
  EnvGuard::set("LC_MESSAGES", "");
  CHECK(bms::lang_from_environment() == Lang::it);
}
