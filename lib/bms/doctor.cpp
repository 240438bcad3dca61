// `rocketctl doctor`: the probes, the gathering of observations and the diagnosis (doctor.hpp).
#include "bms/doctor.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "bms/messages.hpp"
#include "bms/protocol.hpp"

namespace bms::doctor {
namespace {

constexpr util::Duration k_cancel_slice = std::chrono::milliseconds(100);

bool is_virtual_link(const Observations& o) { return o.link && o.link->is_virtual; }

std::string counters_text(std::optional<int> tx, std::optional<int> rx) {
  if (!tx && !rx) return "";
  return fmt::format(" (tx errors {}, rx errors {})", tx ? std::to_string(*tx) : "?",
                     rx ? std::to_string(*rx) : "?");
}

// The error counters to show: the controller's when it reports them, else the last fault's.
std::string counters_of(const Observations& o) {
  if (o.controller && (o.controller->tx_errors || o.controller->rx_errors))
    return counters_text(o.controller->tx_errors, o.controller->rx_errors);
  if (o.link && (o.link->tx_errors || o.link->rx_errors))
    return counters_text(o.link->tx_errors, o.link->rx_errors);
  if (o.probe && o.probe->last_counters) {
    const can::BusError& e = *o.probe->last_counters;
    return counters_text(e.tx_errors >= 0 ? std::optional<int>(e.tx_errors) : std::nullopt,
                         e.rx_errors >= 0 ? std::optional<int>(e.rx_errors) : std::nullopt);
  }
  return "";
}

std::string controller_state(const Observations& o) {
  if (o.controller && !o.controller->state.empty()) return o.controller->state;
  if (o.link) return o.link->state;
  return "";
}

// The bitrate the controller runs at; nullopt for vcan (no wire) or when nobody says.
std::optional<std::uint32_t> bitrate_of(const Observations& o) {
  if (o.transport == Transport::socketcan) {
    if (!o.link || o.link->is_virtual) return std::nullopt;
    if (o.link->bitrate) return o.link->bitrate;
  }
  if (o.controller) return o.controller->bitrate;
  return std::nullopt;
}

std::string describe_interfaces(const std::vector<can::InterfaceInfo>& list) {
  std::string out;
  for (const can::InterfaceInfo& i : list) {
    std::string what = i.up ? "up" : "down";
    if (i.is_virtual)
      what += ", virtual";
    else if (i.bitrate)
      what += fmt::format(", {} bit/s", *i.bitrate);
    if (!i.state.empty() && i.state != "ERROR-ACTIVE" && i.up) what += ", " + i.state;
    out += fmt::format("{}{} ({})", out.empty() ? "" : ", ", i.name, what);
  }
  return out;
}

std::string ip(const std::string& args) { return "sudo ip link set " + args; }

std::vector<std::string> restart_actions(const Observations& o) {
  if (o.transport == Transport::socketcan)
    return {"then restart the controller: " + ip(o.interface + " down") + "; " +
            ip(o.interface + " up") + " (or let it restart itself: " +
            ip(o.interface + " type can restart-ms 100") + ")"};
  if (o.transport == Transport::sim) return {"this is a simulated fault (sim: link=...)"};
  return {"then unplug the adapter and plug it in again"};
}

// Checks of a faulty bus, shared by bus-off and error-passive.
std::vector<std::string> wiring_actions() {
  return {"check the termination: 120 ohm at each end of the bus (about 60 ohm between CAN-H "
          "and CAN-L with everything switched off)",
          "check the wiring: CAN-H and CAN-L not swapped, connectors seated, a common ground",
          "check that every other node on the bus runs at 250000 bit/s"};
}

Report missing(const Observations& o) {
  Report r{Diagnosis::interface_missing, "", {}};
  if (o.open_error) {
    r.summary = fmt::format("cannot use {}: {}", o.interface, o.open_error->message);
    if (o.transport == Transport::socketcan && !o.interfaces.empty())
      r.actions.push_back("CAN interfaces here: " + describe_interfaces(o.interfaces));
    return r;
  }
  r.summary = o.exists_not_can ? fmt::format("'{}' is not a CAN interface", o.interface)
                               : fmt::format("no CAN interface '{}'", o.interface);
  if (o.interfaces.empty()) {
    r.actions = {"this machine has no CAN interfaces: plug in the USB-CAN adapter, then look "
                 "for it with `ip -details link show` and `dmesg`",
                 "without hardware, try the simulated battery: -i sim"};
  } else {
    r.actions = {"CAN interfaces here: " + describe_interfaces(o.interfaces),
                 fmt::format("name one with -i, e.g. -i {}", o.interfaces.front().name)};
  }
  return r;
}

Report down(const Observations& o) {
  Report r{Diagnosis::interface_down, fmt::format("interface {} is down", o.interface), {}};
  if (o.transport == Transport::socketcan) {
    const bool keep_bitrate = is_virtual_link(o) || (o.link && o.link->bitrate == k_bitrate);
    r.actions.push_back(keep_bitrate
                            ? ip(o.interface + " up")
                            : ip(fmt::format("{} up type can bitrate {}", o.interface, k_bitrate)));
  } else if (o.transport == Transport::sim) {
    r.actions.push_back("this is a simulated fault (sim: link=down)");
  } else {
    r.actions.push_back("unplug the adapter and plug it in again, and check that no other "
                        "program is using it");
  }
  return r;
}

Report wrong_bitrate(const Observations& o, std::uint32_t bitrate) {
  Report r{Diagnosis::wrong_bitrate,
           fmt::format("{} runs at {} bit/s; the battery talks at {} bit/s", o.interface, bitrate,
                       k_bitrate),
           {}};
  if (o.transport == Transport::socketcan) {
    r.actions = {ip(o.interface + " down"),
                 ip(fmt::format("{} type can bitrate {}", o.interface, k_bitrate)),
                 ip(o.interface + " up")};
  } else if (o.transport == Transport::sim) {
    r.actions = {fmt::format("this is the simulated bus's bitrate= key: use bitrate={}", k_bitrate)};
  } else {
    r.actions = {fmt::format("set the adapter to {} bit/s", k_bitrate)};
  }
  return r;
}

Report bus_fault(const Observations& o, Diagnosis d) {
  const bool off = d == Diagnosis::bus_off;
  Report r{d,
           fmt::format("the CAN controller of {} is {}{}: {}", o.interface,
                       off ? "bus-off" : "error-passive", counters_of(o),
                       off ? "it stopped sending after too many errors"
                           : "many frames fail on the wire"),
           wiring_actions()};
  if (!off && o.probe && o.probe->answer)
    r.summary += fmt::format(" (BMS 0x{:02X} still answers)", o.address);
  if (off) {
    auto restart = restart_actions(o);
    r.actions.insert(r.actions.end(), restart.begin(), restart.end());
  }
  return r;
}

Report no_ack(const Observations& o) {
  const ProbeResult& p = *o.probe;
  Report r{Diagnosis::no_ack, "", {}};
  if (p.count(can::BusError::Kind::no_ack) == 0 && !p.send_error)
    r.summary = fmt::format(
        "nothing acknowledges our frames on {}: the controller turned error-passive while "
        "sending{} and nothing else talks: there is no other node on the bus",
        o.interface, counters_of(o));
  else if (p.count(can::BusError::Kind::no_ack) > 0)
    r.summary = fmt::format(
        "nothing acknowledges our frames on {} ({} no-acknowledgement error{}){}: there is no "
        "other node on the bus",
        o.interface, p.count(can::BusError::Kind::no_ack),
        p.count(can::BusError::Kind::no_ack) == 1 ? "" : "s", counters_of(o));
  else
    r.summary = fmt::format("our frames do not get onto the bus on {} ({}): nothing acknowledges them",
                            o.interface, p.send_error ? p.send_error->message : "transmit failed");
  r.actions = {"check that the battery's data connector is plugged in (and the cable reaches "
               "this adapter)",
               "the battery may be asleep: charge it for 1-2 s to wake it (there is no wake-up "
               "over CAN)",
               fmt::format("check that the battery and {} both run at {} bit/s", o.interface,
                           k_bitrate)};
  return r;
}

Report silent(const Observations& o) {
  const ProbeResult& p = *o.probe;
  Report r{Diagnosis::bms_silent, "", {}};
  if (!p.other_addresses.empty()) {
    std::string names;
    for (std::uint8_t a : p.other_addresses)
      names += fmt::format("{}0x{:02X}", names.empty() ? "" : ", ", a);
    r.summary = fmt::format("BMS 0x{:02X} does not answer on {}, but {} {} {}", o.address,
                            o.interface, p.other_addresses.size() == 1 ? "BMS" : "BMSs", names,
                            p.other_addresses.size() == 1 ? "does" : "do");
    r.actions = {fmt::format("use --address {} (e.g. rocketctl -i {} --address {} status)",
                             p.other_addresses.front(), o.interface, p.other_addresses.front()),
                 fmt::format("rocketctl -i {} scan lists every BMS that answers", o.interface)};
    return r;
  }
  r.summary = fmt::format("the bus is alive ({} other frame{}, e.g. {}) but BMS 0x{:02X} does not "
                          "answer on {}",
                          p.other_frames, p.other_frames == 1 ? "" : "s",
                          p.example_frame ? can::to_string(*p.example_frame) : "?", o.address,
                          o.interface);
  r.actions = {fmt::format("check --address (rocketctl -i {} scan lists every BMS that answers)",
                           o.interface),
               "check that the battery's data connector is on this bus",
               "the battery may be in standby: charge it for 1-2 s to wake it (there is no "
               "wake-up over CAN)"};
  return r;
}

Report asleep(const Observations& o) {
  Report r{Diagnosis::bms_asleep,
           fmt::format("our CONNECT requests go out on {} without bus errors, but nothing answers "
                       "and nothing else talks: the battery is in standby",
                       o.interface),
           {"wake it: charge it for 1-2 s (connect a charger); there is no wake-up over CAN",
            "then run the command again"}};
  if (is_virtual_link(o))
    r.actions.push_back(fmt::format(
        "{} is a virtual interface: is a simulator (rocketctl simulate -i {}) running?",
        o.interface, o.interface));
  return r;
}

// Error-passive reached during our probes by the transmit counter alone, with nothing on the
// bus: the frames were never acknowledged.
bool lone_node(const Observations& o) {
  const ProbeResult& p = *o.probe;
  if (p.answer || p.other_frames > 0 || !p.other_addresses.empty()) return false;
  // The transition is seen as an event, or as the state before and after the probes.
  const bool became_passive =
      p.count(can::BusError::Kind::error_passive) > 0 ||
      (o.controller_before_probe && o.controller_before_probe->state != "ERROR-PASSIVE" &&
       o.controller && o.controller->state == "ERROR-PASSIVE");
  if (!became_passive) return false;
  std::optional<int> rx = o.controller ? o.controller->rx_errors : std::nullopt;
  if (!rx && p.last_counters && p.last_counters->rx_errors >= 0) rx = p.last_counters->rx_errors;
  return rx.value_or(0) == 0;
}

Report healthy(const Observations& o) {
  const ProbeResult& p = *o.probe;
  const ConnectInfo& c = *p.answer;
  const double ms =
      p.round_trip ? std::chrono::duration<double, std::milli>(*p.round_trip).count() : 0.0;
  Report r{Diagnosis::healthy,
           fmt::format("BMS 0x{:02X} answers on {}: CONNECT round trip {:.1f} ms (firmware {}, "
                       "hardware {}, {} cells, {} mode)",
                       o.address, o.interface, ms, c.firmware.to_string(), c.hardware_revision,
                       c.cell_count, c.mode == Mode::bootloader ? "bootloader" : "application"),
           {}};
  if (c.mode == Mode::bootloader)
    r.actions.push_back("the pack waits in bootloader mode: finish the update with rocketctl flash FILE");
  const int protocol = p.count(can::BusError::Kind::protocol) + p.count(can::BusError::Kind::error_warning);
  if (protocol > 0)
    r.actions.push_back(fmt::format("{} bus error report{} seen meanwhile: check the wiring and "
                                    "termination",
                                    protocol, protocol == 1 ? "" : "s"));
  if (!p.other_addresses.empty() || p.other_frames > 0)
    r.actions.push_back(fmt::format("other traffic on the bus: {} frame{}", p.other_frames,
                                    p.other_frames == 1 ? "" : "s"));
  return r;
}

}  // namespace

std::string_view diagnosis_name(Diagnosis d) {
  switch (d) {
    case Diagnosis::healthy: return "healthy";
    case Diagnosis::interface_missing: return "interface_missing";
    case Diagnosis::interface_down: return "interface_down";
    case Diagnosis::wrong_bitrate: return "wrong_bitrate";
    case Diagnosis::bus_off: return "bus_off";
    case Diagnosis::error_passive: return "error_passive";
    case Diagnosis::no_ack: return "no_ack";
    case Diagnosis::bms_silent: return "bms_silent";
    case Diagnosis::bms_asleep: return "bms_asleep";
  }
  return "unknown";
}

bool should_probe(const Observations& o) {
  if (o.open_error) return false;
  if (o.transport == Transport::socketcan && (!o.link || !o.link->up)) return false;
  const std::string state = controller_state(o);
  if (state == "STOPPED" || state == "BUS-OFF") return false;
  auto bitrate = bitrate_of(o);
  return !(bitrate && *bitrate != k_bitrate);
}

Report diagnose(const Observations& o) {
  if (o.open_error) return missing(o);
  if (o.transport == Transport::socketcan && !o.link) return missing(o);
  if (o.transport == Transport::socketcan && !o.link->up) return down(o);
  const std::string state = controller_state(o);
  if (state == "STOPPED") return down(o);
  if (auto bitrate = bitrate_of(o); bitrate && *bitrate != k_bitrate) return wrong_bitrate(o, *bitrate);
  const ProbeResult* p = o.probe ? &*o.probe : nullptr;
  if (state == "BUS-OFF" || (p && p->count(can::BusError::Kind::bus_off) > 0))
    return bus_fault(o, Diagnosis::bus_off);
  if (p && p->send_error && p->send_error->code == util::Errc::interface_error) {
    Observations gone = o;
    gone.open_error = p->send_error;
    return missing(gone);
  }
  if (p && p->answer) {
    if (state == "ERROR-PASSIVE") return bus_fault(o, Diagnosis::error_passive);
    return healthy(o);
  }
  if (p && (p->count(can::BusError::Kind::no_ack) > 0 || p->send_error)) return no_ack(o);
  if (p && lone_node(o)) return no_ack(o);
  if (state == "ERROR-PASSIVE" || (p && p->count(can::BusError::Kind::error_passive) > 0))
    return bus_fault(o, Diagnosis::error_passive);
  if (p && (!p->other_addresses.empty() || p->other_frames > 0)) return silent(o);
  return asleep(o);
}

util::Result<ProbeResult> probe(can::Bus& bus, const FrameMap& map, const ProbeOptions& options) {
  ProbeResult r;
  util::Clock& clock = bus.clock();
  const auto connect_code = static_cast<std::uint8_t>(Command::connect);

  // Waits until `deadline`, counting faults and frames; `ours` takes the frames of our
  // exchange (true: it was ours). Stops early when `done` says so.
  auto wait = [&](util::TimePoint deadline, const std::function<bool(const can::Frame&)>& ours,
                  const std::function<bool()>& done) -> util::Result<void> {
    while (!done()) {
      if (options.cancelled && options.cancelled())
        return util::fail(util::Errc::cancelled, "interrupted");
      const util::TimePoint now = clock.now();
      if (now >= deadline) return {};
      auto event = bus.receive(options.cancelled ? std::min(deadline, now + k_cancel_slice) : deadline);
      if (!event) return tl::unexpected(event.error());
      if (!*event) continue;
      if (auto* error = std::get_if<can::BusError>(&**event)) {
        ++r.bus_errors[error->kind];
        if (error->tx_errors >= 0 || error->rx_errors >= 0) r.last_counters = *error;
        continue;
      }
      const can::Frame& f = std::get<can::Frame>(**event);
      if (options.observer) options.observer(f, false);
      if (ours && ours(f)) continue;
      if (!r.example_frame) r.example_frame = f;
      ++r.other_frames;
    }
    return {};
  };
  auto send = [&](const can::Frame& f, util::TimePoint deadline) {
    auto sent = bus.send(f, deadline);
    if (!sent) {
      r.send_error = sent.error();
      return false;
    }
    ++r.requests;
    if (options.observer) options.observer(f, true);
    return true;
  };
  // A CONNECT answer addressed to us: its source address and content.
  auto connect_answer = [&](const can::Frame& f) -> std::optional<std::pair<std::uint8_t, ConnectInfo>> {
    auto id = parse_poll_id(f.id);
    if (!f.extended || f.remote || !id || id->cmd != connect_code || id->dst != options.tool ||
        f.size() < 8)
      return std::nullopt;
    auto info = decode_connect(map, f);
    if (!info) return std::nullopt;
    return std::make_pair(id->src, *info);
  };
  // Answers to our own requests that arrive late still are not "other traffic".
  auto is_late_answer = [&](const can::Frame& f) {
    auto id = parse_poll_id(f.id);
    return id && id->dst == options.tool && id->cmd == connect_code;
  };

  // 1. Listen: does anything else talk?
  if (auto w = wait(clock.now() + options.listen, nullptr, [] { return false; }); !w)
    return tl::unexpected(w.error());

  // 2. CONNECT to the BMS, as the client would (§3.2: up to three tries).
  auto request = encode_request(map, Command::connect, {options.bms, options.tool});
  if (!request) return tl::unexpected(request.error());
  for (int attempt = 0; attempt < options.tries && !r.answer; ++attempt) {
    const util::TimePoint sent_at = clock.now();
    const util::TimePoint deadline = sent_at + options.timeout;
    if (!send(*request, deadline)) break;
    auto ours = [&](const can::Frame& f) {
      auto answer = connect_answer(f);
      if (answer && answer->first == options.bms) {
        if (!r.answer) {
          r.answer = answer->second;
          r.round_trip = clock.now() - sent_at;
        }
        return true;
      }
      return is_late_answer(f);
    };
    if (auto w = wait(deadline, ours, [&] { return r.answer.has_value(); }); !w)
      return tl::unexpected(w.error());
  }
  if (r.answer || r.send_error) return r;

  // 3. Nobody at that address: does any BMS answer a broadcast CONNECT (§4 0x01)?
  auto broadcast = encode_request(map, Command::connect, {k_broadcast, options.tool});
  if (!broadcast) return tl::unexpected(broadcast.error());
  const util::TimePoint deadline = clock.now() + options.broadcast_window;
  if (!send(*broadcast, deadline)) return r;
  auto ours = [&](const can::Frame& f) {
    auto answer = connect_answer(f);
    if (!answer) return is_late_answer(f);
    if (answer->first == options.bms) {
      if (!r.answer) r.answer = answer->second;  // answers a broadcast only: still alive
    } else if (std::find(r.other_addresses.begin(), r.other_addresses.end(), answer->first) ==
               r.other_addresses.end()) {
      r.other_addresses.push_back(answer->first);
    }
    return true;
  };
  if (auto w = wait(deadline, ours, [] { return false; }); !w) return tl::unexpected(w.error());
  std::sort(r.other_addresses.begin(), r.other_addresses.end());
  return r;
}

util::Result<Observations> examine(const std::string& interface, Transport transport,
                                   const FrameMap& map, const Environment& env,
                                   const ProbeOptions& options) {
  Observations o;
  o.interface = interface;
  o.transport = transport;
  o.address = options.bms;
  if (transport == Transport::socketcan) {
    if (env.list_interfaces) o.interfaces = env.list_interfaces();
    auto it = std::find_if(o.interfaces.begin(), o.interfaces.end(),
                           [&](const can::InterfaceInfo& i) { return i.name == interface; });
    if (it == o.interfaces.end()) {
      o.exists_not_can = env.network_interface_exists && env.network_interface_exists(interface);
      return o;
    }
    o.link = *it;
    if (!o.link->up) return o;
  }
  auto bus = env.open();
  if (!bus) {
    if (bus.error().code == util::Errc::cancelled || bus.error().code == util::Errc::usage)
      return tl::unexpected(bus.error());
    o.open_error = bus.error();
    return o;
  }
  o.controller = (*bus)->controller_status();
  o.controller_before_probe = o.controller;
  if (!should_probe(o)) return o;
  auto result = probe(**bus, map, options);
  if (!result) {
    if (result.error().code == util::Errc::cancelled) return tl::unexpected(result.error());
    o.open_error = result.error();  // the interface failed while we listened
    return o;
  }
  o.probe = std::move(*result);
  // The controller's state after the probes: the faults they caused show here.
  if (auto after = (*bus)->controller_status()) o.controller = after;
  return o;
}

}  // namespace bms::doctor
