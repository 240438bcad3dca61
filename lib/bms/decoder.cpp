// The streaming decoder of `rocketctl decode` (see decoder.hpp). It runs once a frame of a
// capture that may hold millions, so the frame map is prepared up front into a table indexed
// by direction and CMD with the byte positions and scaling of every signal, and messages are
// built in fixed buffers owned by the decoder.

#include "bms/decoder.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "dbc/codec.hpp"
#include "uds/nrc.hpp"

namespace bms {

namespace {

constexpr std::size_t k_max_fields = 128;
constexpr std::size_t k_text_size = 2048;
constexpr std::size_t k_assemblies = 16;   // poll responses being assembled at once
constexpr std::size_t k_receptions = 8;    // ISO-TP messages being received at once
constexpr std::size_t k_max_frames = 32;   // frames of one multiplexed response (11 for 33 cells)
constexpr std::size_t k_iface_size = 32;
constexpr std::size_t k_isotp_max = 4095;  // §6: 12-bit first-frame length

struct PreparedSignal {
  const dbc::Signal* signal = nullptr;
  std::string_view name;  // for flags: without the "Flag_" prefix
  std::string_view unit;
  bool skip = false;      // "Reserved": not shown
  bool flag = false;      // a 1-bit status flag: shown by name when set
  bool multiplexor = false;
  bool multiplexed = false;
  std::uint32_t mux_value = 0;
  bool serial_char = false;  // one character of a text (IDENTITY's SerialCharN)
  // Extraction: byte-aligned signals read their bytes directly.
  int first_byte = -1, nbytes = 0;
  bool big_endian = true, is_signed = false;
  std::uint32_t length = 0;
  // Scaling: physical = raw * factor + offset = (raw * mult + offset_scaled) / 10^decimals.
  bool exact = false;
  std::int64_t mult = 1, offset_scaled = 0;
  std::uint8_t decimals = 0;
  double factor = 1, offset = 0;
  bool sentinel = false;  // 16 bits or more: all ones (unsigned) / max positive is "absent"
  std::int64_t sentinel_raw = 0;
};

struct PreparedMessage {
  const dbc::Message* message = nullptr;
  std::string name;  // the reference's name of the command: "CELL VOLTAGES"
  std::vector<PreparedSignal> signals;
  bool multiplexed = false;
  std::string serial_name;  // the text field's name when the message carries a text
  int cell_count = -1, sensor_count = -1;  // indices of CellCount / SensorCount signals
};

std::int64_t extract(const PreparedSignal& s, const std::uint8_t* data, std::size_t size) {
  if (s.first_byte >= 0) {
    std::uint64_t v = 0;
    if (s.big_endian) {
      for (int i = 0; i < s.nbytes; ++i) v = v << 8 | data[s.first_byte + i];
    } else {
      for (int i = s.nbytes - 1; i >= 0; --i) v = v << 8 | data[s.first_byte + i];
    }
    if (s.is_signed && s.length < 64 && (v >> (s.length - 1)) & 1) v |= ~0ULL << s.length;
    return static_cast<std::int64_t>(v);
  }
  if (s.length == 1) return (data[s.signal->start_bit / 8] >> (s.signal->start_bit % 8)) & 1;
  return dbc::extract_raw(*s.signal, std::span<const std::uint8_t>(data, size));
}

PreparedSignal prepare(const dbc::Signal& sig) {
  PreparedSignal p;
  p.signal = &sig;
  p.name = sig.name;
  p.unit = sig.unit;
  p.skip = sig.name == "Reserved" || sig.name.rfind("Reserved", 0) == 0;
  p.multiplexor = sig.mux_role == dbc::MuxRole::multiplexor;
  p.multiplexed = sig.mux_role == dbc::MuxRole::multiplexed;
  p.mux_value = sig.mux_value;
  p.length = sig.length;
  p.is_signed = sig.is_signed;
  p.big_endian = sig.byte_order == dbc::ByteOrder::big_endian;
  if (sig.length == 1 && sig.name.rfind("Flag_", 0) == 0) {
    p.flag = true;
    p.name = std::string_view(sig.name).substr(5);
  }
  p.serial_char = sig.length == 8 && sig.name.find("Char") != std::string::npos;
  if (sig.length % 8 == 0 && sig.length <= 64) {
    if (p.big_endian && sig.start_bit % 8 == 7) {
      p.first_byte = static_cast<int>(sig.start_bit / 8);
      p.nbytes = static_cast<int>(sig.length / 8);
    } else if (!p.big_endian && sig.start_bit % 8 == 0) {
      p.first_byte = static_cast<int>(sig.start_bit / 8);
      p.nbytes = static_cast<int>(sig.length / 8);
    }
    if (p.first_byte + p.nbytes > 8) p.first_byte = -1;
  }
  p.factor = sig.factor;
  p.offset = sig.offset;
  std::int64_t pow10 = 1;
  for (int k = 0; k <= 9; ++k, pow10 *= 10) {
    const double m = sig.factor * static_cast<double>(pow10);
    const double o = sig.offset * static_cast<double>(pow10);
    if (std::fabs(m - std::round(m)) < 1e-9 * std::max(1.0, std::fabs(m)) &&
        std::fabs(o - std::round(o)) < 1e-9 * std::max(1.0, std::fabs(o)) && std::round(m) != 0) {
      p.exact = true;
      p.mult = static_cast<std::int64_t>(std::llround(m));
      p.offset_scaled = static_cast<std::int64_t>(std::llround(o));
      p.decimals = static_cast<std::uint8_t>(k);
      break;
    }
  }
  if (sig.length >= 16 && sig.length < 64) {
    p.sentinel = true;
    p.sentinel_raw = sig.is_signed ? (std::int64_t{1} << (sig.length - 1)) - 1
                                   : (std::int64_t{1} << sig.length) - 1;
  }
  return p;
}

Field number_field(const PreparedSignal& s, std::int64_t raw) {
  Field f;
  f.name = s.name;
  f.unit = s.unit;
  f.raw = raw;
  if (s.sentinel && raw == s.sentinel_raw) {
    f.kind = Field::Kind::absent;
    return f;
  }
  f.kind = Field::Kind::number;
  f.exact = s.exact;
  f.decimals = s.decimals;
  if (s.exact) {
    f.scaled = raw * s.mult + s.offset_scaled;
    f.value = static_cast<double>(f.scaled);
    for (int i = 0; i < s.decimals; ++i) f.value /= 10;
  } else {
    f.value = dbc::to_physical(*s.signal, raw);
  }
  return f;
}

bool is_diag_id(std::uint32_t id) { return (id & 0x1FFF0000U) == 0x18DA0000U; }

Message::Direction direction_of(std::uint8_t src) {
  if (is_tool_address(src)) return Message::Direction::request;
  if (is_bms_address(src)) return Message::Direction::response;
  return Message::Direction::none;
}

std::string_view did_name(std::uint16_t did) {
  switch (did) {
    case uds::k_did_serial: return "serial number";
    case uds::k_did_app_version: return "application version";
    case uds::k_did_boot_version: return "bootloader version";
    case uds::k_did_hw_revision: return "hardware revision";
    case uds::k_did_event_log: return "event log";
    case uds::k_did_app_area: return "application area";
    default: return "";
  }
}

std::uint32_t be(const std::uint8_t* p, int n) {
  std::uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = v << 8 | p[i];
  return v;
}

struct Iface {
  std::array<char, k_iface_size> text{};
  std::uint8_t size = 0;
  void set(std::string_view s) {
    size = static_cast<std::uint8_t>(std::min(s.size(), text.size()));
    std::memcpy(text.data(), s.data(), size);
  }
  std::string_view view() const { return {text.data(), size}; }
};

}  // namespace

struct Decoder::Impl {
  const FrameMap& map;
  // [direction: 0 request, 1 response][CMD]
  std::array<std::array<std::unique_ptr<PreparedMessage>, 256>, 2> table;
  std::array<std::string, 256> command_names, nak_reasons, service_names, nrc_names;
  // Cell and sensor counts per BMS address, from CONNECT and CELL SUMMARY answers (0: unknown).
  std::array<std::uint8_t, 256> cells{}, sensors{};

