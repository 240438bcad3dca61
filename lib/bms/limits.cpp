// The limits file of `rocketctl check`: TOML parsed with toml++ into bms::Limits, every
// problem reported with its line; and the evaluation of samples against it.
#include "bms/limits.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <fnmatch.h>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace bms {
namespace {

// ---------------------------------------------------------------------------------------
// Parsing

std::string type_words(toml::node_type t) {
  switch (t) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a decimal number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time: return "a date or time";
    default: return "nothing";
  }
}

class Parser {
public:
  Parser(const std::string& file, const Catalogue& catalogue) : m_file(file), m_catalogue(catalogue) {}

  util::Result<Limits> run(std::string_view text) {
    toml::table root;
    try {
      root = toml::parse(text, m_file);
    } catch (const toml::parse_error& e) {
      // toml++'s own words ("expected '=' ..."), at the place it stopped.
      return util::fail(util::Errc::usage,
                        fmt::format("{}:{}: {}", m_file, e.source().begin.line, e.description()));
    }
    Limits limits;
    limits.file = m_file;
    using Section = util::Result<void> (Parser::*)(const toml::table&, Limits&);
    static const std::map<std::string, Section, std::less<>> k_sections = {
        {"cells", &Parser::cells},     {"pack", &Parser::pack},         {"temperature", &Parser::temperature},
        {"rsoc", &Parser::rsoc},       {"clock", &Parser::clock},       {"shell", &Parser::shell},
        {"flags", &Parser::flags},     {"firmware", &Parser::firmware}, {"serial", &Parser::serial},
    };
    for (auto&& [key, node] : root) {
      auto section = k_sections.find(key.str());
      if (section == k_sections.end())
        return error(key.source(), fmt::format("unknown table [{}] (tables: cells, pack, temperature, "
                                               "rsoc, clock, shell, flags, firmware, serial)", key.str()));
      const toml::table* table = node.as_table();
      if (table == nullptr)
        return error(node.source(), fmt::format("{}: a table [{}] is expected, not {}", key.str(),
                                                key.str(), type_words(node.type())));
      m_section = std::string(key.str());
      if (auto r = (this->*section->second)(*table, limits); !r) return tl::unexpected(r.error());
    }
    return limits;
  }

private:
  tl::unexpected<util::Error> error(const toml::source_region& where, const std::string& what) const {
    return util::fail(util::Errc::usage, fmt::format("{}:{}: {}", m_file, where.begin.line, what));
  }
  std::string name(std::string_view key) const { return m_section + "." + std::string(key); }

  // Refuses keys of the table that are not in `known`.
  util::Result<void> only(const toml::table& t, std::initializer_list<std::string_view> known) const {
    for (auto&& [key, node] : t) {
      if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
      std::string list;
      for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return error(key.source(), fmt::format("unknown key {} ([{}] takes {})", name(key.str()),
                                             m_section, list));
    }
    return {};
  }

