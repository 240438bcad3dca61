#include "bms/protocol.hpp"

#include <fmt/format.h>

namespace bms {

std::string command_name(std::uint8_t code) {
  switch (static_cast<Command>(code)) {
    case Command::connect: return "CONNECT";
    case Command::identity: return "IDENTITY";
    case Command::pack: return "PACK";
    case Command::capacity: return "CAPACITY";
    case Command::temp_summary: return "TEMPERATURE SUMMARY";
    case Command::cell_summary: return "CELL SUMMARY";
    case Command::cell_voltages: return "CELL VOLTAGES";
    case Command::temperatures: return "TEMPERATURES";
    case Command::status: return "STATUS";
    case Command::cycles: return "CYCLES";
    case Command::clock: return "CLOCK";
    case Command::shell_resistance: return "SHELL RESISTANCE";
    case Command::set_clock: return "SET CLOCK";
    case Command::sleep: return "SLEEP";
    case Command::nak: return "NAK";
  }
  return fmt::format("0x{:02X}", code);
}

std::string nak_reason_name(std::uint8_t code) {
  switch (static_cast<NakReason>(code)) {
    case NakReason::unknown_command: return "unknown command";
    case NakReason::invalid_parameter: return "invalid parameter";
    case NakReason::busy: return "busy";
    case NakReason::conditions_not_met: return "conditions not met";
    case NakReason::no_session: return "no session";
  }
  return fmt::format("reason 0x{:02X}", code);
}

int response_frames(Command cmd, int cell_count, int sensor_count) {
  switch (cmd) {
    case Command::identity: return 3;
    case Command::cell_voltages: return (cell_count + 2) / 3;
    case Command::temperatures: return (sensor_count + 2) / 3;
    default: return 1;
  }
}

}  // namespace bms
