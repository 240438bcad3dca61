#include "sim/options.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace sim {
namespace {

std::vector<std::string_view> split(std::string_view text, std::string_view separators) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || separators.find(text[i]) != std::string_view::npos) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

template <class T>
bool parse_int(std::string_view text, T& out) {
  int base = 10;
  bool negative = !text.empty() && text[0] == '-';
  std::string_view digits = negative ? text.substr(1) : text;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    base = 16;
    digits = digits.substr(2);
  }
  long long v = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
  if (ec != std::errc() || p != digits.data() + digits.size() || digits.empty()) return false;
  if (negative) v = -v;
  out = static_cast<T>(v);
  return static_cast<long long>(out) == v;
}

bool parse_decimal(std::string_view text, double& out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size() && !text.empty() && std::isfinite(out);
}

util::Error bad(std::string_view key, std::string_view value, std::string_view takes) {
  return util::Error{util::Errc::usage,
                     fmt::format("simulator option {}={}: {} expected", key, value, takes)};
}

// Reference-like cell voltages for `count` cells: the reference pattern repeated.
std::vector<int> cells_for(int count) {
  static const std::vector<int> k_pattern = BatteryConfig{}.cell_mv;
  std::vector<int> cells;
  for (int i = 0; i < count; ++i) cells.push_back(k_pattern[static_cast<std::size_t>(i) % k_pattern.size()]);
  return cells;
}

}  // namespace

std::optional<util::Duration> parse_duration(std::string_view text) {
  std::size_t unit = text.find_first_not_of("0123456789.");
  if (unit == 0 || unit == std::string_view::npos) return std::nullopt;
  double v = 0;
  if (!parse_decimal(text.substr(0, unit), v) || v < 0 || v > 1e7) return std::nullopt;
  std::string_view u = text.substr(unit);
  double scale = u == "ms" ? 1e-3 : u == "s" ? 1.0 : u == "min" ? 60.0 : 0.0;
  if (scale == 0) return std::nullopt;
  return util::Duration(std::llround(v * scale * 1e9));
}

const std::vector<OptionHelp>& option_help() {
  static const std::vector<OptionHelp> k_help = {
      {"bitrate", "BPS", "pace the virtual bus like a real one (e.g. 250000)"},
      {"address", "N", "BMS address 1-63 (default 1)"},
      {"serial", "TEXT", "serial number, up to 21 printable characters"},
      {"hw", "N", "hardware revision (default 3)"},
      {"fw", "X.Y.Z", "firmware version (default 1.4.2)"},
      {"cells", "MV/MV/...", "cell voltages in mV, 1-32 cells"},
      {"cell-count", "N", "number of cells (reference voltages repeated)"},
      {"sensors", "C/C/...", "sensor temperatures in °C, 1-16 sensors"},
      {"mos", "C", "MOSFET temperature in °C"},
      {"current", "MA", "pack current in mA (+ charging)"},
      {"rsoc", "PCT", "relative state of charge 0-100"},
      {"rcap", "MAH", "remaining capacity"},
      {"fullcap", "MAH", "full-charge capacity"},
      {"flags", "WORD", "status word, e.g. 0x41 (normal) or 0x841 (ODV)"},
      {"balancing", "WORD", "balancing word, bit k-1 = cell k"},
      {"cycles", "N", "cycle count"},
      {"luchg", "H", "longest time without charging, hours"},
      {"shell", "KOHM/KOHM", "shell resistance to B+ and B-, or NULL"},
      {"clock", "DATE|now", "BMS clock at start, 2020-10-17T16:48:40, or now (local time)"},
      {"drift", "S", "start the clock S seconds ahead (-S: behind); pack k of several: k*S"},
      {"delay", "MS", "time to the first response frame (0-50)"},
      {"standby", "0|1", "start in standby (answers nothing until woken)"},
      {"packs", "N", "N packs (1-63) at address, address+1, ...; serials counted up"},
      {"addresses", "A/B/...", "one pack at each address (instead of packs)"},
      {"duplicate", "0|1", "one more pack answering from pack 1's address (another serial)"},
      {"bench", "N", "N packs plugged in one at a time at address (1-1000)"},
      {"swap", "DURATION", "bench: each pack present this long, e.g. 2s, 500ms (default 3s)"},
      {"gap", "DURATION", "bench: silence between packs (default swap/2, at least 500ms)"},
      {"loop", "0|1", "bench: after the last pack, start again with pack 1"},
      {"load", "PERCENT", "foreign traffic (chargers, inverters) on PERCENT of the bus, 1-90"},
      {"bs", "N", "diagnostic channel: block size of the BMS's flow control 0-255 (default 32)"},
      {"stmin", "N", "diagnostic channel: raw STmin byte of the BMS's flow control, e.g. 0x05 or 0xF3 (default 0)"},
      {"maxblock", "N", "maxNumberOfBlockLength for upload and download, 8-4095 (default 4095)"},
      {"log", "N", "event log records at start, 0-2000 (default 42)"},
      {"bootloader", "0|1", "start in the bootloader with no valid application"},
      {"erase", "DURATION", "time the flash erase takes, answered 0x78 meanwhile (default 1200ms)"},
      {"lose", "N", "fault: the N-th UDS response is not sent"},
      {"corrupt", "N", "fault: the N-th downloaded block is written with a flipped bit"},
      {"resetblock", "N", "fault: the pack restarts on receiving the N-th downloaded block"},
      {"cut", "EVENT[/N]", "fault: the power fails once at the N-th erase_started, erase_done, block, verified or reset"},
      {"link", "ok|down|noack|passive|busoff", "-i sim only: the tool's CAN link is down, unacknowledged, error-passive or bus-off"},
  };
  return k_help;
}