  struct Assembly {
    bool active = false;
    const PreparedMessage* message = nullptr;
    std::uint8_t cmd = 0, src = 0, dst = 0;
    std::uint32_t id = 0;
    std::int64_t time_us = 0;
    Iface iface;
    int expected = 0;          // frames 1..expected; 0 unknown
    std::uint64_t present = 0;  // bit k: frame k seen
    std::uint64_t used = 0;    // for giving up the oldest
    std::array<std::array<std::uint8_t, 8>, k_max_frames + 1> frames{};
  };
  std::array<Assembly, k_assemblies> assemblies;

  struct Reception {
    bool active = false;
    std::uint32_t id = 0;
    std::int64_t time_us = 0;
    Iface iface;
    std::size_t expected = 0, got = 0;
    std::uint8_t next_sn = 1;
    std::uint64_t used = 0;
    std::array<std::uint8_t, k_isotp_max> data{};
  };
  std::array<Reception, k_receptions> receptions;

  std::uint64_t tick = 0;
  std::array<Field, k_max_fields> fields;
  std::size_t nfields = 0;
  std::array<char, k_text_size> text;
  std::size_t ntext = 0;
  std::string note;  // for notes that are formatted (bus faults, incomplete messages)
  Counters* counters = nullptr;

  explicit Impl(const FrameMap& m) : map(m) {
    for (int c = 0; c < 256; ++c) {
      const auto code = static_cast<std::uint8_t>(c);
      command_names[c] = command_name(code);
      nak_reasons[c] = fmt::format("{} (0x{:02X})", nak_reason_name(code), c);
      service_names[c] = uds::service_name(code);
      nrc_names[c] = uds::nrc_name(code);
    }
    for (const dbc::Message& msg : map.database().messages) {
      if (!msg.extended || (msg.id & 0x1F000000U) != 0x18000000U) continue;
      const auto cmd = static_cast<std::uint8_t>(msg.id >> 16);
      const auto src = static_cast<std::uint8_t>(msg.id);
      if (cmd == 0xDA) continue;
      int dir = is_tool_address(src) ? 0 : is_bms_address(src) ? 1 : -1;
      if (dir < 0 || table[dir][cmd]) continue;
      auto p = std::make_unique<PreparedMessage>();
      p->message = &msg;
      // The reference's name for a known command, else the DBC's without _REQ/_RSP.
      p->name = command_names[cmd];
      if (p->name.rfind("0x", 0) == 0) {
        p->name = msg.name;
        for (std::string_view suffix : {"_REQ", "_RSP"})
          if (p->name.size() > 4 && p->name.compare(p->name.size() - 4, 4, suffix) == 0)
            p->name.resize(p->name.size() - 4);
      }
      for (const dbc::Signal& s : msg.signals) {
        p->signals.push_back(prepare(s));
        const auto& ps = p->signals.back();
        if (ps.multiplexor) p->multiplexed = true;
        if (ps.serial_char && p->serial_name.empty())
          p->serial_name = s.name.substr(0, s.name.find("Char"));
        if (s.name == "CellCount") p->cell_count = static_cast<int>(p->signals.size() - 1);
        if (s.name == "SensorCount") p->sensor_count = static_cast<int>(p->signals.size() - 1);
      }
      table[dir][cmd] = std::move(p);
    }
  }

