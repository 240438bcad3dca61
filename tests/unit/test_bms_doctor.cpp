// rocketctl doctor: diagnose() case by case from hand-built observations, the probes on a
// simulated bus (simulated time: the round trip is exact), examine() with fake surroundings,
// and the simulator's link faults (link=) as the tool sees them through SimBus.

#include <catch2/catch.hpp>

#include <algorithm>

#include "bms/doctor.hpp"
#include "sim/sim_bus.hpp"
#include "test_sim_rig.hpp"

using namespace std::chrono_literals;
namespace doc = bms::doctor;
using doc::Diagnosis;

namespace {

can::InterfaceInfo iface(std::string name, bool up, bool is_virtual,
                         std::optional<std::uint32_t> bitrate = std::nullopt,
                         std::string state = "") {
  can::InterfaceInfo i;
  i.name = std::move(name);
  i.up = up;
  i.is_virtual = is_virtual;
  i.bitrate = bitrate;
  i.state = std::move(state);
  return i;
}

// can0 up at 250 kbit/s, error-active, probed: nothing seen yet.
doc::Observations can0() {
  doc::Observations o;
  o.interface = "can0";
  o.transport = doc::Transport::socketcan;
  o.interfaces = {iface("can0", true, false, 250000, "ERROR-ACTIVE"), iface("vcan0", true, true)};
  o.link = o.interfaces.front();
  o.controller = can::ControllerStatus{"ERROR-ACTIVE", 0, 0, 250000};
  o.probe = doc::ProbeResult{};
  return o;
}

bool has(const std::vector<std::string>& lines, const std::string& needle) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(needle) != std::string::npos; });
}

bms::ConnectInfo reference_connect() {
  bms::ConnectInfo c;
  c.cell_count = 10;
  c.sensor_count = 2;
  c.hardware_revision = 3;
  c.firmware = {1, 4, 2};
  return c;
}

doc::ProbeOptions quick(std::uint8_t bms = 1) {
  doc::ProbeOptions p;
  p.bms = bms;
  p.listen = 20ms;
  p.timeout = 30ms;
  p.broadcast_window = 30ms;
  return p;
}

}  // namespace

TEST_CASE("doctor: a missing interface lists the CAN interfaces there are", "[doctor]") {
  doc::Observations o = can0();
  o.interface = "can1";
  o.link.reset();
  o.probe.reset();
  auto r = doc::diagnose(o);
  CHECK(r.diagnosis == Diagnosis::interface_missing);
  CHECK(r.summary == "no CAN interface 'can1'");
  CHECK(has(r.actions, "CAN interfaces here: can0 (up, 250000 bit/s), vcan0 (up, virtual)"));
  CHECK_FALSE(doc::should_probe(o));

  o.interfaces.clear();
  r = doc::diagnose(o);
  CHECK(has(r.actions, "this machine has no CAN interfaces"));
  CHECK(has(r.actions, "-i sim"));

  o.exists_not_can = true;
  o.interface = "eth0";
  CHECK(doc::diagnose(o).summary == "'eth0' is not a CAN interface");
}

TEST_CASE("doctor: a transport that cannot open is missing, with its own message", "[doctor]") {
  doc::Observations o;
  o.interface = "ecan";
  o.transport = doc::Transport::other;
  o.open_error = util::Error{util::Errc::interface_error, "no USB-CAN device: plug it in"};
  auto r = doc::diagnose(o);
  CHECK(r.diagnosis == Diagnosis::interface_missing);
  CHECK(r.summary == "cannot use ecan: no USB-CAN device: plug it in");
  CHECK_FALSE(doc::should_probe(o));
}

TEST_CASE("doctor: a down interface gives the ip link command to bring it up", "[doctor]") {
  doc::Observations o = can0();
  o.link->up = false;
  o.probe.reset();
  auto r = doc::diagnose(o);
  CHECK(r.diagnosis == Diagnosis::interface_down);
  CHECK(r.summary == "interface can0 is down");
  CHECK(r.actions == std::vector<std::string>{"sudo ip link set can0 up"});
  CHECK_FALSE(doc::should_probe(o));

  o.link->bitrate.reset();  // never configured
  CHECK(doc::diagnose(o).actions ==
        std::vector<std::string>{"sudo ip link set can0 up type can bitrate 250000"});

  o.interface = "vcan1";
  o.link = iface("vcan1", false, true);
  CHECK(doc::diagnose(o).actions == std::vector<std::string>{"sudo ip link set vcan1 up"});

  doc::Observations other;
  other.interface = "ecan";
  other.transport = doc::Transport::other;
  other.controller = can::ControllerStatus{"STOPPED", {}, {}, {}};
  CHECK(doc::diagnose(other).diagnosis == Diagnosis::interface_down);
}

