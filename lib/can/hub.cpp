#include "can/hub.hpp"

#include <algorithm>
#include <deque>

#include "can/wire.hpp"

namespace can {

class Hub::Port final : public Bus {
public:
  Port(Hub& hub, Participant& self) : m_hub(hub), m_id(self.id), m_name(self.name) {
    self.port = this;
  }
  ~Port() override {
    auto& ps = m_hub.m_participants;
    ps.erase(std::remove_if(ps.begin(), ps.end(), [this](auto& p) { return p->id == m_id; }),
             ps.end());
  }

  util::Result<void> send(const Frame& frame, util::TimePoint) override {
    m_hub.transmit(frame, m_hub.m_clock->now(), m_id, m_name);
    return {};
  }

  util::Result<std::optional<Event>> receive(util::TimePoint deadline) override {
    m_hub.step_until(deadline, [this] { return !m_queue.empty(); });
    if (m_queue.empty()) return std::optional<Event>{};
    Event e = std::move(m_queue.front());
    m_queue.pop_front();
    return std::optional<Event>{std::move(e)};
  }

  util::Clock& clock() override { return *m_hub.m_clock; }
  const std::string& name() const override { return m_name; }

  void push(Event e) { m_queue.push_back(std::move(e)); }

private:
  Hub& m_hub;
  std::uint64_t m_id;
  std::string m_name;
  std::deque<Event> m_queue;
};

// The context a node acts through. Timers and frames of a node that has been detached by
// the time they are due are dropped.
class Hub::NodeSlot final : public NodeContext {
public:
  NodeSlot(Hub& hub, std::uint64_t id, Node& node) : m_hub(hub), m_id(id), m_node(node) {}
  util::TimePoint now() const override { return m_hub.m_clock->now(); }
  void transmit(const Frame& frame, util::TimePoint at) override {
    Hub* hub = &m_hub;
    std::uint64_t id = m_id;
    m_hub.m_timeline.at(std::max(at, now()), [hub, id, frame] {
      if (Participant* p = hub->find(id)) hub->transmit(frame, hub->m_clock->now(), id, p->name);
    });
  }
  void call_at(util::TimePoint at, std::function<void()> action) override {
    Hub* hub = &m_hub;
    std::uint64_t id = m_id;
    m_hub.m_timeline.at(at, [hub, id, action = std::move(action)] {
      if (hub->find(id)) action();
    });
  }
  Node& node() { return m_node; }

private:
  Hub& m_hub;
  std::uint64_t m_id;
  Node& m_node;
};

Hub::Participant::~Participant() = default;

bool Hub::Participant::accepts(const Frame& f) const {
  if (filters.empty()) return true;
  return std::any_of(filters.begin(), filters.end(), [&f](const Filter& x) { return x.matches(f); });
}

Hub::Hub(Options options) : m_options(options) {
  if (options.timing == Timing::simulated)
    m_clock = std::make_unique<util::ManualClock>();
  else
    m_clock = std::make_unique<util::SystemClock>();
  m_wire_free = m_clock->now();
}

Hub::Hub() : Hub(Options{}) {}

Hub::~Hub() = default;

Hub::Participant& Hub::add_participant(std::string name, std::vector<Filter> filters) {
  auto& p = m_participants.emplace_back(std::make_unique<Participant>());
  p->id = m_next_id++;
  p->name = std::move(name);
  p->filters = std::move(filters);
  return *p;
}

Hub::Participant* Hub::find(std::uint64_t id) {
  for (auto& p : m_participants)
    if (p->id == id) return p.get();
  return nullptr;
}

std::unique_ptr<Bus> Hub::open_port(std::string name, std::vector<Filter> filters) {
  Participant& p = add_participant(std::move(name), std::move(filters));
  return std::make_unique<Port>(*this, p);
}

void Hub::attach(Node& node, std::string name, std::vector<Filter> filters) {
  Participant& p = add_participant(std::move(name), std::move(filters));
  p.node = std::make_unique<NodeSlot>(*this, p.id, node);
  node.bind(*p.node);
}

void Hub::detach(Node& node) {
  auto& ps = m_participants;
  ps.erase(std::remove_if(ps.begin(), ps.end(),
                          [&node](auto& p) { return p->node && &p->node->node() == &node; }),
           ps.end());
}

void Hub::inject(const Frame& frame, std::string from) {
  transmit(frame, m_clock->now(), 0, std::move(from));
}

void Hub::inject_error(const BusError& error) {
  for (auto& p : m_participants)
    if (p->port) p->port->push(error);
}

void Hub::transmit(const Frame& frame, util::TimePoint at, std::uint64_t from,
                   std::string from_name) {
  util::TimePoint done = at;
  if (m_options.bitrate != 0) {
    util::TimePoint start = std::max(at, m_wire_free);
    done = start + wire_time(frame, m_options.bitrate);
    m_wire_free = done;
  }
  m_timeline.at(done, [this, frame, from, from_name = std::move(from_name)] {
    if (drop && drop(frame)) return;
    if (m_options.record) m_traffic.push_back(Record{m_clock->now(), frame, from_name});
    // Everyone on the bus when the frame completes receives it, even if a node's on_frame
    // attaches or detaches participants meanwhile.
    std::vector<std::uint64_t> receivers;
    for (const auto& p : m_participants)
      if (p->id != from && p->accepts(frame)) receivers.push_back(p->id);
    for (std::uint64_t id : receivers) {
      Participant* p = find(id);
      if (p == nullptr) continue;
      if (p->port) p->port->push(frame);
      if (p->node) p->node->node().on_frame(frame);
    }
  });
}

void Hub::step_until(util::TimePoint until, const std::function<bool()>& done) {
  for (;;) {
    m_timeline.run_due(m_clock->now());
    if (done()) return;
    util::TimePoint now = m_clock->now();
    if (now >= until) return;
    std::optional<util::TimePoint> next = m_timeline.next();
    m_clock->sleep_until(next ? std::min(*next, until) : until);
  }
}

void Hub::run_until(util::TimePoint until) {
  step_until(until, [] { return false; });
}

}  // namespace can