  void reset_message() {
    nfields = 0;
    ntext = 0;
  }
  Field& add_field() {
    if (nfields == fields.size()) return fields[nfields - 1];  // never with the protocol's DBC
    fields[nfields] = Field{};
    return fields[nfields++];
  }
  std::string_view add_text(std::string_view s) {
    const std::size_t n = std::min(s.size(), text.size() - ntext);
    std::memcpy(text.data() + ntext, s.data(), n);
    std::string_view out(text.data() + ntext, n);
    ntext += n;
    return out;
  }
  std::string_view add_hex(const std::uint8_t* p, std::size_t n, std::size_t max = 32) {
    static constexpr char digits[] = "0123456789ABCDEF";
    const std::size_t start = ntext;
    for (std::size_t i = 0; i < n && i < max && ntext + 4 <= text.size(); ++i) {
      if (i > 0) text[ntext++] = ' ';
      text[ntext++] = digits[p[i] >> 4];
      text[ntext++] = digits[p[i] & 0xF];
    }
    if (n > max && ntext + 4 <= text.size()) {
      std::memcpy(text.data() + ntext, " ...", 4);
      ntext += 4;
    }
    return {text.data() + start, ntext - start};
  }
  void number(std::string_view name, std::int64_t v, std::string_view unit = {}) {
    Field& f = add_field();
    f.kind = Field::Kind::number;
    f.name = name;
    f.unit = unit;
    f.raw = f.scaled = v;
    f.value = static_cast<double>(v);
  }
  void hex(std::string_view name, std::uint32_t v, int digits) {
    Field& f = add_field();
    f.kind = Field::Kind::hex;
    f.name = name;
    f.raw = v;
    f.decimals = static_cast<std::uint8_t>(digits);
  }
  void textf(std::string_view name, std::string_view value) {
    Field& f = add_field();
    f.kind = Field::Kind::text;
    f.name = name;
    f.text = value;
  }

