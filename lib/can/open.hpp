#pragma once
// Naming a CAN interface on the command line (-i, ROCKETCTL_IFACE) and opening SocketCAN ones.
//   can0, vcan0, socketcan:can0   a SocketCAN interface
//   sim, sim:bitrate=250000,...   the built-in simulated battery (opened by a higher layer)

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "can/bus.hpp"
#include "util/result.hpp"

namespace can {

struct InterfaceName {
  enum class Kind { socketcan, sim };
  Kind kind = Kind::socketcan;
  std::string name;     // socketcan: the Linux interface, "can0"; sim: "sim"
  std::string options;  // sim: the text after "sim:", verbatim ("bitrate=250000,cells=16")

  friend bool operator==(const InterfaceName&, const InterfaceName&) = default;
};

// Parses `text`. Fails with Errc::usage (listing the accepted forms) when it is empty, names
// an unknown scheme ("foo:bar"), has no name after "socketcan:", or is not a possible Linux
// interface name (longer than 15 characters, '/', whitespace).
util::Result<InterfaceName> parse_interface_name(std::string_view text);

// The ROCKETCTL_IFACE environment variable when set and non-empty, else "can0".
std::string default_interface_name();

// Opens a hardware interface (SocketCAN; the layer above opens "sim"); Errc::usage for sim.
util::Result<std::unique_ptr<Bus>> open_interface(const InterfaceName& name,
                                                  std::vector<Filter> filters);

// Opens a SocketCAN interface (SocketCanBus::open); Errc::usage for any other kind.
util::Result<std::unique_ptr<Bus>> open_socketcan(const InterfaceName& name,
                                                  std::vector<Filter> filters);

}  // namespace can
