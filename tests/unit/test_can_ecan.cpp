// The ECAN shim (can/ecan.hpp): GCAN's error bits and controller registers as can::BusError,
// the `-i ecan...` names, and EcanBus through the real dlopen path on the test suite's fake
// libECanVci.so.1 (tests/ecan/fake_ecan.cpp, the simulated battery inside): faults reported
// once per change, a clear error for a missing or incomplete library, and a flash cut by the
// adapter disappearing that the same update finishes after the adapter is plugged back in.

#include <dlfcn.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "bms/client.hpp"
#include "bms/flasher.hpp"
#include "bms/frame_map.hpp"
#include "can/ecan.hpp"
#include "can/open.hpp"
#include "fw/image.hpp"
#include "isotp/channel.hpp"
#include "sim/diagnostics.hpp"
#include "uds/client.hpp"

namespace {

using namespace std::chrono_literals;
using can::BusError;
using Kind = can::BusError::Kind;

can::ecan::ErrInfo err(std::uint32_t code) {
  can::ecan::ErrInfo e{};
  e.ErrCode = code;
  return e;
}

can::ecan::CanStatus regs(std::uint8_t status, std::uint8_t ecc, std::uint8_t tec,
                          std::uint8_t rec) {
  can::ecan::CanStatus s{};
  s.regStatus = status;
  s.regECCapture = ecc;
  s.regTECounter = tec;
  s.regRECounter = rec;
  return s;
}

std::optional<Kind> kind_of(std::uint32_t code, const can::ecan::CanStatus& status = {}) {
  auto e = can::translate_ecan_error(err(code), status);
  if (!e) return std::nullopt;
  return e->kind;
}

// The fake library, loaded once for the whole run and never unloaded: the battery inside
// keeps its state between buses, as a real pack does between commands.
struct Fake {
  void* handle = nullptr;
  void (*unplug_after)(long) = nullptr;
  void (*replug)() = nullptr;
  int (*is_open)(std::uint32_t) = nullptr;
  void (*set_errors)(std::uint32_t, std::uint8_t, std::uint8_t, std::uint8_t,
                     std::uint8_t) = nullptr;

  Fake() {
    ::setenv("ROCKETCTL_ECAN_LIB", ROCKETCTL_FAKE_ECAN_LIB, 1);
    ::setenv("FAKE_ECAN_SIM", "", 1);  // the reference battery
    ::unsetenv("FAKE_ECAN_FAIL");
    ::unsetenv("FAKE_ECAN_LOG");
    handle = ::dlopen(ROCKETCTL_FAKE_ECAN_LIB, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) return;
    unplug_after = reinterpret_cast<void (*)(long)>(::dlsym(handle, "fake_ecan_unplug_after"));
    replug = reinterpret_cast<void (*)()>(::dlsym(handle, "fake_ecan_replug"));
    is_open = reinterpret_cast<int (*)(std::uint32_t)>(::dlsym(handle, "fake_ecan_is_open"));
    set_errors = reinterpret_cast<decltype(set_errors)>(::dlsym(handle, "fake_ecan_set_errors"));
  }
  bool ready() const { return handle && unplug_after && replug && is_open && set_errors; }
};

Fake& fake() {
  static Fake f;
  ::setenv("ROCKETCTL_ECAN_LIB", ROCKETCTL_FAKE_ECAN_LIB, 1);
  return f;
}

const can::Filter k_tool_filter{0x18004000U, 0x1F00FF00U};

std::unique_ptr<can::Bus> open_fake(std::vector<can::Filter> filters = {k_tool_filter}) {
  auto bus = can::EcanBus::open("ecan", can::EcanAddress{}, std::move(filters));
  if (!bus) FAIL("opening the fake ECAN adapter: " << bus.error().message);
  return std::move(*bus);
}

// `rocketctl -i ecan flash new.bin --yes`, as a fresh process would do it.
util::Result<bms::FlashResult> flash(const fw::Image& image, bool& erased) {
  auto bus = can::EcanBus::open("ecan", can::EcanAddress{}, {k_tool_filter});
  if (!bus) return tl::unexpected(bus.error());
  bms::Client poll(**bus, bms::FrameMap::builtin());
  isotp::Config ic;
  ic.tx_id = isotp::diag_id(0x01, 0x40);
  ic.rx_id = isotp::diag_id(0x40, 0x01);
  isotp::Channel channel(**bus, ic);
  uds::Client uds(channel);
  bms::Flasher flasher(poll, uds);
  auto pack = flasher.inspect();
  if (!pack) return tl::unexpected(pack.error());
  if (auto ok = flasher.check_image(*pack, image, {}); !ok) return tl::unexpected(ok.error());
  if (auto ok = flasher.check_ready(*pack); !ok) return tl::unexpected(ok.error());
  auto result = flasher.run(*pack, image);
  erased = flasher.erased();
  return result;
}

// The ConnectInfo of the pack now, through a fresh bus.
util::Result<bms::ConnectInfo> connect() {
  auto bus = can::EcanBus::open("ecan", can::EcanAddress{}, {k_tool_filter});
  if (!bus) return tl::unexpected(bus.error());
  bms::Client poll(**bus, bms::FrameMap::builtin());
  return poll.connect();
}

struct EnvRestore {
  std::string name;
  std::optional<std::string> value;
  explicit EnvRestore(std::string n) : name(std::move(n)) {
    if (const char* v = std::getenv(name.c_str())) value = v;
  }
  ~EnvRestore() {
    if (value) ::setenv(name.c_str(), value->c_str(), 1);
    else ::unsetenv(name.c_str());
  }
};

}  // namespace