TEST_CASE("doctor: a wrong bitrate prints the three ip link commands, vcan has none", "[doctor]") {
  doc::Observations o = can0();
  o.link->bitrate = 500000;
  o.probe.reset();
  CHECK_FALSE(doc::should_probe(o));  // our frames would disturb the bus
  auto r = doc::diagnose(o);
  CHECK(r.diagnosis == Diagnosis::wrong_bitrate);
  CHECK(r.summary == "can0 runs at 500000 bit/s; the battery talks at 250000 bit/s");
  CHECK(r.actions == std::vector<std::string>{"sudo ip link set can0 down",
                                              "sudo ip link set can0 type can bitrate 250000",
                                              "sudo ip link set can0 up"});

  doc::Observations v = can0();
  v.interface = "vcan0";
  v.link = iface("vcan0", true, true);
  v.controller = can::ControllerStatus{};
  CHECK(doc::should_probe(v));
  CHECK(doc::diagnose(v).diagnosis == Diagnosis::bms_asleep);

  doc::Observations s;
  s.interface = "sim";
  s.transport = doc::Transport::sim;
  s.controller = can::ControllerStatus{"ERROR-ACTIVE", 0, 0, 125000};
  CHECK(doc::diagnose(s).diagnosis == Diagnosis::wrong_bitrate);
}

TEST_CASE("doctor: bus-off shows the counters, the checks and the restart", "[doctor]") {
  doc::Observations o = can0();
  o.link->state = "BUS-OFF";
  o.controller = can::ControllerStatus{"BUS-OFF", 256, 3, 250000};
  o.probe.reset();
  CHECK_FALSE(doc::should_probe(o));
  auto r = doc::diagnose(o);
  CHECK(r.diagnosis == Diagnosis::bus_off);
  CHECK(r.summary.find("bus-off (tx errors 256, rx errors 3)") != std::string::npos);
  CHECK(has(r.actions, "termination: 120 ohm"));
  CHECK(has(r.actions, "CAN-H and CAN-L not swapped"));
  CHECK(has(r.actions, "every other node on the bus runs at 250000 bit/s"));
  CHECK(has(r.actions, "sudo ip link set can0 down; sudo ip link set can0 up"));

  // A bus-off event while probing counts as much as the state.
  doc::Observations e = can0();
  e.probe->bus_errors[can::BusError::Kind::bus_off] = 1;
  CHECK(doc::diagnose(e).diagnosis == Diagnosis::bus_off);
}

TEST_CASE("doctor: error-passive, unless no acknowledgement explains it", "[doctor]") {
  doc::Observations o = can0();
  o.controller = can::ControllerStatus{"ERROR-PASSIVE", 136, 0, 250000};
  auto r = doc::diagnose(o);
  CHECK(r.diagnosis == Diagnosis::error_passive);
  CHECK(r.summary.find("error-passive (tx errors 136, rx errors 0)") != std::string::npos);
  CHECK(has(r.actions, "termination"));

  // A lone node goes error-passive from missing ACKs: the cause is named, not the symptom.
  o.probe->bus_errors[can::BusError::Kind::no_ack] = 3;
  CHECK(doc::diagnose(o).diagnosis == Diagnosis::no_ack);

  // Turned error-passive during our probes, transmit counter only, nothing on the bus: a lone
  // node whose driver reports state changes rather than CAN_ERR_ACK frames.
  doc::Observations lone = can0();
  lone.controller_before_probe = can::ControllerStatus{"ERROR-ACTIVE", 0, 0, 250000};
  lone.controller = can::ControllerStatus{"ERROR-PASSIVE", 128, 0, 250000};
  r = doc::diagnose(lone);
  CHECK(r.diagnosis == Diagnosis::no_ack);
  CHECK(r.summary.find("turned error-passive while sending (tx errors 128, rx errors 0)") !=
        std::string::npos);
  lone.controller->rx_errors = 40;  // others' frames fail too: the bus itself is faulty
  CHECK(doc::diagnose(lone).diagnosis == Diagnosis::error_passive);
  lone.controller->rx_errors = 0;
  lone.probe->other_frames = 3;  // something else talks: not a lone node
  CHECK(doc::diagnose(lone).diagnosis == Diagnosis::error_passive);

  // The BMS answers, but the controller is error-passive: still a bus fault.
  doc::Observations a = can0();
  a.controller = can::ControllerStatus{"ERROR-PASSIVE", 130, 0, 250000};
  a.probe->answer = reference_connect();
  r = doc::diagnose(a);
  CHECK(r.diagnosis == Diagnosis::error_passive);
  CHECK(r.summary.find("BMS 0x01 still answers") != std::string::npos);
}

