#pragma once
// A participant that a bus driver steps: the simulated battery. The same node runs on the
// in-process hub (can::Hub) and on a real interface (sim::Runner), through NodeContext.

#include <functional>

#include "can/frame.hpp"
#include "util/clock.hpp"

namespace can {

class NodeContext {
public:
  virtual ~NodeContext() = default;
  virtual util::TimePoint now() const = 0;
  // Puts `frame` on the bus at `at` (clamped to now); frames leave in the order they were given.
  virtual void transmit(const Frame& frame, util::TimePoint at) = 0;
  // Runs `action` at `at` (a timer: standby, restart, session expiry).
  virtual void call_at(util::TimePoint at, std::function<void()> action) = 0;
};

class Node {
public:
  virtual ~Node() = default;
  // Called for every frame on the bus that passes the node's filters (never its own).
  virtual void on_frame(const Frame& frame) = 0;
  // Called once by the bus driver before any frame; then on_started().
  void bind(NodeContext& context) {
    m_context = &context;
    on_started();
  }

protected:
  // The node is on the bus: context() works from here on (a battery starts its clock).
  virtual void on_started() {}

  NodeContext& context() { return *m_context; }
  const NodeContext& context() const { return *m_context; }

private:
  NodeContext* m_context = nullptr;
};

}  // namespace can
