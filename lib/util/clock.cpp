#include "util/clock.hpp"

#include <thread>

namespace util {

void SystemClock::sleep_until(TimePoint when) { std::this_thread::sleep_until(when); }

}  // namespace util
