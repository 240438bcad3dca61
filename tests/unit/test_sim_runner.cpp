// sim::Runner (what `rocketctl simulate` runs) serving a fleet through a can::Bus: here a port
// of a hub in simulated time, so that the bench's schedule and the tick are exact.

#include <atomic>
#include <catch2/catch.hpp>

#include "sim/fleet.hpp"
#include "sim/runner.hpp"

using namespace std::chrono_literals;

TEST_CASE("Runner serves a bench on a bus, its tick runs at least every 100 ms", "[sim]") {
  can::Hub hub;
  const util::TimePoint t0 = hub.clock().now();
  auto line = hub.open_port("line");
  auto options = sim::parse_options("bench=2,swap=1s,gap=500ms");
  REQUIRE(options);
  auto fleet = sim::Fleet::create(*options, bms::FrameMap::builtin());
  REQUIRE(fleet);
  sim::Runner runner(*line);
  for (auto& [name, node] : (*fleet)->nodes()) runner.add(*node);

  const std::vector<std::uint8_t> connect{1, 0, 0, 0, 0, 0, 0, 0};
  for (auto at : {100ms, 1200ms, 1600ms, 1800ms, 3000ms})
    hub.timeline().at(
        t0 + at, [&hub, &connect] { hub.inject(can::make_frame(0x1801FF40U, connect), "tool"); });
  // A "signal" at 1.7 s: the tick wakes every pack, as SIGUSR1 does in `simulate`.
  std::atomic<bool> wake{false};
  hub.timeline().at(t0 + 1700ms, [&wake] { wake = true; });
  (*fleet)->batteries()[1]->config().standby = true;

  std::atomic<bool> stop{false};
  util::TimePoint last_tick = t0;
  util::Duration longest{};
  int woken = -1;
  runner.set_tick([&] {
    auto now = hub.clock().now();
    longest = std::max(longest, now - last_tick);
    last_tick = now;
    if (wake.exchange(false)) woken = (*fleet)->wake_all();
    if (now >= t0 + 4s) stop = true;
  });
  REQUIRE(runner.run(stop));

  std::vector<std::pair<long, std::string>> answers;
  for (const auto& r : hub.traffic())
    if (r.from == "line")
      answers.emplace_back(std::chrono::duration_cast<std::chrono::milliseconds>(r.at - t0).count(),
                           can::to_string(r.frame));
  // 100 ms: pack 1; 1.2 s: the gap; 1.6 s: pack 2 asleep; 1.7 s woken, 1.8 s answers;
  // 3 s: after the last pack.
  CHECK(answers == std::vector<std::pair<long, std::string>>{{102, "18014001#010A020301040200"},
                                                             {1802, "18014001#010A020301040200"}});
  CHECK(woken == 1);
  CHECK(longest <= 100ms);
  CHECK(runner.frames_sent() == 2);
  CHECK(runner.frames_received() == 5);
}