  void emit(Message& m, MessageSink& sink) {
    m.fields = std::span<const Field>(fields.data(), nfields);
    ++counters->messages;
    if (!m.complete) ++counters->incomplete;
    if (m.kind == Message::Kind::raw) ++counters->raw;
    if (m.kind == Message::Kind::bus_error) ++counters->bus_errors;
    sink.message(m);
  }

  // ---- poll protocol ----

  // Signals of one frame into fields; `mux`: only the multiplexed signals of that value.
  void decode_signals(const PreparedMessage& pm, const std::uint8_t* d, bool assembled,
                      std::uint32_t mux, bool plain) {
    bool flags = false, any_flag = false;
    for (const PreparedSignal& s : pm.signals) {
      if (s.skip || s.multiplexor) continue;
      if (s.multiplexed ? (s.mux_value != mux) : !plain) continue;
      const std::int64_t raw = extract(s, d, 8);
      if (s.flag) {
        flags = true;
        if (raw != 0) {
          any_flag = true;
          Field& f = add_field();
          f.kind = Field::Kind::flag;
          f.name = s.name;
          f.raw = raw;
        }
        continue;
      }
      if (s.serial_char) {
        if (raw != 0) text_char(static_cast<char>(raw));
        continue;
      }
      Field f = number_field(s, raw);
      // Slots past the cell or sensor count hold the sentinel: not a value.
      if (assembled && f.kind == Field::Kind::absent) continue;
      add_field() = f;
    }
    if (flags && !any_flag) {  // no flag set: say so (an empty name)
      Field& f = add_field();
      f.kind = Field::Kind::flag;
    }
  }

  // IDENTITY's characters build one text field as they come.
  std::size_t serial_start = 0;
  bool serial_open = false;
  void text_char(char c) {
    if (!serial_open) {
      serial_open = true;
      serial_start = ntext;
    }
    if (ntext < text.size()) text[ntext++] = (c >= 0x20 && c < 0x7F) ? c : '?';
  }
  void close_serial(const PreparedMessage& pm) {
    if (!serial_open) return;
    serial_open = false;
    textf(pm.serial_name, std::string_view(text.data() + serial_start, ntext - serial_start));
  }

  void remember_counts(const PreparedMessage& pm, std::uint8_t bms, const std::uint8_t* d) {
    if (pm.cell_count >= 0) {
      const auto v = extract(pm.signals[static_cast<std::size_t>(pm.cell_count)], d, 8);
      if (v > 0 && v <= 255) cells[bms] = static_cast<std::uint8_t>(v);
    }
    if (pm.sensor_count >= 0) {
      const auto v = extract(pm.signals[static_cast<std::size_t>(pm.sensor_count)], d, 8);
      if (v > 0 && v <= 255) sensors[bms] = static_cast<std::uint8_t>(v);
    }
  }

  // Capped at k_max_frames: a trace may hold a count no pack has (255 cells: 85 frames), and
  // frames past k_max_frames are dropped as raw anyway; expecting more made give_assembly()
  // index past `frames` and shift `present` by 64 (found by tests/fuzz/fuzz_decode).
  int expected_frames(std::uint8_t cmd, std::uint8_t bms) const {
    int n = 0;
    switch (static_cast<Command>(cmd)) {
      case Command::identity: n = 3; break;
      case Command::cell_voltages: n = cells[bms] ? (cells[bms] + 2) / 3 : 0; break;
      case Command::temperatures: n = sensors[bms] ? (sensors[bms] + 2) / 3 : 0; break;
      default: break;
    }
    return std::min(n, static_cast<int>(k_max_frames));
  }

  void give_assembly(Assembly& a, MessageSink& sink) {
    a.active = false;
    reset_message();
    Message m;
    m.kind = Message::Kind::poll;
    m.direction = Message::Direction::response;
    m.time_us = a.time_us;
    m.iface = a.iface.view();
    m.id = a.id;
    m.src = a.src;
    m.dst = a.dst;
    m.code = a.cmd;
    m.name = a.message->name;
    int last = a.expected;
    if (last == 0)
      for (int k = 1; k <= static_cast<int>(k_max_frames); ++k)
        if (a.present >> k & 1) last = k;
    int missing = 0;
    for (int k = 1; k <= last; ++k) {
      if (!(a.present >> k & 1)) {
        ++missing;
        continue;
      }
      decode_signals(*a.message, a.frames[static_cast<std::size_t>(k)].data(), true,
                     static_cast<std::uint32_t>(k), k == 1);
    }
    close_serial(*a.message);
    if (a.expected == 0 || missing > 0) {
      m.complete = false;
      note.clear();
      if (a.expected == 0)
        fmt::format_to(std::back_inserter(note), "incomplete: {} frame(s) seen, count unknown "
                       "(no CONNECT in the trace)", std::popcount(a.present));
      else
        fmt::format_to(std::back_inserter(note), "incomplete: {} of {} frames missing", missing,
                       a.expected);
      m.note = note;
    }
    emit(m, sink);
  }