TEST_CASE("doctor: no acknowledgement names connector, standby and bitrate", "[doctor]") {
  doc::Observations o = can0();
  o.probe->bus_errors[can::BusError::Kind::no_ack] = 4;
  o.probe->requests = 4;
  auto r = doc::diagnose(o);
  CHECK(r.diagnosis == Diagnosis::no_ack);
  CHECK(r.summary.find("nothing acknowledges our frames on can0 (4 no-acknowledgement errors)") == 0);
  CHECK(has(r.actions, "data connector"));
  CHECK(has(r.actions, "charge it for 1-2 s"));
  CHECK(has(r.actions, "250000 bit/s"));

  doc::Observations q = can0();
  q.probe->send_error = util::Error{util::Errc::bus_error, "transmit queue full"};
  r = doc::diagnose(q);
  CHECK(r.diagnosis == Diagnosis::no_ack);
  CHECK(r.summary.find("transmit queue full") != std::string::npos);

  doc::Observations gone = can0();
  gone.probe->send_error = util::Error{util::Errc::interface_error, "interface can0 disappeared"};
  CHECK(doc::diagnose(gone).diagnosis == Diagnosis::interface_missing);
}

TEST_CASE("doctor: another BMS answers: its address and --address are suggested", "[doctor]") {
  doc::Observations o = can0();
  o.probe->other_addresses = {2};
  auto r = doc::diagnose(o);
  CHECK(r.diagnosis == Diagnosis::bms_silent);
  CHECK(r.summary == "BMS 0x01 does not answer on can0, but BMS 0x02 does");
  CHECK(has(r.actions, "use --address 2"));

  o.probe->other_addresses = {2, 5};
  CHECK(doc::diagnose(o).summary == "BMS 0x01 does not answer on can0, but BMSs 0x02, 0x05 do");

  doc::Observations t = can0();
  t.probe->other_frames = 12;
  t.probe->example_frame = can::make_frame(0x18FF5003, std::vector<std::uint8_t>{1, 2});
  r = doc::diagnose(t);
  CHECK(r.diagnosis == Diagnosis::bms_silent);
  CHECK(r.summary == "the bus is alive (12 other frames, e.g. 18FF5003#0102000000000000) but BMS "
                     "0x01 does not answer on can0");
  CHECK(has(r.actions, "scan"));
}

TEST_CASE("doctor: clean sends, no answer, no traffic: the pack is asleep", "[doctor]") {
  doc::Observations o = can0();
  o.probe->requests = 4;
  auto r = doc::diagnose(o);
  CHECK(r.diagnosis == Diagnosis::bms_asleep);
  CHECK(r.summary.find("the battery is in standby") != std::string::npos);
  CHECK(has(r.actions, "charge it for 1-2 s"));
  CHECK(has(r.actions, "no wake-up over CAN"));
}

TEST_CASE("doctor: healthy with the measured round trip", "[doctor]") {
  doc::Observations o = can0();
  o.probe->answer = reference_connect();
  o.probe->round_trip = 2500us;
  auto r = doc::diagnose(o);
  CHECK(r.diagnosis == Diagnosis::healthy);
  CHECK(r.summary == "BMS 0x01 answers on can0: CONNECT round trip 2.5 ms (firmware 1.4.2, "
                     "hardware 3, 10 cells, application mode)");
  CHECK(r.actions.empty());

  o.probe->answer->mode = bms::Mode::bootloader;
  CHECK(has(doc::diagnose(o).actions, "rocketctl flash FILE"));
}

TEST_CASE("doctor: every diagnosis has its name", "[doctor]") {
  CHECK(doc::diagnosis_name(Diagnosis::healthy) == "healthy");
  CHECK(doc::diagnosis_name(Diagnosis::no_ack) == "no_ack");
  CHECK(doc::diagnosis_name(Diagnosis::bms_asleep) == "bms_asleep");
  CHECK(doc::diagnosis_name(Diagnosis::bms_silent) == "bms_silent");
}

// ---- the probes on a simulated bus ----

