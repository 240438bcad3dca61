// SocketCAN pieces that run on any host: error-frame translation, frame conversion,
// interface names, interface listing from a fake sysfs tree, and open errors.

#include <linux/can.h>
#include <linux/can/error.h>
#include <linux/can/netlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "can/interfaces.hpp"
#include "can/open.hpp"
#include "can/socketcan.hpp"

namespace fs = std::filesystem;
using can::BusError;
using Kind = BusError::Kind;

namespace {

::can_frame error_frame(canid_t classes, std::array<std::uint8_t, 8> data = {}) {
  ::can_frame cf{};
  cf.can_id = CAN_ERR_FLAG | classes;
  cf.len = CAN_ERR_DLC;
  std::memcpy(cf.data, data.data(), 8);
  return cf;
}

}  // namespace

TEST_CASE("error frames translate to bus errors by class", "[socketcan]") {
  CHECK(can::translate_error_frame(error_frame(CAN_ERR_ACK)).kind == Kind::no_ack);
  // An ACK error reported as a protocol error in the ACK slot.
  CHECK(can::translate_error_frame(
            error_frame(CAN_ERR_PROT | CAN_ERR_BUSERROR, {0, 0, 0, CAN_ERR_PROT_LOC_ACK}))
            .kind == Kind::no_ack);
  CHECK(can::translate_error_frame(error_frame(CAN_ERR_BUSOFF)).kind == Kind::bus_off);
  CHECK(can::translate_error_frame(error_frame(CAN_ERR_RESTARTED)).kind == Kind::restarted);
  CHECK(can::translate_error_frame(error_frame(CAN_ERR_TX_TIMEOUT)).kind == Kind::tx_timeout);
  CHECK(can::translate_error_frame(error_frame(CAN_ERR_LOSTARB)).kind == Kind::other);
  CHECK(can::translate_error_frame(
            error_frame(CAN_ERR_PROT | CAN_ERR_BUSERROR, {0, 0, CAN_ERR_PROT_STUFF, 0x0A}))
            .kind == Kind::protocol);
  CHECK(can::translate_error_frame(error_frame(CAN_ERR_CRTL, {0, CAN_ERR_CRTL_RX_OVERFLOW})).kind ==
        Kind::rx_overflow);
  CHECK(can::translate_error_frame(error_frame(CAN_ERR_CRTL, {0, CAN_ERR_CRTL_TX_PASSIVE})).kind ==
        Kind::error_passive);
  CHECK(can::translate_error_frame(error_frame(CAN_ERR_CRTL, {0, CAN_ERR_CRTL_RX_PASSIVE})).kind ==
        Kind::error_passive);
  CHECK(can::translate_error_frame(error_frame(CAN_ERR_CRTL, {0, CAN_ERR_CRTL_TX_WARNING})).kind ==
        Kind::error_warning);
  CHECK(can::translate_error_frame(error_frame(CAN_ERR_CRTL, {0, CAN_ERR_CRTL_ACTIVE})).kind ==
        Kind::other);

  SECTION("the most severe class wins") {
    CHECK(can::translate_error_frame(
              error_frame(CAN_ERR_BUSOFF | CAN_ERR_CRTL, {0, CAN_ERR_CRTL_TX_PASSIVE}))
              .kind == Kind::bus_off);
    CHECK(can::translate_error_frame(
              error_frame(CAN_ERR_ACK | CAN_ERR_CRTL, {0, CAN_ERR_CRTL_TX_PASSIVE}))
              .kind == Kind::no_ack);
  }
  SECTION("counters only with CAN_ERR_CNT") {
    BusError with = can::translate_error_frame(
        error_frame(CAN_ERR_CRTL | CAN_ERR_CNT, {0, CAN_ERR_CRTL_TX_PASSIVE, 0, 0, 0, 0, 136, 3}));
    CHECK(with == BusError{Kind::error_passive, 136, 3});
    BusError without = can::translate_error_frame(
        error_frame(CAN_ERR_CRTL, {0, CAN_ERR_CRTL_TX_PASSIVE, 0, 0, 0, 0, 136, 3}));
    CHECK(without == BusError{Kind::error_passive, -1, -1});
  }
  SECTION("the error filter asks for every class translated") {
    std::uint32_t mask = can::error_filter_mask();
    for (canid_t c : {CAN_ERR_ACK, CAN_ERR_BUSOFF, CAN_ERR_CRTL, CAN_ERR_PROT, CAN_ERR_RESTARTED,
                      CAN_ERR_TX_TIMEOUT})
      CHECK((mask & c) != 0);
  }
}

