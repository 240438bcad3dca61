#include "can/open.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <cstdlib>

#include "can/ecan.hpp"
#include "can/socketcan.hpp"

namespace can {
namespace {

constexpr std::string_view k_accepted_forms =
    "use a SocketCAN interface (can0, vcan0, socketcan:can0), a GCAN USB-CAN adapter (ecan, "
    "ecan:<device>:<channel>, ecan:<device>:<channel>:usbcan-i) or the simulator (sim, "
    "sim:<options>)";
constexpr std::size_t k_max_ifname = 15;  // IFNAMSIZ - 1

util::Result<InterfaceName> usage(std::string message) {
  return util::fail(util::Errc::usage, fmt::format("{}: {}", message, k_accepted_forms));
}

bool valid_ifname(std::string_view name) {
  if (name.empty() || name.size() > k_max_ifname || name == "." || name == "..") return false;
  return std::none_of(name.begin(), name.end(), [](char c) {
    return c == '/' || c == ':' || c == '\0' || static_cast<unsigned char>(c) <= ' ' ||
           static_cast<unsigned char>(c) >= 0x7F;
  });
}

util::Result<InterfaceName> socketcan_name(std::string_view name, std::string_view text) {
  if (!valid_ifname(name)) return usage(fmt::format("'{}' is not a valid interface name", text));
  return InterfaceName{InterfaceName::Kind::socketcan, std::string(name), ""};
}

// A device index or channel: decimal digits only, at most 255.
std::optional<std::uint32_t> small_number(std::string_view text) {
  if (text.empty() || text.size() > 3 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  std::uint32_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value > 255) return std::nullopt;
  return value;
}

// "ecan" or the fields after "ecan:": <device>:<channel>[:usbcan-i|:usbcan-ii].
util::Result<InterfaceName> ecan_name(std::string_view fields, std::string_view text) {
  InterfaceName name{InterfaceName::Kind::ecan, std::string(text), ""};
  name.ecan_device_type = ecan::k_usbcan_2;
  if (text == "ecan") return name;
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    std::size_t colon = fields.find(':', start);
    parts.push_back(fields.substr(start, colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (parts.size() < 2 || parts.size() > 3)
    return usage(fmt::format("'{}' needs a device index and a channel, as in ecan:0:0", text));
  auto device = small_number(parts[0]);
  if (!device)
    return usage(fmt::format("'{}': the device index '{}' is not a number (0 is the first adapter)",
                             text, parts[0]));
  auto channel = small_number(parts[1]);
  if (!channel)
    return usage(fmt::format("'{}': the channel '{}' is not a number (0 is CAN1, 1 is CAN2)", text,
                             parts[1]));
  if (parts.size() == 3) {
    if (parts[2] == "usbcan-i") name.ecan_device_type = ecan::k_usbcan_1;
    else if (parts[2] != "usbcan-ii")
      return usage(fmt::format("'{}': unknown ECAN device type '{}' (usbcan-i or usbcan-ii)", text,
                               parts[2]));
  }
  const std::uint32_t channels = name.ecan_device_type == ecan::k_usbcan_1 ? 1 : 2;
  if (*channel >= channels)
    return usage(fmt::format("'{}': a {} has no channel {} (channels 0{})", text,
                             channels == 1 ? "USBCAN-I" : "USBCAN-II", *channel,
                             channels == 1 ? " only" : " and 1"));
  name.ecan_device = *device;
  name.ecan_channel = *channel;
  return name;
}

}  // namespace

util::Result<InterfaceName> parse_interface_name(std::string_view text) {
  if (text.empty()) return usage("no interface given");
  if (text == "sim") return InterfaceName{InterfaceName::Kind::sim, "sim", ""};
  if (text == "ecan") return ecan_name("", text);
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return socketcan_name(text, text);
  std::string_view scheme = text.substr(0, colon);
  std::string_view rest = text.substr(colon + 1);
  if (scheme == "sim") return InterfaceName{InterfaceName::Kind::sim, "sim", std::string(rest)};
  if (scheme == "ecan") return ecan_name(rest, text);
  if (scheme == "socketcan") {
    if (rest.empty()) return usage(fmt::format("'{}' names no interface", text));
    return socketcan_name(rest, text);
  }
  return usage(fmt::format("unknown interface kind '{}' in '{}'", scheme, text));
}

std::string default_interface_name() {
  const char* env = std::getenv("ROCKETCTL_IFACE");
  if (env != nullptr && *env != '\0') return env;
  return "can0";
}

util::Result<std::unique_ptr<Bus>> open_socketcan(const InterfaceName& name,
                                                  std::vector<Filter> filters) {
  if (name.kind != InterfaceName::Kind::socketcan)
    return util::fail(util::Errc::usage,
                      fmt::format("'{}' is not a SocketCAN interface", name.name));
  return SocketCanBus::open(name.name, std::move(filters));
}

util::Result<std::unique_ptr<Bus>> open_interface(const InterfaceName& name,
                                                  std::vector<Filter> filters) {
  if (name.kind == InterfaceName::Kind::ecan)
    return EcanBus::open(name.name,
                         EcanAddress{name.ecan_device_type, name.ecan_device, name.ecan_channel},
                         std::move(filters));
  return open_socketcan(name, std::move(filters));
}

}  // namespace can
