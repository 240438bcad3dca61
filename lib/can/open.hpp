#pragma once
// Naming a CAN interface on the command line (-i, ROCKETCTL_IFACE) and opening hardware ones.
//   can0, vcan0, socketcan:can0   a SocketCAN interface
//   ecan, ecan:<device>:<channel>[:usbcan-i|:usbcan-ii]
//                                 a GCAN USB-CAN adapter through libECanVci.so.1 (ecan.hpp):
//                                 device index (0 = the first adapter), channel (0 = CAN1,
//                                 1 = CAN2), device type (USBCAN-II unless told; USBCAN-I
//                                 has channel 0 only); "ecan" is ecan:0:0:usbcan-ii
//   sim, sim:bitrate=250000,...   the built-in simulated battery (opened by a higher layer)

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "can/bus.hpp"
#include "util/result.hpp"

namespace can {

struct InterfaceName {
  enum class Kind { socketcan, sim, ecan };
  Kind kind = Kind::socketcan;
  std::string name;     // socketcan: the Linux interface, "can0"; sim: "sim"; ecan: as given
  std::string options;  // sim: the text after "sim:", verbatim ("bitrate=250000,cells=16")
  // ecan: the library's DeviceType (3 USBCAN-I, 4 USBCAN-II), DeviceInd and CANInd.
  std::uint32_t ecan_device_type = 4;
  std::uint32_t ecan_device = 0;
  std::uint32_t ecan_channel = 0;

  friend bool operator==(const InterfaceName&, const InterfaceName&) = default;
};

// Parses `text`. Fails with Errc::usage (listing the accepted forms) when it is empty, names
// an unknown scheme ("foo:bar"), has no name after "socketcan:", is not a possible Linux
// interface name (longer than 15 characters, '/', whitespace), or is an ecan form with a
// missing or non-numeric field, a channel the device type lacks, or an unknown device type.
util::Result<InterfaceName> parse_interface_name(std::string_view text);

// The ROCKETCTL_IFACE environment variable when set and non-empty, else "can0".
std::string default_interface_name();

// Opens a hardware interface (SocketCAN, ECAN; the layer above opens "sim"); Errc::usage for sim.
util::Result<std::unique_ptr<Bus>> open_interface(const InterfaceName& name,
                                                  std::vector<Filter> filters);

// Opens a SocketCAN interface (SocketCanBus::open); Errc::usage for any other kind.
util::Result<std::unique_ptr<Bus>> open_socketcan(const InterfaceName& name,
                                                  std::vector<Filter> filters);

}  // namespace can
