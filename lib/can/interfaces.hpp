#pragma once
// Which CAN interfaces this machine has, and their state: from /sys/class/net (type 280 =
// ARPHRD_CAN) and one rtnetlink RTM_GETLINK query per interface (no root needed).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace can {

struct InterfaceInfo {
  std::string name;                      // "can0"
  bool up = false;                       // administratively up (IFF_UP)
  bool is_virtual = false;               // vcan or vxcan: no wire, no bitrate
  std::optional<std::uint32_t> bitrate;  // bit/s, when the driver has one configured
  std::string state;                     // "ERROR-ACTIVE", "BUS-OFF", ...; empty when not reported
  std::optional<int> tx_errors, rx_errors;  // CAN error counters, when the driver reports them
};

// What the kernel's rtnetlink says about one link.
struct LinkDetails {
  std::string kind;  // IFLA_INFO_KIND: "can" (a real controller), "vcan", "vxcan"; may be empty
  std::optional<std::uint32_t> bitrate;
  std::string state;
  std::optional<int> tx_errors, rx_errors;
};

// Looks one link up by name; nullopt when the kernel does not answer or knows no such link.
using LinkQuery = std::function<std::optional<LinkDetails>(const std::string& name)>;

// The rtnetlink query (RTM_GETLINK by name).
std::optional<LinkDetails> query_link(const std::string& name);

// Parses one rtnetlink RTM_NEWLINK message (struct nlmsghdr onwards); nullopt when it is not
// one. Exposed for tests, which feed it hand-built messages.
std::optional<LinkDetails> parse_link_message(std::span<const std::uint8_t> message);

// "ERROR-ACTIVE", "ERROR-WARNING", "ERROR-PASSIVE", "BUS-OFF", "STOPPED", "SLEEPING" for the
// kernel's enum can_state (as `ip -details link` prints it); "" for anything else.
std::string can_state_name(std::uint32_t state);

// CAN interfaces on this machine, sorted by name.
std::vector<InterfaceInfo> list_can_interfaces();
// The same from another sysfs tree (a directory laid out like /sys/class/net: <name>/type,
// <name>/flags) and another link query; tests use a fake tree.
std::vector<InterfaceInfo> list_can_interfaces(const std::filesystem::path& sys_class_net,
                                               const LinkQuery& query);

// The CAN interface named `name`; nullopt when there is none (or it is not a CAN interface).
std::optional<InterfaceInfo> find_can_interface(std::string_view name);

// True when a network interface of that name exists at all (CAN or not).
bool network_interface_exists(std::string_view name);

}  // namespace can
