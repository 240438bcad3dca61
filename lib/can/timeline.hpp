#pragma once
// An ordered queue of timed actions: the event loop of the virtual hub and of `simulate`.

#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <vector>

#include "util/clock.hpp"

namespace can {

class Timeline {
public:
  using Action = std::function<void()>;

  // Schedules `action` to run at `when`; equal times run in the order they were scheduled.
  void at(util::TimePoint when, Action action);

  // The time of the earliest pending action.
  std::optional<util::TimePoint> next() const;

  // Runs every action due at or before `now` in time order; actions may schedule more
  // (those that are due run in this call too).
  void run_due(util::TimePoint now);

  bool empty() const { return m_queue.empty(); }

private:
  struct Entry {
    util::TimePoint when;
    std::uint64_t seq;
    Action action;
    bool operator>(const Entry& o) const { return when != o.when ? when > o.when : seq > o.seq; }
  };
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> m_queue;
  std::uint64_t m_seq = 0;
};

}  // namespace can
