#pragma once
// The poll protocol's frame map: a DBC database (proto/rockets.dbc, embedded; or --dbc FILE)
// checked to hold every message and signal the client and the simulator use. Frames are
// matched on priority and CMD; addresses come from the identifier (§3.1).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "bms/protocol.hpp"
#include "can/frame.hpp"
#include "dbc/model.hpp"
#include "util/result.hpp"

namespace bms {

// The decoded signals of one frame, by name.
class Signals {
public:
  struct Entry {
    const dbc::Signal* signal;
    std::int64_t raw;
    double physical;
  };

  // Physical value converted to `unit` ("mV" from a signal in "V"); the signal must exist
  // (FrameMap checked it) and its unit must convert (same base unit, prefix m or k).
  double value(std::string_view name, std::string_view unit = {}) const;
  // value() rounded to the nearest integer.
  std::int64_t integer(std::string_view name, std::string_view unit = {}) const;
  std::int64_t raw(std::string_view name) const;
  // The raw value is the signal's "not available" sentinel: all ones (0xFFFF), or the
  // largest positive value for a signed signal (0x7FFF).
  bool absent(std::string_view name) const;
  bool has(std::string_view name) const { return m_entries.count(std::string(name)) != 0; }

  void add(Entry e) { m_entries.emplace(e.signal->name, e); }

private:
  const Entry& at(std::string_view name) const;
  std::map<std::string, Entry, std::less<>> m_entries;
};

// Values to encode: physical values in the given units, by signal name.
struct SignalValue {
  double value;
  std::string_view unit;  // empty: the DBC's own unit
};
using SignalValues = std::map<std::string, SignalValue, std::less<>>;

enum class Direction { request, response };

class FrameMap {
public:
  // Fails (Errc::malformed) naming the first message or signal the protocol needs that the
  // database lacks: "frame map: message PACK_RSP has no signal PackVoltage".
  static util::Result<FrameMap> from_database(dbc::Database db, std::string source);
  // The embedded proto/rockets.dbc.
  static const FrameMap& builtin();
  // --dbc FILE: a firmware variant with the same message and signal names.
  static util::Result<FrameMap> load(const std::string& path);

  // The message `frame` is an instance of: same priority and CMD (id & 0x1FFF0000), and the
  // same direction (a request comes from a tool address). nullptr when none.
  const dbc::Message* match(const can::Frame& frame) const;
  // The message for a command and direction; the protocol's messages always exist.
  const dbc::Message& message(Command cmd, Direction dir) const;

  // Decodes a frame of `cmd` (the multiplexed signals of its frame number only). Fails with
  // Errc::malformed when the frame is shorter than the message.
  util::Result<Signals> decode(Command cmd, Direction dir, const can::Frame& frame) const;
  // Builds the frame of `cmd` from dst to src; signals not given take their start value.
  // Fails (Errc::usage) on a value that does not fit its signal.
  util::Result<can::Frame> encode(Command cmd, Direction dir, const SignalValues& values,
                                  std::uint8_t dst, std::uint8_t src) const;

  const dbc::Database& database() const { return m_db; }
  const std::string& source() const { return m_source; }

private:
  dbc::Database m_db;
  std::string m_source;
  std::map<std::pair<std::uint8_t, Direction>, std::size_t> m_index;  // (cmd, dir) -> message
};

// The DBC message names of a command: ("PACK", request) -> "PACK_REQ".
std::string message_name(Command cmd, Direction dir);

}  // namespace bms
