#pragma once
// Poll transactions with many BMSs at once over one can::Bus (rockets-can-v1 §3.2 rule 4: one
// request outstanding per BMS, so requests to different packs may overlap; every answer names
// its pack in the identifier). No threads: the sequences of steps are util::Task coroutines,
// suspended while their transaction is on the bus; the dispatcher waits only in
// Bus::receive, on Bus::clock(), so simulated time stays exact in tests.
//
//   bms::Dispatcher d(bus, map);
//   std::vector<util::Task<util::Result<Snapshot>>> reads;
//   for (std::uint8_t a : addresses) reads.push_back(read_snapshot(d.peer(a), k_all_parts));
//   auto results = d.run_all(std::move(reads));      // every pack in flight, one result each
//
// What it does besides waiting:
//   - routes every frame by source address to the transaction of that BMS (discovery takes
//     every CONNECT answer while it runs; it runs alone), and takes every frame already
//     received before it judges a deadline: a tool busy with 63 packs reads its socket late,
//     and an answer that came in time must not count as silence;
//   - keeps at most `window` BMSs with a request outstanding, so that a rig's other traffic
//     still gets the bus; the rest wait their turn in order;
//   - a second, different answer from one address (two packs sharing it: a conflict seen by a
//     transaction or by the last one, which lingers) marks the peer shared: its transaction
//     and every later one end with Errc::shared_address;
//   - Ctrl-C (options.cancelled, asked at least every 100 ms) ends every transaction and
//     wait with Errc::cancelled; an interface that fails ends them all with its error.

#include <coroutine>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bms/frame_map.hpp"
#include "bms/poll_transaction.hpp"
#include "can/bus.hpp"
#include "util/task.hpp"

namespace bms {

// BMSs with a request outstanding at once unless told otherwise (--window).
inline constexpr int k_default_window = 16;

struct DispatcherOptions {
  std::uint8_t tool = k_default_tool;
  PollPolicy policy;
  int window = k_default_window;
  // Asked between waits of at most 100 ms; true ends everything with Errc::cancelled (Ctrl-C).
  std::function<bool()> cancelled;
};

// Called with every frame sent (true) and received (false): the `-vv` frame trace.
using FrameObserver = std::function<void(const can::Frame&, bool sent)>;

struct Discovered {
  std::uint8_t address;
  ConnectInfo info;
};

class Dispatcher;

// One BMS as the dispatcher sees it: its session, its counters, and the protocol's commands as
// coroutines (each one transaction, §4). Made by Dispatcher::peer(); lives as long as it.
class Peer {
public:
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  std::uint8_t address() const { return m_address; }
  Dispatcher& dispatcher() { return m_dispatcher; }
  // The last CONNECT answer (a reconnect's included), if any.
  const std::optional<ConnectInfo>& connection() const { return m_connection; }
  const PollCounters& counters() const { return m_counters; }
  // Two packs answer from this address: nothing sent to it is trusted any more.
  bool shared() const { return m_shared; }

  // CONNECT (§4 0x01): opens the session; cell and sensor counts size later answers.
  util::Task<util::Result<ConnectInfo>> connect();
  util::Task<util::Result<std::string>> serial();
  util::Task<util::Result<PackReading>> pack();
  util::Task<util::Result<Capacity>> capacity();
  util::Task<util::Result<TemperatureSummary>> temperature_summary();
  util::Task<util::Result<CellSummary>> cell_summary();
  util::Task<util::Result<std::vector<int>>> cell_voltages();  // mV, cells 1..N
  util::Task<util::Result<std::vector<int>>> temperatures();   // 0.1 °C, sensors 1..N
  util::Task<util::Result<StatusWords>> status();
  util::Task<util::Result<Cycles>> cycles();
  util::Task<util::Result<Calendar>> clock();
  util::Task<util::Result<ShellResistance>> shell_resistance();
  // SET CLOCK: the time the BMS now keeps. NAK 0x02 for an impossible date.
  util::Task<util::Result<Calendar>> set_clock(Calendar time);
  // SLEEP with the guard bytes; NAK 0x04 when the pack is under load.
  util::Task<util::Result<void>> sleep();

  // The request of `cmd` (no parameters) and its `frames` answer frames, numbered 1..N.
  util::Task<util::Result<std::vector<can::Frame>>> transact(Command cmd, int frames = 1);
  // Sends the request of `cmd` once and returns every answer frame of `cmd` from this address
  // within `window`, duplicates included. Not repeated.
  util::Task<util::Result<std::vector<can::Frame>>> collect(Command cmd, util::Duration window);

private:
  friend class Dispatcher;
  struct Job;
  Peer(Dispatcher& d, std::uint8_t address);

  util::Task<util::Result<std::vector<can::Frame>>> run(PollRequest request);
  template <class T>
  using Decoder = util::Result<T> (*)(const FrameMap&, const can::Frame&);
  template <class T>
  util::Task<util::Result<T>> read_one(Command cmd, Decoder<T> decoder);
  util::Task<util::Result<ConnectInfo>> ensure_connected();

