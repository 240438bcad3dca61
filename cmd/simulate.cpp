// rocketctl simulate -i vcan0 [battery options]: one pack, several (--packs, --pack-address,
// --duplicate-address) or a bench plugging packs in one at a time (--bench). SIGUSR1 wakes
// every pack from standby.
#include <fmt/format.h>

#include <csignal>

#include "bms/calendar.hpp"
#include "can/open.hpp"
#include "commands.hpp"
#include "exit_status.hpp"
#include "sim/battery.hpp"
#include "sim/fleet.hpp"
#include "sim/options.hpp"
#include "sim/runner.hpp"

namespace cli {
namespace {

std::atomic<bool> g_wake{false};

extern "C" void on_wake_signal(int) {
  g_wake.store(true);
}

void install_wake_handler() {
  struct sigaction sa {};
  sa.sa_handler = on_wake_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // the runner looks at the flag at least every 100 ms
  sigaction(SIGUSR1, &sa, nullptr);
}

struct SimulateOptions {
  std::vector<std::pair<std::string, std::string>> flags;  // (key, value) from named flags
  std::vector<std::string> raw;                            // -o key=value
  std::vector<int> pack_addresses;                         // --pack-address, repeatable
};

std::string seconds_text(util::Duration d) {
  return fmt::format("{:g} s", std::chrono::duration<double>(d).count());
}

void print_start(const sim::Fleet& fleet, sim::Bench* bench, const std::string& iface) {
  auto packs = fleet.batteries();
  if (bench)
    fmt::print(stderr,
               "simulating a bench on {}: {} packs one at a time at BMS 0x{:02X}, each present "
               "{}, {} between{}; SIGUSR1 wakes, Ctrl-C stops\n",
               iface, packs.size(), packs.front()->config().address,
               seconds_text(bench->timing().swap), seconds_text(bench->timing().gap),
               bench->timing().loop ? ", looping" : "");
  else if (packs.size() == 1)
    fmt::print(stderr, "simulating BMS 0x{:02X} ({}, {} cells) on {}; Ctrl-C to stop\n",
               packs.front()->config().address, packs.front()->config().serial,
               packs.front()->config().cell_mv.size(), iface);
  else
    fmt::print(stderr, "simulating {} packs on {}; SIGUSR1 wakes, Ctrl-C stops\n", packs.size(),
               iface);
  for (std::size_t i = 0; i < packs.size(); ++i) {
    const sim::BatteryConfig& c = packs[i]->config();
    std::string when = bench ? fmt::format(", plugged in at +{}",
                                           seconds_text(bench->plug_time(i) - bench->plug_time(0)))
                             : "";
    fmt::print(stderr, "pack {}: BMS 0x{:02X}, serial {}, {} cells, clock {}{}\n", i + 1, c.address,
               c.serial, c.cell_mv.size(), bms::to_string(packs[i]->clock_now()), when);
  }
}

CommandResult run(App& app, const SimulateOptions& o) {
  if (auto one = app.one_pack("simulate"); !one) return tl::unexpected(one.error());
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
  if (auto r = apply("address", std::to_string(app.options.address)); !r)
    return tl::unexpected(r.error());
  for (const auto& [key, value] : o.flags)
    if (auto r = apply(key, value); !r) return tl::unexpected(r.error());
  if (!o.pack_addresses.empty()) {
    std::string list;
    for (int a : o.pack_addresses) list += (list.empty() ? "" : "/") + std::to_string(a);
    if (auto r = apply("addresses", list); !r) return tl::unexpected(r.error());
  }
  for (const std::string& item : o.raw) {
    auto eq = item.find('=');
    if (eq == std::string::npos)
      return util::fail(util::Errc::usage, fmt::format("-o {}: write KEY=VALUE", item));
    if (item.substr(0, eq) == "bitrate")
      return util::fail(util::Errc::usage,
                        "-o bitrate paces only the in-process bus (-i sim:bitrate=...); "
                        "a real interface has the bitrate of its link");
    if (auto r = apply(item.substr(0, eq), item.substr(eq + 1)); !r)
      return tl::unexpected(r.error());
  }
  install_wake_handler();
  auto map = app.frame_map();
  if (!map) return tl::unexpected(map.error());
  auto fleet = sim::Fleet::create(options, **map);
  if (!fleet) return tl::unexpected(fleet.error());
  auto bus = app.open_bus_unfiltered();
  if (!bus) return tl::unexpected(bus.error());

  const bool quiet = app.options.quiet;
  sim::Bench* bench = (*fleet)->bench();
  sim::Runner runner(**bus);
  for (auto& [node_name, node] : (*fleet)->nodes()) runner.add(*node);
  if (!quiet) print_start(**fleet, bench, app.interface_name());
  // Pack 1 is in from the start (print_start says so); later plugs and pulls get a line.
  if (bench && !quiet)
    bench->on_change = [bench](std::size_t i, bool plugged) {
      const sim::Battery& b = *bench->batteries()[i];
      if (plugged)
        fmt::print(stderr, "pack {} plugged in ({}, clock {})\n", i + 1, b.config().serial,
                   bms::to_string(b.clock_now()));
      else
        fmt::print(stderr, "pack {} pulled out\n", i + 1);
    };

  runner.set_tick([&fleet, quiet] {
    if (!g_wake.exchange(false)) return;
    int woken = (*fleet)->wake_all();
    if (!quiet) fmt::print(stderr, "woke {} pack{}\n", woken, woken == 1 ? "" : "s");
  });
  auto done = runner.run(g_stop);
  if (!done) return tl::unexpected(done.error());
  if (!quiet) {
    int requests = 0;
    for (const sim::Battery* b : (*fleet)->batteries()) requests += b->stats().requests;
    fmt::print(stderr, "stopped: {} requests served, {} frames sent\n", requests,
               runner.frames_sent());
  }
  return k_exit_ok;
}

}  // namespace

CommandRun setup_simulate(CLI::App& sub, App& app) {
  auto o = std::make_shared<SimulateOptions>();
  // Named flags for the common settings; every key of sim::option_help() works with -o.
  static const char* const k_named[][4] = {
      {"--serial", "serial", "TEXT",
       "Serial number (default RKS3611A201000123); pack k of several: +k-1"},
      {"--cells", "cells", "MV,...", "Cell voltages in mV, e.g. 3600,3650,3700"},
      {"--cell-count", "cell-count", "N", "Number of cells (reference voltages repeated)"},
      {"--sensors", "sensors", "C,...", "Sensor temperatures in °C, e.g. 21.1,21.2"},
      {"--flags", "flags", "WORD", "Status word, e.g. 0x41 (normal), 0x841 (ODV)"},
      {"--current", "current", "MA", "Pack current in mA (+ charging)"},
      {"--rsoc", "rsoc", "PCT", "Relative state of charge, %"},
      {"--clock", "clock", "DATE|now",
       "BMS clock at start, e.g. 2020-10-17T16:48:40, or now (local time)"},
      {"--drift", "drift", "S",
       "Start the clock S seconds ahead (-S behind); pack k of several: k*S "
       "(default 37 with several packs, else 0)"},
      {"--fw", "fw", "X.Y.Z", "Firmware version, e.g. 1.4.2"},
      {"--packs", "packs", "N", "Run N packs (1-63) at --address, --address+1, ..."},
      {"--bench", "bench", "N", "Plug N packs in one at a time at --address (next serial each)"},
      {"--swap-every", "swap", "DURATION",
       "With --bench: each pack present this long, e.g. 2s, 500ms (default 3s)"},
      {"--bench-gap", "gap", "DURATION",
       "With --bench: silence between packs (default half of --swap-every, "
       "at least 500ms)"},
  };
  for (const auto& n : k_named) {
    std::string key = n[1];
    sub.add_option_function<std::string>(
           n[0], [o, key](const std::string& v) { o->flags.emplace_back(key, v); }, n[3])
        ->type_name(n[2]);
  }
  sub.add_option("--pack-address", o->pack_addresses,
                 "Run a pack at this address (repeatable; instead of --packs)")
      ->type_name("A");
  sub.add_flag_callback(
      "--duplicate-address", [o] { o->flags.emplace_back("duplicate", "1"); },
      "Add a pack answering from the first pack's address with another serial");
  sub.add_flag_callback(
      "--bench-loop", [o] { o->flags.emplace_back("loop", "1"); },
      "With --bench: after the last pack, start again with the first");
  std::string keys;
  for (const auto& h : sim::option_help())
    keys += fmt::format("\n  {}={}  {}", h.key, h.value, h.meaning);
  sub.add_option("-o,--option", o->raw, "Set any battery option KEY=VALUE (repeatable):" + keys)
      ->type_name("KEY=VALUE");
  sub.footer("SIGUSR1 wakes every pack from standby (after SLEEP), as charge current would.");
  return [&app, o] { return run(app, *o); };
}

}  // namespace cli
