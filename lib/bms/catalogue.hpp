#pragma once
// The fault catalogue: name, meaning and remedy of each of the 27 status flags
// (rockets-can-v1 §5), in English and Italian, and the other texts the tool prints.
// The data is proto/faults.json, embedded at build time (Catalogue::builtin()).
//
// Normal state: D-MOS and C-MOS on, every other flag off. P-MOS (pre-charge) is on only for a
// moment at start-up; when it is seen on it is reported like any flag out of its normal state,
// as kind `state`, and its text says that this is expected briefly at start-up.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace bms {

enum class Lang { en, it };
enum class FlagKind { state, protection, warning, error };

struct FlagText {
  std::string name;     // "Cell over-voltage protection"
  std::string meaning;  // what the flag says about the pack, one or two sentences
  std::string action;   // what to do, one or two sentences
};

struct FlagInfo {
  int bit = 0;                  // bit number in the status word, 0..26
  std::string light;            // the light's label as BMS Studio writes it: "D-MOS", "2nd-OT"
  FlagKind kind = FlagKind::protection;
  bool normally_set = false;    // true for D-MOS and C-MOS
  FlagText en, it;

  const FlagText& text(Lang lang) const { return lang == Lang::it ? it : en; }
  // True when this flag is not in its normal state in `status_word` (bit n = flag n).
  bool abnormal_in(std::uint32_t status_word) const {
    return (((status_word >> bit) & 1U) != 0) != normally_set;
  }
};

class Catalogue {
public:
  static constexpr int k_flag_count = 27;

  // Parses the JSON catalogue (format: proto/faults.json, "schema": 1). Fails with
  // Errc::malformed and a message naming what is wrong or missing, e.g.
  // "flag 11 (ODV): no Italian 'action'", "flag 5 missing", "message 'no_answer': no English
  // text", when the JSON is invalid or any flag, message or language is incomplete.
  // Every flag 0..26 must appear once; the messages listed in required_messages() must exist.
  static util::Result<Catalogue> parse(std::string_view json);

  // The embedded proto/faults.json, parsed on first use. Throws std::logic_error if the
  // embedded data is broken (a build defect the unit tests catch).
  static const Catalogue& builtin();

  // The message keys every catalogue must define: "no_answer", "standby_wake",
  // "diff_voltage_high", "all_normal".
  static const std::vector<std::string_view>& required_messages();

  // 27 entries, index == bit.
  const std::vector<FlagInfo>& flags() const { return m_flags; }

  // The flag whose light is `light`, compared case-insensitively, '_' matching '-'
  // ("d_mos", "2ND-OT"); nullptr when there is none.
  const FlagInfo* by_light(std::string_view light) const;

  // A message text ("no_answer", "all_normal", ...). Throws std::out_of_range for an unknown key.
  const std::string& message(std::string_view key, Lang lang) const;
  bool has_message(std::string_view key) const;

  // Flags that are not in their normal state for `status_word` (bit n = flag n): a set flag
  // that is normally off (P-MOS included), or D-MOS / C-MOS clear. In bit order; reserved
  // bits 27-31 are ignored. Empty for 0x00000041.
  std::vector<const FlagInfo*> abnormal(std::uint32_t status_word) const;

private:
  struct MessageText {
    std::string en, it;
  };
  std::vector<FlagInfo> m_flags;
  std::map<std::string, MessageText, std::less<>> m_messages;
};

// "state", "protection", "warning", "error" (the JSON's words).
std::string_view to_string(FlagKind kind);

// --lang: "en" or "it" (case-insensitive) -> Lang; otherwise fails with Errc::usage
// "unknown language 'xx': use en or it".
util::Result<Lang> parse_lang(std::string_view text);

// The language of the user's locale: the first non-empty of LC_ALL, LC_MESSAGES, LANG.
// Italian for "it", "it_IT.UTF-8", "it_CH", "it@euro"; English for anything else or none.
Lang lang_from_environment();

}  // namespace bms
