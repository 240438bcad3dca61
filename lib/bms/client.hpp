#pragma once
// The poll-protocol client for one BMS (rockets-can-v1 §3-§4), blocking: each call runs one
// Peer coroutine on its own Dispatcher until it ends. Every rule (timeouts and two repeats,
// frames in any order, NAKs as typed errors, one reconnect on NAK 0x05, BUSY as silence) is
// bms::PollTransaction's; this class only waits for it. Many packs at once: bms::Dispatcher.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bms/dispatcher.hpp"
#include "bms/frame_map.hpp"
#include "bms/messages.hpp"
#include "bms/readings.hpp"
#include "can/bus.hpp"

namespace bms {

struct ClientOptions {
  std::uint8_t bms = k_default_bms;
  std::uint8_t tool = k_default_tool;
  util::Duration timeout = std::chrono::milliseconds(250);  // §3.2: base, +20 ms a frame after the first
  int retries = 2;
  int window = k_default_window;  // BMSs in flight at once when the dispatcher runs several
  // Asked between waits of at most 100 ms; true ends the call with Errc::cancelled (Ctrl-C).
  std::function<bool()> cancelled;
};

using ClientCounters = PollCounters;

class Client {
public:
  Client(can::Bus& bus, const FrameMap& map, ClientOptions options = {});

  util::Result<ConnectInfo> connect() { return run(m_peer.connect()); }
  using Discovered = bms::Discovered;
  // CONNECT to 0xFF (Dispatcher::discover).
  util::Result<std::vector<Discovered>> discover(util::Duration window) {
    return run(m_dispatcher.discover(window));
  }
  // Peer::collect: every answer of `cmd` from this address within `window`.
  util::Result<std::vector<can::Frame>> collect(Command cmd, util::Duration window) {
    return run(m_peer.collect(cmd, window));
  }
  util::Result<std::string> serial() { return run(m_peer.serial()); }
  util::Result<PackReading> pack() { return run(m_peer.pack()); }
  util::Result<Capacity> capacity() { return run(m_peer.capacity()); }
  util::Result<TemperatureSummary> temperature_summary() { return run(m_peer.temperature_summary()); }
  util::Result<CellSummary> cell_summary() { return run(m_peer.cell_summary()); }
  util::Result<std::vector<int>> cell_voltages() { return run(m_peer.cell_voltages()); }
  util::Result<std::vector<int>> temperatures() { return run(m_peer.temperatures()); }
  util::Result<StatusWords> status() { return run(m_peer.status()); }
  util::Result<Cycles> cycles() { return run(m_peer.cycles()); }
  util::Result<Calendar> clock() { return run(m_peer.clock()); }
  util::Result<ShellResistance> shell_resistance() { return run(m_peer.shell_resistance()); }
  util::Result<Calendar> set_clock(const Calendar& time) { return run(m_peer.set_clock(time)); }
  util::Result<void> sleep() { return run(m_peer.sleep()); }

  // Lets `duration` pass on the bus (frames that arrive are routed, answers to nothing
  // dropped): the simulated hub runs meanwhile. Errc::cancelled when options.cancelled says so.
  util::Result<void> idle(util::Duration duration) { return run(m_dispatcher.idle(duration)); }

  // Runs any coroutine of this client's peer or dispatcher to its end.
  template <class T>
  T run(util::Task<T> task) {
    return m_dispatcher.run(std::move(task));
  }

  // The last CONNECT answer, if any.
  const std::optional<ConnectInfo>& connection() const { return m_peer.connection(); }
  const ClientCounters& counters() const { return m_peer.counters(); }
  const ClientOptions& options() const { return m_options; }
  can::Bus& bus() { return m_dispatcher.bus(); }
  const FrameMap& frame_map() const { return m_dispatcher.map(); }
  Peer& peer() { return m_peer; }
  Dispatcher& dispatcher() { return m_dispatcher; }
  void set_observer(FrameObserver observer) { m_dispatcher.set_observer(std::move(observer)); }

private:
  ClientOptions m_options;
  Dispatcher m_dispatcher;
  Peer& m_peer;
};

// The dispatcher options a client's options stand for.
DispatcherOptions dispatcher_options(const ClientOptions& options);

}  // namespace bms
