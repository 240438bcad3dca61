#include "sim/runner.hpp"

#include <algorithm>

namespace sim {

void Runner::add(can::Node& node) {
  m_nodes.push_back(&node);
  node.bind(*this);
}

void Runner::transmit(const can::Frame& frame, util::TimePoint at) {
  m_timeline.at(at, [this, frame] {
    auto sent = m_bus.send(frame, now() + std::chrono::milliseconds(100));
    if (sent)
      ++m_sent;
    else if (!m_send_error)
      m_send_error = sent.error();
  });
}

void Runner::call_at(util::TimePoint at, std::function<void()> action) {
  m_timeline.at(at, std::move(action));
}

util::Result<void> Runner::run(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    if (m_tick) m_tick();
    m_timeline.run_due(now());
    if (m_send_error && m_send_error->code == util::Errc::interface_error)
      return tl::unexpected(*m_send_error);
    util::TimePoint wake = now() + std::chrono::milliseconds(100);
    if (auto next = m_timeline.next()) wake = std::min(wake, *next);
    auto event = m_bus.receive(wake);
    if (!event) return tl::unexpected(event.error());
    if (!*event) continue;
    if (const auto* frame = std::get_if<can::Frame>(&**event)) {
      ++m_received;
      for (can::Node* node : m_nodes) node->on_frame(*frame);
    }
  }
  return {};
}

}  // namespace sim
