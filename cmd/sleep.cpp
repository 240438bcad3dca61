// rocketctl sleep [--yes] [--expect-serial SERIAL]
#include <cstdio>

#include <fmt/format.h>

#include "commands.hpp"
#include "exit_status.hpp"
#include "render/format.hpp"
#include "term.hpp"

namespace cli {
namespace {

struct SleepOptions {
  bool yes = false;
  std::string expect_serial;
};

CommandResult run(App& app, const SleepOptions& o) {
  const bool terminal = stdin_is_terminal();
  if (!o.yes && !terminal)
    return util::fail(util::Errc::usage,
                      "sleep asks for confirmation on a terminal; without one, add --yes");
  auto lang = app.lang();
  if (!lang) return tl::unexpected(lang.error());
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
