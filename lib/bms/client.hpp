#pragma once
// The poll-protocol client (rockets-can-v1 §3-§4): one request outstanding, multi-frame
// responses collected in any order, timeouts and two retries, NAKs as typed errors, and one
// reconnect on NAK 0x05 (no session).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

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
  // Asked between waits of at most 100 ms; true ends the call with Errc::cancelled (Ctrl-C).
  std::function<bool()> cancelled;
};

// What the client saw besides answers: for `-v` and for tests.
struct ClientCounters {
  int requests = 0;     // frames sent, retries included
  int retries = 0;      // requests repeated after a timeout or BUSY
  int reconnects = 0;   // CONNECTs after NAK 0x05
  int malformed = 0;    // frames of ours dropped: DLC < 8, frame number out of range, bad data
  int duplicates = 0;   // frames of a multi-frame response received twice
};

// Called with every frame sent (true) and received (false): the `-vv` frame trace.
using FrameObserver = std::function<void(const can::Frame&, bool sent)>;

class Client {
public:
  Client(can::Bus& bus, const FrameMap& map, ClientOptions options = {});

  // CONNECT (§4 0x01): opens the session; cell and sensor counts size later responses.
  util::Result<ConnectInfo> connect();

  struct Discovered {
    std::uint8_t address;
    ConnectInfo info;
  };
  // CONNECT to 0xFF (discovery): every answer within `window`, in arrival order, including
  // several from one address (two packs sharing it). Opens a session on each. Not retried.
  util::Result<std::vector<Discovered>> discover(util::Duration window);

  // Sends the request of `cmd` once and returns every answer frame of `cmd` from this BMS
  // address within `window` (DLC 8 only), duplicates included: to tell two packs sharing an
  // address apart. Not retried.
  util::Result<std::vector<can::Frame>> collect(Command cmd, util::Duration window);
  util::Result<std::string> serial();
  util::Result<PackReading> pack();
  util::Result<Capacity> capacity();
  util::Result<TemperatureSummary> temperature_summary();
  util::Result<CellSummary> cell_summary();
  util::Result<std::vector<int>> cell_voltages();  // mV, cells 1..N
  util::Result<std::vector<int>> temperatures();   // 0.1 °C, sensors 1..N
  util::Result<StatusWords> status();
  util::Result<Cycles> cycles();
  util::Result<Calendar> clock();
  util::Result<ShellResistance> shell_resistance();
  // SET CLOCK: returns the time the BMS now keeps. NAK 0x02 for an impossible date.
  util::Result<Calendar> set_clock(const Calendar& time);
  // SLEEP with the guard bytes; NAK 0x04 when the pack is under load.
  util::Result<void> sleep();

  // Lets `duration` pass on the bus (frames that arrive are dropped): the simulated hub runs
  // meanwhile. Fails with Errc::cancelled when options.cancelled says so.
  util::Result<void> idle(util::Duration duration);

  // The last CONNECT answer, if any.
  const std::optional<ConnectInfo>& connection() const { return m_connection; }
  const ClientCounters& counters() const { return m_counters; }
  const ClientOptions& options() const { return m_options; }
  can::Bus& bus() { return m_bus; }
  const FrameMap& frame_map() const { return m_map; }
  void set_observer(FrameObserver observer) { m_observer = std::move(observer); }

private:
  // Sends `request` and collects the `frames` response frames of `cmd` (indexed by frame
  // number - 1). Retries, NAK handling and the reconnect on NAK 0x05 live here.
  util::Result<std::vector<can::Frame>> transact(Command cmd, const can::Frame& request, int frames);
  // One try: the answer, nullopt on timeout, or an error (NAK, interface).
  util::Result<std::optional<std::vector<can::Frame>>> attempt(Command cmd, const can::Frame& request,
                                                               int frames);
  // The next frame or bus fault before `deadline` (nullopt when it passes), waiting in slices
  // so that options.cancelled is asked at least every 100 ms.
  util::Result<std::optional<can::Event>> next_event(util::TimePoint deadline);
  util::Result<std::vector<can::Frame>> simple(Command cmd, int frames = 1);
  template <class T>
  using Decoder = util::Result<T> (*)(const FrameMap&, const can::Frame&);
  template <class T>
  util::Result<T> read_one(Command cmd, Decoder<T> decoder);
  util::Result<ConnectInfo> ensure_connected();
  util::Error no_answer(Command cmd) const;

  can::Bus& m_bus;
  const FrameMap& m_map;
  ClientOptions m_options;
  std::optional<ConnectInfo> m_connection;
  std::optional<can::BusError> m_last_bus_error;
  ClientCounters m_counters;
  FrameObserver m_observer;
};

}  // namespace bms