  // The assemblies between this tool and BMS end when a new request between them appears.
  void end_assemblies(std::uint8_t bms, std::uint8_t tool, MessageSink& sink) {
    for (Assembly& a : assemblies)
      if (a.active && a.src == bms && a.dst == tool) give_assembly(a, sink);
  }

  void poll_frame(const can::CandumpRecord& r, const PollId& pid, MessageSink& sink) {
    const can::Frame& f = r.frame;
    const Message::Direction dir = direction_of(pid.src);
    Message m;
    m.kind = Message::Kind::poll;
    m.direction = dir;
    m.time_us = r.time_us;
    m.iface = r.iface;
    m.id = f.id;
    m.src = pid.src;
    m.dst = pid.dst;
    m.code = pid.cmd;
    if (dir == Message::Direction::none) return raw(r, "poll identifier from an address that is "
                                                       "neither a tool nor a BMS", sink);
    if (f.remote) return raw(r, "remote frame (carries no protocol data)", sink);
    const PreparedMessage* pm = table[dir == Message::Direction::request ? 0 : 1][pid.cmd].get();
    if (!pm) {
      if (dir == Message::Direction::request) end_assemblies(pid.dst, pid.src, sink);
      return raw(r, dir == Message::Direction::request ? "request of an unknown command"
                                                       : "response of an unknown command", sink);
    }
    if (f.size() < 8) return raw(r, "poll frame shorter than 8 bytes (a receiver drops it)", sink);
    const std::uint8_t* d = f.data.data();

    if (dir == Message::Direction::request) {
      end_assemblies(pid.dst, pid.src, sink);
      reset_message();
      m.name = pm->name;
      decode_signals(*pm, d, false, 0, true);
      return emit(m, sink);
    }
    if (pid.cmd == static_cast<std::uint8_t>(Command::nak)) {
      // The refused command, by name; the reason as the note.
      reset_message();
      m.direction = Message::Direction::negative;
      m.code = d[0];
      m.detail = d[1];
      m.name = command_names[d[0]];
      m.note = nak_reasons[d[1]];
      end_assemblies(pid.src, pid.dst, sink);  // a NAK ends the exchange
      return emit(m, sink);
    }
    remember_counts(*pm, pid.src, d);
    if (!pm->multiplexed) {
      reset_message();
      m.name = pm->name;
      decode_signals(*pm, d, false, 0, true);
      return emit(m, sink);
    }
    // A numbered frame of a multi-frame response.
    const int k = d[0];
    if (k < 1 || k > static_cast<int>(k_max_frames))
      return raw(r, "frame number outside 1..N (a receiver drops it)", sink);
    Assembly* a = nullptr;
    for (Assembly& x : assemblies)
      if (x.active && x.cmd == pid.cmd && x.src == pid.src && x.dst == pid.dst) a = &x;
    if (a && (a->present >> k & 1)) {
      // Frame k again: a repeated answer (the tool asked again). The first one ends here.
      give_assembly(*a, sink);
      a = nullptr;
    }
    if (!a) {
      for (Assembly& x : assemblies)
        if (!x.active) {
          a = &x;
          break;
        }
      if (!a) {  // all in use: give up the oldest
        a = &*std::min_element(assemblies.begin(), assemblies.end(),
                               [](const Assembly& x, const Assembly& y) { return x.used < y.used; });
        give_assembly(*a, sink);
      }
      a->active = true;
      a->message = pm;
      a->cmd = pid.cmd;
      a->src = pid.src;
      a->dst = pid.dst;
      a->id = f.id;
      a->time_us = r.time_us;
      a->iface.set(r.iface);
      a->present = 0;
      a->expected = expected_frames(pid.cmd, pid.src);
    }
    if (a->expected > 0 && k > a->expected)
      return raw(r, "frame number outside 1..N (a receiver drops it)", sink);
    a->used = ++tick;
    a->present |= std::uint64_t{1} << k;
    std::memcpy(a->frames[static_cast<std::size_t>(k)].data(), d, 8);
    if (a->expected > 0 && std::popcount(a->present) == a->expected) give_assembly(*a, sink);
  }

