#include "bms/messages.hpp"

#include <array>

#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "dbc/codec.hpp"

namespace bms {
namespace {

using D = Direction;

constexpr std::array<std::string_view, 27> k_flag_signals = {
    "Flag_D_MOS",  "Flag_UV",     "Flag_DOC",    "Flag_DOL",    "Flag_SC",      "Flag_PF",
    "Flag_C_MOS",  "Flag_OV",     "Flag_COC",    "Flag_TOV",    "Flag_TUV",     "Flag_ODV",
    "Flag_DOT",    "Flag_DUT",    "Flag_COT",    "Flag_CUT",    "Flag_MOS_OT",  "Flag_LR",
    "Flag_P_MOS",  "Flag_E2_E",   "Flag_AFE_E",  "Flag_RTC_E",  "Flag_2nd_OT",  "Flag_2nd_OV",
    "Flag_D_MOS_E", "Flag_C_MOS_E", "Flag_P_MOS_E"};

int as_int(const Signals& s, std::string_view name, std::string_view unit = {}) {
  return static_cast<int>(s.integer(name, unit));
}

util::Result<can::Frame> one(const FrameMap& map, Command cmd, const SignalValues& v, Addresses a) {
  return map.encode(cmd, D::response, v, a.dst, a.src);
}

SignalValue num(double v, std::string_view unit = {}) { return SignalValue{v, unit}; }

SignalValues clock_values(const Calendar& c) {
  return {{"Year", num(c.year)},     {"Month", num(c.month)},   {"Day", num(c.day)},
          {"Hour", num(c.hour)},     {"Minute", num(c.minute)}, {"Second", num(c.second)}};
}

Calendar clock_from(const Signals& s) {
  return Calendar{as_int(s, "Year"), as_int(s, "Month"),  as_int(s, "Day"),
                  as_int(s, "Hour"), as_int(s, "Minute"), as_int(s, "Second")};
}

// Multi-frame values, three a frame: slot j of frame k is signal <stem><3(k-1)+j>. Values are
// in `unit` divided by `divisor` (temperatures: 0.1 °C -> degC); unused slots hold the raw
// sentinel `filler`.
util::Result<std::vector<can::Frame>> encode_slots(const FrameMap& map, Command cmd,
                                                   std::string_view stem, std::string_view unit,
                                                   double divisor, const std::vector<int>& values,
                                                   std::int64_t filler, Addresses a) {
  const dbc::Message& m = map.message(cmd, D::response);
  std::vector<can::Frame> frames;
  const int count = static_cast<int>(values.size());
  for (int k = 1; (k - 1) * 3 < count; ++k) {
    SignalValues v{{"FrameNumber", num(k)}};
    for (int j = 1; j <= 3; ++j) {
      int index = 3 * (k - 1) + j;
      std::string name = fmt::format("{}{}", stem, index);
      if (index <= count) {
        v[name] = num(values[static_cast<std::size_t>(index - 1)] / divisor, unit);
      } else if (const dbc::Signal* s = m.find(name)) {
        v[name] = num(dbc::to_physical(*s, filler));
      }
    }
    auto f = map.encode(cmd, D::response, v, a.dst, a.src);
    if (!f) return tl::unexpected(f.error());
    frames.push_back(*f);
  }
  return frames;
}

// The inverse of encode_slots: the first `count` values, times `scale`, rounded.
util::Result<std::vector<int>> decode_slots(const FrameMap& map, Command cmd, std::string_view stem,
                                            std::string_view unit, double scale,
                                            const std::vector<can::Frame>& frames, int count) {
  const std::string what = command_name(static_cast<std::uint8_t>(cmd));
  std::vector<int> out;
  std::optional<Signals> s;
  for (int i = 1; i <= count; ++i) {
    std::size_t k = static_cast<std::size_t>((i - 1) / 3);
    if (k >= frames.size())
      return util::fail(util::Errc::malformed, fmt::format("{} frame {} missing", what, k + 1));
    if ((i - 1) % 3 == 0) {
      auto decoded = map.decode(cmd, D::response, frames[k]);
      if (!decoded) return tl::unexpected(decoded.error());
      s = std::move(*decoded);
    }
    std::string name = fmt::format("{}{}", stem, i);
    if (!s->has(name))
      return util::fail(util::Errc::malformed,
                        fmt::format("{} frame {} carries no {}", what, k + 1, name));
    out.push_back(static_cast<int>(std::llround(s->value(name, unit) * scale)));
  }
  return out;
}

}  // namespace

std::string flag_signal_name(int bit) {
  return std::string(k_flag_signals.at(static_cast<std::size_t>(bit)));
}

util::Result<can::Frame> encode_request(const FrameMap& map, Command cmd, Addresses a) {
  SignalValues v;
  if (cmd == Command::connect) v["ProtocolVersion"] = num(1);
  return map.encode(cmd, D::request, v, a.dst, a.src);
}

util::Result<can::Frame> encode_set_clock(const FrameMap& map, const Calendar& c, Addresses a) {
  return map.encode(Command::set_clock, D::request, clock_values(c), a.dst, a.src);
}

util::Result<Calendar> decode_set_clock_request(const FrameMap& map, const can::Frame& f) {
  auto s = map.decode(Command::set_clock, D::request, f);
  if (!s) return tl::unexpected(s.error());
  return clock_from(*s);
}

util::Result<std::uint16_t> decode_sleep_request(const FrameMap& map, const can::Frame& f) {
  auto s = map.decode(Command::sleep, D::request, f);
  if (!s) return tl::unexpected(s.error());
  return static_cast<std::uint16_t>(s->raw("Guard"));
}

util::Result<ConnectInfo> decode_connect(const FrameMap& map, const can::Frame& f) {
  auto s = map.decode(Command::connect, D::response, f);
  if (!s) return tl::unexpected(s.error());
  ConnectInfo c;
  c.protocol_version = as_int(*s, "ProtocolVersion");
  c.cell_count = as_int(*s, "CellCount");
  c.sensor_count = as_int(*s, "SensorCount");
  c.hardware_revision = as_int(*s, "HardwareRevision");
  c.firmware = {as_int(*s, "FirmwareMajor"), as_int(*s, "FirmwareMinor"),
                as_int(*s, "FirmwarePatch")};
  c.mode = s->raw("Mode") == 1 ? Mode::bootloader : Mode::application;
  if (c.cell_count < 1 || c.cell_count > 32 || c.sensor_count < 1 || c.sensor_count > 16)
    return util::fail(util::Errc::malformed,
                      fmt::format("CONNECT answer reports {} cells and {} sensors (1-32 and 1-16 "
                                  "allowed)", c.cell_count, c.sensor_count));
  return c;
}

util::Result<PackReading> decode_pack(const FrameMap& map, const can::Frame& f) {
  auto s = map.decode(Command::pack, D::response, f);
  if (!s) return tl::unexpected(s.error());
  return PackReading{s->integer("PackVoltage", "mV"), s->integer("PackCurrent", "mA")};
}

util::Result<Capacity> decode_capacity(const FrameMap& map, const can::Frame& f) {
  auto s = map.decode(Command::capacity, D::response, f);
  if (!s) return tl::unexpected(s.error());
  return Capacity{as_int(*s, "RSOC", "%"), s->integer("RemainingCapacity", "mAh"),
                  s->integer("FullChargeCapacity", "mAh")};
}

util::Result<TemperatureSummary> decode_temp_summary(const FrameMap& map, const can::Frame& f) {
  auto s = map.decode(Command::temp_summary, D::response, f);
  if (!s) return tl::unexpected(s.error());
  auto dc = [&s](std::string_view n) { return static_cast<int>(std::llround(s->value(n) * 10)); };
  return TemperatureSummary{dc("HighestTemperature"), dc("LowestTemperature"),
                            dc("MosTemperature"), as_int(*s, "HighestSensor"),
                            as_int(*s, "LowestSensor")};
}

util::Result<CellSummary> decode_cell_summary(const FrameMap& map, const can::Frame& f) {
  auto s = map.decode(Command::cell_summary, D::response, f);
  if (!s) return tl::unexpected(s.error());
  return CellSummary{as_int(*s, "HighestCellVoltage", "mV"), as_int(*s, "HighestCell"),
                     as_int(*s, "LowestCellVoltage", "mV"), as_int(*s, "LowestCell"),
                     as_int(*s, "CellCount")};
}

util::Result<StatusWords> decode_status(const FrameMap& map, const can::Frame& f) {
  auto s = map.decode(Command::status, D::response, f);
  if (!s) return tl::unexpected(s.error());
  StatusWords w;
  for (int bit = 0; bit < static_cast<int>(k_flag_signals.size()); ++bit)
    if (s->raw(k_flag_signals[static_cast<std::size_t>(bit)]) != 0) w.flags |= 1U << bit;
  w.balancing = static_cast<std::uint32_t>(s->raw("BalancingCells"));
  return w;
}

util::Result<Cycles> decode_cycles(const FrameMap& map, const can::Frame& f) {
  auto s = map.decode(Command::cycles, D::response, f);
  if (!s) return tl::unexpected(s.error());
  return Cycles{as_int(*s, "CycleCount"), as_int(*s, "LongestUncharged", "h")};
}

util::Result<Calendar> decode_clock(const FrameMap& map, Command cmd, const can::Frame& f) {
  auto s = map.decode(cmd, D::response, f);
  if (!s) return tl::unexpected(s.error());
  Calendar c = clock_from(*s);
  if (!is_valid(c))
    return util::fail(util::Errc::malformed,
                      fmt::format("the BMS clock holds an impossible time: {}", to_string(c)));
  return c;
}

util::Result<ShellResistance> decode_shell(const FrameMap& map, const can::Frame& f) {
  auto s = map.decode(Command::shell_resistance, D::response, f);
  if (!s) return tl::unexpected(s.error());
  ShellResistance r;
  if (!s->absent("ResistancePositive")) r.positive_kohm = as_int(*s, "ResistancePositive", "kOhm");
  if (!s->absent("ResistanceNegative")) r.negative_kohm = as_int(*s, "ResistanceNegative", "kOhm");
  return r;
}

util::Result<Nak> decode_nak(const FrameMap& map, const can::Frame& f) {
  auto s = map.decode(Command::nak, D::response, f);
  if (!s) return tl::unexpected(s.error());
  return Nak{static_cast<std::uint8_t>(s->raw("RefusedCommand")),
             static_cast<std::uint8_t>(s->raw("Reason"))};
}

util::Result<std::string> decode_identity(const FrameMap& map, const std::vector<can::Frame>& frames) {
  std::string serial;
  for (int i = 1; i <= 21; ++i) {
    std::size_t k = static_cast<std::size_t>((i - 1) / 7);
    if (k >= frames.size())
      return util::fail(util::Errc::malformed, fmt::format("IDENTITY frame {} missing", k + 1));
    auto s = map.decode(Command::identity, D::response, frames[k]);
    if (!s) return tl::unexpected(s.error());
    std::string name = fmt::format("SerialChar{}", i);
    if (!s->has(name))
      return util::fail(util::Errc::malformed, fmt::format("IDENTITY frame {} carries no {}", k + 1, name));
    auto c = s->raw(name);
    if (c == 0) break;  // padding
    if (c < 0x20 || c > 0x7E)
      return util::fail(util::Errc::malformed,
                        fmt::format("serial number character {} is not printable ASCII (0x{:02X})", i, c));
    serial.push_back(static_cast<char>(c));
  }
  return serial;
}

util::Result<std::vector<int>> decode_cell_voltages(const FrameMap& map,
                                                    const std::vector<can::Frame>& frames, int count) {
  return decode_slots(map, Command::cell_voltages, "CellVoltage", "mV", 1.0, frames, count);
}

util::Result<std::vector<int>> decode_temperatures(const FrameMap& map,
                                                   const std::vector<can::Frame>& frames, int count) {
  return decode_slots(map, Command::temperatures, "Temperature", "", 10.0, frames, count);
}

util::Result<int> frame_number(const FrameMap& map, Command cmd, const can::Frame& f) {
  auto s = map.decode(cmd, D::response, f);
  if (!s) return tl::unexpected(s.error());
  return static_cast<int>(s->raw("FrameNumber"));
}

util::Result<can::Frame> encode_connect(const FrameMap& map, const ConnectInfo& c, Addresses a) {
  return one(map, Command::connect,
             {{"ProtocolVersion", num(c.protocol_version)},
              {"CellCount", num(c.cell_count)},
              {"SensorCount", num(c.sensor_count)},
              {"HardwareRevision", num(c.hardware_revision)},
              {"FirmwareMajor", num(c.firmware.major)},
              {"FirmwareMinor", num(c.firmware.minor)},
              {"FirmwarePatch", num(c.firmware.patch)},
              {"Mode", num(c.mode == Mode::bootloader ? 1 : 0)}},
             a);
}

util::Result<std::vector<can::Frame>> encode_identity(const FrameMap& map, const std::string& serial,
                                                      Addresses a) {
  std::vector<can::Frame> frames;
  for (int k = 1; k <= 3; ++k) {
    SignalValues v{{"FrameNumber", num(k)}};
    for (int j = 1; j <= 7; ++j) {
      std::size_t i = static_cast<std::size_t>(7 * (k - 1) + j);
      v[fmt::format("SerialChar{}", i)] = num(i <= serial.size() ? static_cast<unsigned char>(serial[i - 1]) : 0);
    }
    auto f = map.encode(Command::identity, D::response, v, a.dst, a.src);
    if (!f) return tl::unexpected(f.error());
    frames.push_back(*f);
  }
  return frames;
}

util::Result<can::Frame> encode_pack(const FrameMap& map, const PackReading& p, Addresses a) {
  return one(map, Command::pack,
             {{"PackVoltage", num(static_cast<double>(p.voltage_mv), "mV")},
              {"PackCurrent", num(static_cast<double>(p.current_ma), "mA")}},
             a);
}

util::Result<can::Frame> encode_capacity(const FrameMap& map, const Capacity& c, Addresses a) {
  return one(map, Command::capacity,
             {{"RSOC", num(c.rsoc_pct, "%")},
              {"RemainingCapacity", num(static_cast<double>(c.remaining_mah), "mAh")},
              {"FullChargeCapacity", num(static_cast<double>(c.full_mah), "mAh")}},
             a);
}

util::Result<can::Frame> encode_temp_summary(const FrameMap& map, const TemperatureSummary& t,
                                             Addresses a) {
  return one(map, Command::temp_summary,
             {{"HighestTemperature", num(t.highest_dc / 10.0)},
              {"LowestTemperature", num(t.lowest_dc / 10.0)},
              {"MosTemperature", num(t.mos_dc / 10.0)},
              {"HighestSensor", num(t.highest_sensor)},
              {"LowestSensor", num(t.lowest_sensor)}},
             a);
}

util::Result<can::Frame> encode_cell_summary(const FrameMap& map, const CellSummary& c, Addresses a) {
  return one(map, Command::cell_summary,
             {{"HighestCellVoltage", num(c.highest_mv, "mV")},
              {"HighestCell", num(c.highest_cell)},
              {"LowestCellVoltage", num(c.lowest_mv, "mV")},
              {"LowestCell", num(c.lowest_cell)},
              {"CellCount", num(c.cell_count)}},
             a);
}

util::Result<std::vector<can::Frame>> encode_cell_voltages(const FrameMap& map,
                                                           const std::vector<int>& mv, Addresses a) {
  return encode_slots(map, Command::cell_voltages, "CellVoltage", "mV", 1.0, mv, 0xFFFF, a);
}

util::Result<std::vector<can::Frame>> encode_temperatures(const FrameMap& map,
                                                          const std::vector<int>& dc, Addresses a) {
  return encode_slots(map, Command::temperatures, "Temperature", "", 10.0, dc, 0x7FFF, a);
}

util::Result<can::Frame> encode_status(const FrameMap& map, const StatusWords& s, Addresses a) {
  SignalValues v{{"BalancingCells", num(s.balancing)}};
  for (std::size_t bit = 0; bit < k_flag_signals.size(); ++bit)
    v[std::string(k_flag_signals[bit])] = num((s.flags >> bit) & 1U);
  return one(map, Command::status, v, a);
}

util::Result<can::Frame> encode_cycles(const FrameMap& map, const Cycles& c, Addresses a) {
  return one(map, Command::cycles,
             {{"CycleCount", num(c.count)}, {"LongestUncharged", num(c.longest_uncharged_h, "h")}}, a);
}

util::Result<can::Frame> encode_clock(const FrameMap& map, Command cmd, const Calendar& c,
                                      Addresses a) {
  return one(map, cmd, clock_values(c), a);
}

util::Result<can::Frame> encode_shell(const FrameMap& map, const ShellResistance& s, Addresses a) {
  const dbc::Message& m = map.message(Command::shell_resistance, D::response);
  auto value = [&m](const std::optional<int>& v, std::string_view name) {
    if (v) return num(*v, "kOhm");
    return num(dbc::to_physical(*m.find(name), 0xFFFF));
  };
  return one(map, Command::shell_resistance,
             {{"ResistancePositive", value(s.positive_kohm, "ResistancePositive")},
              {"ResistanceNegative", value(s.negative_kohm, "ResistanceNegative")}},
             a);
}

util::Result<can::Frame> encode_sleep_accepted(const FrameMap& map, Addresses a) {
  return one(map, Command::sleep, {{"Result", num(0)}}, a);
}

util::Result<can::Frame> encode_nak(const FrameMap& map, Nak n, Addresses a) {
  return one(map, Command::nak, {{"RefusedCommand", num(n.command)}, {"Reason", num(n.reason)}}, a);
}

}  // namespace bms
