// SocketCAN checks that need a kernel with CAN and root: run by payload_contract_vcan.sh inside
// User-Mode Linux, with vcan0 up. They add, take down and delete vcan1 themselves.
// Not a ctest test of its own (it would touch the host's interfaces).

#define CATCH_CONFIG_MAIN
#include <linux/can.h>
#include <linux/can/error.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <variant>

#include "can/interfaces.hpp"
#include "can/socketcan.hpp"

namespace {

using namespace std::chrono_literals;

void shell(const std::string& command) {
  INFO(command);
  REQUIRE(std::system(command.c_str()) == 0);
}

std::unique_ptr<can::Bus> open_bus(const std::string& iface,
                                   std::vector<can::Filter> filters = {}) {
  auto bus = can::SocketCanBus::open(iface, std::move(filters));
  if (!bus) FAIL("opening " << iface << ": " << bus.error().message);
  return std::move(*bus);
}

std::optional<can::Event> next_event(can::Bus& bus, util::Duration wait = 2s) {
  auto event = bus.receive(bus.clock().now() + wait);
  if (!event) FAIL("receiving: " << event.error().message);
  return *event;
}

can::Frame next_frame(can::Bus& bus, util::Duration wait = 2s) {
  auto event = next_event(bus, wait);
  REQUIRE(event.has_value());
  REQUIRE(std::holds_alternative<can::Frame>(*event));
  return std::get<can::Frame>(*event);
}

const can::Filter k_tool_filter{0x18004000, 0x1F00FF00};

}  // namespace

TEST_CASE("vcan0 is listed as an up virtual CAN interface", "[uml]") {
  auto list = can::list_can_interfaces();
  REQUIRE_FALSE(list.empty());
  auto vcan0 = can::find_can_interface("vcan0");
  REQUIRE(vcan0);
  CHECK(vcan0->up);
  CHECK(vcan0->is_virtual);
  CHECK_FALSE(vcan0->bitrate);
  CHECK(vcan0->state.empty());
  auto link = can::query_link("vcan0");
  REQUIRE(link);
  CHECK(link->kind == "vcan");
  CHECK_FALSE(can::find_can_interface("lo"));
  CHECK(can::network_interface_exists("lo"));
  CHECK_FALSE(can::query_link("nonexistent0"));
}

TEST_CASE("open errors on a kernel with SocketCAN", "[uml]") {
  auto missing = can::SocketCanBus::open("nonexistent0", {});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == util::Errc::interface_error);
  CHECK_THAT(missing.error().message,
             Catch::StartsWith("no CAN interface 'nonexistent0' (CAN interfaces here: ") &&
                 Catch::Contains("vcan0"));
  auto lo = can::SocketCanBus::open("lo", {});
  REQUIRE_FALSE(lo);
  CHECK_THAT(lo.error().message,
             Catch::StartsWith("'lo' is not a CAN interface (CAN interfaces here: "));

  shell("ip link add dev vcan1 type vcan");
  auto down = can::SocketCanBus::open("vcan1", {});
  REQUIRE_FALSE(down);
  CHECK(down.error().code == util::Errc::interface_error);
  CHECK(down.error().message == "interface vcan1 is down: sudo ip link set vcan1 up");
  auto info = can::find_can_interface("vcan1");
  REQUIRE(info);
  CHECK_FALSE(info->up);
  shell("ip link del dev vcan1");
}

TEST_CASE("an interface that goes down or disappears is an interface error", "[uml]") {
  shell("ip link add dev vcan1 type vcan && ip link set vcan1 up");
  auto bus = open_bus("vcan1");
  const can::Frame f = can::make_frame(0x18100140, std::array<std::uint8_t, 8>{1});
  REQUIRE(bus->send(f, bus->clock().now() + 1s));

  shell("ip link set vcan1 down");
  auto received = bus->receive(bus->clock().now() + 1s);
  REQUIRE_FALSE(received);
  CHECK(received.error().code == util::Errc::interface_error);
  CHECK(received.error().message == "interface vcan1 went down: sudo ip link set vcan1 up");
  auto sent = bus->send(f, bus->clock().now() + 1s);
  REQUIRE_FALSE(sent);
  CHECK(sent.error().message == "interface vcan1 went down: sudo ip link set vcan1 up");

  shell("ip link del dev vcan1");
  auto gone = bus->send(f, bus->clock().now() + 1s);
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == util::Errc::interface_error);
  CHECK_THAT(gone.error().message, Catch::StartsWith("interface vcan1 disappeared: "));
}

TEST_CASE("frames carry the kernel's receive timestamp", "[uml]") {
  auto a = open_bus("vcan0");
  auto b = open_bus("vcan0");
  auto* sb = dynamic_cast<can::SocketCanBus*>(b.get());
  REQUIRE(sb != nullptr);
  CHECK_FALSE(sb->last_timestamp());
  auto before = std::chrono::system_clock::now();
  REQUIRE(
      a->send(can::make_frame(0x18100140, std::array<std::uint8_t, 8>{}), a->clock().now() + 1s));
  next_frame(*b);
  auto after = std::chrono::system_clock::now();
  REQUIRE(sb->last_timestamp());
  CHECK(*sb->last_timestamp() >= before - 1ms);
  CHECK(*sb->last_timestamp() <= after + 1ms);
}

