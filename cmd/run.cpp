// Everything rocketctl's main() does: options, the command table, and errors turned into the
// one-line message and the documented exit status. In the library (rocketctl_cli) so that a
// test process (tests/fault) runs the real command code with the real error reporting.
#include "run.hpp"

#include <cstdio>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "exit_status.hpp"

namespace {

constexpr const char* k_footer = R"(Interfaces: can0 or socketcan:can0 (SocketCAN), ecan or ecan:DEVICE:CHANNEL[:usbcan-i] (GCAN USB-CAN adapter),
sim or sim:KEY=VALUE,... (built-in simulated battery).
Exit status: 0 all normal, 1 something not normal, 2 usage error, 3 no answer from the BMS,
4 interface/adapter error, 5 refused by the BMS, 6 bus error, 7 malformed data, 8 file error,
9 pack lost part-way, 10 another pack than --expect-serial, 11 read-back differs,
12 firmware image refused (nothing erased), 13 two packs on one address,
20 no such interface, 21 interface down,
22 wrong bitrate, 23 bus-off or error-passive, 24 no acknowledgement, 25 bus alive but this BMS silent,
26 pack asleep (20-26: doctor only), 70 internal error, 130 interrupted. Protocol: rockets-can-v1. See rocketctl(1).)";

// Ends the message of every error where the BMS gave no answer: doctor tells why.
constexpr const char* k_doctor_hint = "run 'rocketctl doctor' for details";

bool doctor_helps(util::Errc code) {
  return code == util::Errc::no_answer || code == util::Errc::lost || code == util::Errc::bus_error;
}

// What to do next, for errors whose message alone does not say it.
std::string hint_for(const util::Error& e, const cli::App& app) {
  auto lang = app.lang().value_or(bms::Lang::en);
  switch (e.code) {
    case util::Errc::no_answer:
      return app.catalogue().message("no_answer", lang);
    case util::Errc::refused:
      if (e.detail == static_cast<int>(bms::NakReason::no_session))
        return "the BMS keeps dropping the session: is another tool using address 0x40?";
      return {};
    default:
      return {};
  }
}

int report_error(const util::Error& error, const cli::App& app) {
  util::Error e = error;
  if (doctor_helps(e.code)) e.message += fmt::format(": {}", k_doctor_hint);
  const int status = cli::exit_status_for(e.code);
  if (app.options.json)
    cli::print_json_line({{"error",
                           {{"code", cli::errc_name(e.code)},
                            {"message", e.message},
                            {"exit_status", status}}}});
  fmt::print(stderr, "rocketctl: {}\n", e.message);
  std::string hint = hint_for(e, app);
  if (!hint.empty() && !app.options.quiet) fmt::print(stderr, "hint: {}\n", hint);
  return status;
}

void configure_logging(const cli::GlobalOptions& o) {
  auto logger = spdlog::stderr_color_st("rocketctl");
  logger->set_pattern("%^%l%$: %v");
  logger->set_level(o.quiet ? spdlog::level::err
                    : o.verbose >= 2 ? spdlog::level::debug
                    : o.verbose == 1 ? spdlog::level::info
                                     : spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

}  // namespace

namespace cli {

int run(int argc, char** argv, const char* version) {
  // A test process runs several commands (tests/fault): the logger of the last one goes first.
  spdlog::drop("rocketctl");
  cli::App app;
  CLI::App cli_app{"rocketctl: talk to a RocketS SMART battery's BMS over CAN", "rocketctl"};
  cli_app.set_version_flag("--version", std::string("rocketctl ") + version);
  cli_app.footer(k_footer);
  cli_app.require_subcommand(1);
  cli_app.fallthrough();

  auto& o = app.options;
  cli_app.add_option("-i,--iface", o.iface, "CAN interface: can0, socketcan:can0, ecan, ecan:DEVICE:CHANNEL, sim, sim:OPTIONS (default: $ROCKETCTL_IFACE, else can0)")
      ->type_name("NAME");
  cli_app.add_option("--address", o.address_text,
                     "BMS address 1-63 (default 1), a list like 1,3,5-8, or all (every pack that answers)")
      ->type_name("N|LIST|all");
  cli_app.add_option("--window", o.window,
                     "With several packs: at most N with a request outstanding at once, 1-63 (default 16)")
      ->check(CLI::Range(1, 63).description(""))
      ->type_name("N");
  cli_app.add_option("--timeout", o.timeout_ms, "Poll timeout before a retry, 10-60000 ms (default 250)")
      ->check(CLI::Range(10, 60000).description(""))
      ->type_name("MS");
  cli_app.add_flag("--json", o.json, "Print one JSON object per result (stable, documented schema)");
  cli_app.add_option("--lang", o.lang, "Language of fault texts: en or it (default: from the locale)")
      ->type_name("LANG");
  cli_app.add_option("--dbc", o.dbc, "Use another frame map (a DBC with the same message and signal names)")
      ->type_name("FILE");
  cli_app.add_option("--trace", o.trace, "Write every CAN frame sent and received to FILE (candump log format)")
      ->type_name("FILE");
  cli_app.add_flag("-v,--verbose", o.verbose, "More detail on stderr; -vv traces every frame");
  cli_app.add_flag("-q,--quiet", o.quiet, "Only errors on stderr");

  std::vector<std::pair<CLI::App*, cli::CommandRun>> commands;
  for (const cli::CommandDef& def : cli::command_table()) {
    CLI::App* sub = cli_app.add_subcommand(std::string(def.name), std::string(def.summary));
    commands.emplace_back(sub, def.setup(*sub, app));
  }

  try {
    cli_app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::vector<std::string> extra = cli_app.remaining();
    if (!extra.empty() && cli_app.get_subcommands().empty()) {
      std::string names;
      for (const cli::CommandDef& def : cli::command_table())
        names += (names.empty() ? "" : ", ") + std::string(def.name);
      fmt::print(stderr, "rocketctl: unknown command '{}' (commands: {}; see rocketctl --help)\n",
                 extra.front(), names);
      return cli::k_exit_usage;
    }
    int code = cli_app.exit(e);
    return code == 0 ? cli::k_exit_ok : cli::k_exit_usage;
  }
  auto targets = bms::parse_addresses(o.address_text);
  if (!targets) return report_error(targets.error(), app);
  o.targets = *targets;
  o.address = targets->all ? bms::k_default_bms : targets->addresses.front();
  configure_logging(o);
  cli::install_signal_handlers();
  for (auto& [sub, run] : commands) {
    if (!sub->parsed()) continue;
    try {
      cli::CommandResult result = run();
      if (!result) return report_error(result.error(), app);
      return *result;
    } catch (const std::exception& e) {
      // A defect, never expected: say so in one line rather than abort with a core dump.
      return report_error({util::Errc::malformed, std::string("internal error: ") + e.what()}, app);
    }
  }
  return cli::k_exit_usage;
}

}  // namespace cli