TEST_CASE("doctor probe: the reference pack answers CONNECT after its 2 ms", "[doctor]") {
  simtest::Rig rig("");
  auto port = rig.hub.open_port("doctor");
  std::vector<std::string> trace;
  doc::ProbeOptions p = quick();
  p.observer = [&](const can::Frame& f, bool sent) {
    trace.push_back((sent ? "-> " : "<- ") + can::to_string(f));
  };
  auto r = doc::probe(*port, bms::FrameMap::builtin(), p);
  REQUIRE(r);
  REQUIRE(r->answer);
  CHECK(*r->answer == reference_connect());
  CHECK(r->round_trip == util::Duration(2ms));
  CHECK(r->requests == 1);
  CHECK(r->other_frames == 0);
  CHECK(trace == std::vector<std::string>{"-> 18010140#0100000000000000",
                                          "<- 18014001#010A020301040200"});
}

TEST_CASE("doctor probe: a pack in standby: three tries and a broadcast, no answer", "[doctor]") {
  simtest::Rig rig("standby=1");
  auto port = rig.hub.open_port("doctor");
  auto r = doc::probe(*port, bms::FrameMap::builtin(), quick());
  REQUIRE(r);
  CHECK_FALSE(r->answer);
  CHECK(r->requests == 4);
  CHECK(r->other_frames == 0);
  CHECK(r->other_addresses.empty());
  doc::Observations o;
  o.interface = "sim";
  o.transport = doc::Transport::sim;
  o.probe = *r;
  CHECK(doc::diagnose(o).diagnosis == Diagnosis::bms_asleep);
}

TEST_CASE("doctor probe: a pack at address 2 answers the broadcast", "[doctor]") {
  simtest::Rig rig("addresses=2");
  auto port = rig.hub.open_port("doctor");
  auto r = doc::probe(*port, bms::FrameMap::builtin(), quick());
  REQUIRE(r);
  CHECK_FALSE(r->answer);
  CHECK(r->other_addresses == std::vector<std::uint8_t>{2});
  CHECK(r->other_frames == 0);  // its answer is ours, not "other traffic"
}

TEST_CASE("doctor probe: faults and other traffic are counted", "[doctor]") {
  simtest::Rig rig("standby=1");
  auto port = rig.hub.open_port("doctor");
  rig.hub.inject_error({can::BusError::Kind::no_ack, 128, 0});
  rig.hub.inject(can::make_frame(0x18FF5003, std::vector<std::uint8_t>{1, 2, 3}), "inverter");
  auto r = doc::probe(*port, bms::FrameMap::builtin(), quick());
  REQUIRE(r);
  CHECK(r->count(can::BusError::Kind::no_ack) == 1);
  REQUIRE(r->last_counters);
  CHECK(r->last_counters->tx_errors == 128);
  CHECK(r->other_frames == 1);
  CHECK(can::to_string(*r->example_frame) == "18FF5003#0102030000000000");
}

// ---- examine(): the order of the steps, with fake surroundings ----

TEST_CASE("doctor examine: SocketCAN missing or down is found without opening", "[doctor]") {
  int opened = 0;
  doc::Environment env;
  env.list_interfaces = [] {
    return std::vector<can::InterfaceInfo>{iface("can0", false, false, 250000),
                                           iface("vcan0", true, true)};
  };
  env.network_interface_exists = [](const std::string& n) { return n == "eth0"; };
  env.open = [&]() -> util::Result<std::unique_ptr<can::Bus>> {
    ++opened;
    return util::fail(util::Errc::interface_error, "not expected");
  };
  const auto& map = bms::FrameMap::builtin();
  auto missing = doc::examine("can7", doc::Transport::socketcan, map, env, quick());
  REQUIRE(missing);
  CHECK(doc::diagnose(*missing).diagnosis == Diagnosis::interface_missing);
  auto eth = doc::examine("eth0", doc::Transport::socketcan, map, env, quick());
  REQUIRE(eth);
  CHECK(eth->exists_not_can);
  auto down = doc::examine("can0", doc::Transport::socketcan, map, env, quick());
  REQUIRE(down);
  CHECK(doc::diagnose(*down).diagnosis == Diagnosis::interface_down);
  CHECK(opened == 0);
  auto failing = doc::examine("vcan0", doc::Transport::socketcan, map, env, quick());
  REQUIRE(failing);
  CHECK(opened == 1);
  CHECK(doc::diagnose(*failing).diagnosis == Diagnosis::interface_missing);
  CHECK(doc::diagnose(*failing).summary == "cannot use vcan0: not expected");
}