  // An integer key within [lo, hi]; `unit` for messages ("mV").
  util::Result<void> integer(const toml::table& t, std::string_view key, std::int64_t lo, std::int64_t hi,
                             std::string_view unit, std::optional<std::int64_t>& out) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return {};
    if (!n->is_integer())
      return error(n->source(), fmt::format("{}: an integer{} is expected, not {}", name(key),
                                            unit.empty() ? "" : fmt::format(" ({})", unit),
                                            type_words(n->type())));
    std::int64_t v = n->as_integer()->get();
    if (v < lo || v > hi)
      return error(n->source(), fmt::format("{}: {} is impossible (it takes {} to {}{})", name(key), v,
                                            lo, hi, unit.empty() ? "" : " " + std::string(unit)));
    out = v;
    return {};
  }

  // A temperature in °C (integer or decimal), kept in 0.1 °C (§4 0x12 reports s16 0.1 °C).
  util::Result<void> celsius(const toml::table& t, std::string_view key, std::optional<std::int64_t>& out) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return {};
    if (!n->is_number())
      return error(n->source(), fmt::format("{}: a temperature in °C (a number) is expected, not {}",
                                            name(key), type_words(n->type())));
    double c = n->is_integer() ? static_cast<double>(n->as_integer()->get()) : n->as_floating_point()->get();
    if (!std::isfinite(c) || c < -273.1 || c > 3276.7)
      return error(n->source(), fmt::format("{}: {} °C is impossible", name(key), c));
    out = std::llround(c * 10);
    return {};
  }

  util::Result<void> text(const toml::table& t, std::string_view key, std::optional<std::string>& out,
                          const toml::node** where = nullptr) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return {};
    if (!n->is_string())
      return error(n->source(), fmt::format("{}: a string is expected, not {}", name(key), type_words(n->type())));
    out = n->as_string()->get();
    if (where) *where = n;
    return {};
  }

  // min_KEY <= max_KEY, reported at the minimum's line.
  util::Result<void> ordered(const toml::table& t, std::string_view min_key, std::string_view max_key,
                             const LimitRange& r, std::string_view unit, double scale = 1) const {
    if (!r.min || !r.max || *r.min <= *r.max) return {};
    auto show = [&](std::int64_t v) {
      return scale == 1 ? std::to_string(v) : fmt::format("{:g}", static_cast<double>(v) / scale);
    };
    return error(t.get(min_key)->source(),
                 fmt::format("{}: {} {} is above {} {} {}: no value can pass", m_section, min_key,
                             show(*r.min), max_key, show(*r.max), unit));
  }

  util::Result<void> cells(const toml::table& t, Limits& l) {
    if (auto r = only(t, {"count", "min_mv", "max_mv", "max_diff_mv"}); !r) return r;
    std::optional<std::int64_t> count, diff;
    if (auto r = integer(t, "count", 1, 32, "", count); !r) return r;  // §4 0x01: 1-32 cells
    if (auto r = integer(t, "min_mv", 0, 65535, "mV", l.cell_mv.min); !r) return r;
    if (auto r = integer(t, "max_mv", 0, 65535, "mV", l.cell_mv.max); !r) return r;
    if (auto r = integer(t, "max_diff_mv", 0, 65535, "mV", diff); !r) return r;
    if (count) l.cell_count = static_cast<int>(*count);
    if (diff) l.max_diff_mv = static_cast<int>(*diff);
    return ordered(t, "min_mv", "max_mv", l.cell_mv, "mV");
  }

  util::Result<void> pack(const toml::table& t, Limits& l) {
    if (auto r = only(t, {"min_mv", "max_mv"}); !r) return r;
    if (auto r = integer(t, "min_mv", 0, 0xFFFFFFFFLL, "mV", l.pack_mv.min); !r) return r;
    if (auto r = integer(t, "max_mv", 0, 0xFFFFFFFFLL, "mV", l.pack_mv.max); !r) return r;
    return ordered(t, "min_mv", "max_mv", l.pack_mv, "mV");
  }

  util::Result<void> temperature(const toml::table& t, Limits& l) {
    if (auto r = only(t, {"cell_min_c", "cell_max_c", "mos_min_c", "mos_max_c"}); !r) return r;
    if (auto r = celsius(t, "cell_min_c", l.cell_temperature_dc.min); !r) return r;
    if (auto r = celsius(t, "cell_max_c", l.cell_temperature_dc.max); !r) return r;
    if (auto r = celsius(t, "mos_min_c", l.mos_temperature_dc.min); !r) return r;
    if (auto r = celsius(t, "mos_max_c", l.mos_temperature_dc.max); !r) return r;
    if (auto r = ordered(t, "cell_min_c", "cell_max_c", l.cell_temperature_dc, "°C", 10); !r) return r;
    return ordered(t, "mos_min_c", "mos_max_c", l.mos_temperature_dc, "°C", 10);
  }

  util::Result<void> rsoc(const toml::table& t, Limits& l) {
    if (auto r = only(t, {"min_pct", "max_pct"}); !r) return r;
    if (auto r = integer(t, "min_pct", 0, 100, "%", l.rsoc_pct.min); !r) return r;
    if (auto r = integer(t, "max_pct", 0, 100, "%", l.rsoc_pct.max); !r) return r;
    return ordered(t, "min_pct", "max_pct", l.rsoc_pct, "%");
  }

  util::Result<void> clock(const toml::table& t, Limits& l) {
    if (auto r = only(t, {"max_drift_s"}); !r) return r;
    return integer(t, "max_drift_s", 0, 86400LL * 366 * 256, "s", l.max_drift_s);
  }

  util::Result<void> shell(const toml::table& t, Limits& l) {
    if (auto r = only(t, {"min_kohm", "not_measured"}); !r) return r;
    std::optional<std::int64_t> min;
    if (auto r = integer(t, "min_kohm", 0, 65534, "kΩ", min); !r) return r;  // 0xFFFF = NULL
    if (min) l.min_shell_kohm = static_cast<int>(*min);
    std::optional<std::string> rule;
    const toml::node* where = nullptr;
    if (auto r = text(t, "not_measured", rule, &where); !r) return r;
    if (rule) {
      if (*rule != "pass" && *rule != "fail")
        return error(where->source(), fmt::format("shell.not_measured: \"{}\": write \"pass\" or \"fail\"", *rule));
      l.shell_not_measured_passes = *rule == "pass";
    }
    return {};
  }

  util::Result<void> flag_list(const toml::table& t, std::string_view key, std::vector<int>& out) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return {};
    const toml::array* a = n->as_array();
    if (a == nullptr)
      return error(n->source(), fmt::format("{}: an array of light names is expected (e.g. [\"OV\", \"UV\"]), "
                                            "not {}", name(key), type_words(n->type())));
    for (const toml::node& item : *a) {
      if (!item.is_string())
        return error(item.source(), fmt::format("{}: light names are strings, not {}", name(key),
                                                type_words(item.type())));
      const std::string& light = item.as_string()->get();
      const FlagInfo* f = m_catalogue.by_light(light);
      if (f == nullptr)
        return error(item.source(), fmt::format("{}: unknown status light \"{}\" (the names `rocketctl "
                                                "faults --all` shows: D-MOS, UV, OV, ODV, ...)", name(key), light));
      if (std::find(out.begin(), out.end(), f->bit) == out.end()) out.push_back(f->bit);
    }
    return {};
  }

  util::Result<void> flags(const toml::table& t, Limits& l) {
    if (auto r = only(t, {"clear", "set"}); !r) return r;
    if (auto r = flag_list(t, "clear", l.flags_clear); !r) return r;
    if (auto r = flag_list(t, "set", l.flags_set); !r) return r;
    for (int bit : l.flags_set)
      if (std::find(l.flags_clear.begin(), l.flags_clear.end(), bit) != l.flags_clear.end())
        return error(t.get("set")->source(),
                     fmt::format("flags: {} is both in clear and in set: no pack can pass",
                                 m_catalogue.flags()[static_cast<std::size_t>(bit)].light));
    return {};
  }

  util::Result<void> version(const toml::table& t, std::string_view key, std::optional<FirmwareVersion>& out) const {
    std::optional<std::string> s;
    const toml::node* where = nullptr;
    if (auto r = text(t, key, s, &where); !r) return r;
    if (!s) return {};
    out = parse_firmware_version(*s);
    if (!out || !out->valid())
      return error(where->source(), fmt::format("{}: \"{}\" is not a firmware version: write it like \"1.4.2\"",
                                                name(key), *s));
    return {};
  }

  util::Result<void> firmware(const toml::table& t, Limits& l) {
    if (auto r = only(t, {"exact", "minimum"}); !r) return r;
    if (auto r = version(t, "exact", l.firmware_exact); !r) return r;
    if (auto r = version(t, "minimum", l.firmware_minimum); !r) return r;
    if (l.firmware_exact && l.firmware_minimum)
      return error(t.get("minimum")->source(), "firmware: give exact or minimum, not both");
    return {};
  }

  util::Result<void> serial(const toml::table& t, Limits& l) {
    if (auto r = only(t, {"pattern"}); !r) return r;
    const toml::node* where = nullptr;
    if (auto r = text(t, "pattern", l.serial_pattern, &where); !r) return r;
    if (l.serial_pattern && (l.serial_pattern->empty() || l.serial_pattern->size() > 200))
      return error(where->source(), "serial.pattern: an empty pattern matches no serial");
    return {};
  }

  std::string m_file;
  const Catalogue& m_catalogue;
  std::string m_section;
};