TEST_CASE("kernel frames convert both ways", "[socketcan]") {
  can::Frame f = can::make_frame(0x18104001, std::array<std::uint8_t, 8>{1, 2, 3, 4, 5, 6, 7, 8});
  ::can_frame cf = can::to_kernel_frame(f);
  CHECK(cf.can_id == (0x18104001u | CAN_EFF_FLAG));
  CHECK(cf.len == 8);
  CHECK(can::from_kernel_frame(cf) == f);

  SECTION("11-bit and remote") {
    can::Frame s{0x123, false, false, 3, {0x11, 0x22, 0x33}};
    ::can_frame k = can::to_kernel_frame(s);
    CHECK(k.can_id == 0x123u);
    CHECK(can::from_kernel_frame(k) == s);
    can::Frame r{0x18100140, true, true, 8, {}};
    k = can::to_kernel_frame(r);
    CHECK(k.can_id == (0x18100140u | CAN_EFF_FLAG | CAN_RTR_FLAG));
    CHECK(can::from_kernel_frame(k) == r);
  }
  SECTION("DLC 9..15 travels in len8_dlc") {
    f.dlc = 12;
    cf = can::to_kernel_frame(f);
    CHECK(cf.len == 8);
    CHECK(cf.len8_dlc == 12);
    CHECK(can::from_kernel_frame(cf) == f);
    cf.len8_dlc = 0;  // an interface without CC_LEN8_DLC
    CHECK(can::from_kernel_frame(cf).dlc == 8);
  }
  SECTION("bytes past the DLC are zeroed") {
    cf.len = 3;
    can::Frame short_frame = can::from_kernel_frame(cf);
    CHECK(short_frame.dlc == 3);
    CHECK(short_frame.data == std::array<std::uint8_t, 8>{1, 2, 3, 0, 0, 0, 0, 0});
  }
}

TEST_CASE("interface names parse", "[socketcan]") {
  using K = can::InterfaceName::Kind;
  CHECK(can::parse_interface_name("can0").value() == can::InterfaceName{K::socketcan, "can0", ""});
  CHECK(can::parse_interface_name("vcan0").value() ==
        can::InterfaceName{K::socketcan, "vcan0", ""});
  CHECK(can::parse_interface_name("socketcan:can1").value() ==
        can::InterfaceName{K::socketcan, "can1", ""});
  CHECK(can::parse_interface_name("sim").value() == can::InterfaceName{K::sim, "sim", ""});
  CHECK(can::parse_interface_name("sim:bitrate=250000,cells=16").value() ==
        can::InterfaceName{K::sim, "sim", "bitrate=250000,cells=16"});

  for (std::string_view bad : {"", "socketcan:", "foo:bar", "ecan:0", "a/b", "can 0",
                               "averyveryverylongname0", "socketcan:x/y"}) {
    INFO("'" << bad << "'");
    auto r = can::parse_interface_name(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == util::Errc::usage);
    CHECK_THAT(r.error().message, Catch::Contains("can0") && Catch::Contains("sim"));
  }
  CHECK_THAT(can::parse_interface_name("foo:bar").error().message, Catch::Contains("'foo'"));

  SECTION("default from ROCKETCTL_IFACE") {
    ::unsetenv("ROCKETCTL_IFACE");
    CHECK(can::default_interface_name() == "can0");
    ::setenv("ROCKETCTL_IFACE", "", 1);
    CHECK(can::default_interface_name() == "can0");
    ::setenv("ROCKETCTL_IFACE", "vcan0", 1);
    CHECK(can::default_interface_name() == "vcan0");
    ::unsetenv("ROCKETCTL_IFACE");
  }
}

namespace {

// A fake /sys/class/net entry.
void fake_netdev(const fs::path& root, const std::string& name, int type, const std::string& flags,
                 bool device = false) {
  fs::create_directories(root / name);
  std::ofstream(root / name / "type") << type << "\n";
  std::ofstream(root / name / "flags") << flags << "\n";
  if (device) fs::create_directories(root / name / "device");
}

// Appends one rtattr (header + payload, padded).
void put_attr(std::vector<std::uint8_t>& out, std::uint16_t type, const void* data,
              std::size_t size) {
  rtattr a{static_cast<unsigned short>(RTA_LENGTH(size)), type};
  std::size_t at = out.size();
  out.resize(at + RTA_SPACE(size));
  std::memcpy(out.data() + at, &a, sizeof a);
  if (size) std::memcpy(out.data() + at + RTA_LENGTH(0), data, size);
}

std::vector<std::uint8_t> link_message(const std::string& kind,
                                       const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> info;
  put_attr(info, IFLA_INFO_KIND, kind.c_str(), kind.size() + 1);
  if (!data.empty()) put_attr(info, IFLA_INFO_DATA | NLA_F_NESTED, data.data(), data.size());
  std::vector<std::uint8_t> attrs;
  put_attr(attrs, IFLA_IFNAME, "can0", 5);
  put_attr(attrs, IFLA_LINKINFO | NLA_F_NESTED, info.data(), info.size());
  const std::size_t header = NLMSG_LENGTH(sizeof(ifinfomsg));
  std::vector<std::uint8_t> msg(header + attrs.size());
  std::memcpy(msg.data() + header, attrs.data(), attrs.size());
  nlmsghdr h{static_cast<std::uint32_t>(msg.size()), RTM_NEWLINK, 0, 1, 0};
  std::memcpy(msg.data(), &h, sizeof h);
  return msg;
}

}  // namespace

