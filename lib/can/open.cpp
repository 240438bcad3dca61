#include "can/open.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "can/socketcan.hpp"

namespace can {
namespace {

constexpr std::string_view k_accepted_forms =
    "use a SocketCAN interface (can0, vcan0, socketcan:can0) or the simulator (sim, "
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

}  // namespace

util::Result<InterfaceName> parse_interface_name(std::string_view text) {
  if (text.empty()) return usage("no interface given");
  if (text == "sim") return InterfaceName{InterfaceName::Kind::sim, "sim", ""};
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return socketcan_name(text, text);
  std::string_view scheme = text.substr(0, colon);
  std::string_view rest = text.substr(colon + 1);
  if (scheme == "sim") return InterfaceName{InterfaceName::Kind::sim, "sim", std::string(rest)};
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
  return open_socketcan(name, std::move(filters));
}

}  // namespace can