TEST_CASE("ecan: a healthy controller reports nothing", "[ecan]") {
  CHECK_FALSE(can::translate_ecan_error(err(0), regs(0, 0, 0, 0)));
  // Not faults: arbitration lost, receive register full, "error-active", a few errors counted.
  CHECK_FALSE(kind_of(0x0008));
  CHECK_FALSE(kind_of(0x0020));
  CHECK_FALSE(kind_of(0x0080));
  CHECK_FALSE(kind_of(0, regs(0, 0, 95, 40)));
}

TEST_CASE("ecan: GCAN's error bits, not ZLG's", "[ecan]") {
  CHECK(kind_of(0x0004) == Kind::error_passive);
  CHECK(kind_of(0x0002) == Kind::error_warning);
  CHECK(kind_of(0x0001) == Kind::rx_overflow);  // controller FIFO
  CHECK(kind_of(0x0040) == Kind::rx_overflow);  // receive register overrun
  CHECK(kind_of(0x0800) == Kind::rx_overflow);  // driver buffer
  CHECK(kind_of(0x0010, regs(0, 0x08, 0, 0)) == Kind::protocol);  // bus error in the CRC
  // ZLG's 0x0020 is bus-off; GCAN's is "receive register full": not a fault at all.
  CHECK(kind_of(0x0020) != Kind::bus_off);
}

TEST_CASE("ecan: bus-off comes from the status register, with the counters", "[ecan]") {
  auto e = can::translate_ecan_error(err(0x0004), regs(0x80 | 0x40, 0, 255, 12));
  REQUIRE(e);
  CHECK(e->kind == Kind::bus_off);
  CHECK(e->tx_errors == 255);
  CHECK(e->rx_errors == 12);
}

TEST_CASE("ecan: a bus error in the ACK slot or delimiter is no acknowledgement", "[ecan]") {
  CHECK(kind_of(0x0010, regs(0, 0x19, 8, 0)) == Kind::no_ack);  // ACK slot
  CHECK(kind_of(0x0010, regs(0, 0x1B, 8, 0)) == Kind::no_ack);  // ACK delimiter
  // The error-code capture's type (bits 7..6) and direction (bit 5) do not hide the segment.
  CHECK(kind_of(0x0010, regs(0, 0xD9, 8, 0)) == Kind::no_ack);
  // No acknowledgement outranks the passive state it drives the transmitter into.
  auto e = can::translate_ecan_error(err(0x0010 | 0x0004), regs(0, 0x19, 128, 0));
  REQUIRE(e);
  CHECK(e->kind == Kind::no_ack);
  CHECK(e->tx_errors == 128);
  // The capture register alone, without a bus error this time, says nothing.
  CHECK_FALSE(kind_of(0, regs(0, 0x19, 0, 0)));
}

