// can::Timeline: time order, ties in scheduling order, actions that schedule actions.

#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "can/timeline.hpp"

using namespace std::chrono_literals;

namespace {
const util::TimePoint k_t0{std::chrono::hours(1)};
}

TEST_CASE("an empty timeline", "[timeline]") {
  can::Timeline tl;
  CHECK(tl.empty());
  CHECK_FALSE(tl.next().has_value());
  tl.run_due(k_t0 + 24h);  // nothing to run, nothing happens
  CHECK(tl.empty());
}

TEST_CASE("actions run in time order, only when due", "[timeline]") {
  can::Timeline tl;
  std::string log;
  tl.at(k_t0 + 3ms, [&log] { log += 'c'; });
  tl.at(k_t0 + 1ms, [&log] { log += 'a'; });
  tl.at(k_t0 + 2ms, [&log] { log += 'b'; });
  tl.at(k_t0 + 10ms, [&log] { log += 'd'; });
  CHECK_FALSE(tl.empty());
  REQUIRE(tl.next());
  CHECK(*tl.next() == k_t0 + 1ms);

  tl.run_due(k_t0);  // before the first
  CHECK(log.empty());
  CHECK(*tl.next() == k_t0 + 1ms);

  tl.run_due(k_t0 + 2ms);  // "at or before now": 1 ms and 2 ms run
  CHECK(log == "ab");
  CHECK(*tl.next() == k_t0 + 3ms);

  tl.run_due(k_t0 + 9ms);
  CHECK(log == "abc");
  CHECK(*tl.next() == k_t0 + 10ms);

  tl.run_due(k_t0 + 10ms);
  CHECK(log == "abcd");
  CHECK(tl.empty());
  CHECK_FALSE(tl.next());
}

TEST_CASE("equal times run in the order they were scheduled", "[timeline]") {
  can::Timeline tl;
  std::vector<int> order;
  for (int i = 0; i < 20; ++i) {
    // Two interleaved groups: even ones at 5 ms, odd ones at 1 ms.
    tl.at(k_t0 + (i % 2 == 0 ? 5ms : 1ms), [&order, i] { order.push_back(i); });
  }
  tl.run_due(k_t0 + 5ms);
  std::vector<int> expected;
  for (int i = 1; i < 20; i += 2) expected.push_back(i);
  for (int i = 0; i < 20; i += 2) expected.push_back(i);
  CHECK(order == expected);
}

TEST_CASE("actions may schedule more, the due ones run in the same run_due", "[timeline]") {
  can::Timeline tl;
  std::string log;
  tl.at(k_t0 + 1ms, [&] {
    log += 'a';
    tl.at(k_t0 + 1ms, [&] { log += 'c'; });   // same time: after 'b', already queued at 1 ms
    tl.at(k_t0 + 2ms, [&] { log += 'e'; });   // due (now = 3 ms): runs in this call, after 'd'
    tl.at(k_t0, [&] { log += 'p'; });         // in the past: due at once, before later ones
    tl.at(k_t0 + 50ms, [&] { log += 'z'; });  // not due
  });
  tl.at(k_t0 + 1ms, [&log] { log += 'b'; });
  tl.at(k_t0 + 2ms, [&] {
    log += 'd';
    tl.at(k_t0 + 3ms, [&] {  // a chain: each link due, so all run now
      log += 'f';
      tl.at(k_t0 + 3ms, [&log] { log += 'g'; });
    });
  });

  tl.run_due(k_t0 + 3ms);
  CHECK(log == "apbcdefg");
  REQUIRE(tl.next());
  CHECK(*tl.next() == k_t0 + 50ms);
  tl.run_due(k_t0 + 50ms);
  CHECK(log == "apbcdefgz");
  CHECK(tl.empty());
}

TEST_CASE("next() follows what is scheduled", "[timeline]") {
  can::Timeline tl;
  tl.at(k_t0 + 7s, [] {});
  CHECK(*tl.next() == k_t0 + 7s);
  tl.at(k_t0 + 2s, [] {});
  CHECK(*tl.next() == k_t0 + 2s);
  tl.at(k_t0 + 9s, [] {});
  CHECK(*tl.next() == k_t0 + 2s);
  tl.run_due(k_t0 + 2s);
  CHECK(*tl.next() == k_t0 + 7s);
}

TEST_CASE("an action's captures are released after it runs", "[timeline]") {
  can::Timeline tl;
  auto token = std::make_shared<int>(42);
  tl.at(k_t0, [token] {});
  CHECK(token.use_count() == 2);
  tl.run_due(k_t0);
  CHECK(token.use_count() == 1);
}