namespace {

// examine() on `-i sim:<options>`, as the CLI runs it (SimBus runs on the system clock).
doc::Observations on_sim(const std::string& options, std::uint8_t bms = 1) {
  doc::Environment env;
  env.open = [&]() -> util::Result<std::unique_ptr<can::Bus>> {
    auto bus = sim::SimBus::open(options);
    if (!bus) return tl::unexpected(bus.error());
    return std::unique_ptr<can::Bus>(std::move(*bus));
  };
  auto o = doc::examine("sim", doc::Transport::sim, bms::FrameMap::builtin(), env, quick(bms));
  REQUIRE(o);
  return *o;
}

}  // namespace

TEST_CASE("doctor examine: every diagnosis is reachable on the simulator", "[doctor]") {
  CHECK(doc::diagnose(on_sim("")).diagnosis == Diagnosis::healthy);
  CHECK(doc::diagnose(on_sim("link=down")).diagnosis == Diagnosis::interface_down);
  CHECK(doc::diagnose(on_sim("bitrate=125000")).diagnosis == Diagnosis::wrong_bitrate);
  CHECK(doc::diagnose(on_sim("bitrate=250000")).diagnosis == Diagnosis::healthy);
  CHECK(doc::diagnose(on_sim("link=busoff")).diagnosis == Diagnosis::bus_off);
  CHECK(doc::diagnose(on_sim("link=passive")).diagnosis == Diagnosis::error_passive);
  CHECK(doc::diagnose(on_sim("standby=1")).diagnosis == Diagnosis::bms_asleep);
  CHECK(doc::diagnose(on_sim("addresses=2")).diagnosis == Diagnosis::bms_silent);
  CHECK(doc::diagnose(on_sim("", 3)).diagnosis == Diagnosis::bms_silent);  // the pack is at 1

  doc::Observations noack = on_sim("link=noack");
  CHECK(doc::diagnose(noack).diagnosis == Diagnosis::no_ack);
  REQUIRE(noack.probe);
  CHECK(noack.probe->count(can::BusError::Kind::no_ack) == 4);  // 3 tries and the broadcast
  REQUIRE(noack.controller);
  CHECK(noack.controller->state == "ERROR-PASSIVE");  // after the probes
  CHECK(noack.controller->tx_errors == 128);
}

TEST_CASE("SimBus link faults: what the tool sees", "[doctor][sim]") {
  auto plain = sim::SimBus::open("");
  REQUIRE(plain);
  auto status = (*plain)->controller_status();
  REQUIRE(status);
  CHECK(status->state == "ERROR-ACTIVE");
  CHECK(status->tx_errors == 0);
  CHECK_FALSE(status->bitrate);

  auto noack = sim::SimBus::open("link=noack");
  REQUIRE(noack);
  auto& bus = **noack;
  CHECK(bus.controller_status()->state == "ERROR-ACTIVE");
  const auto request = can::make_frame(0x18010140, std::vector<std::uint8_t>{1});
  REQUIRE(bus.send(request, bus.clock().now() + 10ms));
  auto event = bus.receive(bus.clock().now() + 50ms);
  REQUIRE(event);
  REQUIRE(*event);
  REQUIRE(std::holds_alternative<can::BusError>(**event));
  CHECK(std::get<can::BusError>(**event).kind == can::BusError::Kind::no_ack);
  auto nothing = bus.receive(bus.clock().now() + 50ms);  // the pack never saw the request
  REQUIRE(nothing);
  CHECK_FALSE(*nothing);
  CHECK(bus.controller_status()->state == "ERROR-PASSIVE");

  auto down = sim::SimBus::open("link=down");
  REQUIRE(down);
  auto sent = (*down)->send(request, (*down)->clock().now() + 10ms);
  REQUIRE_FALSE(sent);
  CHECK(sent.error().code == util::Errc::interface_error);
  CHECK((*down)->controller_status()->state == "STOPPED");

  auto off = sim::SimBus::open("link=busoff,bitrate=250000");
  REQUIRE(off);
  auto refused = (*off)->send(request, (*off)->clock().now() + 10ms);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == util::Errc::bus_error);
  CHECK((*off)->controller_status()->state == "BUS-OFF");
  CHECK((*off)->controller_status()->bitrate == 250000U);

  CHECK_FALSE(sim::parse_options("link=maybe"));
  CHECK(sim::parse_options("link=ok"));
}