  // ---- diagnostic channel ----

  void uds_message(std::int64_t time_us, std::string_view iface, std::uint32_t id,
                   const std::uint8_t* d, std::size_t n, MessageSink& sink) {
    reset_message();
    Message m;
    m.kind = Message::Kind::uds;
    m.time_us = time_us;
    m.iface = iface;
    m.id = id;
    m.dst = static_cast<std::uint8_t>(id >> 8);
    m.src = static_cast<std::uint8_t>(id);
    m.length = n;
    if (n == 0) return;
    Message::Direction dir = direction_of(m.src);
    if (dir == Message::Direction::none)  // no address to go by: the SID says it
      dir = d[0] == uds::k_negative || (d[0] & uds::k_positive_offset) ? Message::Direction::response
                                                                     : Message::Direction::request;
    std::uint8_t sid = d[0];
    if (dir == Message::Direction::response) {
      if (d[0] == uds::k_negative) {
        dir = Message::Direction::negative;
        sid = n > 1 ? d[1] : 0;
        m.detail = n > 2 ? d[2] : 0;
        m.note = n > 2 ? std::string_view(nrc_names[d[2]]) : std::string_view("NRC missing");
      } else {
        sid = static_cast<std::uint8_t>(d[0] - uds::k_positive_offset);
      }
    }
    m.direction = dir;
    m.code = sid;
    m.name = service_names[sid];
    if (dir != Message::Direction::negative) uds_fields(sid, dir == Message::Direction::request, d, n);
    emit(m, sink);
  }

  void uds_fields(std::uint8_t sid, bool request, const std::uint8_t* d, std::size_t n) {
    auto version = [&](const std::uint8_t* p) {
      char buf[16];
      auto end = fmt::format_to_n(buf, sizeof buf, "{}.{}.{}", p[0], p[1], p[2]).out;
      return add_text(std::string_view(buf, static_cast<std::size_t>(end - buf)));
    };
    switch (static_cast<uds::Sid>(sid)) {
      case uds::Sid::session_control:
        if (n >= 2) {
          const int s = d[1] & 0x7F;
          textf("session", s == 1 ? "default" : s == 2 ? "programming" : add_hex(d + 1, 1));
        }
        if (!request && n >= 6) {
          number("p2", be(d + 2, 2), "ms");
          number("p2star", std::int64_t{be(d + 4, 2)} * 10, "ms");
        }
        return;
      case uds::Sid::ecu_reset:
        if (n >= 2) textf("reset", (d[1] & 0x7F) == 1 ? "hard" : add_hex(d + 1, 1));
        return;
      case uds::Sid::tester_present:
        return;
      case uds::Sid::read_did: {
        if (n < 3) return;
        const auto did = static_cast<std::uint16_t>(be(d + 1, 2));
        hex("did", did, 4);
        if (auto name = did_name(did); !name.empty()) textf("data", name);
        if (request) return;
        const std::uint8_t* p = d + 3;
        const std::size_t len = n - 3;
        switch (did) {
          case uds::k_did_serial: {
            std::size_t k = 0;
            while (k < len && p[k] != 0) ++k;
            textf("serial", add_text(std::string_view(reinterpret_cast<const char*>(p), k)));
            return;
          }
          case uds::k_did_app_version:
          case uds::k_did_boot_version:
            if (len >= 3)
              textf("version", (p[0] & p[1] & p[2]) == 0xFF ? std::string_view("none valid")
                                                             : version(p));
            return;
          case uds::k_did_hw_revision:
            if (len >= 1) number("hardware", p[0]);
            return;
          case uds::k_did_event_log:
            if (len >= 9) {
              number("records", be(p, 2));
              number("capacity", be(p + 2, 2));
              number("record_size", p[4], "B");
              hex("base", be(p + 5, 4), 8);
            }
            return;
          case uds::k_did_app_area:
            if (len >= 8) {
              hex("start", be(p, 4), 8);
              number("size", be(p + 4, 4), "B");
            }
            return;
          default:
            textf("bytes", add_hex(p, len));
            return;
        }
      }
      case uds::Sid::security_access:
        if (n < 2) return;
        textf("step", (d[1] & 0x7F) % 2 == 1 ? "requestSeed" : "sendKey");
        hex("level", d[1] & 0x7FU, 2);
        if (n > 2) textf((d[1] & 1) == (request ? 0 : 1) ? (request ? "key" : "seed") : "bytes",
                         add_hex(d + 2, n - 2));
        return;
      case uds::Sid::routine_control: {
        if (n < 4) return;
        const auto routine = static_cast<std::uint16_t>(be(d + 2, 2));
        hex("routine", routine, 4);
        if (routine == uds::k_routine_erase) textf("action", "erase");
        if (routine == uds::k_routine_verify) textf("action", "verify");
        if (request) {
          if (routine == uds::k_routine_erase && n >= 12) {
            hex("start", be(d + 4, 4), 8);
            number("size", be(d + 8, 4), "B");
          } else if (routine == uds::k_routine_verify && n >= 8) {
            hex("crc", be(d + 4, 4), 8);
          } else if (n > 4) {
            textf("bytes", add_hex(d + 4, n - 4));
          }
        } else if (n > 4) {
          if (routine == uds::k_routine_verify)
            textf("result", d[4] == 0 ? "image valid" : d[4] == 1 ? "CRC mismatch" : add_hex(d + 4, 1));
          else
            textf("bytes", add_hex(d + 4, n - 4));
        }
        return;
      }
      case uds::Sid::request_download:
      case uds::Sid::request_upload:
        if (request) {
          if (n < 3) return;
          const int alen = d[2] & 0xF, slen = d[2] >> 4;
          if (alen < 1 || alen > 4 || slen < 1 || slen > 4 || n < 3U + alen + slen) {
            textf("bytes", add_hex(d + 1, n - 1));
            return;
          }
          hex("address", be(d + 3, alen), 8);
          number("size", be(d + 3 + alen, slen), "B");
        } else if (n >= 2) {
          const int len = d[1] >> 4;
          if (len >= 1 && len <= 4 && n >= 2U + len) number("max_block_length", be(d + 2, len), "B");
        }
        return;
      case uds::Sid::transfer_data:
        if (n >= 2) number("counter", d[1]);
        if (n > 2) number("data", static_cast<std::int64_t>(n - 2), "B");
        return;
      case uds::Sid::transfer_exit:
        return;
    }
    if (n > 1) textf("bytes", add_hex(d + 1, n - 1));
  }