  Dispatcher& m_dispatcher;
  std::uint8_t m_address;
  std::optional<ConnectInfo> m_connection;
  PollCounters m_counters;
  bool m_shared = false;
  std::unique_ptr<Job> m_active;  // the transaction on the bus
  std::unique_ptr<Job> m_last;    // the one before, lingering to catch a second pack
};

class Dispatcher {
public:
  Dispatcher(can::Bus& bus, const FrameMap& map, DispatcherOptions options = {});
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // The peer at `address` (1..63), made on first use.
  Peer& peer(std::uint8_t address);

  // Awaitable: runs `request` with `peer` once the peer and the window allow; gives the answer.
  struct Transact {
    Dispatcher& dispatcher;
    Peer* peer;  // nullptr: the broadcast (discovery)
    PollRequest request;
    std::optional<util::Result<PollAnswer>> result;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> waiter) { dispatcher.submit(*this, waiter); }
    util::Result<PollAnswer> await_resume() { return std::move(*result); }
  };
  Transact transact(Peer& peer, PollRequest request) { return Transact{*this, &peer, std::move(request), {}}; }

  // Awaitable: lets time pass until `when` (the bus still runs); Errc::cancelled on Ctrl-C.
  struct Sleep {
    Dispatcher& dispatcher;
    util::TimePoint when;
    std::coroutine_handle<> waiter;
    std::optional<util::Result<void>> result;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
      waiter = h;
      dispatcher.m_sleepers.push_back(this);
    }
    util::Result<void> await_resume() { return std::move(*result); }
  };
  Sleep sleep_until(util::TimePoint when) { return Sleep{*this, when, {}, {}}; }
  util::Task<util::Result<void>> idle(util::Duration duration);

  // CONNECT to 0xFF (discovery, §4 0x01): every answer within `window`, in arrival order, several
  // from one address included (two packs sharing it). Runs alone; opens a session on each. A bus
  // fault and no answer at all: Errc::bus_error.
  util::Task<util::Result<std::vector<Discovered>>> discover(util::Duration window);

  // Runs `task` to its end, driving the bus meanwhile.
  template <class T>
  T run(util::Task<T> task) {
    task.start();
    while (!task.done()) step();
    return task.take();
  }
  // Runs every task at once; their results in the same order.
  template <class T>
  std::vector<T> run_all(std::vector<util::Task<T>> tasks) {
    for (auto& t : tasks) t.start();
    for (;;) {
      bool all = true;
      for (auto& t : tasks) all = all && t.done();
      if (all) break;
      step();
    }
    std::vector<T> out;
    out.reserve(tasks.size());
    for (auto& t : tasks) out.push_back(t.take());
    return out;
  }

  can::Bus& bus() { return m_bus; }
  const FrameMap& map() const { return m_map; }
  util::Clock& clock() { return m_bus.clock(); }
  const DispatcherOptions& options() const { return m_options; }
  void set_observer(FrameObserver observer) { m_observer = std::move(observer); }
  void set_window(int window) { m_options.window = window < 1 ? 1 : window; }
  // BMS addresses that sent us poll frames although no peer was made for them.
  const std::set<std::uint8_t>& strangers() const { return m_strangers; }
  // Most BMSs with a request outstanding at one time so far (for tests and the benchmark).
  int most_in_flight() const { return m_most_in_flight; }
  // Two packs answer from `peer`'s address (seen by a caller, e.g. two CONNECT answers that
  // differ): its transaction and every later one end with Errc::shared_address.
  void mark_shared(Peer& peer);
  // The error every transaction with a shared peer ends with.
  util::Error shared_error(const Peer& peer) const;

private:
  friend class Peer;
  struct Queued {
    Transact* awaiter;
    std::coroutine_handle<> waiter;
  };

  void submit(Transact& awaiter, std::coroutine_handle<> waiter);
  // One round: start what may start, send what is due, wait once for a frame or a deadline,
  // route it; coroutines whose wait is over are resumed.
  void step();
  // Routes every event the bus already has, without waiting.
  void drain();
  void start_queued();
  void send_due();
  void route(const can::Event& event);
  void route_frame(const can::Frame& f);
  void fail_everything(const util::Error& error);
  void finish_jobs();
  void wake_sleepers();
  std::optional<util::TimePoint> next_wake() const;

  can::Bus& m_bus;
  const FrameMap& m_map;
  DispatcherOptions m_options;
  FrameObserver m_observer;
  std::map<std::uint8_t, std::unique_ptr<Peer>> m_peers;
  std::deque<Queued> m_queue;                     // submitted, waiting for their peer or the window
  std::vector<Peer*> m_in_flight;                 // peers whose m_active is on the bus
  std::unique_ptr<Peer::Job> m_broadcast;         // the discovery, when running
  std::vector<Sleep*> m_sleepers;
  std::vector<std::coroutine_handle<>> m_ready;  // to resume after this round
  std::optional<util::Error> m_broken;            // the interface failed: every later call fails so
  std::set<std::uint8_t> m_strangers;
  int m_most_in_flight = 0;
};

}  // namespace bms
