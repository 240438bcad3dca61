// Every-point interruption of a firmware update (the method trusted bootloaders are tested
// with): record the N events of a clean flash (every frame on the bus and every erase/program
// step of the simulated bootloader); then for every i in 1..N-1 cut the run at event i with each
// of three faults (the pack loses power, the bus vanishes, the tool is killed), let time pass,
// and run the update again as the tool tells the user to. Every case must end with an
// application running whose flash matches its image's CRC, and an interrupted run must never
// report success unless the new image is in place. Then 200 seeded runs with five chained
// random interruptions each.

#include <cstdio>
#include <memory>
#include <random>
#include <string>

#include <catch2/catch.hpp>

#include "bms/flasher.hpp"
#include "can/hub.hpp"
#include "fw/image.hpp"
#include "isotp/channel.hpp"
#include "sim/battery.hpp"
#include "uds/client.hpp"

namespace {

using namespace std::chrono_literals;

constexpr int k_hw = 3;
constexpr fw::Version k_old{1, 4, 2};
constexpr fw::Version k_new{1, 5, 0};
constexpr std::size_t k_image_size = 2048;
constexpr std::size_t k_start_image_size = 64 * 1024;  // what sim::Diagnostics holds at start

enum class Fault { power_cut, bus_vanishes, tool_killed };
const char* fault_name(Fault f) {
  switch (f) {
    case Fault::power_cut: return "power cut";
    case Fault::bus_vanishes: return "bus vanishes";
    case Fault::tool_killed: return "tool killed";
  }
  return "?";
}

struct Killed {};  // thrown through the tool's stack: the process is gone

// Counts events and fires the fault at event `cut_at` (0: never).
struct Cutter {
  long count = 0;
  long cut_at = 0;
  Fault fault = Fault::power_cut;
  bool tool_dead = false;  // bus vanished or tool killed: the tool's bus stops working
  bool fired = false;

  // Returns true when the event is the cut.
  bool event() {
    ++count;
    if (fired || count != cut_at) return false;
    fired = true;
    if (fault != Fault::power_cut) tool_dead = true;
    return true;
  }
};

// The tool's view of the bus: dies with the cut.
class ToolBus final : public can::Bus {
public:
  ToolBus(std::unique_ptr<can::Bus> port, Cutter& cutter) : m_port(std::move(port)), m_cutter(cutter) {}
  util::Result<void> send(const can::Frame& frame, util::TimePoint deadline) override {
    if (auto dead = check(); !dead) return dead;
    return m_port->send(frame, deadline);
  }
  util::Result<std::optional<can::Event>> receive(util::TimePoint deadline) override {
    if (auto dead = check(); !dead) return tl::unexpected(dead.error());
    auto event = m_port->receive(deadline);
    if (auto dead = check(); !dead) return tl::unexpected(dead.error());
    return event;
  }
  util::Clock& clock() override { return m_port->clock(); }
  const std::string& name() const override { return m_port->name(); }

private:
  util::Result<void> check() {
    if (!m_cutter.tool_dead) return {};
    if (m_cutter.fault == Fault::tool_killed) throw Killed{};
    return util::fail(util::Errc::interface_error, "CAN interface vanished");
  }
  std::unique_ptr<can::Bus> m_port;
  Cutter& m_cutter;
};

struct Outcome {
  bool reported_success = false;
  bool killed = false;
  std::optional<util::Error> error;
  bool erased = false;
};

class Rig {
public:
  Rig() : battery(config(), bms::FrameMap::builtin()) {
    hub.attach(battery, "bms");
    image.bytes = sim::synthetic_image(k_hw, k_new, k_image_size);
    image.source = "new.bin";
    hub.drop = [this](const can::Frame&) {
      if (!cutter.event()) return false;
      if (cutter.fault == Fault::power_cut) battery.diagnostics().power_cut();
      return true;  // the frame under the cut does not arrive
    };
    battery.diagnostics().faults().on_event = [this](const sim::DiagEvent&) {
      return cutter.event() && cutter.fault == Fault::power_cut;
    };
  }

  static sim::BatteryConfig config() {
    sim::BatteryConfig c;
    c.diag.max_block = 514;  // four blocks for the 2 KiB image: program steps to cut between
    return c;
  }

  // One run of `rocketctl flash new.bin --yes`, as a fresh process would do it.
  Outcome flash() {
    Outcome out;
    ToolBus bus(hub.open_port("tool", {can::Filter{0x18004000U, 0x1F00FF00U}}), cutter);
    bms::Client poll(bus, bms::FrameMap::builtin());
    isotp::Config ic;
    ic.tx_id = isotp::diag_id(0x01, 0x40);
    ic.rx_id = isotp::diag_id(0x40, 0x01);
    isotp::Channel channel(bus, ic);
    uds::Client uds(channel);
    bms::Flasher flasher(poll, uds);
    try {
      auto pack = flasher.inspect();
      if (!pack) {
        out.error = pack.error();
        return out;
      }
      if (auto ok = flasher.check_image(*pack, image, {}); !ok) {
        out.error = ok.error();
        return out;
      }
      if (auto ok = flasher.check_ready(*pack); !ok) {
        out.error = ok.error();
        return out;
      }
      auto result = flasher.run(*pack, image);
      out.erased = flasher.erased();
      if (result) out.reported_success = true;
      else out.error = result.error();
    } catch (const Killed&) {
      out.killed = true;
    }
    return out;
  }

