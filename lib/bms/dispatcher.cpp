#include "bms/dispatcher.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "bms/messages.hpp"

namespace bms {

struct Peer::Job {
  PollTransaction tx;
  Dispatcher::Transact* awaiter = nullptr;  // who gets the result; nullptr once given
  std::coroutine_handle<> waiter;
};

namespace {

constexpr util::Duration k_cancel_slice = std::chrono::milliseconds(100);
constexpr std::uint32_t k_diag_mask = 0x1FFF0000U;  // 0x18DA_TA_SA: the diagnostic channel (§6)
constexpr std::uint32_t k_diag_ids = 0x18DA0000U;

}  // namespace

Dispatcher::Dispatcher(can::Bus& bus, const FrameMap& map, DispatcherOptions options)
    : m_bus(bus), m_map(map), m_options(std::move(options)) {
  if (m_options.window < 1) m_options.window = 1;
}

Dispatcher::~Dispatcher() = default;
Peer::Peer(Dispatcher& d, std::uint8_t address) : m_dispatcher(d), m_address(address) {}
Peer::~Peer() = default;

Peer& Dispatcher::peer(std::uint8_t address) {
  auto& p = m_peers[address];
  if (!p) p = std::unique_ptr<Peer>(new Peer(*this, address));
  return *p;
}

util::Error Dispatcher::shared_error(const Peer& peer) const {
  return util::Error{util::Errc::shared_address,
                     fmt::format("two packs answer from BMS address 0x{:02X} on {}: nothing is "
                                 "done there (give each pack its own address)",
                                 peer.address(), m_bus.name())};
}

void Dispatcher::submit(Transact& awaiter, std::coroutine_handle<> waiter) {
  if (m_broken) {
    awaiter.result = tl::unexpected(*m_broken);
    m_ready.push_back(waiter);
  } else if (awaiter.peer && awaiter.peer->m_shared) {
    awaiter.result = tl::unexpected(shared_error(*awaiter.peer));
    m_ready.push_back(waiter);
  } else {
    m_queue.push_back({&awaiter, waiter});
  }
}

util::Task<util::Result<void>> Dispatcher::idle(util::Duration duration) {
  co_return co_await sleep_until(clock().now() + duration);
}

void Dispatcher::start_queued() {
  for (auto it = m_queue.begin(); it != m_queue.end();) {
    if (m_broadcast) return;  // discovery runs alone
    Transact& t = *it->awaiter;
    if (t.peer == nullptr && !m_in_flight.empty()) return;  // it waits for every BMS to be free
    if (static_cast<int>(m_in_flight.size()) >= m_options.window) return;
    if (t.peer && t.peer->m_active) {  // one request outstanding per BMS: the next one may go
      ++it;
      continue;
    }
    const std::uint8_t address = t.peer ? t.peer->address() : k_broadcast;
    auto job = std::unique_ptr<Peer::Job>(new Peer::Job{
        PollTransaction(m_map, address, m_options.tool, std::move(t.request), m_options.policy, m_bus.name()),
        &t, it->waiter});
    if (t.peer) {
      t.peer->m_active = std::move(job);
      m_in_flight.push_back(t.peer);
      m_most_in_flight = std::max(m_most_in_flight, static_cast<int>(m_in_flight.size()));
    } else {
      m_broadcast = std::move(job);
    }
    it = m_queue.erase(it);
  }
}

void Dispatcher::send_due() {
  auto send_from = [this](Peer::Job& job) {
    for (;;) {
      const util::TimePoint now = clock().now();
      auto frame = job.tx.poll(now);
      if (!frame) return;
      const util::TimePoint deadline = job.tx.wake_at().value_or(now + m_options.policy.timeout);
      auto sent = m_bus.send(*frame, deadline);
      if (sent && m_observer) m_observer(*frame, true);
      if (!sent) {
        if (sent.error().code == util::Errc::interface_error) return fail_everything(sent.error());
        job.tx.cancel(sent.error());
        return;
      }
    }
  };
  if (m_broadcast) send_from(*m_broadcast);
  // A copy: a failing interface empties m_in_flight.
  for (Peer* p : std::vector<Peer*>(m_in_flight))
    if (p->m_active && !m_broken) send_from(*p->m_active);
}

void Dispatcher::fail_everything(const util::Error& error) {
  if (error.code == util::Errc::interface_error) m_broken = error;
  if (m_broadcast) m_broadcast->tx.cancel(error);
  for (Peer* p : m_in_flight)
    if (p->m_active) p->m_active->tx.cancel(error);
  for (Queued& q : m_queue) {
    q.awaiter->result = tl::unexpected(error);
    m_ready.push_back(q.waiter);
  }
  m_queue.clear();
  for (Sleep* s : m_sleepers) {
    s->result = tl::unexpected(error);
    m_ready.push_back(s->waiter);
  }
  m_sleepers.clear();
}

void Dispatcher::finish_jobs() {
  auto hand_over = [this](Peer::Job& job) {
    job.awaiter->result = job.tx.take_result();
    job.awaiter = nullptr;
    m_ready.push_back(job.waiter);
  };
  if (m_broadcast && m_broadcast->tx.done()) {
    hand_over(*m_broadcast);
    m_broadcast.reset();
  }
  for (auto it = m_in_flight.begin(); it != m_in_flight.end();) {
    Peer& p = **it;
    if (!p.m_active->tx.done()) {
      ++it;
      continue;
    }
    p.m_counters += p.m_active->tx.counters();
    hand_over(*p.m_active);
    p.m_last = std::move(p.m_active);
    it = m_in_flight.erase(it);
  }
}

void Dispatcher::wake_sleepers() {
  const util::TimePoint now = clock().now();
  for (auto it = m_sleepers.begin(); it != m_sleepers.end();) {
    if ((*it)->when > now) {
      ++it;
      continue;
    }
    (*it)->result = util::Result<void>{};
    m_ready.push_back((*it)->waiter);
    it = m_sleepers.erase(it);
  }
}

std::optional<util::TimePoint> Dispatcher::next_wake() const {
  std::optional<util::TimePoint> wake;
  auto consider = [&wake](std::optional<util::TimePoint> t) {
    if (t && (!wake || *t < *wake)) wake = t;
  };
  if (m_broadcast) consider(m_broadcast->tx.wake_at());
  for (const Peer* p : m_in_flight) consider(p->m_active->tx.wake_at());
  for (const Sleep* s : m_sleepers) consider(s->when);
  return wake;
}

void Dispatcher::mark_shared(Peer& peer) {
  peer.m_shared = true;
  if (peer.m_active) peer.m_active->tx.cancel(shared_error(peer));
}

void Dispatcher::route_frame(const can::Frame& f) {
  if (m_observer) m_observer(f, false);
  if (!f.extended || f.remote) return;
  if ((f.id & k_diag_mask) == k_diag_ids) return;  // the diagnostic channel: uds::Client's
  auto id = parse_poll_id(f.id);
  if (!id || id->dst != m_options.tool || !is_bms_address(id->src)) return;
  const util::TimePoint now = clock().now();
  if (m_broadcast && id->cmd == static_cast<std::uint8_t>(Command::connect)) {
    m_broadcast->tx.on_frame(f, now);
    return;
  }
  auto it = m_peers.find(id->src);
  if (it == m_peers.end()) {
    m_strangers.insert(id->src);
    return;
  }
  Peer& p = *it->second;
  if (p.m_active) p.m_active->tx.on_frame(f, now);
  // The one before lingers: a second pack's late answer to it is a conflict too.
  if (p.m_last && (!p.m_active || p.m_active->tx.command() != p.m_last->tx.command()))
    p.m_last->tx.on_frame(f, now);
  const bool conflict = (p.m_active && p.m_active->tx.conflict()) || (p.m_last && p.m_last->tx.conflict());
  if (conflict && !p.m_shared) mark_shared(p);
}

void Dispatcher::route(const can::Event& event) {
  if (const auto* error = std::get_if<can::BusError>(&event)) {
    if (m_broadcast) m_broadcast->tx.on_bus_error(*error);
    for (Peer* p : m_in_flight) p->m_active->tx.on_bus_error(*error);
    return;
  }
  route_frame(std::get<can::Frame>(event));
}

void Dispatcher::drain() {
  while (!m_broken) {
    auto event = m_bus.receive(clock().now());
    if (!event) {
      m_broken = event.error();  // receive fails only when the interface does
      fail_everything(event.error());
      return;
    }
    if (!*event) return;
    route(**event);
  }
}

void Dispatcher::step() {
  if (m_options.cancelled && m_options.cancelled())
    fail_everything(util::Error{util::Errc::cancelled, "interrupted"});
  // Every frame already received is taken before any deadline is judged: a busy tool reads
  // its socket late, and an answer that came in time must not count as silence.
  start_queued();
  drain();
  send_due();
  finish_jobs();
  wake_sleepers();
  // Asked again before each wait: Ctrl-C while a request went out is seen before its answer.
  if (m_ready.empty() && m_options.cancelled && m_options.cancelled()) {
    fail_everything(util::Error{util::Errc::cancelled, "interrupted"});
    finish_jobs();
  }
  if (m_ready.empty()) {
    auto wake = next_wake();
    if (!wake) throw std::logic_error("bms::Dispatcher: a task waits, but nothing is on the bus");
    util::TimePoint until = *wake;
    if (m_options.cancelled) until = std::min(until, clock().now() + k_cancel_slice);
    auto event = m_bus.receive(until);
    if (!event) {
      m_broken = event.error();  // receive fails only when the interface does
      fail_everything(event.error());
    } else if (*event) {
      route(**event);
      drain();
    }
    send_due();  // deadlines that passed, answers that completed
    finish_jobs();
    wake_sleepers();
  }
  // Resumed after the round: a coroutine may submit again, which only queues.
  std::vector<std::coroutine_handle<>> ready;
  ready.swap(m_ready);
  for (auto h : ready) h.resume();
}

}  // namespace bms