// ---------------------------------------------------------------------------------------
// Evaluation

std::string range_text(const LimitRange& r, const std::function<std::string(std::int64_t)>& show,
                       std::string_view unit) {
  if (r.min && r.max) return fmt::format("{} to {} {}", show(*r.min), show(*r.max), unit);
  if (r.min) return fmt::format(">= {} {}", show(*r.min), unit);
  return fmt::format("<= {} {}", show(*r.max), unit);
}

bool inside(const LimitRange& r, std::int64_t lo, std::int64_t hi) {
  return (!r.min || lo >= *r.min) && (!r.max || hi <= *r.max);
}

std::string decicelsius(std::int64_t dc) {
  return fmt::format("{}{}.{}", dc < 0 ? "-" : "", std::llabs(dc) / 10, std::llabs(dc) % 10);
}

// The lowest and highest of a value over every sample that has it; nullopt when none has.
struct Extremes {
  std::optional<std::int64_t> lo, hi;
  void add(std::int64_t v) {
    lo = lo ? std::min(*lo, v) : v;
    hi = hi ? std::max(*hi, v) : v;
  }
  bool known() const { return lo.has_value(); }
  std::string text(const std::function<std::string(std::int64_t)>& show, std::string_view unit) const {
    if (*lo == *hi) return fmt::format("{} {}", show(*lo), unit);
    return fmt::format("{} to {} {}", show(*lo), show(*hi), unit);
  }
};

