#include "commands.hpp"

#include <cstdio>

namespace cli {

const std::vector<CommandDef>& command_table() {
  static const std::vector<CommandDef> k_commands = {
      {"status", "Show everything BMS Studio's monitoring page shows", setup_status},
      {"cells", "Show every cell voltage, the max diff-voltage and balancing", setup_cells},
      {"faults", "Explain every status light that is not normal (exit 1 if any)", setup_faults},
      {"scan", "List every BMS on the bus; warn when two packs share an address", setup_scan},
      {"log", "Read the pack's event log (log dump: print it or save it as xlsx, csv, json)", setup_log},
      {"settime", "Set the BMS clock from this computer's, and verify it", setup_settime},
      {"sleep", "Put the pack into standby (wake it by charging for 1-2 s)", setup_sleep},
      {"flash", "Update the pack's firmware; a failed update is finished by running it again", setup_flash},
      {"doctor", "Tell what is wrong with the CAN link to the pack and what to do (exit 20-26)", setup_doctor},
      {"simulate", "Run the simulated battery on a CAN interface until stopped", setup_simulate},
      {"check", "Check the pack against a limits file: PASS/FAIL per limit, JUnit XML for CI", setup_check},
      {"decode", "Explain a candump log or --trace file: one line per protocol message", setup_decode},
  };
  return k_commands;
}

void print_json_line(const nlohmann::json& j) {
  std::string text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace cli