  void isotp_note(const Reception& rx, std::string_view why, MessageSink& sink) {
    reset_message();
    Message m;
    m.kind = Message::Kind::isotp;
    m.time_us = rx.time_us;
    m.iface = rx.iface.view();
    m.id = rx.id;
    m.dst = static_cast<std::uint8_t>(rx.id >> 8);
    m.src = static_cast<std::uint8_t>(rx.id);
    m.direction = direction_of(m.src);
    m.length = rx.expected;
    m.complete = false;
    note.clear();
    fmt::format_to(std::back_inserter(note), "message given up after {} of {} bytes: {}",
                   rx.got, rx.expected, why);
    m.note = note;
    emit(m, sink);
  }

  Reception* reception_for(std::uint32_t id) {
    for (Reception& rx : receptions)
      if (rx.active && rx.id == id) return &rx;
    return nullptr;
  }

  void diag_frame(const can::CandumpRecord& r, MessageSink& sink) {
    const can::Frame& f = r.frame;
    if (f.remote) return raw(r, "remote frame (carries no protocol data)", sink);
    const std::size_t n = f.size();
    if (n < 8) return raw(r, "diagnostic frame shorter than 8 bytes (a receiver drops it)", sink);
    const std::uint8_t* d = f.data.data();
    const int type = d[0] >> 4;
    Reception* rx = reception_for(f.id);
    switch (type) {
      case 0: {  // single frame
        const std::size_t len = d[0] & 0xF;
        if (len == 0 || len > 7) return raw(r, "ISO-TP single frame with a length of 0 or above 7", sink);
        if (rx) {
          isotp_note(*rx, "a new message began", sink);
          rx->active = false;
        }
        return uds_message(r.time_us, r.iface, f.id, d + 1, len, sink);
      }
      case 1: {  // first frame
        std::size_t len = (std::size_t{d[0] & 0xFU} << 8) | d[1];
        if (len == 0) return raw(r, "ISO-TP first frame of more than 4095 bytes (refused)", sink);
        if (len < 8) return raw(r, "ISO-TP first frame announcing fewer than 8 bytes (ignored)", sink);
        if (rx) {
          isotp_note(*rx, "a new message began", sink);
        } else {
          for (Reception& x : receptions)
            if (!x.active) {
              rx = &x;
              break;
            }
          if (!rx) {
            rx = &*std::min_element(receptions.begin(), receptions.end(),
                                    [](const Reception& x, const Reception& y) { return x.used < y.used; });
            isotp_note(*rx, "too many messages at once", sink);
          }
        }
        rx->active = true;
        rx->id = f.id;
        rx->time_us = r.time_us;
        rx->iface.set(r.iface);
        rx->expected = len;
        std::memcpy(rx->data.data(), d + 2, 6);
        rx->got = 6;
        rx->next_sn = 1;
        rx->used = ++tick;
        return;
      }
      case 2: {  // consecutive frame
        if (!rx) return;  // a capture that began mid-message: nothing to add it to
        const std::uint8_t sn = d[0] & 0xF;
        if (sn != rx->next_sn) {
          isotp_note(*rx, fmt::format("sequence number {} where {} was due", sn, rx->next_sn), sink);
          rx->active = false;
          return;
        }
        rx->next_sn = static_cast<std::uint8_t>((sn + 1) & 0xF);
        rx->used = ++tick;
        const std::size_t take = std::min<std::size_t>(7, rx->expected - rx->got);
        std::memcpy(rx->data.data() + rx->got, d + 1, take);
        rx->got += take;
        if (rx->got == rx->expected) {
          rx->active = false;
          uds_message(rx->time_us, rx->iface.view(), rx->id, rx->data.data(), rx->got, sink);
        }
        return;
      }
      case 3: {  // flow control: only the unusual ones are worth a line
        const int status = d[0] & 0xF;
        if (status == 0) return;
        reset_message();
        Message m;
        m.kind = Message::Kind::isotp;
        m.time_us = r.time_us;
        m.iface = r.iface;
        m.id = f.id;
        m.dst = static_cast<std::uint8_t>(f.id >> 8);
        m.src = static_cast<std::uint8_t>(f.id);
        m.direction = direction_of(m.src);
        m.name = "flow control";
        m.note = status == 1 ? "wait" : status == 2 ? "overflow: the message is refused"
                                                    : "invalid flow status";
        m.frame = &f;
        return emit(m, sink);
      }
      default:
        return raw(r, "not an ISO-TP frame (PCI type above 3)", sink);
    }
  }