TEST_CASE("ecan: the counters alone give the error state", "[ecan]") {
  CHECK(kind_of(0, regs(0, 0, 96, 0)) == Kind::error_warning);
  CHECK(kind_of(0, regs(0, 0, 0, 127)) == Kind::error_warning);
  CHECK(kind_of(0, regs(0, 0, 0, 128)) == Kind::error_passive);
  auto s = can::ecan_controller_status(regs(0, 0, 130, 3));
  CHECK(s.state == "ERROR-PASSIVE");
  CHECK(s.tx_errors == 130);
  CHECK(s.rx_errors == 3);
  CHECK(s.bitrate == 250000U);
  CHECK(can::ecan_controller_status(regs(0, 0, 0, 0)).state == "ERROR-ACTIVE");
  CHECK(can::ecan_controller_status(regs(0, 0, 100, 0)).state == "ERROR-WARNING");
  CHECK(can::ecan_controller_status(regs(0x80, 0, 255, 0)).state == "BUS-OFF");
}

TEST_CASE("ecan: interface names", "[ecan]") {
  using Kind = can::InterfaceName::Kind;
  auto plain = can::parse_interface_name("ecan");
  REQUIRE(plain);
  CHECK(plain->kind == Kind::ecan);
  CHECK(plain->name == "ecan");
  CHECK(plain->ecan_device_type == 4);
  CHECK(plain->ecan_device == 0);
  CHECK(plain->ecan_channel == 0);

  auto second = can::parse_interface_name("ecan:1:1");
  REQUIRE(second);
  CHECK(second->ecan_device == 1);
  CHECK(second->ecan_channel == 1);
  CHECK(second->ecan_device_type == 4);

  auto one = can::parse_interface_name("ecan:0:0:usbcan-i");
  REQUIRE(one);
  CHECK(one->ecan_device_type == 3);
  auto two = can::parse_interface_name("ecan:2:1:usbcan-ii");
  REQUIRE(two);
  CHECK(two->ecan_device_type == 4);
  CHECK(two->ecan_device == 2);

  for (const char* bad : {"ecan:", "ecan:0", "ecan:a:0", "ecan:0:x", "ecan:-1:0", "ecan:0:2",
                          "ecan:0:1:usbcan-i", "ecan:0:0:usbcan-iii", "ecan:0:0:usbcan-i:9",
                          "ecan:256:0", "ecan::0"}) {
    INFO(bad);
    auto r = can::parse_interface_name(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == util::Errc::usage);
    CHECK(r.error().message.find(bad) != std::string::npos);
    CHECK(r.error().message.find("ecan:<device>:<channel>") != std::string::npos);
  }
}

TEST_CASE("ecan: a missing library names the path and what to install", "[ecan]") {
  EnvRestore restore("ROCKETCTL_ECAN_LIB");
  ::setenv("ROCKETCTL_ECAN_LIB", "/nonexistent/libECanVci.so.1", 1);
  CHECK(can::ecan_library_candidates() == std::vector<std::string>{"/nonexistent/libECanVci.so.1"});
  auto bus = can::EcanBus::open("ecan", {}, {});
  REQUIRE_FALSE(bus);
  CHECK(bus.error().code == util::Errc::interface_error);
  CHECK(bus.error().message.find("/nonexistent/libECanVci.so.1") != std::string::npos);
  CHECK(bus.error().message.find("GCAN's Linux driver") != std::string::npos);
  CHECK(bus.error().message.find('\n') == std::string::npos);
  ::unsetenv("ROCKETCTL_ECAN_LIB");
  CHECK(can::ecan_library_candidates() ==
        std::vector<std::string>{"libECanVci.so.1", "libECanVci.so"});
}

