// rocketctl doctor: says what is wrong with the link to the BMS and what to do, with an exit
// status for each finding (20-26; 0 when the BMS answers). Reads the kernel's view of the
// interface and sends CONNECT requests; never changes the link (no root needed).
#include <fmt/format.h>

#include "bms/doctor.hpp"
#include "can/open.hpp"
#include "commands.hpp"
#include "exit_status.hpp"

namespace cli {
namespace {

namespace doc = bms::doctor;

ExitStatus exit_status_of(doc::Diagnosis d) {
  switch (d) {
    case doc::Diagnosis::healthy: return k_exit_ok;
    case doc::Diagnosis::interface_missing: return k_exit_doctor_missing;
    case doc::Diagnosis::interface_down: return k_exit_doctor_down;
    case doc::Diagnosis::wrong_bitrate: return k_exit_doctor_bitrate;
    case doc::Diagnosis::bus_off:
    case doc::Diagnosis::error_passive: return k_exit_doctor_bus_fault;
    case doc::Diagnosis::no_ack: return k_exit_doctor_no_ack;
    case doc::Diagnosis::bms_silent: return k_exit_doctor_silent;
    case doc::Diagnosis::bms_asleep: return k_exit_doctor_asleep;
  }
  return k_exit_doctor_missing;
}

const char* kind_name(can::BusError::Kind k) {
  using K = can::BusError::Kind;
  switch (k) {
    case K::no_ack: return "no_ack";
    case K::bus_off: return "bus_off";
    case K::error_passive: return "error_passive";
    case K::error_warning: return "error_warning";
    case K::rx_overflow: return "rx_overflow";
    case K::protocol: return "protocol";
    case K::tx_timeout: return "tx_timeout";
    case K::restarted: return "restarted";
    case K::other: return "other";
  }
  return "other";
}

template <class T>
nlohmann::json opt(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json interface_json(const can::InterfaceInfo& i) {
  return {{"name", i.name},           {"up", i.up},
          {"virtual", i.is_virtual},  {"bitrate", opt(i.bitrate)},
          {"state", i.state},         {"tx_errors", opt(i.tx_errors)},
          {"rx_errors", opt(i.rx_errors)}};
}

nlohmann::json details_json(const doc::Observations& o) {
  static const char* k_transports[] = {"socketcan", "sim", "other"};
  nlohmann::json d;
  d["transport"] = k_transports[static_cast<int>(o.transport)];
  nlohmann::json list = nlohmann::json::array();
  for (const auto& i : o.interfaces) list.push_back(interface_json(i));
  d["can_interfaces"] = list;
  d["link"] = o.link ? interface_json(*o.link) : nlohmann::json(nullptr);
  d["open_error"] = o.open_error ? nlohmann::json(o.open_error->message) : nlohmann::json(nullptr);
  if (o.controller)
    d["controller"] = {{"state", o.controller->state},
                       {"tx_errors", opt(o.controller->tx_errors)},
                       {"rx_errors", opt(o.controller->rx_errors)},
                       {"bitrate", opt(o.controller->bitrate)}};
  else
    d["controller"] = nullptr;
  if (o.probe) {
    const doc::ProbeResult& p = *o.probe;
    nlohmann::json errors = nlohmann::json::object();
    for (const auto& [kind, n] : p.bus_errors) errors[kind_name(kind)] = n;
    nlohmann::json probe = {
        {"requests", p.requests},
        {"send_error", p.send_error ? nlohmann::json(p.send_error->message) : nlohmann::json(nullptr)},
        {"bus_errors", errors},
        {"other_frames", p.other_frames},
        {"example_frame", p.example_frame ? nlohmann::json(can::to_string(*p.example_frame))
                                          : nlohmann::json(nullptr)},
        {"other_addresses", p.other_addresses},
        {"answered", p.answer.has_value()},
        {"round_trip_ms",
         p.round_trip
             ? nlohmann::json(std::chrono::duration<double, std::milli>(*p.round_trip).count())
             : nlohmann::json(nullptr)}};
    if (p.answer)
      probe["connect"] = {{"firmware", p.answer->firmware.to_string()},
                          {"hardware_revision", p.answer->hardware_revision},
                          {"cell_count", p.answer->cell_count},
                          {"sensor_count", p.answer->sensor_count},
                          {"mode", p.answer->mode == bms::Mode::bootloader ? "bootloader"
                                                                           : "application"}};
    d["probe"] = probe;
  } else {
    d["probe"] = nullptr;
  }
  return d;
}

CommandResult run(App& app) {
  if (auto one = app.one_pack("doctor"); !one) return tl::unexpected(one.error());
  auto name = can::parse_interface_name(app.interface_name());
  if (!name) return tl::unexpected(name.error());
  auto map = app.frame_map();
  if (!map) return tl::unexpected(map.error());

  doc::Transport transport = doc::Transport::other;
  if (name->kind == can::InterfaceName::Kind::socketcan) transport = doc::Transport::socketcan;
  if (name->kind == can::InterfaceName::Kind::sim) transport = doc::Transport::sim;

  doc::Environment env;
  env.list_interfaces = [] { return can::list_can_interfaces(); };
  env.network_interface_exists = [](const std::string& n) { return can::network_interface_exists(n); };
  // Every frame, not only the protocol's: other traffic is a finding of its own.
  // Every frame, not only the protocol's: other traffic is a finding of its own. Through
  // App, so that --trace records the probes too.
  env.open = [&app] { return app.open_bus_all(); };

  doc::ProbeOptions probe;
  probe.bms = static_cast<std::uint8_t>(app.options.address);
  probe.timeout = std::chrono::milliseconds(app.options.timeout_ms);
  probe.cancelled = [] { return g_stop.load(); };
  if (app.options.verbose >= 2)
    probe.observer = [](const can::Frame& f, bool sent) {
      fmt::print(stderr, "{} {}\n", sent ? "->" : "<-", can::to_string(f));
    };

  const std::string shown = name->kind == can::InterfaceName::Kind::sim ? "sim" : name->name;
  auto observations = doc::examine(shown, transport, **map, env, probe);
  if (!observations) return tl::unexpected(observations.error());
  const doc::Report report = doc::diagnose(*observations);
  const ExitStatus status = exit_status_of(report.diagnosis);

  if (app.options.json) {
    print_json_line({{"schema", "rocketctl.doctor/1"},
                     {"interface", shown},
                     {"address", app.options.address},
                     {"diagnosis", doc::diagnosis_name(report.diagnosis)},
                     {"exit_status", static_cast<int>(status)},
                     {"message", report.summary},
                     {"actions", report.actions},
                     {"details", details_json(*observations)}});
  } else {
    fmt::print("{}\n", report.summary);
    for (const std::string& a : report.actions) fmt::print("  - {}\n", a);
  }
  return static_cast<int>(status);
}

}  // namespace

CommandRun setup_doctor(CLI::App& /*sub*/, App& app) {
  return [&app] { return run(app); };
}

}  // namespace cli
