#pragma once
// `rocketctl doctor`: what is wrong with the link to a BMS, in words a technician can act on.
// Two halves: examine() gathers observations (the kernel's view of the interface, the
// controller's state, probes on the bus), and diagnose() turns observations into one
// diagnosis with its advice. diagnose() is pure, so every case is unit-tested from
// hand-built observations; the probes run on any can::Bus (simulated time on a hub in tests).
//
// rocketctl never changes the link: doctor only reads the kernel's state and sends CONNECT
// requests (§4 0x01), which change nothing on a BMS but open a poll session.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bms/frame_map.hpp"
#include "bms/readings.hpp"
#include "can/bus.hpp"
#include "can/interfaces.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace bms::doctor {

inline constexpr std::uint32_t k_bitrate = 250000;  // §1

// How the interface is reached: SocketCAN (the kernel knows its state), the built-in
// simulator, or any other transport (a vendor adapter library), handled alike.
enum class Transport { socketcan, sim, other };

// The findings, most fundamental first; each has its own exit status in the CLI.
enum class Diagnosis {
  healthy,            // the BMS answers
  interface_missing,  // no such interface, or the transport cannot open it
  interface_down,     // the interface exists but is down
  wrong_bitrate,      // the controller runs at another bitrate than 250 kbit/s
  bus_off,            // the controller left the bus after too many errors
  error_passive,      // the controller's error counters are above 127
  no_ack,             // nothing acknowledges our frames: no other node on the bus
  bms_silent,         // the bus is alive (other traffic, other BMSs) but this BMS says nothing
  bms_asleep,         // our frames go out cleanly, nothing answers, nothing else talks
};

// "healthy", "interface_missing", ... (the JSON name).
std::string_view diagnosis_name(Diagnosis d);

// What the probes on the bus saw.
struct ProbeResult {
  int requests = 0;                          // CONNECT requests sent (to the address, broadcast)
  std::optional<util::Error> send_error;     // a send that failed (queue full, interface gone)
  std::map<can::BusError::Kind, int> bus_errors;  // bus-fault events by kind
  std::optional<can::BusError> last_counters;     // the last fault that carried error counters
  std::optional<ConnectInfo> answer;         // the BMS's CONNECT answer
  std::optional<util::Duration> round_trip;  // request sent -> its answer received
  std::vector<std::uint8_t> other_addresses;  // BMSs that answered the broadcast CONNECT
  int other_frames = 0;                      // frames not part of our exchange
  std::optional<can::Frame> example_frame;   // the first of them

  int count(can::BusError::Kind k) const {
    auto it = bus_errors.find(k);
    return it == bus_errors.end() ? 0 : it->second;
  }
};

struct Observations {
  std::string interface;  // as the user named it: "can0", "sim", "ecan"
  Transport transport = Transport::socketcan;
  std::uint8_t address = 0x01;  // the BMS asked for (--address)
  // SocketCAN: the kernel's CAN interfaces, and this one among them (nullopt: missing).
  std::vector<can::InterfaceInfo> interfaces;
  std::optional<can::InterfaceInfo> link;
  bool exists_not_can = false;  // a network interface of that name exists but is not CAN
  std::optional<util::Error> open_error;  // the transport's own message when opening failed
  std::optional<can::ControllerStatus> controller;  // after the probes, when the transport tells
  std::optional<can::ControllerStatus> controller_before_probe;  // right after opening
  std::optional<ProbeResult> probe;                 // nullopt: not probed
};

struct Report {
  Diagnosis diagnosis = Diagnosis::healthy;
  std::string summary;               // one line: what is wrong (or that all is well)
  std::vector<std::string> actions;  // what to do, in order; commands verbatim
};

// The diagnosis: missing, down, wrong bitrate, bus-off, (answered: healthy unless
// error-passive), no acknowledgement, error-passive, this BMS silent, asleep. A controller
// that turned error-passive during the probes with only its transmit counter rising, while
// nothing answered and nothing else talked, is a lone node: no acknowledgement too (drivers
// without berr-reporting send state changes, not CAN_ERR_ACK frames).
Report diagnose(const Observations& o);

// Whether the probes should run: not on a missing or down interface, at a wrong bitrate (our
// frames would disturb the bus) or on a bus-off controller.
bool should_probe(const Observations& o);

struct ProbeOptions {
  std::uint8_t bms = 0x01;
  std::uint8_t tool = 0x40;
  util::Duration listen = std::chrono::milliseconds(300);   // passive listening first
  util::Duration timeout = std::chrono::milliseconds(250);  // per CONNECT try (§3.2)
  int tries = 3;                                            // §3.2: one try and two retries
  util::Duration broadcast_window = std::chrono::milliseconds(300);
  std::function<bool()> cancelled;  // Ctrl-C: the probes end early with what they have
  // Every frame sent (true) and received (false): the -vv trace.
  std::function<void(const can::Frame&, bool)> observer;
};

// Listens for other traffic, sends CONNECT to `bms` (up to `tries` times) and measures the
// round trip of the answer; when it gets none, sends a broadcast CONNECT and notes which
// other BMSs answer. Bus faults are counted throughout. Fails only when the interface itself
// fails while receiving (the send error is an observation).
util::Result<ProbeResult> probe(can::Bus& bus, const FrameMap& map, const ProbeOptions& options);

// What examine() needs from its surroundings (the CLI passes the real ones, tests fakes).
struct Environment {
  std::function<std::vector<can::InterfaceInfo>()> list_interfaces;  // SocketCAN only
  std::function<bool(const std::string&)> network_interface_exists;  // SocketCAN only
  std::function<util::Result<std::unique_ptr<can::Bus>>()> open;     // any transport
};

// Gathers every observation in order, stopping where the next step makes no sense.
util::Result<Observations> examine(const std::string& interface, Transport transport,
                                   const FrameMap& map, const Environment& env,
                                   const ProbeOptions& options);

}  // namespace bms::doctor
