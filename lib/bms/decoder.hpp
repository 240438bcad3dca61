#pragma once
// `rocketctl decode`: a streaming decoder of candump records (can/candump.hpp) into protocol
// messages, for a trace taken by --trace, candump -L, or any logger.
//
//  - Poll frames (§3, §4) are decoded with the frame map (the DBC: --dbc honoured): message
//    name, direction from the identifier's addresses (source a tool 0x40-0x4F: request; a BMS
//    0x01-0x3F: response, NAK for CMD 0x7F), the signal values with their units. A multiplexed
//    response (IDENTITY, CELL VOLTAGES, TEMPERATURES: frame number in byte 0) is assembled into
//    one message; its number of frames follows from the cell and sensor counts of the last
//    CONNECT or CELL SUMMARY answer of that BMS seen in the trace. Without them, or with a frame
//    lost, the frames gathered so far are given as an incomplete message when the next
//    request between the same tool and BMS appears, or at finish().
//  - The diagnostic channel (§6, 0x18DA<TA><SA>) is reassembled as ISO-TP, passively, per
//    identifier; the UDS services, DIDs, routines and NRCs are named.
//  - Error frames become bus faults in words (can::describe).
//  - Anything else (standard ids, remote frames, other extended ids, short poll frames) is
//    given raw with a note: never an error.
//
// Memory does not grow with the input: a fixed number of assemblies and ISO-TP receptions
// (the oldest is given up, as incomplete, when more are open at once), no per-frame history.
// Messages point into the decoder: they are valid only during the sink's call. The hot path
// allocates nothing: the frame map is prepared once into a table indexed by CMD.

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "bms/frame_map.hpp"
#include "can/candump.hpp"

namespace bms {

// One value of a decoded message.
struct Field {
  enum class Kind : std::uint8_t {
    number,  // `scaled` / 10^decimals (exact) or `value`; `unit` from the DBC
    hex,     // `raw` shown in hex, `digits` wide ("0x40000000")
    text,    // `text` (a serial number, bytes in hex)
    flag,    // a status flag that is set: `name` ("D_MOS"); an empty name: none is set
    absent,  // the "not available" value (0xFFFF, 0x7FFF): BMS Studio's NULL
  };
  Kind kind = Kind::number;
  std::string_view name;
  std::string_view unit;
  std::int64_t raw = 0;
  std::int64_t scaled = 0;    // number: the value times 10^decimals, when `exact`
  std::uint8_t decimals = 0;  // number: digits after the point; hex: digits
  bool exact = true;          // number: `scaled` is exact (factor a power of ten)
  double value = 0;           // number: the physical value
  std::string_view text;
};

struct Message {
  enum class Kind : std::uint8_t {
    poll,       // a poll request, response or NAK
    uds,        // a UDS request, response or negative response (ISO-TP reassembled)
    isotp,      // an ISO-TP event worth showing: flow control WAIT/OVERFLOW, a message given up
    bus_error,  // an error frame
    raw,        // not part of the protocol, or not decodable: shown as the frame
  };
  enum class Direction : std::uint8_t { request, response, negative, none };

  Kind kind = Kind::raw;
  Direction direction = Direction::none;
  std::int64_t time_us = 0;  // of the message's first frame
  std::string_view iface;
  std::uint32_t id = 0;      // of the (first) frame
  bool extended = true;
  std::uint8_t src = 0, dst = 0;  // addresses from the identifier (poll and diagnostic)
  std::uint8_t code = 0;     // poll: CMD (for a NAK: the refused CMD); uds: the request SID
  std::string_view name;     // "PACK", "ReadDataByIdentifier"; empty for raw
  std::span<const Field> fields;
  std::string_view note;     // NAK reason, NRC, "incomplete: ...", a bus fault, why raw
  std::uint8_t detail = 0;   // NAK reason / NRC byte (negative), else 0
  bool complete = true;      // false: an assembly or reception given up part-way
  const can::Frame* frame = nullptr;  // raw and bus_error: the frame as logged
  std::size_t length = 0;    // uds: message length in bytes
};

class MessageSink {
public:
  virtual ~MessageSink() = default;
  virtual void message(const Message& m) = 0;
};

class Decoder {
public:
  explicit Decoder(const FrameMap& map);
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Decodes one record; gives the sink every message it completes (none, one or a few).
  void feed(const can::CandumpRecord& record, MessageSink& sink);
  // The end of the input: gives what is still being assembled, as incomplete messages.
  void finish(MessageSink& sink);

  struct Counters {
    std::uint64_t frames = 0, messages = 0, incomplete = 0, raw = 0, bus_errors = 0;
  };
  const Counters& counters() const { return m_counters; }

private:
  struct Impl;
  std::unique_ptr<Impl> m;
  Counters m_counters;
};

}  // namespace bms