TEST_CASE("rtnetlink link messages parse", "[socketcan]") {
  std::vector<std::uint8_t> data;
  can_bittiming bt{};
  bt.bitrate = 250000;
  put_attr(data, IFLA_CAN_BITTIMING, &bt, sizeof bt);
  std::uint32_t state = CAN_STATE_ERROR_PASSIVE;
  put_attr(data, IFLA_CAN_STATE, &state, sizeof state);
  can_berr_counter bec{130, 7};
  put_attr(data, IFLA_CAN_BERR_COUNTER, &bec, sizeof bec);

  auto details = can::parse_link_message(link_message("can", data));
  REQUIRE(details);
  CHECK(details->kind == "can");
  CHECK(details->bitrate == 250000u);
  CHECK(details->state == "ERROR-PASSIVE");
  CHECK(details->tx_errors == 130);
  CHECK(details->rx_errors == 7);

  auto vcan = can::parse_link_message(link_message("vcan", {}));
  REQUIRE(vcan);
  CHECK(vcan->kind == "vcan");
  CHECK_FALSE(vcan->bitrate);
  CHECK(vcan->state.empty());
  CHECK_FALSE(vcan->tx_errors);

  std::vector<std::uint8_t> truncated = link_message("can", data);
  truncated.resize(10);
  CHECK_FALSE(can::parse_link_message(truncated));
  CHECK(can::can_state_name(CAN_STATE_BUS_OFF) == "BUS-OFF");
  CHECK(can::can_state_name(99).empty());
}

TEST_CASE("CAN interfaces are listed from sysfs", "[socketcan]") {
  fs::path root = fs::temp_directory_path() / ("rocketctl-sysfs-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fake_netdev(root, "lo", 772, "0x9");
  fake_netdev(root, "eth0", 1, "0x1003", true);
  fake_netdev(root, "can0", 280, "0x1", true);     // up (IFF_UP), no carrier
  fake_netdev(root, "can1", 280, "0x1002", true);  // down
  fake_netdev(root, "vcan0", 280, "0xc1");         // up
  fake_netdev(root, "vxcan7", 280, "0x80");        // down, no rtnetlink answer

  std::map<std::string, can::LinkDetails> links;
  links["can0"] = {"can", 250000, "BUS-OFF", 256, 0};
  links["can1"] = {"can", std::nullopt, "STOPPED", std::nullopt, std::nullopt};
  links["vcan0"] = {"vcan", std::nullopt, "", std::nullopt, std::nullopt};
  std::vector<std::string> asked;
  can::LinkQuery query = [&](const std::string& name) -> std::optional<can::LinkDetails> {
    asked.push_back(name);
    auto it = links.find(name);
    if (it == links.end()) return std::nullopt;
    return it->second;
  };

  auto list = can::list_can_interfaces(root, query);
  REQUIRE(list.size() == 4);
  CHECK(list[0].name == "can0");
  CHECK(list[0].up);
  CHECK_FALSE(list[0].is_virtual);
  CHECK(list[0].bitrate == 250000u);
  CHECK(list[0].state == "BUS-OFF");
  CHECK(list[0].tx_errors == 256);
  CHECK(list[0].rx_errors == 0);
  CHECK(list[1].name == "can1");
  CHECK_FALSE(list[1].up);
  CHECK_FALSE(list[1].bitrate);
  CHECK(list[1].state == "STOPPED");
  CHECK(list[2].name == "vcan0");
  CHECK(list[2].up);
  CHECK(list[2].is_virtual);
  CHECK(list[2].state.empty());
  CHECK(list[3].name == "vxcan7");
  CHECK_FALSE(list[3].up);
  CHECK(list[3].is_virtual);
  CHECK(std::find(asked.begin(), asked.end(), "eth0") == asked.end());

  CHECK(can::list_can_interfaces(root / "missing", query).empty());
  fs::remove_all(root);
}

TEST_CASE("opening a missing interface says what is wrong", "[socketcan]") {
  // This host may lack SocketCAN entirely (EAFNOSUPPORT) or have it: either way the error is
  // an interface error that names the interface.
  auto bus = can::SocketCanBus::open("nonexistent0", {});
  REQUIRE_FALSE(bus);
  CHECK(bus.error().code == util::Errc::interface_error);
  CHECK_THAT(bus.error().message, Catch::Contains("nonexistent0"));
  if (bus.error().message.find("no SocketCAN support") == std::string::npos)
    CHECK_THAT(bus.error().message, Catch::Contains("no CAN interface 'nonexistent0'"));
  else
    CHECK_THAT(bus.error().message,
               Catch::Contains("modprobe can-raw") && Catch::Contains("-i sim"));

  auto via_name =
      can::open_socketcan(can::parse_interface_name("socketcan:nonexistent0").value(), {});
  REQUIRE_FALSE(via_name);
  CHECK(via_name.error().message == bus.error().message);

  auto sim = can::open_socketcan(can::parse_interface_name("sim").value(), {});
  REQUIRE_FALSE(sim);
  CHECK(sim.error().code == util::Errc::usage);

  auto bad = can::SocketCanBus::open("", {});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == util::Errc::usage);
}
