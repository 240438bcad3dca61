// Lines and JSON objects of `rocketctl decode` (see decode.hpp). Called once a message of a
// capture that may hold millions: appends to a memory buffer, formats numbers by hand.

#include "render/decode.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace cli {

namespace {

using bms::Field;
using bms::Message;

inline void put(fmt::memory_buffer& out, std::string_view s) { out.append(s.data(), s.data() + s.size()); }
inline void put(fmt::memory_buffer& out, char c) { out.push_back(c); }

void put_int(fmt::memory_buffer& out, std::int64_t v) {
  std::array<char, 24> buf;
  auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  out.append(buf.data(), r.ptr);
}

// "1764000000.124000": the candump timestamp as it was.
void put_time(fmt::memory_buffer& out, std::int64_t us) {
  if (us < 0) us = 0;
  put_int(out, us / 1000000);
  std::array<char, 7> frac{'.', '0', '0', '0', '0', '0', '0'};
  std::int64_t f = us % 1000000;
  for (int i = 6; i >= 1; --i, f /= 10) frac[static_cast<std::size_t>(i)] = static_cast<char>('0' + f % 10);
  out.append(frac.data(), frac.data() + frac.size());
}

void put_hex(fmt::memory_buffer& out, std::uint64_t v, int digits) {
  static constexpr char k[] = "0123456789ABCDEF";
  std::array<char, 16> buf;
  digits = std::clamp(digits, 1, 16);
  for (int i = digits - 1; i >= 0; --i, v >>= 4) buf[static_cast<std::size_t>(i)] = k[v & 0xF];
  out.append(buf.data(), buf.data() + digits);
}

// A fixed-point value: scaled / 10^decimals.
void put_scaled(fmt::memory_buffer& out, std::int64_t scaled, int decimals) {
  if (decimals == 0) return put_int(out, scaled);
  if (scaled < 0) {
    put(out, '-');
    scaled = -scaled;
  }
  std::int64_t pow10 = 1;
  for (int i = 0; i < decimals; ++i) pow10 *= 10;
  put_int(out, scaled / pow10);
  put(out, '.');
  std::array<char, 20> frac;
  std::int64_t f = scaled % pow10;
  for (int i = decimals - 1; i >= 0; --i, f /= 10) frac[static_cast<std::size_t>(i)] = static_cast<char>('0' + f % 10);
  out.append(frac.data(), frac.data() + decimals);
}

void put_number(fmt::memory_buffer& out, const Field& f) {
  if (f.exact)
    put_scaled(out, f.scaled, f.decimals);
  else
    fmt::format_to(std::back_inserter(out), "{}", f.value);
}

std::string_view unit_text(std::string_view unit) {
  if (unit == "degC") return "°C";
  if (unit == "kOhm") return "kΩ";
  return unit;
}

std::string_view direction_word(const Message& m) {
  switch (m.direction) {
    case Message::Direction::request: return "request";
    case Message::Direction::response: return "response";
    case Message::Direction::negative: return m.kind == Message::Kind::poll ? "NAK" : "negative";
    case Message::Direction::none: break;
  }
  return "";
}

std::string_view kind_word(Message::Kind k) {
  switch (k) {
    case Message::Kind::poll: return "poll";
    case Message::Kind::uds: return "uds";
    case Message::Kind::isotp: return "isotp";
    case Message::Kind::bus_error: return "bus_error";
    case Message::Kind::raw: return "raw";
  }
  return "raw";
}

// candump's compact form: "18104001#00008E47FFFFFFF8", "123#R".
void put_frame(fmt::memory_buffer& out, const can::Frame& f, bool error) {
  put_hex(out, error ? (f.id | can::canerr::flag) : f.id, f.extended || error ? 8 : 3);
  put(out, '#');
  if (f.remote && !error) {
    put(out, 'R');
    return;
  }
  for (std::size_t i = 0; i < f.size(); ++i) put_hex(out, f.data[i], 2);
}

void put_json_string(fmt::memory_buffer& out, std::string_view s) {
  put(out, '"');
  for (char c : s) {
    if (c == '"' || c == '\\') {
      put(out, '\\');
      put(out, c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      put(out, "\\u00");
      put_hex(out, static_cast<unsigned char>(c), 2);
    } else {
      put(out, c);
    }
  }
  put(out, '"');
}

}  // namespace

void render_decoded(fmt::memory_buffer& out, const Message& m) {
  put_time(out, m.time_us);
  put(out, ' ');
  put(out, m.iface);
  put(out, ' ');
  switch (m.kind) {
    case Message::Kind::bus_error:
      put(out, "bus error: ");
      put(out, m.note);
      break;
    case Message::Kind::raw:
      put(out, "raw ");
      if (m.frame) put_frame(out, *m.frame, false);
      put(out, " (");
      put(out, m.note);
      put(out, ')');
      break;
    default: {
      put_hex(out, m.src, 2);
      put(out, "->");
      put_hex(out, m.dst, 2);
      put(out, ' ');
      if (m.kind == Message::Kind::uds) put(out, "UDS ");
      if (m.kind == Message::Kind::isotp) put(out, "ISO-TP ");
      put(out, m.name);
      const auto dir = m.kind == Message::Kind::isotp ? std::string_view() : direction_word(m);
      if (!dir.empty() && !m.name.empty()) put(out, ' ');
      put(out, dir);
      if (!m.note.empty()) {
        if (m.direction == Message::Direction::negative || m.kind == Message::Kind::isotp) {
          put(out, m.name.empty() && m.kind == Message::Kind::isotp ? "" : ": ");
          put(out, m.note);
        } else {
          put(out, " (");
          put(out, m.note);
          put(out, ')');
        }
      }
    }
  }
  bool first = true;
  bool in_flags = false;
  for (const Field& f : m.fields) {
    if (f.kind == Field::Kind::flag) {
      if (!in_flags) {
        put(out, first ? ": " : ", ");
        put(out, "flags=");
        in_flags = true;
      } else {
        put(out, ' ');
      }
      put(out, f.name.empty() ? std::string_view("none") : f.name);
      first = false;
      continue;
    }
    in_flags = false;
    put(out, first ? ": " : ", ");
    first = false;
    put(out, f.name);
    put(out, '=');
    switch (f.kind) {
      case Field::Kind::number:
        put_number(out, f);
        if (!f.unit.empty()) {
          put(out, ' ');
          put(out, unit_text(f.unit));
        }
        break;
      case Field::Kind::hex:
        put(out, "0x");
        put_hex(out, static_cast<std::uint64_t>(f.raw), f.decimals);
        break;
      case Field::Kind::text: put(out, f.text); break;
      case Field::Kind::absent: put(out, "n/a"); break;
      case Field::Kind::flag: break;
    }
  }
  put(out, '\n');
}

void decoded_json(fmt::memory_buffer& out, const Message& m) {
  put(out, "{\"time\":");
  put_time(out, m.time_us);
  put(out, ",\"iface\":");
  put_json_string(out, m.iface);
  put(out, ",\"kind\":\"");
  put(out, kind_word(m.kind));
  put(out, "\",\"id\":\"");
  put_hex(out, m.kind == Message::Kind::bus_error ? (m.id | can::canerr::flag) : m.id,
          m.extended ? 8 : 3);
  put(out, '"');
  if (m.kind == Message::Kind::raw || m.kind == Message::Kind::bus_error) {
    if (m.frame) {
      put(out, ",\"frame\":\"");
      put_frame(out, *m.frame, m.kind == Message::Kind::bus_error);
      put(out, '"');
    }
  } else {
    put(out, ",\"src\":");
    put_int(out, m.src);
    put(out, ",\"dst\":");
    put_int(out, m.dst);
    if (!m.name.empty()) {
      put(out, ",\"name\":");
      put_json_string(out, m.name);
    }
    const auto dir = m.direction == Message::Direction::negative ? std::string_view("negative")
                                                                 : direction_word(m);
    if (!dir.empty()) {
      put(out, ",\"direction\":\"");
      put(out, dir);
      put(out, '"');
    }
    if (m.kind == Message::Kind::poll) {
      put(out, ",\"cmd\":");
      put_int(out, m.code);
    }
    if (m.kind == Message::Kind::uds) {
      put(out, ",\"sid\":");
      put_int(out, m.code);
      put(out, ",\"length\":");
      put_int(out, static_cast<std::int64_t>(m.length));
    }
    if (m.direction == Message::Direction::negative) {
      put(out, m.kind == Message::Kind::poll ? ",\"reason\":" : ",\"nrc\":");
      put_int(out, m.detail);
    }
    put(out, ",\"complete\":");
    put(out, m.complete ? "true" : "false");
  }
  if (!m.note.empty()) {
    put(out, ",\"note\":");
    put_json_string(out, m.note);
  }
  bool any_signal = false, any_flag = false;
  for (const Field& f : m.fields) (f.kind == Field::Kind::flag ? any_flag : any_signal) = true;
  if (any_signal) {
    put(out, ",\"signals\":{");
    bool first = true;
    for (const Field& f : m.fields) {
      if (f.kind == Field::Kind::flag) continue;
      if (!first) put(out, ',');
      first = false;
      put_json_string(out, f.name);
      put(out, ':');
      switch (f.kind) {
        case Field::Kind::number:
          if (f.unit.empty()) {
            put_number(out, f);
          } else {
            put(out, "{\"value\":");
            put_number(out, f);
            put(out, ",\"unit\":");
            put_json_string(out, f.unit);
            put(out, '}');
          }
          break;
        case Field::Kind::hex:
          put_int(out, f.raw);
          break;
        case Field::Kind::text: put_json_string(out, f.text); break;
        case Field::Kind::absent: put(out, "null"); break;
        case Field::Kind::flag: break;
      }
    }
    put(out, '}');
  }
  if (any_flag) {
    put(out, ",\"flags\":[");
    bool first = true;
    for (const Field& f : m.fields) {
      if (f.kind != Field::Kind::flag || f.name.empty()) continue;
      if (!first) put(out, ',');
      first = false;
      put_json_string(out, f.name);
    }
    put(out, ']');
  }
  put(out, "}\n");
}

}  // namespace cli
