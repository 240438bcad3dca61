// The candump log format both ways (see candump.hpp). Both directions sit in the hot path of
// `rocketctl decode` (a million lines a second), so neither allocates nor uses iostreams.

#include "can/candump.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace can {

namespace {

constexpr char k_hex_upper[] = "0123456789ABCDEF";

// -1 for a character that is not a hex digit.
constexpr std::array<std::int8_t, 256> make_hex_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = static_cast<std::int8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) t[static_cast<std::size_t>(c)] = static_cast<std::int8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) t[static_cast<std::size_t>(c)] = static_cast<std::int8_t>(c - 'A' + 10);
  return t;
}
constexpr auto k_hex = make_hex_table();

inline int hex_value(char c) { return k_hex[static_cast<unsigned char>(c)]; }

// Writes `value` as exactly `digits` decimal digits (zero-padded) ending before `end`.
inline void put_decimal(char* end, std::uint64_t value, int digits) {
  for (int i = 0; i < digits; ++i) {
    *--end = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

inline char* put_hex(char* p, std::uint32_t value, int digits) {
  for (int i = digits - 1; i >= 0; --i) p[digits - 1 - i] = k_hex_upper[(value >> (4 * i)) & 0xF];
  return p + digits;
}

inline bool is_space(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::int64_t to_micros(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

void append_candump(fmt::memory_buffer& out, std::int64_t time_us, std::string_view iface,
                    const Frame& frame) {
  CandumpRecord r;
  r.time_us = time_us;
  r.iface = iface;
  r.frame = frame;
  append_candump(out, r);
}

void append_candump(fmt::memory_buffer& out, const CandumpRecord& record) {
  // "(" 20 digits "." 6 ")" " " + iface + " " 8 "#" 16 "\n": the fixed part fits in 64.
  std::array<char, 40> head;
  std::uint64_t t = record.time_us < 0 ? 0 : static_cast<std::uint64_t>(record.time_us);
  std::uint64_t seconds = t / 1000000U;
  char* p = head.data();
  *p++ = '(';
  int sdigits = 10;
  for (std::uint64_t s = seconds / 10000000000ULL; s > 0; s /= 10) ++sdigits;
  put_decimal(p + sdigits, seconds, sdigits);
  p += sdigits;
  *p++ = '.';
  put_decimal(p + 6, t % 1000000U, 6);
  p += 6;
  *p++ = ')';
  *p++ = ' ';
  out.append(head.data(), p);
  out.append(record.iface.data(), record.iface.data() + record.iface.size());

  std::array<char, 40> tail;
  p = tail.data();
  *p++ = ' ';
  const Frame& f = record.frame;
  if (record.error)
    p = put_hex(p, (f.id & canerr::mask) | canerr::flag, 8);
  else if (f.extended)
    p = put_hex(p, f.id & k_max_extended_id, 8);
  else
    p = put_hex(p, f.id & k_max_standard_id, 3);
  *p++ = '#';
  if (f.remote && !record.error) {
    *p++ = 'R';
    const std::uint8_t len = f.dlc > 8 ? 8 : f.dlc;
    if (len > 0) *p++ = k_hex_upper[len];
  } else {
    const std::size_t n = f.dlc > 8 ? 8 : f.dlc;
    for (std::size_t i = 0; i < n; ++i) {
      *p++ = k_hex_upper[f.data[i] >> 4];
      *p++ = k_hex_upper[f.data[i] & 0xF];
    }
  }
  *p++ = '\n';
  out.append(tail.data(), p);
}

std::string format_candump(const CandumpRecord& record) {
  fmt::memory_buffer out;
  append_candump(out, record);
  return std::string(out.data(), out.size() - 1);
}

CandumpRecord error_record(std::int64_t time_us, std::string_view iface, const BusError& error) {
  CandumpRecord r;
  r.time_us = time_us;
  r.iface = iface;
  r.error = true;
  Frame& f = r.frame;
  f.extended = true;
  f.dlc = 8;
  f.data = {};
  using Kind = BusError::Kind;
  std::uint32_t id = 0;
  const bool tx_high_known = error.tx_errors >= 0, rx_known = error.rx_errors >= 0;
  switch (error.kind) {
    case Kind::no_ack: id = canerr::ack; break;
    case Kind::bus_off: id = canerr::busoff; break;
    case Kind::restarted: id = canerr::restarted; break;
    case Kind::tx_timeout: id = canerr::tx_timeout; break;
    case Kind::protocol: id = canerr::prot | canerr::buserror; break;
    case Kind::rx_overflow:
      id = canerr::crtl;
      f.data[1] = canerr::crtl_rx_overflow;
      break;
    case Kind::error_passive:
      id = canerr::crtl;
      // Which counter crossed 127, when the counters say; both when they do not.
      if (tx_high_known && error.tx_errors > 127) f.data[1] |= canerr::crtl_tx_passive;
      if (rx_known && error.rx_errors > 127) f.data[1] |= canerr::crtl_rx_passive;
      if (f.data[1] == 0) f.data[1] = canerr::crtl_tx_passive | canerr::crtl_rx_passive;
      break;
    case Kind::error_warning:
      id = canerr::crtl;
      if (tx_high_known && error.tx_errors > 95) f.data[1] |= canerr::crtl_tx_warning;
      if (rx_known && error.rx_errors > 95) f.data[1] |= canerr::crtl_rx_warning;
      if (f.data[1] == 0) f.data[1] = canerr::crtl_tx_warning | canerr::crtl_rx_warning;
      break;
    case Kind::other: id = canerr::crtl; break;  // "unspecified controller problem"
  }
  if (tx_high_known || rx_known) {
    id |= canerr::cnt;
    f.data[6] = static_cast<std::uint8_t>(std::clamp(error.tx_errors, 0, 255));
    f.data[7] = static_cast<std::uint8_t>(std::clamp(error.rx_errors, 0, 255));
  }
  f.id = id;
  return r;
}

BusError bus_error_of(const CandumpRecord& record) {
  // The same reading as socketcan.cpp's translate_error_frame, on the logged bytes.
  const std::uint32_t id = record.frame.id;
  const auto& d = record.frame.data;
  const std::size_t n = record.frame.size();
  auto byte = [&](std::size_t i) -> std::uint8_t { return i < n ? d[i] : 0; };
  BusError e;
  if (id & canerr::cnt) {
    e.tx_errors = byte(6);
    e.rx_errors = byte(7);
  }
  const std::uint8_t ctrl = (id & canerr::crtl) ? byte(1) : 0;
  const bool ack_slot = (id & canerr::prot) &&
                        (byte(3) == canerr::prot_loc_ack || byte(3) == canerr::prot_loc_ack_del);
  using Kind = BusError::Kind;
  if (id & canerr::busoff)
    e.kind = Kind::bus_off;
  else if (id & canerr::restarted)
    e.kind = Kind::restarted;
  else if ((id & canerr::ack) || ack_slot)
    e.kind = Kind::no_ack;
  else if (ctrl & canerr::crtl_rx_overflow)
    e.kind = Kind::rx_overflow;
  else if (ctrl & (canerr::crtl_rx_passive | canerr::crtl_tx_passive))
    e.kind = Kind::error_passive;
  else if (ctrl & (canerr::crtl_rx_warning | canerr::crtl_tx_warning))
    e.kind = Kind::error_warning;
  else if (id & (canerr::prot | canerr::buserror))
    e.kind = Kind::protocol;
  else if (id & canerr::tx_timeout)
    e.kind = Kind::tx_timeout;
  else
    e.kind = Kind::other;
  return e;
}

const char* parse_candump(std::string_view line, CandumpRecord& out) {
  const char* p = line.data();
  const char* end = p + line.size();
  while (end > p && (end[-1] == '\r' || is_space(end[-1]))) --end;
  while (p < end && is_space(*p)) ++p;

  // (seconds.fraction)
  if (p == end || *p != '(') return "expected '(seconds.microseconds)' at the start";
  ++p;
  std::uint64_t seconds = 0;
  auto [sp, sec] = std::from_chars(p, end, seconds);
  if (sec != std::errc{} || sp == p) return "timestamp: seconds expected after '('";
  if (seconds > 9000000000000ULL) return "timestamp: seconds out of range";
  p = sp;
  if (p == end || *p != '.') return "timestamp: '.' expected between seconds and microseconds";
  ++p;
  std::uint64_t micros = 0;
  int digits = 0;
  while (p < end && *p >= '0' && *p <= '9') {
    if (digits < 6) micros = micros * 10 + static_cast<std::uint64_t>(*p - '0');
    ++digits;
    ++p;
  }
  if (digits == 0) return "timestamp: digits expected after '.'";
  for (int i = digits; i < 6; ++i) micros *= 10;
  if (p == end || *p != ')') return "timestamp: ')' expected after the fraction";
  ++p;
  out.time_us = static_cast<std::int64_t>(seconds * 1000000U + micros);

  // iface
  if (p == end || !is_space(*p)) return "a space expected after the timestamp";
  while (p < end && is_space(*p)) ++p;
  const char* iface = p;
  while (p < end && !is_space(*p)) ++p;
  if (p == iface) return "interface name missing";
  out.iface = std::string_view(iface, static_cast<std::size_t>(p - iface));
  while (p < end && is_space(*p)) ++p;
  if (p == end) return "frame missing after the interface name";

  // ID#DATA, then an optional direction flag (candump -x: R received, T transmitted).
  const char* frame_end = p;
  while (frame_end < end && !is_space(*frame_end)) ++frame_end;
  if (frame_end != end) {
    const char* flag = frame_end;
    while (flag < end && is_space(*flag)) ++flag;
    if (end - flag != 1 || (*flag != 'R' && *flag != 'T'))
      return "unexpected text after the frame";
  }

  const char* id_start = p;
  std::uint32_t id = 0;
  while (p < frame_end && *p != '#') {
    const int v = hex_value(*p);
    if (v < 0) return "id: hex digits expected before '#'";
    id = id << 4 | static_cast<std::uint32_t>(v);
    ++p;
    if (p - id_start > 8) break;
  }
  if (p == frame_end) return "'#' expected between id and data";
  const auto id_len = p - id_start;
  Frame& f = out.frame;
  f = Frame{};
  out.error = false;
  if (id_len == 3) {
    // Three hex digits reach 0xFFF, past the 11-bit range: such an id was written back masked
    // (another frame) and would reach a backend as an invalid one (found by tests/fuzz).
    if (id > k_max_standard_id) return "id: a standard id is at most 7FF";
    f.extended = false;
    f.id = id;
  } else if (id_len == 8) {
    if (id & canerr::flag) {
      if (id & ~(canerr::flag | canerr::mask)) return "error frame id: unknown flag bits";
      out.error = true;
      f.id = id & canerr::mask;
    } else if (id > k_max_extended_id) {
      return "id: an extended id is at most 1FFFFFFF";
    } else {
      f.id = id;
    }
    f.extended = true;
  } else {
    return "id: 3 hex digits (standard) or 8 (extended) expected";
  }
  ++p;  // '#'

  if (p < frame_end && *p == '#') return "CAN FD frame (##): not supported (classical CAN only)";
  if (p < frame_end && (*p == 'R' || *p == 'r')) {
    if (out.error) return "error frame cannot be a remote frame";
    f.remote = true;
    f.dlc = 0;
    ++p;
    if (p < frame_end) {
      const int v = hex_value(*p);
      if (v < 0 || v > 8 || p + 1 != frame_end) return "remote frame: 'R' or 'R<length 0-8>' expected";
      f.dlc = static_cast<std::uint8_t>(v);
    }
    return nullptr;
  }
  std::uint8_t n = 0;
  while (p < frame_end) {
    if (*p == '.') {  // byte separator some tools write
      ++p;
      continue;
    }
    if (*p == '_') break;
    if (frame_end - p < 2) return "data: odd number of hex digits";
    const int hi = hex_value(p[0]), lo = hex_value(p[1]);
    if (hi < 0 || lo < 0) return "data: hex digits expected after '#'";
    if (n == 8) return "data: more than 8 bytes";
    f.data[n++] = static_cast<std::uint8_t>(hi << 4 | lo);
    p += 2;
  }
  f.dlc = n;
  if (p < frame_end) {  // _X: the DLC 9..15 of an 8-byte frame
    const int v = frame_end - p == 2 ? hex_value(p[1]) : -1;
    if (v < 9 || n != 8) return "data: '_<dlc 9-F>' only follows 8 data bytes";
    f.dlc = static_cast<std::uint8_t>(v);
  }
  return nullptr;
}

util::Result<CandumpRecord> parse_candump_line(std::string_view line) {
  CandumpRecord r;
  if (const char* error = parse_candump(line, r)) return util::fail(util::Errc::malformed, error);
  return r;
}

}  // namespace can
