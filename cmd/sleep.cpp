// rocketctl sleep [--yes] [--expect-serial SERIAL]
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "commands.hpp"
#include "exit_status.hpp"
#include "fleet.hpp"
#include "render/fleet.hpp"
#include "render/format.hpp"
#include "term.hpp"

namespace cli {
namespace {

struct SleepOptions {
  bool yes = false;
  std::string expect_serial;
};

struct Survey {
  std::string serial;
  std::int64_t current_ma = 0;
};

// CONNECT, IDENTITY and PACK: who it is and whether it is in use.
util::Task<util::Result<Survey>> survey(bms::Peer& peer) {
  auto info = co_await peer.connect();
  if (!info) co_return tl::unexpected(info.error());
  auto serial = co_await peer.serial();
  if (!serial) co_return tl::unexpected(serial.error());
  auto pack = co_await peer.pack();
  if (!pack) co_return tl::unexpected(pack.error());
  co_return Survey{*serial, pack->current_ma};
}

// SLEEP, then every try of CONNECT must go unanswered: standby begins right after the answer.
util::Task<util::Result<void>> put_to_sleep(bms::Peer& peer) {
  if (auto slept = co_await peer.sleep(); !slept) co_return slept;
  auto still = co_await peer.connect();
  if (still || still.error().code == util::Errc::refused)
    co_return util::fail(util::Errc::verify_failed,
                         fmt::format("BMS 0x{:02X} accepted SLEEP but still answers", peer.address()));
  if (still.error().code != util::Errc::no_answer) co_return tl::unexpected(still.error());
  co_return util::Result<void>{};
}

// Several packs: list them, ask once, put the idle ones to sleep, check each went silent.
CommandResult run_several(App& app, const SleepOptions& o, bms::Lang lang) {
  if (!o.expect_serial.empty())
    return util::fail(util::Errc::usage, "--expect-serial names one pack: give one --address with it");
  auto d = app.dispatcher();
  if (!d) return tl::unexpected(d.error());
  auto targets = app.targets();
  if (!targets) return tl::unexpected(targets.error());
  const RenderContext ctx{app.catalogue(), lang, app.style()};
  auto packs = bms::for_each_pack<Survey>(**d, *targets, [](bms::Peer& p) { return survey(p); });
  std::vector<PackFailure> failed = failures(packs);
  bms::Targets idle;
  std::string list;
  for (const auto& p : packs) {
    if (!p.result) {
      if (app.options.json) print_json_line(pack_error_json("rocketctl.sleep/1", p.address, p.result.error()));
      list += render_pack_error(p.address, p.result.error(), ctx);
      continue;
    }
    const bool in_use = std::llabs(p.result->current_ma) > 500;
    list += fmt::format("BMS 0x{:02X}  {}  {}{}\n", p.address, p.result->serial, amps(p.result->current_ma),
                        in_use ? ctx.style.paint("  in use: not put to sleep", Color::red) : "");
    if (in_use) {
      failed.push_back({p.address, util::Error{util::Errc::not_ready,
                                               fmt::format("BMS 0x{:02X} ({}) is in use (current {}): not put "
                                                           "to sleep; stop charging and discharging (below "
                                                           "0.5 A) and try again",
                                                           p.address, p.result->serial, amps(p.result->current_ma))}});
      if (app.options.json) print_json_line(pack_error_json("rocketctl.sleep/1", p.address, failed.back().error));
    } else {
      idle.addresses.push_back(p.address);
    }
  }
  if (!app.options.json) fmt::print("{}", list);
  if (!idle.addresses.empty() && !o.yes &&
      !confirm(fmt::format("Put these {} packs on {} into standby? They answer nothing until each is "
                           "charged for 1-2 seconds.",
                           idle.addresses.size(), app.interface_name())))
    return util::fail(util::Errc::cancelled, "not confirmed: nothing sent");
  auto slept = bms::for_each_pack<void>(**d, idle, [](bms::Peer& p) { return put_to_sleep(p); });
  for (const auto& p : slept) {
    auto who = std::find_if(packs.begin(), packs.end(), [&p](const auto& x) { return x.address == p.address; });
    const std::string serial = who->result ? who->result->serial : "?";
    if (!p.result) {
      failed.push_back({p.address, p.result.error()});
      if (app.options.json) print_json_line(pack_error_json("rocketctl.sleep/1", p.address, p.result.error()));
      else fmt::print("{}", render_pack_error(p.address, p.result.error(), ctx));
      continue;
    }
    if (app.options.json)
      print_json_line({{"schema", "rocketctl.sleep/1"}, {"address", p.address}, {"serial", serial}, {"standby", true}});
    else
      fmt::print("Pack {} (BMS 0x{:02X}) is in standby: it answers nothing now.\n", serial, p.address);
  }
  if (!app.options.json && !slept.empty()) fmt::print("{}\n", app.catalogue().message("standby_wake", lang));
  std::sort(failed.begin(), failed.end(), [](const PackFailure& a, const PackFailure& b) { return a.address < b.address; });
  return fleet_outcome(k_exit_ok, packs.size(), failed);
}

CommandResult run(App& app, const SleepOptions& o) {
  const bool terminal = stdin_is_terminal();
  if (!o.yes && !terminal)
    return util::fail(util::Errc::usage,
                      "sleep asks for confirmation on a terminal; without one, add --yes");
  auto lang = app.lang();
  if (!lang) return tl::unexpected(lang.error());
  if (app.several()) return run_several(app, o, *lang);
  auto client = app.client();
  if (!client) return tl::unexpected(client.error());
  bms::Client& c = **client;
  auto info = c.connect();
  if (!info) return tl::unexpected(info.error());
  auto serial = c.serial();
  if (!serial) return tl::unexpected(serial.error());
  if (!o.expect_serial.empty() && o.expect_serial != *serial)
    return util::fail(util::Errc::wrong_pack,
                      fmt::format("BMS 0x{:02X} is pack {}, not {}: nothing sent", app.options.address,
                                  *serial, o.expect_serial));
  if (!o.yes &&
      !confirm(fmt::format("Put pack {} (BMS 0x{:02X} on {}) into standby? It answers nothing "
                           "until it is charged for 1-2 seconds.",
                           *serial, app.options.address, app.interface_name())))
    return util::fail(util::Errc::cancelled, "not confirmed: nothing sent");

  if (auto slept = c.sleep(); !slept) {
    util::Error e = slept.error();
    if (e.code == util::Errc::refused && e.detail == static_cast<int>(bms::NakReason::conditions_not_met)) {
      auto pack = c.pack();
      std::string current = pack ? amps(pack->current_ma) : std::string("unknown");
      e.message = fmt::format("BMS 0x{:02X} refused SLEEP: the pack is in use (current {}); stop "
                              "charging and discharging (below 0.5 A) and try again",
                              app.options.address, current);
    }
    return tl::unexpected(e);
  }
  // Standby begins right after the answer: the pack must now be silent. Found by tests/fault:
  // one try of 250 ms missed a pack that restarted (awake, silent for 300 ms), and a NAK (an
  // answer: the pack is awake) counted as silence. Every try of the client's, and any answer.
  bms::Client check(c.bus(), **app.frame_map(), c.options());
  if (auto still = check.connect(); still || still.error().code == util::Errc::refused)
    return util::fail(util::Errc::verify_failed,
                      fmt::format("BMS 0x{:02X} accepted SLEEP but still answers", app.options.address));
  const std::string wake = app.catalogue().message("standby_wake", *lang);
  if (app.options.json)
    print_json_line({{"schema", "rocketctl.sleep/1"},
                     {"address", app.options.address},
                     {"serial", *serial},
                     {"standby", true}});
  else
    fmt::print("Pack {} (BMS 0x{:02X}) is in standby: it answers nothing now.\n{}\n", *serial,
               app.options.address, wake);
  return k_exit_ok;
}

}  // namespace

CommandRun setup_sleep(CLI::App& sub, App& app) {
  auto o = std::make_shared<SleepOptions>();
  sub.add_flag("-y,--yes", o->yes, "Do not ask for confirmation (required without a terminal)");
  sub.add_option("--expect-serial", o->expect_serial, "Refuse when another pack answers")
      ->type_name("SERIAL");
  return [&app, o] { return run(app, *o); };
}

}  // namespace cli
