#include "bms/catalogue.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

// proto/faults.json, compiled in by embed_file() (lib/bms/CMakeLists.txt).
extern const std::string_view bms_embedded_faults;

namespace bms {
namespace {

using nlohmann::json;

constexpr std::array k_langs{Lang::en, Lang::it};

std::string_view lang_key(Lang lang) { return lang == Lang::it ? "it" : "en"; }
std::string_view lang_name(Lang lang) { return lang == Lang::it ? "Italian" : "English"; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// The form by_light() compares: ASCII lower case, '_' as '-'. "2nd_OT" -> "2nd-ot".
std::string light_key(std::string_view light) {
  std::string key;
  key.reserve(light.size());
  for (char c : light) key.push_back(c == '_' ? '-' : lower(c));
  return key;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

// The non-empty string `object[key]`, or nullopt when it is missing, empty or not a string.
std::optional<std::string> text_member(const json& object, std::string_view key) {
  auto it = object.find(std::string(key));
  if (it == object.end() || !it->is_string()) return std::nullopt;
  std::string text = it->get<std::string>();
  if (text.empty()) return std::nullopt;
  return text;
}

util::Result<FlagKind> parse_kind(std::string_view word) {
  for (FlagKind kind : {FlagKind::state, FlagKind::protection, FlagKind::warning, FlagKind::error})
    if (word == to_string(kind)) return kind;
  return util::fail(
      util::Errc::malformed,
      fmt::format("unknown kind '{}': use state, protection, warning or error", word));
}

// The name/meaning/action object of one language of a flag labelled `label` ("flag 11 (ODV)").
util::Result<FlagText> parse_text(const json& flag, Lang lang, const std::string& label) {
  auto it = flag.find(std::string(lang_key(lang)));
  if (it == flag.end() || !it->is_object())
    return util::fail(util::Errc::malformed, fmt::format("{}: no {} text", label, lang_name(lang)));
  FlagText text;
  std::pair<std::string_view, std::string*> fields[] = {
      {"name", &text.name}, {"meaning", &text.meaning}, {"action", &text.action}};
  for (auto& [key, target] : fields) {
    std::optional<std::string> value = text_member(*it, key);
    if (!value)
      return util::fail(util::Errc::malformed,
                        fmt::format("{}: no {} '{}'", label, lang_name(lang), key));
    *target = std::move(*value);
  }
  return text;
}

// One element of "flags"; `index` is its position, for messages before the bit is known.
util::Result<FlagInfo> parse_flag(const json& j, std::size_t index) {
  auto bad = [](std::string message) {
    return util::fail(util::Errc::malformed, std::move(message));
  };
  if (!j.is_object()) return bad(fmt::format("flags[{}]: not an object", index));
  auto bit = j.find("bit");
  if (bit == j.end() || !bit->is_number_integer())
    return bad(fmt::format("flags[{}]: no 'bit'", index));
  FlagInfo info;
  std::int64_t number = bit->get<std::int64_t>();
  if (number < 0 || number >= Catalogue::k_flag_count)
    return bad(fmt::format("flags[{}]: bit {} out of range 0..{}", index, number,
                           Catalogue::k_flag_count - 1));
  info.bit = static_cast<int>(number);

  std::optional<std::string> light = text_member(j, "light");
  if (!light) return bad(fmt::format("flag {}: no 'light'", info.bit));
  info.light = std::move(*light);
  std::string label = fmt::format("flag {} ({})", info.bit, info.light);

  std::optional<std::string> kind = text_member(j, "kind");
  if (!kind) return bad(label + ": no 'kind'");
  util::Result<FlagKind> parsed_kind = parse_kind(*kind);
  if (!parsed_kind) return util::with_context(parsed_kind.error(), label);
  info.kind = *parsed_kind;

  std::optional<std::string> normal = text_member(j, "normal");
  if (!normal || (*normal != "on" && *normal != "off"))
    return bad(label + ": 'normal' must be \"on\" or \"off\"");
  info.normally_set = *normal == "on";

  for (Lang lang : k_langs) {
    util::Result<FlagText> text = parse_text(j, lang, label);
    if (!text) return tl::unexpected(text.error());
    (lang == Lang::it ? info.it : info.en) = std::move(*text);
  }
  return info;
}

}  // namespace

util::Result<Catalogue> Catalogue::parse(std::string_view text) {
  auto bad = [](std::string message) {
    return util::fail(util::Errc::malformed, std::move(message));
  };
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // "[json.exception.parse_error.101] parse error at line 1, ..." -> "parse error at line 1, ..."
    std::string what = e.what();
    std::size_t end = what.find("] ");
    return bad("not valid JSON: " + (end == std::string::npos ? what : what.substr(end + 2)));
  }
  if (!root.is_object()) return bad("not a JSON object");

  auto schema = root.find("schema");
  if (schema == root.end()) return bad("no 'schema'");
  if (!schema->is_number_integer() || schema->get<std::int64_t>() != 1)
    return bad(fmt::format("unsupported schema {}: this tool reads schema 1", schema->dump()));

  auto flags = root.find("flags");
  if (flags == root.end() || !flags->is_array()) return bad("no 'flags' array");
  std::vector<std::optional<FlagInfo>> by_bit(k_flag_count);
  for (std::size_t i = 0; i < flags->size(); ++i) {
    util::Result<FlagInfo> info = parse_flag((*flags)[i], i);
    if (!info) return tl::unexpected(info.error());
    std::optional<FlagInfo>& slot = by_bit[static_cast<std::size_t>(info->bit)];
    if (slot) return bad(fmt::format("flag {} ({}) appears twice", info->bit, info->light));
    slot = std::move(*info);
  }

  Catalogue catalogue;
  for (int bit = 0; bit < k_flag_count; ++bit) {
    std::optional<FlagInfo>& slot = by_bit[static_cast<std::size_t>(bit)];
    if (!slot) return bad(fmt::format("flag {} missing", bit));
    if (const FlagInfo* other = catalogue.by_light(slot->light))
      return bad(fmt::format("light '{}' used by flags {} and {}", slot->light, other->bit, bit));
    catalogue.m_flags.push_back(std::move(*slot));
  }

  auto messages = root.find("messages");
  if (messages == root.end() || !messages->is_object()) return bad("no 'messages' object");
  for (const auto& [key, value] : messages->items()) {
    if (!value.is_object()) return bad(fmt::format("message '{}': not an object", key));
    MessageText message;
    for (Lang lang : k_langs) {
      std::optional<std::string> text = text_member(value, lang_key(lang));
      if (!text) return bad(fmt::format("message '{}': no {} text", key, lang_name(lang)));
      (lang == Lang::it ? message.it : message.en) = std::move(*text);
    }
    catalogue.m_messages.emplace(key, std::move(message));
  }
  for (std::string_view key : required_messages())
    if (!catalogue.has_message(key)) return bad(fmt::format("no message '{}'", key));
  return catalogue;
}

const Catalogue& Catalogue::builtin() {
  static const Catalogue catalogue = [] {
    util::Result<Catalogue> parsed = parse(bms_embedded_faults);
    if (!parsed) throw std::logic_error("embedded proto/faults.json: " + parsed.error().message);
    return std::move(*parsed);
  }();
  return catalogue;
}

const std::vector<std::string_view>& Catalogue::required_messages() {
  static const std::vector<std::string_view> keys{"no_answer", "standby_wake",
                                                  "diff_voltage_high", "all_normal"};
  return keys;
}

const FlagInfo* Catalogue::by_light(std::string_view light) const {
  std::string key = light_key(light);
  for (const FlagInfo& flag : m_flags)
    if (light_key(flag.light) == key) return &flag;
  return nullptr;
}

const std::string& Catalogue::message(std::string_view key, Lang lang) const {
  auto it = m_messages.find(key);
  if (it == m_messages.end()) throw std::out_of_range(fmt::format("unknown message '{}'", key));
  return lang == Lang::it ? it->second.it : it->second.en;
}

bool Catalogue::has_message(std::string_view key) const {
  return m_messages.find(key) != m_messages.end();
}

std::vector<const FlagInfo*> Catalogue::abnormal(std::uint32_t status_word) const {
  std::vector<const FlagInfo*> out;
  for (const FlagInfo& flag : m_flags)
    if (flag.abnormal_in(status_word)) out.push_back(&flag);
  return out;
}

std::string_view to_string(FlagKind kind) {
  switch (kind) {
    case FlagKind::state:
      return "state";
    case FlagKind::protection:
      return "protection";
    case FlagKind::warning:
      return "warning";
    case FlagKind::error:
      return "error";
  }
  return "protection";
}

util::Result<Lang> parse_lang(std::string_view text) {
  if (iequals(text, "en")) return Lang::en;
  if (iequals(text, "it")) return Lang::it;
  return util::fail(util::Errc::usage, fmt::format("unknown language '{}': use en or it", text));
}

Lang lang_from_environment() {
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') continue;
    std::string_view locale(value);
    // "it", "it_IT.UTF-8", "it.UTF-8", "it@euro": language code, then a territory,
    // codeset or modifier.
    bool italian = locale.size() >= 2 && iequals(locale.substr(0, 2), "it") &&
                   (locale.size() == 2 || locale[2] == '_' || locale[2] == '.' || locale[2] == '@');
    return italian ? Lang::it : Lang::en;
  }
  return Lang::en;
}

}  // namespace bms
