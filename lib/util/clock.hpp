#pragma once
// Monotonic time for deadlines. Every wait in libbms goes through a Clock, so tests can
// replace the system clock with a ManualClock and run timeouts in simulated time.

#include <chrono>

namespace util {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::steady_clock::time_point;
using namespace std::chrono_literals;

class Clock {
public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  // Returns at or after `when` (at once when it has passed).
  virtual void sleep_until(TimePoint when) = 0;
};

// The steady system clock; sleeps for real.
class SystemClock final : public Clock {
public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  void sleep_until(TimePoint when) override;
};

// Simulated time: starts at a fixed point, moves only when told to. Sleeping advances it.
class ManualClock final : public Clock {
public:
  TimePoint now() const override { return m_now; }
  void sleep_until(TimePoint when) override {
    if (when > m_now) m_now = when;
  }
  void advance(Duration d) { m_now += d; }

private:
  TimePoint m_now{std::chrono::hours(1)};
};

}  // namespace util