util::Result<void> apply_option(Options& o, std::string_view key, std::string_view value) {
  BatteryConfig& b = o.battery;
  auto int_in = [&](auto& field, long long lo, long long hi, std::string_view takes) -> util::Result<void> {
    long long v = 0;
    if (!parse_int(value, v) || v < lo || v > hi) return tl::unexpected(bad(key, value, takes));
    field = static_cast<std::remove_reference_t<decltype(field)>>(v);
    return {};
  };
  auto list = [&](std::vector<int>& out, double scale, double lo, double hi, std::size_t max,
                  std::string_view takes) -> util::Result<void> {
    std::vector<int> values;
    for (std::string_view part : split(value, "/,")) {
      double v = 0;
      if (!parse_decimal(part, v) || v < lo || v > hi) return tl::unexpected(bad(key, value, takes));
      values.push_back(static_cast<int>(std::lround(v * scale)));
    }
    if (values.empty() || values.size() > max) return tl::unexpected(bad(key, value, takes));
    out = std::move(values);
    return {};
  };

  if (key == "bitrate") return int_in(o.bitrate, 1000, 1000000, "a bitrate 1000-1000000");
  if (key == "address") return int_in(b.address, 1, 63, "an address 1-63");
  if (key == "hw") return int_in(b.hardware_revision, 0, 255, "a number 0-255");
  if (key == "current") return int_in(b.current_ma, -2147483647LL, 2147483647LL, "milliamperes");
  if (key == "rsoc") return int_in(b.rsoc_pct, 0, 100, "a percentage 0-100");
  if (key == "rcap") return int_in(b.remaining_mah, 0, 0xFFFFFF, "mAh 0-16777215");
  if (key == "fullcap") return int_in(b.full_mah, 0, 0xFFFFFF, "mAh 0-16777215");
  if (key == "flags") return int_in(b.status_flags, 0, 0x07FFFFFF, "a status word 0-0x7FFFFFF");
  if (key == "balancing") return int_in(b.balancing, 0, 0xFFFFFFFFLL, "a 32-bit word");
  if (key == "cycles") return int_in(b.cycles, 0, 65535, "a count 0-65535");
  if (key == "luchg") return int_in(b.longest_uncharged_h, 0, 65535, "hours 0-65535");
  if (key == "standby") return int_in(b.standby, 0, 1, "0 or 1");
  if (key == "cells") return list(b.cell_mv, 1, 0, 65534, 32, "1-32 voltages in mV separated by '/'");
  if (key == "sensors") return list(b.sensor_dc, 10, -3276.8, 3276.6, 16, "1-16 temperatures in °C separated by '/'");
  if (key == "cell-count") {
    int n = 0;
    if (!parse_int(value, n) || n < 1 || n > 32) return tl::unexpected(bad(key, value, "a count 1-32"));
    b.cell_mv = cells_for(n);
    return {};
  }
  if (key == "mos") {
    double v = 0;
    if (!parse_decimal(value, v) || v < -3276.8 || v > 3276.6) return tl::unexpected(bad(key, value, "°C"));
    b.mos_dc = static_cast<int>(std::lround(v * 10));
    return {};
  }
  if (key == "delay") {
    int ms = 0;
    if (!parse_int(value, ms) || ms < 0 || ms > 50) return tl::unexpected(bad(key, value, "milliseconds 0-50"));
    b.first_frame_delay = std::chrono::milliseconds(ms);
    return {};
  }
  if (key == "serial") {
    if (value.empty() || value.size() > 21) return tl::unexpected(bad(key, value, "1-21 characters"));
    for (char c : value)
      if (c < 0x21 || c > 0x7E) return tl::unexpected(bad(key, value, "printable characters"));
    b.serial = std::string(value);
    return {};
  }
  if (key == "fw") {
    auto parts = split(value, ".");
    bms::FirmwareVersion v;
    if (parts.size() != 3 || !parse_int(parts[0], v.major) || !parse_int(parts[1], v.minor) ||
        !parse_int(parts[2], v.patch) || v.major < 0 || v.major > 255 || v.minor < 0 ||
        v.minor > 255 || v.patch < 0 || v.patch > 255)
      return tl::unexpected(bad(key, value, "a version X.Y.Z"));
    b.firmware = v;
    return {};
  }
  if (key == "shell") {
    if (value == "NULL" || value == "null") {
      b.shell = {};
      return {};
    }
    auto parts = split(value, "/");
    int pos = 0, neg = 0;
    if (parts.size() != 2 || !parse_int(parts[0], pos) || !parse_int(parts[1], neg) || pos < 0 ||
        pos > 65534 || neg < 0 || neg > 65534)
      return tl::unexpected(bad(key, value, "KOHM/KOHM (0-65534) or NULL"));
    b.shell = {pos, neg};
    return {};
  }
  if (key == "clock") {
    if (value == "now") {
      b.clock_now = true;
      return {};
    }
    auto c = bms::parse_calendar(value);
    if (!c) return tl::unexpected(bad(key, value, "a date 2000-2255 like 2020-10-17T16:48:40"));
    b.clock = *c;
    b.clock_now = false;
    return {};
  }
  if (key == "drift") {
    std::int64_t s = 0;
    if (!parse_int(value, s) || s < -999999999 || s > 999999999)
      return tl::unexpected(bad(key, value, "seconds, e.g. 90 or -3600"));
    o.drift_s = s;
    return {};
  }
  if (key == "packs") return int_in(o.packs, 1, 63, "a count 1-63");
  if (key == "duplicate") return int_in(o.duplicate, 0, 1, "0 or 1");
  if (key == "loop") return int_in(o.loop, 0, 1, "0 or 1");
  if (key == "load") return int_in(o.load_pct, 1, 90, "a share of the bus in percent, 1-90");
  if (key == "bench") return int_in(o.bench, 1, 1000, "a count 1-1000");
  if (key == "addresses") {
    std::vector<std::uint8_t> addresses;
    for (std::string_view part : split(value, "/")) {
      int a = 0;
      if (!parse_int(part, a) || a < 1 || a > 63)
        return tl::unexpected(bad(key, value, "addresses 1-63 separated by '/'"));
      if (std::find(addresses.begin(), addresses.end(), a) != addresses.end())
        return tl::unexpected(bad(key, value, "different addresses (two packs at one: duplicate=1)"));
      addresses.push_back(static_cast<std::uint8_t>(a));
    }
    o.addresses = std::move(addresses);
    return {};
  }
  if (key == "swap" || key == "gap") {
    auto d = parse_duration(value);
    const util::Duration lo = key == "swap" ? util::Duration(std::chrono::milliseconds(100)) : util::Duration(0);
    if (!d || *d < lo || *d > std::chrono::hours(24))
      return tl::unexpected(bad(key, value, key == "swap" ? "a duration 100ms-24h like 2s or 500ms"
                                                          : "a duration 0-24h like 1s or 500ms"));
    (key == "swap" ? o.swap : o.gap) = *d;
    return {};
  }
  DiagConfig& d = b.diag;
  if (key == "bs") return int_in(d.block_size, 0, 255, "a block size 0-255");
  if (key == "stmin") return int_in(d.st_min, 0, 255, "a raw STmin byte 0-255 (e.g. 0x7F, 0xF3)");
  if (key == "maxblock") return int_in(d.max_block, 8, 4095, "a block length 8-4095");
  if (key == "log") return int_in(d.log_records, 0, d.log_capacity, "a record count 0-2000");
  if (key == "bootloader") return int_in(d.start_in_bootloader, 0, 1, "0 or 1");
  if (key == "erase") {
    auto t = parse_duration(value);
    if (!t || *t > std::chrono::minutes(10)) return tl::unexpected(bad(key, value, "a duration up to 10min like 1200ms"));
    d.erase_time = *t;
    return {};
  }
  if (key == "lose") return int_in(o.lose_response, 0, 1000000, "a response number (1 = the first)");
  if (key == "corrupt") return int_in(o.corrupt_block, 0, 1000000, "a block number (1 = the first)");
  if (key == "resetblock") return int_in(o.reset_at_block, 0, 1000000, "a block number (1 = the first)");
  if (key == "link") {
    static const std::pair<std::string_view, LinkFault> k_faults[] = {
        {"ok", LinkFault::none},         {"down", LinkFault::down},
        {"noack", LinkFault::noack},     {"passive", LinkFault::passive},
        {"busoff", LinkFault::busoff},
    };
    const auto* found = std::find_if(std::begin(k_faults), std::end(k_faults),
                                     [&](const auto& f) { return f.first == value; });
    if (found == std::end(k_faults)) return tl::unexpected(bad(key, value, "ok, down, noack, passive or busoff"));
    o.link = found->second;
    return {};
  }
  if (key == "cut") {
    static const std::pair<std::string_view, DiagEvent::Kind> k_events[] = {
        {"erase_started", DiagEvent::Kind::erase_started},
        {"erase_done", DiagEvent::Kind::erase_done},
        {"block", DiagEvent::Kind::block_programmed},
        {"verified", DiagEvent::Kind::verified},
        {"reset", DiagEvent::Kind::reset},
    };
    auto parts = split(value, "/");
    PowerCut cut;
    const auto* found = std::find_if(std::begin(k_events), std::end(k_events),
                                     [&](const auto& e) { return e.first == parts[0]; });
    if (found == std::end(k_events) || parts.size() > 2 ||
        (parts.size() == 2 && (!parse_int(parts[1], cut.nth) || cut.nth < 1)))
      return tl::unexpected(bad(key, value, "erase_started, erase_done, block, verified or reset, then /N"));
    cut.kind = found->second;
    o.power_cut = cut;
    return {};
  }
  std::string keys;
  for (const auto& h : option_help()) keys += (keys.empty() ? "" : ", ") + std::string(h.key);
  return util::fail(util::Errc::usage,
                    fmt::format("unknown simulator option '{}' (options: {})", key, keys));
}

DiagFaults diag_faults(const Options& o) {
  DiagFaults f;
  f.lose_response = o.lose_response;
  f.corrupt_block = o.corrupt_block;
  f.reset_at_block = o.reset_at_block;
  if (o.power_cut) {
    // Once: the pack must come back and be recoverable (§8 "Recovery").
    f.on_event = [cut = *o.power_cut, seen = 0](const DiagEvent& e) mutable {
      return e.kind == cut.kind && ++seen == cut.nth;
    };
  }
  return f;
}

util::Result<Options> parse_options(std::string_view text) {
  Options o;
  if (text.empty()) return o;
  for (std::string_view item : split(text, ",")) {
    auto eq = item.find('=');
    if (eq == std::string_view::npos)
      return util::fail(util::Errc::usage,
                        fmt::format("simulator option '{}': write key=value, e.g. cells=3600/3650", item));
    if (auto r = apply_option(o, item.substr(0, eq), item.substr(eq + 1)); !r)
      return tl::unexpected(r.error());
  }
  if (auto packs = pack_configs(o); !packs) return tl::unexpected(packs.error());
  return o;
}

}  // namespace sim
