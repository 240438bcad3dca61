#include "can/timeline.hpp"

namespace can {

void Timeline::at(util::TimePoint when, Action action) {
  m_queue.push(Entry{when, m_seq++, std::move(action)});
}

std::optional<util::TimePoint> Timeline::next() const {
  if (m_queue.empty()) return std::nullopt;
  return m_queue.top().when;
}

void Timeline::run_due(util::TimePoint now) {
  while (!m_queue.empty() && m_queue.top().when <= now) {
    Action action = std::move(const_cast<Entry&>(m_queue.top()).action);
    m_queue.pop();
    action();
  }
}

}  // namespace can