  void raw(const can::CandumpRecord& r, std::string_view why, MessageSink& sink) {
    reset_message();
    Message m;
    m.kind = Message::Kind::raw;
    m.time_us = r.time_us;
    m.iface = r.iface;
    m.id = r.frame.id;
    m.extended = r.frame.extended;
    m.frame = &r.frame;
    m.note = why;
    emit(m, sink);
  }

  void bus_error(const can::CandumpRecord& r, MessageSink& sink) {
    reset_message();
    Message m;
    m.kind = Message::Kind::bus_error;
    m.time_us = r.time_us;
    m.iface = r.iface;
    m.id = r.frame.id;
    m.frame = &r.frame;
    const can::BusError e = can::bus_error_of(r);
    note = can::describe(e);
    m.note = note;
    if (e.tx_errors >= 0) number("tx_errors", e.tx_errors);
    if (e.rx_errors >= 0) number("rx_errors", e.rx_errors);
    emit(m, sink);
  }
};

Decoder::Decoder(const FrameMap& map) : m(std::make_unique<Impl>(map)) { m->counters = &m_counters; }
Decoder::~Decoder() = default;

void Decoder::feed(const can::CandumpRecord& r, MessageSink& sink) {
  ++m_counters.frames;
  if (r.error) return m->bus_error(r, sink);
  const can::Frame& f = r.frame;
  if (!f.extended) return m->raw(r, f.remote ? "remote frame, standard id (not this protocol)"
                                             : "standard id (not this protocol)", sink);
  if (is_diag_id(f.id)) return m->diag_frame(r, sink);
  if (auto pid = parse_poll_id(f.id)) return m->poll_frame(r, *pid, sink);
  m->raw(r, "unknown id", sink);
}

void Decoder::finish(MessageSink& sink) {
  for (auto& a : m->assemblies)
    if (a.active) m->give_assembly(a, sink);
  for (auto& rx : m->receptions)
    if (rx.active) {
      rx.active = false;
      m->isotp_note(rx, "the trace ends", sink);
    }
}

}  // namespace bms