std::string plain(std::int64_t v) { return std::to_string(v); }

LimitResult range_result(std::string name, const std::string& not_read, const Extremes& e, const LimitRange& r,
                         const std::function<std::string(std::int64_t)>& show, std::string_view unit) {
  LimitResult res{std::move(name), not_read, range_text(r, show, unit), false};
  if (!e.known()) return res;
  res.measured = e.text(show, unit);
  res.pass = inside(r, *e.lo, *e.hi);
  return res;
}

std::string light_list(const std::vector<int>& bits, const Catalogue& catalogue) {
  std::string out;
  for (int bit : bits) out += (out.empty() ? "" : " ") + catalogue.flags()[static_cast<std::size_t>(bit)].light;
  return out;
}

bool version_less(const FirmwareVersion& a, const FirmwareVersion& b) {
  return std::tie(a.major, a.minor, a.patch) < std::tie(b.major, b.minor, b.patch);
}

}  // namespace

std::optional<FirmwareVersion> parse_firmware_version(std::string_view text) {
  int parts[3] = {0, 0, 0};
  std::size_t i = 0;
  for (int k = 0; k < 3; ++k) {
    if (k > 0) {
      if (i >= text.size() || text[i] != '.') return std::nullopt;
      ++i;
    }
    std::size_t start = i;
    int v = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 3) v = v * 10 + (text[i++] - '0');
    if (i == start || v > 255) return std::nullopt;
    parts[k] = v;
  }
  if (i != text.size()) return std::nullopt;
  return FirmwareVersion{parts[0], parts[1], parts[2]};
}

util::Result<Limits> parse_limits(std::string_view text, const std::string& file, const Catalogue& catalogue) {
  return Parser(file, catalogue).run(text);
}

