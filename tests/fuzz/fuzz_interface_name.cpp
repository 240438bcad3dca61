// Fuzz target: the interface argument (-i, ROCKETCTL_IFACE) into can::parse_interface_name,
// and, for a "sim:" one, its options into sim::parse_options (as `rocketctl -i sim:...` does).
// Checks on an accepted name: a SocketCAN name fits IFNAMSIZ (at most 15 characters, no '/',
// no whitespace, not empty); an ECAN channel exists on its device type (USBCAN-I: channel 0).
#include "can/open.hpp"
#include "fuzz_common.hpp"
#include "sim/options.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto name = can::parse_interface_name(fuzz::text(data, size));
  if (!name) return 0;
  switch (name->kind) {
    case can::InterfaceName::Kind::socketcan: {
      const std::string& n = name->name;
      FUZZ_CHECK(!n.empty() && n.size() <= 15, "interface name of %zu characters", n.size());
      for (char c : n)
        FUZZ_CHECK(c != '/' && c != ' ' && c != '\t' && c != '\n' && c != '\0',
                   "interface name with 0x%02X", static_cast<unsigned char>(c));
      break;
    }
    case can::InterfaceName::Kind::ecan:
      FUZZ_CHECK(name->ecan_device_type == 3 || name->ecan_device_type == 4, "device type %u",
                 name->ecan_device_type);
      if (name->ecan_device_type == 3) FUZZ_CHECK(name->ecan_channel == 0, "USBCAN-I channel %u", name->ecan_channel);
      break;
    case can::InterfaceName::Kind::sim:
      (void)sim::parse_options(name->options);
      break;
  }
  return 0;
}
