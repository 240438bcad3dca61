// rocketctl simulate -i vcan0 [battery options]
#include <fmt/format.h>

#include "can/open.hpp"
#include "commands.hpp"
#include "exit_status.hpp"
#include "sim/battery.hpp"
#include "sim/options.hpp"
#include "sim/runner.hpp"

namespace cli {
namespace {

struct SimulateOptions {
  std::vector<std::pair<std::string, std::string>> flags;  // (key, value) from named flags
  std::vector<std::string> raw;                            // -o key=value
};

CommandResult run(App& app, const SimulateOptions& o) {
  auto name = can::parse_interface_name(app.interface_name());
  if (!name) return tl::unexpected(name.error());
  if (name->kind == can::InterfaceName::Kind::sim)
    return util::fail(util::Errc::usage,
                      "simulate serves a real CAN interface: give one with -i (e.g. -i vcan0); "
                      "other commands reach the built-in battery with -i sim");
  sim::Options options;
  auto apply = [&options](std::string_view key, std::string_view value) {
    return sim::apply_option(options, key, value);
  };
  if (auto r = apply("address", std::to_string(app.options.address)); !r) return tl::unexpected(r.error());
  for (const auto& [key, value] : o.flags)
    if (auto r = apply(key, value); !r) return tl::unexpected(r.error());
  for (const std::string& item : o.raw) {
    auto eq = item.find('=');
    if (eq == std::string::npos)
      return util::fail(util::Errc::usage, fmt::format("-o {}: write KEY=VALUE", item));
    if (item.substr(0, eq) == "bitrate")
      return util::fail(util::Errc::usage, "-o bitrate paces only the in-process bus (-i sim:bitrate=...); "
                                           "a real interface has the bitrate of its link");
    if (auto r = apply(item.substr(0, eq), item.substr(eq + 1)); !r) return tl::unexpected(r.error());
  }
  auto map = app.frame_map();
  if (!map) return tl::unexpected(map.error());
  auto bus = app.open_bus_unfiltered();
  if (!bus) return tl::unexpected(bus.error());

  sim::Battery battery(options.battery, **map);
  sim::Runner runner(**bus);
  runner.add(battery);
  if (!app.options.quiet)
    fmt::print(stderr, "simulating BMS 0x{:02X} ({}, {} cells) on {}; Ctrl-C to stop\n",
               options.battery.address, options.battery.serial, options.battery.cell_mv.size(),
               app.interface_name());
  auto done = runner.run(g_stop);
  if (!done) return tl::unexpected(done.error());
  if (!app.options.quiet)
    fmt::print(stderr, "stopped: {} requests served, {} frames sent\n", battery.stats().requests,
               runner.frames_sent());
  return k_exit_ok;
}

}  // namespace

CommandRun setup_simulate(CLI::App& sub, App& app) {
  auto o = std::make_shared<SimulateOptions>();
  // Named flags for the common settings; every key of sim::option_help() works with -o.
  static const char* const k_named[][4] = {
      {"--serial", "serial", "TEXT", "Serial number (default RKS3611A201000123)"},
      {"--cells", "cells", "MV,...", "Cell voltages in mV, e.g. 3600,3650,3700"},
      {"--cell-count", "cell-count", "N", "Number of cells (reference voltages repeated)"},
      {"--sensors", "sensors", "C,...", "Sensor temperatures in °C, e.g. 21.1,21.2"},
      {"--flags", "flags", "WORD", "Status word, e.g. 0x41 (normal), 0x841 (ODV)"},
      {"--current", "current", "MA", "Pack current in mA (+ charging)"},
      {"--rsoc", "rsoc", "PCT", "Relative state of charge, %"},
      {"--clock", "clock", "DATE", "BMS clock at start, e.g. 2020-10-17T16:48:40"},
      {"--fw", "fw", "X.Y.Z", "Firmware version, e.g. 1.4.2"},
  };
  for (const auto& n : k_named) {
    std::string key = n[1];
    sub.add_option_function<std::string>(
           n[0], [o, key](const std::string& v) { o->flags.emplace_back(key, v); }, n[3])
        ->type_name(n[2]);
  }
  std::string keys;
  for (const auto& h : sim::option_help()) keys += fmt::format("\n  {}={}  {}", h.key, h.value, h.meaning);
  sub.add_option("-o,--option", o->raw, "Set any battery option KEY=VALUE (repeatable):" + keys)
      ->type_name("KEY=VALUE");
  return [&app, o] { return run(app, *o); };
}

}  // namespace cli