util::Result<Limits> load_limits(const std::string& path, const Catalogue& catalogue) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return util::fail(util::Errc::io, fmt::format("cannot read the limits file {}: check the path", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return util::fail(util::Errc::io, fmt::format("cannot read the limits file {}", path));
  return parse_limits(text.str(), path, catalogue);
}

std::vector<LimitResult> evaluate(const Limits& l, const std::vector<Sample>& samples, const Catalogue& catalogue) {
  std::vector<LimitResult> out;
  // What a limit says when no sample has its value; a bootloader serves only the identity.
  const bool bootloader = std::any_of(samples.begin(), samples.end(),
                                      [](const Sample& s) { return s.snapshot.connect.mode == Mode::bootloader; });
  const std::string not_read = bootloader ? "not read (bootloader mode)" : "not read";

  if (l.cell_count) {
    Extremes e;
    for (const Sample& s : samples)
      if (s.snapshot.connect.mode == Mode::application) e.add(s.snapshot.connect.cell_count);
    LimitResult r{"cell_count", not_read, std::to_string(*l.cell_count), false};
    if (e.known()) {
      r.measured = e.text(plain, "");
      if (r.measured.back() == ' ') r.measured.pop_back();
      r.pass = *e.lo == *l.cell_count && *e.hi == *l.cell_count;
    }
    out.push_back(r);
  }

  if (l.cell_mv.given()) {
    // Every cell of every sample; the cell numbers of the extremes help find a bad cell.
    std::optional<std::pair<int, int>> lo, hi;  // mV, cell number
    for (const Sample& s : samples)
      for (std::size_t i = 0; i < s.snapshot.cell_mv.size(); ++i) {
        int mv = s.snapshot.cell_mv[i], cell = static_cast<int>(i) + 1;
        if (!lo || mv < lo->first) lo = {mv, cell};
        if (!hi || mv > hi->first) hi = {mv, cell};
      }
    LimitResult r{"cell_voltage", not_read, range_text(l.cell_mv, plain, "mV"), false};
    if (lo) {
      r.measured = fmt::format("{} mV (#{}) to {} mV (#{})", lo->first, lo->second, hi->first, hi->second);
      r.pass = inside(l.cell_mv, lo->first, hi->first);
    }
    out.push_back(r);
  }

  {
    Extremes e;
    for (const Sample& s : samples) {
      const auto& c = s.snapshot.cell_mv;
      if (!c.empty()) e.add(*std::max_element(c.begin(), c.end()) - *std::min_element(c.begin(), c.end()));
      else if (s.snapshot.cell_summary) e.add(s.snapshot.cell_summary->diff_mv());
    }
    LimitResult r{"max_diff_voltage", not_read, fmt::format("<= {} mV", l.max_diff_mv), false};
    if (e.known()) {
      r.measured = fmt::format("{} mV", *e.hi);
      r.pass = *e.hi <= l.max_diff_mv;
    }
    out.push_back(r);
  }

  if (l.pack_mv.given()) {
    Extremes e;
    for (const Sample& s : samples)
      if (s.snapshot.pack) e.add(s.snapshot.pack->voltage_mv);
    out.push_back(range_result("pack_voltage", not_read, e, l.pack_mv, plain, "mV"));
  }

  if (l.cell_temperature_dc.given()) {
    Extremes e;
    for (const Sample& s : samples) {
      for (int dc : s.snapshot.sensor_dc) e.add(dc);
      if (s.snapshot.sensor_dc.empty() && s.snapshot.temperature_summary) {
        e.add(s.snapshot.temperature_summary->lowest_dc);
        e.add(s.snapshot.temperature_summary->highest_dc);
      }
    }
    out.push_back(range_result("cell_temperature", not_read, e, l.cell_temperature_dc, decicelsius, "°C"));
  }

  if (l.mos_temperature_dc.given()) {
    Extremes e;
    for (const Sample& s : samples)
      if (s.snapshot.temperature_summary) e.add(s.snapshot.temperature_summary->mos_dc);
    out.push_back(range_result("mos_temperature", not_read, e, l.mos_temperature_dc, decicelsius, "°C"));
  }

  if (l.rsoc_pct.given()) {
    Extremes e;
    for (const Sample& s : samples)
      if (s.snapshot.capacity) e.add(s.snapshot.capacity->rsoc_pct);
    out.push_back(range_result("rsoc", not_read, e, l.rsoc_pct, plain, "%"));
  }

  if (l.max_drift_s) {
    std::optional<std::int64_t> worst;  // the largest |drift|, sign kept
    for (const Sample& s : samples) {
      if (!s.snapshot.clock || !is_valid(*s.snapshot.clock) || !is_valid(s.local_time)) continue;
      std::int64_t d = to_seconds(*s.snapshot.clock) - to_seconds(s.local_time);
      if (!worst || std::llabs(d) > std::llabs(*worst)) worst = d;
    }
    LimitResult r{"clock_drift", not_read, fmt::format("<= {} s either way", *l.max_drift_s), false};
    if (worst) {
      r.measured = fmt::format("{:+} s ({})", *worst, *worst == 0 ? "in step" : *worst > 0 ? "BMS ahead" : "BMS behind");
      r.pass = std::llabs(*worst) <= *l.max_drift_s;
    }
    out.push_back(r);
  }

  if (l.min_shell_kohm) {
    bool seen = false, null_seen = false;
    std::optional<int> lowest;
    for (const Sample& s : samples) {
      if (!s.snapshot.shell) continue;
      seen = true;
      for (const auto& side : {s.snapshot.shell->positive_kohm, s.snapshot.shell->negative_kohm}) {
        if (!side) null_seen = true;
        else lowest = lowest ? std::min(*lowest, *side) : *side;
      }
    }
    LimitResult r{"shell_resistance", not_read,
                  fmt::format(">= {} kΩ (not measured: {})", *l.min_shell_kohm,
                              l.shell_not_measured_passes ? "pass" : "fail"),
                  false};
    if (seen) {
      if (lowest && null_seen) r.measured = fmt::format("{} kΩ, one side NULL (not measured)", *lowest);
      else if (lowest) r.measured = fmt::format("{} kΩ", *lowest);
      else r.measured = "NULL (not measured)";
      r.pass = (!lowest || *lowest >= *l.min_shell_kohm) && (!null_seen || l.shell_not_measured_passes);
    }
    out.push_back(r);
  }

  // Flags: a flag fails when it is in the wrong state in any sample.
  auto flag_result = [&](std::string name, const std::vector<int>& bits, bool must_be_set) {
    std::vector<int> wrong;
    bool seen = false;
    for (const Sample& s : samples) {
      if (!s.snapshot.status) continue;
      seen = true;
      for (int bit : bits) {
        bool set = ((s.snapshot.status->flags >> bit) & 1U) != 0;
        if (set != must_be_set && std::find(wrong.begin(), wrong.end(), bit) == wrong.end()) wrong.push_back(bit);
      }
    }
    std::sort(wrong.begin(), wrong.end());
    LimitResult r{std::move(name), not_read,
                  fmt::format("{}: {}", must_be_set ? "set" : "clear", light_list(bits, catalogue)), false};
    if (seen) {
      r.pass = wrong.empty();
      r.measured = wrong.empty() ? (must_be_set ? "all set" : "all clear")
                                 : fmt::format("{} {}", light_list(wrong, catalogue), must_be_set ? "clear" : "set");
    }
    out.push_back(r);
  };
  if (!l.flags_clear.empty()) flag_result("flags_clear", l.flags_clear, false);
  if (!l.flags_set.empty()) flag_result("flags_set", l.flags_set, true);

  if (l.firmware_exact || l.firmware_minimum) {
    // Every sample's version (a pack could restart into another between samples).
    LimitResult r{"firmware", "", l.firmware_exact ? "= " + l.firmware_exact->to_string()
                                                   : ">= " + l.firmware_minimum->to_string(), true};
    std::vector<std::string> seen;
    for (const Sample& s : samples) {
      const FirmwareVersion& v = s.snapshot.connect.firmware;
      std::string text = v.valid() ? v.to_string() : "none";
      if (std::find(seen.begin(), seen.end(), text) == seen.end()) seen.push_back(text);
      bool ok = v.valid() && (l.firmware_exact ? v == *l.firmware_exact : !version_less(v, *l.firmware_minimum));
      r.pass = r.pass && ok;
    }
    for (const std::string& t : seen) r.measured += (r.measured.empty() ? "" : ", ") + t;
    out.push_back(r);
  }

  if (l.serial_pattern) {
    LimitResult r{"serial", not_read, "matches " + *l.serial_pattern, true};
    std::vector<std::string> seen;
    for (const Sample& s : samples) {
      if (!s.snapshot.serial) {
        r.pass = false;
        continue;
      }
      if (std::find(seen.begin(), seen.end(), *s.snapshot.serial) == seen.end()) seen.push_back(*s.snapshot.serial);
      r.pass = r.pass && fnmatch(l.serial_pattern->c_str(), s.snapshot.serial->c_str(), 0) == 0;
    }
    if (!seen.empty()) {
      r.measured.clear();
      for (const std::string& t : seen) r.measured += (r.measured.empty() ? "" : ", ") + t;
    }
    if (seen.empty()) r.pass = false;
    out.push_back(r);
  }
  return out;
}

}  // namespace bms
