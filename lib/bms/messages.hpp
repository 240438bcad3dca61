#pragma once
// Typed codecs of every poll message, both directions, through the frame map (the DBC).
// The client decodes responses and encodes requests; the simulator does the reverse. Both use
// these, so the reference's worked frames (tests/golden) pin the wire format of both.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bms/frame_map.hpp"
#include "bms/readings.hpp"

namespace bms {

struct Addresses {
  std::uint8_t dst;
  std::uint8_t src;
};

// Requests (tool -> BMS)
util::Result<can::Frame> encode_request(const FrameMap& map, Command cmd, Addresses a);
util::Result<can::Frame> encode_set_clock(const FrameMap& map, const Calendar& c, Addresses a);
util::Result<Calendar> decode_set_clock_request(const FrameMap& map, const can::Frame& f);
// The SLEEP guard as sent: 0xA55A when the request is right.
util::Result<std::uint16_t> decode_sleep_request(const FrameMap& map, const can::Frame& f);

// Single-frame responses (BMS -> tool)
util::Result<ConnectInfo> decode_connect(const FrameMap& map, const can::Frame& f);
util::Result<PackReading> decode_pack(const FrameMap& map, const can::Frame& f);
util::Result<Capacity> decode_capacity(const FrameMap& map, const can::Frame& f);
util::Result<TemperatureSummary> decode_temp_summary(const FrameMap& map, const can::Frame& f);
util::Result<CellSummary> decode_cell_summary(const FrameMap& map, const can::Frame& f);
util::Result<StatusWords> decode_status(const FrameMap& map, const can::Frame& f);
util::Result<Cycles> decode_cycles(const FrameMap& map, const can::Frame& f);
// CLOCK and SET CLOCK responses share the layout. Fails when the date is impossible.
util::Result<Calendar> decode_clock(const FrameMap& map, Command cmd, const can::Frame& f);
util::Result<ShellResistance> decode_shell(const FrameMap& map, const can::Frame& f);
struct Nak {
  std::uint8_t command;
  std::uint8_t reason;
};
util::Result<Nak> decode_nak(const FrameMap& map, const can::Frame& f);

// Multi-frame responses: `frames` holds frames 1..N, indexed by frame number - 1.
util::Result<std::string> decode_identity(const FrameMap& map, const std::vector<can::Frame>& frames);
// The first `count` cell voltages (mV) / sensor temperatures (0.1 °C).
util::Result<std::vector<int>> decode_cell_voltages(const FrameMap& map,
                                                    const std::vector<can::Frame>& frames,
                                                    int count);
util::Result<std::vector<int>> decode_temperatures(const FrameMap& map,
                                                   const std::vector<can::Frame>& frames, int count);
// The frame number (byte 0 as the DBC's multiplexor) of a multi-frame response.
util::Result<int> frame_number(const FrameMap& map, Command cmd, const can::Frame& f);

// Responses, for the simulator
util::Result<can::Frame> encode_connect(const FrameMap& map, const ConnectInfo& c, Addresses a);
util::Result<std::vector<can::Frame>> encode_identity(const FrameMap& map, const std::string& serial,
                                                      Addresses a);
util::Result<can::Frame> encode_pack(const FrameMap& map, const PackReading& p, Addresses a);
util::Result<can::Frame> encode_capacity(const FrameMap& map, const Capacity& c, Addresses a);
util::Result<can::Frame> encode_temp_summary(const FrameMap& map, const TemperatureSummary& t,
                                             Addresses a);
util::Result<can::Frame> encode_cell_summary(const FrameMap& map, const CellSummary& c, Addresses a);
util::Result<std::vector<can::Frame>> encode_cell_voltages(const FrameMap& map,
                                                           const std::vector<int>& mv, Addresses a);
util::Result<std::vector<can::Frame>> encode_temperatures(const FrameMap& map,
                                                          const std::vector<int>& dc, Addresses a);
util::Result<can::Frame> encode_status(const FrameMap& map, const StatusWords& s, Addresses a);
util::Result<can::Frame> encode_cycles(const FrameMap& map, const Cycles& c, Addresses a);
util::Result<can::Frame> encode_clock(const FrameMap& map, Command cmd, const Calendar& c,
                                      Addresses a);
util::Result<can::Frame> encode_shell(const FrameMap& map, const ShellResistance& s, Addresses a);
util::Result<can::Frame> encode_sleep_accepted(const FrameMap& map, Addresses a);
util::Result<can::Frame> encode_nak(const FrameMap& map, Nak n, Addresses a);

inline constexpr int k_flag_count = 27;  // status flags 0..26 (§5)
// The DBC signal of status flag `bit` (0..26): "Flag_D_MOS".
std::string flag_signal_name(int bit);

}  // namespace bms
