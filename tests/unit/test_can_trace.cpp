// --trace (can/trace.hpp): a status exchange with the simulated battery, traced through
// TracingBus and parsed back, equals what went over the hub; bus faults become error frames;
// the inner bus's receive times are used; the file is complete whenever the bus is idle.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "bms/snapshot.hpp"
#include "can/candump.hpp"
#include "can/hub.hpp"
#include "can/trace.hpp"
#include "sim/battery.hpp"

namespace {

using SysTime = std::chrono::system_clock::time_point;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string stream_text(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string text;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
  return text;
}

// A bus that hands out scripted events and says when it received them.
class ScriptedBus final : public can::Bus {
public:
  std::vector<can::Event> events;
  std::optional<SysTime> stamp;
  util::Result<void> send(const can::Frame&, util::TimePoint) override { return {}; }
  util::Result<std::optional<can::Event>> receive(util::TimePoint) override {
    if (events.empty()) return std::optional<can::Event>{};
    auto e = events.front();
    events.erase(events.begin());
    return std::optional<can::Event>{e};
  }
  util::Clock& clock() override { return m_clock; }
  const std::string& name() const override { return m_name; }
  std::optional<SysTime> last_timestamp() const override { return stamp; }
  std::optional<can::ControllerStatus> controller_status() override {
    return can::ControllerStatus{"ERROR-PASSIVE", 130, 2, 250000};
  }

private:
  util::ManualClock m_clock;
  std::string m_name = "can 7";
};

}  // namespace

TEST_CASE("trace: a status exchange traced over the hub parses back equal to the traffic",
          "[can][trace]") {
  can::Hub hub;
  sim::Battery battery({}, bms::FrameMap::builtin());
  hub.attach(battery, "bms");
  const auto t0 = hub.clock().now();
  const SysTime epoch{std::chrono::seconds(1764000000)};
  // The wall clock follows the hub's simulated clock, so the times are known too.
  auto wall = [&] {
    return epoch + std::chrono::duration_cast<SysTime::duration>(hub.clock().now() - t0);
  };
  std::FILE* out = std::tmpfile();
  REQUIRE(out);
  {
    auto writer = std::make_shared<can::TraceWriter>(out);
    can::TracingBus bus(hub.open_port("sim", {can::Filter{0x18004000U, 0x1F00FF00U}}), writer,
                        wall);
    bms::Client client(bus, bms::FrameMap::builtin(), {});
    auto snap = bms::read_snapshot(client, bms::k_all_parts);
    REQUIRE(snap);
  }  // closing the bus flushes
  auto lines = lines_of(stream_text(out));
  std::fclose(out);

  REQUIRE(lines.size() == hub.traffic().size());
  REQUIRE(lines.size() > 20);  // CONNECT ... SHELL RESISTANCE with their multi-frame answers
  std::int64_t previous = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    INFO(lines[i]);
    auto r = can::parse_candump_line(lines[i]);
    REQUIRE(r);
    CHECK(r->iface == "sim");
    CHECK_FALSE(r->error);
    CHECK(r->frame == hub.traffic()[i].frame);
    // Every time is the simulated time the frame was on the bus, as wall time.
    auto on_bus = can::to_micros(
        epoch + std::chrono::duration_cast<SysTime::duration>(hub.traffic()[i].at - t0));
    CHECK(r->time_us == on_bus);
    CHECK(r->time_us >= previous);
    previous = r->time_us;
  }
  CHECK(lines.front().substr(20) == "sim 18010140#0100000000000000");
  CHECK(lines[1].substr(20) == "sim 18014001#010A020301040200");
}

TEST_CASE("trace: faults become error frames, receive times come from the inner bus",
          "[can][trace]") {
  auto inner = std::make_unique<ScriptedBus>();
  ScriptedBus& scripted = *inner;
  scripted.events.push_back(can::make_frame(0x18104001, std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  scripted.events.push_back(can::BusError{can::BusError::Kind::bus_off, 256, 3});
  scripted.stamp = SysTime{std::chrono::microseconds(1700000000000001)};
  std::FILE* out = std::tmpfile();
  REQUIRE(out);
  auto writer = std::make_shared<can::TraceWriter>(out);
  const SysTime wall_now{std::chrono::seconds(1800000000)};
  can::TracingBus bus(std::move(inner), writer, [&] { return wall_now; });

  // Forwarded as they are.
  CHECK(bus.name() == "can 7");
  CHECK(bus.last_timestamp() == scripted.stamp);
  CHECK(bus.controller_status()->state == "ERROR-PASSIVE");

  const auto deadline = bus.clock().now();
  REQUIRE(bus.receive(deadline).value());
  scripted.stamp.reset();  // a transport without receive times: the wall clock
  REQUIRE(bus.receive(deadline).value());
  REQUIRE(bus.send(can::make_frame(0x18100140, std::vector<std::uint8_t>(8, 0)), deadline));
  // Nothing more: the idle receive flushes, so the stream is complete without a close.
  REQUIRE_FALSE(bus.receive(deadline).value());
  auto lines = lines_of(stream_text(out));
  REQUIRE(lines.size() == 3);
  // The iface column is one word; counters above 255 are clamped in the byte.
  CHECK(lines[0] == "(1700000000.000001) can_7 18104001#0102030405060708");
  CHECK(lines[1] == "(1800000000.000000) can_7 20000240#000000000000FF03");
  CHECK(lines[2] == "(1800000000.000000) can_7 18100140#0000000000000000");
  auto fault = can::parse_candump_line(lines[1]);
  REQUIRE(fault);
  CHECK(can::bus_error_of(*fault).kind == can::BusError::Kind::bus_off);
  std::fclose(out);
}

TEST_CASE("trace: a file holds only whole lines after each flush, a bad path is an io error",
          "[can][trace]") {
  auto dir = std::filesystem::temp_directory_path() / "rocketctl_trace_test";
  std::filesystem::create_directories(dir);
  auto path = dir / "t.log";
  auto writer = can::TraceWriter::open(path.string());
  REQUIRE(writer);
  const SysTime t{std::chrono::seconds(5)};
  for (int i = 0; i < 3; ++i)
    (*writer)->frame(t, "sim", can::make_frame(0x18DA0140U, std::vector<std::uint8_t>{3, 0x22, 0xF1, 0xA0}));
  (*writer)->flush();
  CHECK(read_file(path) ==
        "(0000000005.000000) sim 18DA0140#0322F1A000000000\n"
        "(0000000005.000000) sim 18DA0140#0322F1A000000000\n"
        "(0000000005.000000) sim 18DA0140#0322F1A000000000\n");
  CHECK((*writer)->status());
  writer->reset();

  auto bad = can::TraceWriter::open((dir / "no-such-dir" / "t.log").string());
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == util::Errc::io);
  CHECK(bad.error().message.rfind("cannot write trace file ", 0) == 0);
  CHECK(bad.error().message.find("No such file or directory") != std::string::npos);
  std::filesystem::remove_all(dir);
}
