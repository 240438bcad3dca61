// `status --watch` and `check --samples` wait on the bus clock: the real command line
// (cli::run) against simulated packs on a hub in simulated time, so a minute of watching takes
// milliseconds and the session rules of §3.3 are checked on the exact times of the requests.

#include <unistd.h>

#include <cstdio>

#include <catch2/catch.hpp>

#include "app.hpp"
#include "bms/protocol.hpp"
#include "can/hub.hpp"
#include "run.hpp"
#include "sim/fleet.hpp"
#include "sim/options.hpp"

using namespace std::chrono_literals;

namespace {

// Simulated packs that every bus the command opens reaches; stdout and stderr go to a file.
struct Watch {
  explicit Watch(std::string_view options_text)
      : hub(can::Hub::Options{can::Hub::Timing::simulated, 0, true}) {
    auto options = sim::parse_options(options_text);
    REQUIRE(options);
    auto created = sim::Fleet::create(*options, bms::FrameMap::builtin());
    REQUIRE(created);
    fleet = std::move(*created);
    fleet->attach(hub);
    cli::set_bus_provider([this](const std::string&, const std::vector<can::Filter>& filters) {
      return hub.open_port("tool", filters);
    });
  }
  ~Watch() { cli::set_bus_provider({}); }

  // Runs rocketctl with `args`; Ctrl-C comes after `stop_after` of simulated time.
  int run(std::vector<std::string> args, util::Duration stop_after) {
    cli::g_stop.store(false);
    hub.timeline().at(hub.clock().now() + stop_after, [] { cli::g_stop.store(true); });
    args.insert(args.begin(), {"rocketctl", "-i", "sim"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    std::fflush(stdout);
    std::fflush(stderr);
    const int out = ::dup(STDOUT_FILENO), err = ::dup(STDERR_FILENO);
    std::FILE* sink = std::tmpfile();
    ::dup2(fileno(sink), STDOUT_FILENO);
    ::dup2(fileno(sink), STDERR_FILENO);
    const int status = cli::run(static_cast<int>(argv.size()), argv.data(), "test");
    std::fflush(stdout);
    std::fflush(stderr);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    ::close(out);
    ::close(err);
    std::fclose(sink);
    cli::g_stop.store(false);
    return status;
  }

  // When the tool sent each poll request to `bms`, in order.
  std::vector<util::TimePoint> requests_to(std::uint8_t bms) const {
    std::vector<util::TimePoint> at;
    for (const auto& r : hub.traffic()) {
      auto id = bms::parse_poll_id(r.frame.id);
      if (r.frame.extended && id && id->dst == bms && bms::is_tool_address(id->src)) at.push_back(r.at);
    }
    return at;
  }

  can::Hub hub;
  std::unique_ptr<sim::Fleet> fleet;
};

util::Duration longest_gap(const std::vector<util::TimePoint>& at) {
  util::Duration longest{};
  for (std::size_t i = 1; i < at.size(); ++i) longest = std::max(longest, at[i] - at[i - 1]);
  return longest;
}

}  // namespace

TEST_CASE("status --watch 5 for a minute keeps the session: a request at least every 5 s", "[protocol][watch]") {
  Watch w("packs=1");
  const util::TimePoint start = w.hub.clock().now();
  CHECK(w.run({"status", "--watch", "5"}, 60s) == 0);
  CHECK(w.hub.clock().now() - start >= 60s);
  CHECK(w.hub.clock().now() - start < 61s);
  auto at = w.requests_to(0x01);
  REQUIRE(at.size() > 12 * 12);  // 12 readings of 12 requests at least
  CHECK(longest_gap(at) <= 5s);
  CHECK(w.fleet->batteries()[0]->stats().naks == 0);  // the session never lapsed
}

TEST_CASE("status --watch on several packs keeps every session", "[protocol][watch]") {
  Watch w("packs=3");
  CHECK(w.run({"--address", "all", "status", "--watch", "7"}, 60s) == 0);
  for (std::uint8_t a = 1; a <= 3; ++a) {
    CHECK(longest_gap(w.requests_to(a)) <= 5s);
    CHECK(w.fleet->batteries()[a - 1]->stats().naks == 0);
  }
}

TEST_CASE("status --watch: a pack silent for more than 10 s is reconnected when it returns", "[protocol][watch]") {
  Watch w("packs=1");
  sim::Battery& b = *w.fleet->batteries()[0];
  const util::TimePoint start = w.hub.clock().now();
  w.hub.timeline().at(start + 10s, [&b] { b.config().standby = true; });
  w.hub.timeline().at(start + 30s, [&b] { b.wake(); });
  w.run({"status", "--watch", "2"}, 60s);
  CHECK(b.stats().naks == 1);  // NAK 0x05 to the first request after the silence ...
  bool reconnected = false;    // ... and a CONNECT then
  for (const auto& r : w.hub.traffic())
    if (r.at > start + 30s && r.frame.id == 0x18010140U) reconnected = true;
  CHECK(reconnected);
  auto at = w.requests_to(0x01);
  REQUIRE_FALSE(at.empty());
  CHECK(at.back() - start > 55s);  // watching went on after the silence
}

TEST_CASE("check --samples 3 --interval 8: the samples 8 s apart on the bus clock, the session kept", "[protocol][watch]") {
  Watch w("packs=1");
  char limits[] = "/tmp/rocketctl-watch-XXXXXX";
  const int fd = ::mkstemp(limits);
  REQUIRE(fd >= 0);
  const std::string text = "[cells]\ncount = 10\n";
  REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fd);
  const util::TimePoint start = w.hub.clock().now();
  CHECK(w.run({"check", "--limits", limits, "--samples", "3", "--interval", "8"}, 600s) == 0);
  ::unlink(limits);
  CHECK(w.hub.clock().now() - start >= 16s);
  CHECK(w.hub.clock().now() - start < 17s);
  CHECK(longest_gap(w.requests_to(0x01)) <= 5s);
  CHECK(w.fleet->batteries()[0]->stats().naks == 0);
}