TEST_CASE("ecan: faults from the adapter are reported once per change", "[ecan]") {
  Fake& f = fake();
  REQUIRE(f.ready());
  auto bus = open_fake();
  auto next = [&] {
    auto e = bus->receive(bus->clock().now() + 300ms);
    REQUIRE(e);
    return *e;
  };
  f.set_errors(0x0004, 0, 0, 130, 0);
  auto first = next();
  REQUIRE(first);
  REQUIRE(std::holds_alternative<BusError>(*first));
  CHECK(std::get<BusError>(*first) == BusError{Kind::error_passive, 130, 0});
  CHECK_FALSE(next());  // still passive: already said

  auto status = bus->controller_status();
  REQUIRE(status);
  CHECK(status->state == "ERROR-PASSIVE");
  CHECK(status->tx_errors == 130);
  CHECK(status->bitrate == 250000U);

  f.set_errors(0x0010, 0, 0x19, 128, 0);  // now nobody acknowledges
  auto no_ack = next();
  REQUIRE(no_ack);
  CHECK(std::get<BusError>(*no_ack).kind == Kind::no_ack);

  f.set_errors(0, 0, 0, 0, 0);  // healthy
  CHECK_FALSE(next());
  f.set_errors(0x0004, 0, 0, 130, 0);  // passive again: news again
  auto again = next();
  REQUIRE(again);
  CHECK(std::get<BusError>(*again).kind == Kind::error_passive);
  f.set_errors(0, 0, 0, 0, 0);
}

TEST_CASE("ecan: status through the fake adapter carries the battery's answer", "[ecan]") {
  Fake& f = fake();
  REQUIRE(f.ready());
  auto info = connect();
  REQUIRE(info);
  CHECK(info->mode == bms::Mode::application);
  CHECK(f.is_open(0) == 0);  // the bus closed the device behind itself
}

TEST_CASE("ecan: a received frame is stamped with the host's wall clock at read", "[ecan]") {
  Fake& f = fake();
  REQUIRE(f.ready());
  auto bus = open_fake();
  CHECK_FALSE(bus->last_timestamp());
  const auto before = std::chrono::system_clock::now();
  bms::Client poll(*bus, bms::FrameMap::builtin());
  REQUIRE(poll.connect());  // the answer came through receive()
  const auto after = std::chrono::system_clock::now();
  REQUIRE(bus->last_timestamp());
  CHECK(*bus->last_timestamp() >= before);
  CHECK(*bus->last_timestamp() <= after);
}

TEST_CASE("ecan: the adapter disappearing mid-flash leaves the pack recoverable", "[ecan][flash]") {
  Fake& f = fake();
  REQUIRE(f.ready());
  fw::Image image;
  image.bytes = sim::synthetic_image(3, fw::Version{1, 5, 0}, 4096);
  image.source = "new.bin";

  // Past the erase and into the transfer (a 4 KiB image is some 600 frames of ISO-TP).
  f.unplug_after(400);
  bool erased = false;
  auto cut = flash(image, erased);
  REQUIRE_FALSE(cut);
  CHECK(cut.error().code == util::Errc::interface_error);
  INFO(cut.error().message);
  CHECK(cut.error().message.find("disappeared") != std::string::npos);
  CHECK(cut.error().message.find("plug it back in") != std::string::npos);
  CHECK(erased);                // the application was gone when the adapter went
  CHECK(f.is_open(0) == 0);     // and the device was closed all the same

  // Unplugged, the next command fails at once with the same advice.
  auto meanwhile = can::EcanBus::open("ecan", {}, {});
  REQUIRE_FALSE(meanwhile);
  CHECK(meanwhile.error().message.find("no ECAN adapter 0") != std::string::npos);

  f.replug();
  bool erased_again = false;
  auto again = flash(image, erased_again);
  INFO((again ? std::string() : again.error().message));
  REQUIRE(again);
  CHECK(again->version == fw::Version{1, 5, 0});
  auto now = connect();
  REQUIRE(now);
  CHECK(now->mode == bms::Mode::application);
  CHECK(now->firmware == bms::FirmwareVersion{1, 5, 0});
}
