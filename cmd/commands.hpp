#pragma once
// The table of subcommands. Each lives in cmd/<name>.cpp: it declares its options and, when
// run, calls the library once or twice and hands a report to a renderer.

#include <functional>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "app.hpp"

namespace cli {

// A command's outcome: its exit status (0, or 1 for "not normal"), or the error main reports.
using CommandResult = util::Result<int>;

// Declares the command's options on `sub`; returns what runs it once parsing is done.
using CommandRun = std::function<CommandResult()>;

struct CommandDef {
  std::string_view name;
  std::string_view summary;
  CommandRun (*setup)(CLI::App& sub, App& app);
};

const std::vector<CommandDef>& command_table();

CommandRun setup_status(CLI::App& sub, App& app);
CommandRun setup_cells(CLI::App& sub, App& app);
CommandRun setup_faults(CLI::App& sub, App& app);
CommandRun setup_simulate(CLI::App& sub, App& app);
CommandRun setup_scan(CLI::App& sub, App& app);
CommandRun setup_settime(CLI::App& sub, App& app);
CommandRun setup_sleep(CLI::App& sub, App& app);
CommandRun setup_flash(CLI::App& sub, App& app);
CommandRun setup_doctor(CLI::App& sub, App& app);
CommandRun setup_log(CLI::App& sub, App& app);  // `log dump`: declares the dump subcommand on `sub`
CommandRun setup_check(CLI::App& sub, App& app);
CommandRun setup_decode(CLI::App& sub, App& app);

// Prints a JSON value as one line on stdout (the --json contract: one object per line).
void print_json_line(const nlohmann::json& j);

}  // namespace cli