  // The time a technician takes to notice and type the command again.
  void wait(util::Duration d) { hub.run_until(hub.clock().now() + d); }

  void disarm() {
    cutter.cut_at = 0;
    cutter.tool_dead = false;
  }

  std::uint32_t flash_crc(std::size_t size) const {
    const auto& f = battery.diagnostics().flash();
    return fw::crc32(std::span(f).first(size));
  }
  bool runs_new() const {
    return battery.diagnostics().mode() == bms::Mode::application &&
           battery.diagnostics().firmware() == bms::FirmwareVersion{1, 5, 0} &&
           flash_crc(k_image_size) == fw::crc32(image.bytes);
  }
  bool runs_old() const {
    return battery.diagnostics().mode() == bms::Mode::application &&
           battery.diagnostics().firmware() == bms::FirmwareVersion{1, 4, 2} &&
           flash_crc(k_start_image_size) == fw::crc32(sim::synthetic_image(k_hw, k_old, k_start_image_size));
  }

  can::Hub hub{can::Hub::Options{can::Hub::Timing::simulated, 250000, false}};
  sim::Battery battery;
  fw::Image image;
  Cutter cutter;
};

// Runs the update again the way the tool told the user to; returns a description of what is
// wrong, empty when the pack ends up running the new image.
std::string recover(Rig& rig) {
  rig.disarm();
  rig.wait(6s);  // past the 5 s programming-session limit: every pending restart has happened
  Outcome again = rig.flash();
  if (again.killed) return "recovery run killed";
  const bool already = again.error && again.error->code == util::Errc::rejected && rig.runs_new();
  if (!again.reported_success && !already)
    return "recovery failed: " + (again.error ? again.error->message : std::string("?"));
  if (!rig.runs_new()) return "recovery reported success but the pack does not run the new image";
  return {};
}

}  // namespace

TEST_CASE("flash: a clean run, counted event by event", "[flash][interruption]") {
  Rig rig;
  REQUIRE(rig.runs_old());
  Outcome out = rig.flash();
  INFO((out.error ? out.error->message : std::string()));
  REQUIRE(out.reported_success);
  CHECK(rig.runs_new());
  CHECK(rig.battery.diagnostics().stats().blocks_written == 4);
  CHECK(rig.cutter.count > 300);  // 2 KiB in 7-byte frames, plus the steps
}

TEST_CASE("flash: interrupted at every event by each fault, the same command finishes it",
          "[flash][interruption][slow]") {
  long n = 0;
  {
    Rig clean;
    REQUIRE(clean.flash().reported_success);
    n = clean.cutter.count;
  }
  int cases = 0, failures_reported = 0, success_reported = 0, already_new = 0;
  for (Fault fault : {Fault::power_cut, Fault::bus_vanishes, Fault::tool_killed}) {
    for (long i = 1; i < n; ++i) {
      Rig rig;
      rig.cutter.cut_at = i;
      rig.cutter.fault = fault;
      Outcome cut = rig.flash();
      ++cases;
      INFO(fault_name(fault) << " at event " << i << " of " << n);
      REQUIRE(rig.cutter.fired);
      if (cut.reported_success) {
        // Only a cut after the BMS verified the image and restarted may leave success standing.
        ++success_reported;
        REQUIRE(rig.runs_new());
        continue;
      }
      if (!cut.killed) ++failures_reported;
      if (rig.runs_new()) ++already_new;
      const std::string problem = recover(rig);
      INFO(problem);
      REQUIRE(problem.empty());
    }
  }
  std::printf("every-point interruption: N = %ld events, %d cases (3 faults x %ld), failures reported %d, "
              "success reported %d, new image already running before recovery %d\n",
              n, cases, n - 1, failures_reported, success_reported, already_new);
  CHECK(cases == 3 * (n - 1));
}

TEST_CASE("flash: 200 seeded runs with five chained random interruptions each", "[flash][interruption][slow]") {
  long n = 0;
  {
    Rig clean;
    REQUIRE(clean.flash().reported_success);
    n = clean.cutter.count;
  }
  int fired = 0;
  for (unsigned seed = 1; seed <= 200; ++seed) {
    std::mt19937 random(seed);
    Rig rig;
    for (int k = 0; k < 5; ++k) {
      rig.disarm();
      rig.cutter.count = 0;
      rig.cutter.fired = false;
      rig.cutter.cut_at = std::uniform_int_distribution<long>(1, n)(random);
      rig.cutter.fault = static_cast<Fault>(std::uniform_int_distribution<int>(0, 2)(random));
      Outcome cut = rig.flash();
      if (rig.cutter.fired) ++fired;
      INFO("seed " << seed << ", interruption " << k + 1 << ": " << fault_name(rig.cutter.fault) << " at event "
                   << rig.cutter.cut_at);
      if (cut.reported_success) REQUIRE(rig.runs_new());
      rig.disarm();
      rig.wait(6s);
    }
    INFO("seed " << seed);
    const std::string problem = recover(rig);
    INFO(problem);
    REQUIRE(problem.empty());
  }
  std::printf("chained interruptions: 200 runs x 5, %d cuts fired (the others fell after a run had ended)\n", fired);
  CHECK(fired > 500);
}