TEST_CASE("error frames arrive as bus errors, past the filters", "[uml]") {
  auto b = open_bus("vcan0", {k_tool_filter});
  // vcan echoes what a raw socket writes, error frames too: stand-in for a controller.
  int fd = ::socket(PF_CAN, SOCK_RAW, CAN_RAW);
  REQUIRE(fd >= 0);
  sockaddr_can addr{};
  addr.can_family = AF_CAN;
  addr.can_ifindex = static_cast<int>(::if_nametoindex("vcan0"));
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  ::can_frame cf{};
  cf.can_id = CAN_ERR_FLAG | CAN_ERR_CRTL | CAN_ERR_CNT;
  cf.len = CAN_ERR_DLC;
  cf.data[1] = CAN_ERR_CRTL_TX_PASSIVE;
  cf.data[6] = 128;
  cf.data[7] = 2;
  REQUIRE(::write(fd, &cf, sizeof cf) == static_cast<ssize_t>(sizeof cf));
  cf.can_id = CAN_ERR_FLAG | CAN_ERR_BUSOFF;
  REQUIRE(::write(fd, &cf, sizeof cf) == static_cast<ssize_t>(sizeof cf));
  ::close(fd);

  auto first = next_event(*b);
  REQUIRE(first);
  REQUIRE(std::holds_alternative<can::BusError>(*first));
  CHECK(std::get<can::BusError>(*first) ==
        can::BusError{can::BusError::Kind::error_passive, 128, 2});
  auto second = next_event(*b);
  REQUIRE(second);
  REQUIRE(std::holds_alternative<can::BusError>(*second));
  CHECK(std::get<can::BusError>(*second).kind == can::BusError::Kind::bus_off);
}

TEST_CASE("frames lost in a full socket queue are reported as rx_overflow", "[uml]") {
  auto a = open_bus("vcan0");
  auto b = open_bus("vcan0");
  auto* sb = dynamic_cast<can::SocketCanBus*>(b.get());
  // The bus asks for room for a whole ISO-TP message; a small queue makes the loss certain.
  const int small = 4096;
  REQUIRE(::setsockopt(sb->native_handle(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small) == 0);
  const can::Frame f = can::make_frame(0x18104001, std::array<std::uint8_t, 8>{});
  constexpr int k_sent = 1000;
  for (int i = 0; i < k_sent; ++i) REQUIRE(a->send(f, a->clock().now() + 1s));
  // The kernel tells the loss with the next frame queued after it: make room, send one more.
  int frames = 0;
  for (; frames < 10; ++frames) next_frame(*b);
  REQUIRE(a->send(f, a->clock().now() + 1s));
  bool overflow = false;
  while (auto event = next_event(*b, 200ms)) {
    if (std::holds_alternative<can::BusError>(*event)) {
      CHECK(std::get<can::BusError>(*event).kind == can::BusError::Kind::rx_overflow);
      overflow = true;
    } else {
      ++frames;
    }
  }
  INFO(frames << " frames received, " << sb->dropped() << " dropped");
  CHECK(overflow);
  CHECK(sb->dropped() > 0);
  CHECK(frames + static_cast<int>(sb->dropped()) == k_sent + 1);
}

// Run by the payload around cansend: waits for frames from outside, then sends two for candump.
TEST_CASE("frames from cansend", "[.external]") {
  auto filtered = open_bus("vcan0", {k_tool_filter});
  auto all = open_bus("vcan0");
  const char* ready = std::getenv("ROCKETCTL_E2E_READY");
  REQUIRE(ready != nullptr);
  std::ofstream(ready) << "ready\n";

  // cansend vcan0 123#112233, then cansend vcan0 18104001#112233.
  can::Frame standard = next_frame(*all, 20s);
  CHECK(standard == can::Frame{0x123, false, false, 3, {0x11, 0x22, 0x33}});
  can::Frame short_frame = next_frame(*all, 20s);
  CHECK(short_frame == can::Frame{0x18104001, true, false, 3, {0x11, 0x22, 0x33}});
  // The filtered bus never sees the 11-bit frame: the short one is the first it gets.
  CHECK(next_frame(*filtered, 5s) == short_frame);
  CHECK_FALSE(next_event(*filtered, 100ms));

  REQUIRE(
      all->send(can::make_frame(0x18100140, std::array<std::uint8_t, 8>{1, 2, 3, 4, 5, 6, 7, 8}),
                all->clock().now() + 1s));
  REQUIRE(all->send(can::Frame{0x18100140, true, false, 3, {0xAB, 0xCD, 0xEF}},
                    all->clock().now() + 1s));
}
