#pragma once
// rockets-can-v1: addresses, poll identifiers, commands and NAK reasons (§2, §3, §4).

#include <cstdint>
#include <optional>
#include <string_view>

namespace bms {

inline constexpr std::uint8_t k_default_bms = 0x01;
inline constexpr std::uint8_t k_default_tool = 0x40;
inline constexpr std::uint8_t k_broadcast = 0xFF;

constexpr bool is_bms_address(std::uint8_t a) { return a >= 0x01 && a <= 0x3F; }
constexpr bool is_tool_address(std::uint8_t a) { return a >= 0x40 && a <= 0x4F; }

enum class Command : std::uint8_t {
  connect = 0x01,
  identity = 0x02,
  pack = 0x10,
  capacity = 0x11,
  temp_summary = 0x12,
  cell_summary = 0x13,
  cell_voltages = 0x14,
  temperatures = 0x15,
  status = 0x16,
  cycles = 0x17,
  clock = 0x18,
  shell_resistance = 0x19,
  set_clock = 0x20,
  sleep = 0x21,
  nak = 0x7F,
};

// "PACK", "CELL VOLTAGES" (the reference's names); "0x42" for an unknown code.
std::string command_name(std::uint8_t code);

enum class NakReason : std::uint8_t {
  unknown_command = 0x01,
  invalid_parameter = 0x02,
  busy = 0x03,
  conditions_not_met = 0x04,
  no_session = 0x05,
};

// "invalid parameter"; "reason 0x09" for an unknown code.
std::string nak_reason_name(std::uint8_t code);

// §3.1: ID = 0x18000000 | CMD << 16 | DST << 8 | SRC (priority 6, data page 0).
constexpr std::uint32_t poll_id(std::uint8_t cmd, std::uint8_t dst, std::uint8_t src) {
  return 0x18000000U | std::uint32_t{cmd} << 16 | std::uint32_t{dst} << 8 | src;
}
constexpr std::uint32_t poll_id(Command cmd, std::uint8_t dst, std::uint8_t src) {
  return poll_id(static_cast<std::uint8_t>(cmd), dst, src);
}

struct PollId {
  std::uint8_t cmd;
  std::uint8_t dst;
  std::uint8_t src;
};

// The parts of a poll-protocol identifier; nullopt when the top bits are not 0x18
// (mask 0x1F000000) or the CMD is 0xDA (the diagnostic channel, §12).
constexpr std::optional<PollId> parse_poll_id(std::uint32_t id) {
  if ((id & 0x1F000000U) != 0x18000000U) return std::nullopt;
  auto cmd = static_cast<std::uint8_t>(id >> 16);
  if (cmd == 0xDA) return std::nullopt;
  return PollId{cmd, static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)};
}

// Whether the response frames of `cmd` carry a frame number in byte 0 (§3.2 rule 3).
constexpr bool is_numbered(Command cmd) {
  return cmd == Command::identity || cmd == Command::cell_voltages || cmd == Command::temperatures;
}

// Number of response frames of `cmd` (§4), given the counts CONNECT reported.
int response_frames(Command cmd, int cell_count, int sensor_count);

}  // namespace bms
