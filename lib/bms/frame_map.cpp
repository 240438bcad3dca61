#include "bms/frame_map.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "bms/messages.hpp"
#include "dbc/codec.hpp"
#include "dbc/parser.hpp"

extern const std::string_view bms_embedded_dbc;

namespace bms {
namespace {

struct Required {
  Command cmd;
  Direction dir;
  std::vector<std::string> signals;
};

std::vector<std::string> numbered(std::string_view stem, int count) {
  std::vector<std::string> names;
  for (int i = 1; i <= count; ++i) names.push_back(fmt::format("{}{}", stem, i));
  return names;
}

std::vector<std::string> joined(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<std::string> flag_signals() {
  std::vector<std::string> names;
  for (int bit = 0; bit < k_flag_count; ++bit) names.push_back(flag_signal_name(bit));
  return names;
}

// Every message and signal the client and the simulator rely on (rockets-can-v1 §4).
const std::vector<Required>& required() {
  using C = Command;
  using D = Direction;
  static const std::vector<std::string> clock = {"Year", "Month", "Day", "Hour", "Minute",
                                                 "Second"};
  static const std::vector<Required> k_required = {
      {C::connect, D::request, {"ProtocolVersion"}},
      {C::connect, D::response,
       {"ProtocolVersion", "CellCount", "SensorCount", "HardwareRevision", "FirmwareMajor",
        "FirmwareMinor", "FirmwarePatch", "Mode"}},
      {C::identity, D::request, {}},
      {C::identity, D::response, joined({"FrameNumber"}, numbered("SerialChar", 21))},
      {C::pack, D::request, {}},
      {C::pack, D::response, {"PackVoltage", "PackCurrent"}},
      {C::capacity, D::request, {}},
      {C::capacity, D::response, {"RSOC", "RemainingCapacity", "FullChargeCapacity"}},
      {C::temp_summary, D::request, {}},
      {C::temp_summary, D::response,
       {"HighestTemperature", "LowestTemperature", "MosTemperature", "HighestSensor",
        "LowestSensor"}},
      {C::cell_summary, D::request, {}},
      {C::cell_summary, D::response,
       {"HighestCellVoltage", "HighestCell", "LowestCellVoltage", "LowestCell", "CellCount"}},
      {C::cell_voltages, D::request, {}},
      {C::cell_voltages, D::response, joined({"FrameNumber"}, numbered("CellVoltage", 33))},
      {C::temperatures, D::request, {}},
      {C::temperatures, D::response, joined({"FrameNumber"}, numbered("Temperature", 18))},
      {C::status, D::request, {}},
      {C::status, D::response, joined({"BalancingCells"}, flag_signals())},
      {C::cycles, D::request, {}},
      {C::cycles, D::response, {"CycleCount", "LongestUncharged"}},
      {C::clock, D::request, {}},
      {C::clock, D::response, clock},
      {C::shell_resistance, D::request, {}},
      {C::shell_resistance, D::response, {"ResistancePositive", "ResistanceNegative"}},
      {C::set_clock, D::request, clock},
      {C::set_clock, D::response, clock},
      {C::sleep, D::request, {"Guard"}},
      {C::sleep, D::response, {"Result"}},
      {C::nak, D::response, {"RefusedCommand", "Reason"}},
  };
  return k_required;
}

// The factor that turns a value in unit `from` into unit `to` ("V" -> "mV": 1000). Units are
// a base ("V", "Ah", "Ohm") with an optional prefix m or k; an empty unit means "as the
// DBC has it" and converts to anything with factor 1.
std::optional<double> unit_scale(std::string_view from, std::string_view to) {
  if (from.empty() || to.empty() || from == to) return 1.0;
  auto prefix_scale = [](char p) -> std::optional<double> {
    if (p == 'm') return 1e-3;
    if (p == 'k') return 1e3;
    return std::nullopt;
  };
  // One of them is the other with a prefix ("mV" / "V"), or both carry one ("mV" / "kV").
  if (from.size() == to.size() + 1 && from.substr(1) == to) return prefix_scale(from[0]);
  if (to.size() == from.size() + 1 && to.substr(1) == from) {
    auto p = prefix_scale(to[0]);
    if (p) return 1.0 / *p;
    return std::nullopt;
  }
  if (from.size() == to.size() && from.size() > 1 && from.substr(1) == to.substr(1)) {
    auto f = prefix_scale(from[0]);
    auto t = prefix_scale(to[0]);
    if (f && t) return *f / *t;
  }
  return std::nullopt;
}

}  // namespace

std::string message_name(Command cmd, Direction dir) {
  std::string name;
  switch (cmd) {
    case Command::temp_summary: name = "TEMP_SUMMARY"; break;
    default:
      for (char c : command_name(static_cast<std::uint8_t>(cmd))) name += c == ' ' ? '_' : c;
  }
  return name + (dir == Direction::request ? "_REQ" : "_RSP");
}

const Signals::Entry& Signals::at(std::string_view name) const {
  auto it = m_entries.find(name);
  if (it == m_entries.end())
    throw std::logic_error(fmt::format("signal {} not in this frame", name));
  return it->second;
}

double Signals::value(std::string_view name, std::string_view unit) const {
  const Entry& e = at(name);
  auto scale = unit_scale(e.signal->unit, unit);
  if (!scale)
    throw std::logic_error(fmt::format("signal {}: unit '{}' does not convert to '{}'", name,
                                       e.signal->unit, unit));
  return e.physical * *scale;
}

std::int64_t Signals::integer(std::string_view name, std::string_view unit) const {
  return std::llround(value(name, unit));
}

std::int64_t Signals::raw(std::string_view name) const { return at(name).raw; }

bool Signals::absent(std::string_view name) const {
  const Entry& e = at(name);
  const std::uint32_t bits = e.signal->is_signed ? e.signal->length - 1 : e.signal->length;
  if (bits >= 63) return false;
  return e.raw == (std::int64_t{1} << bits) - 1;
}

util::Result<FrameMap> FrameMap::from_database(dbc::Database db, std::string source) {
  FrameMap map;
  map.m_source = std::move(source);
  map.m_db = std::move(db);
  for (const Required& r : required()) {
    std::string name = message_name(r.cmd, r.dir);
    const dbc::Message* m = map.m_db.find(name);
    if (m == nullptr)
      return util::fail(util::Errc::malformed,
                        fmt::format("frame map {}: no message {}", map.m_source, name));
    for (const std::string& s : r.signals)
      if (m->find(s) == nullptr)
        return util::fail(util::Errc::malformed, fmt::format("frame map {}: message {} has no "
                                                             "signal {}",
                                                             map.m_source, name, s));
    map.m_index[{static_cast<std::uint8_t>(r.cmd), r.dir}] =
        static_cast<std::size_t>(m - map.m_db.messages.data());
  }
  return map;
}

const FrameMap& FrameMap::builtin() {
  static const FrameMap k_map = [] {
    auto db = dbc::parse(bms_embedded_dbc, "rockets.dbc");
    if (!db) throw std::logic_error("embedded rockets.dbc: " + db.error().message);
    auto map = from_database(std::move(*db), "rockets.dbc");
    if (!map) throw std::logic_error(map.error().message);
    return std::move(*map);
  }();
  return k_map;
}

util::Result<FrameMap> FrameMap::load(const std::string& path) {
  auto db = dbc::load_file(path);
  if (!db) return tl::unexpected(db.error());
  return from_database(std::move(*db), path);
}

const dbc::Message* FrameMap::match(const can::Frame& frame) const {
  if (!frame.extended) return nullptr;
  auto id = parse_poll_id(frame.id);
  if (!id) return nullptr;
  Direction dir = is_tool_address(id->src) ? Direction::request : Direction::response;
  auto it = m_index.find({id->cmd, dir});
  if (it == m_index.end()) return nullptr;
  const dbc::Message& m = m_db.messages[it->second];
  if ((m.id & 0x1FFF0000U) != (frame.id & 0x1FFF0000U)) return nullptr;
  return &m;
}

const dbc::Message& FrameMap::message(Command cmd, Direction dir) const {
  return m_db.messages.at(m_index.at({static_cast<std::uint8_t>(cmd), dir}));
}

util::Result<Signals> FrameMap::decode(Command cmd, Direction dir, const can::Frame& frame) const {
  const dbc::Message& m = message(cmd, dir);
  if (frame.size() < m.dlc)
    return util::fail(util::Errc::malformed,
                      fmt::format("{} frame has {} data bytes, expected {}", m.name, frame.size(),
                                  m.dlc));
  Signals out;
  for (const dbc::Value& v : dbc::decode(m, frame.payload())) out.add({v.signal, v.raw, v.physical});
  return out;
}

util::Result<can::Frame> FrameMap::encode(Command cmd, Direction dir, const SignalValues& values,
                                          std::uint8_t dst, std::uint8_t src) const {
  const dbc::Message& m = message(cmd, dir);
  std::map<std::string, std::int64_t> raw;
  for (const auto& [name, v] : values) {
    const dbc::Signal* s = m.find(name);
    if (s == nullptr)
      return util::fail(util::Errc::usage, fmt::format("{} has no signal {}", m.name, name));
    auto scale = unit_scale(v.unit, s->unit);
    if (!scale)
      return util::fail(util::Errc::usage, fmt::format("{}.{}: unit '{}' does not convert to '{}'",
                                                       m.name, name, v.unit, s->unit));
    raw[name] = dbc::to_raw(*s, v.value * *scale);
  }
  auto bytes = dbc::encode_raw(m, raw);
  if (!bytes) return tl::unexpected(bytes.error());
  can::Frame f = can::make_frame(poll_id(static_cast<std::uint8_t>(cmd), dst, src), *bytes);
  f.dlc = static_cast<std::uint8_t>(m.dlc);
  return f;
}

}  // namespace bms
