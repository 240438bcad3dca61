#pragma once
// The backends the Bus contract suite runs on. A rig opens any number of buses on one wire:
//   hub-simulated      can::Hub, simulated time, paced at 250 kbit/s
//   hub-realtime       can::Hub, system clock, frames take no time on the wire
//   hub-realtime-250k  can::Hub, system clock, paced at 250 kbit/s
//   socketcan:<iface>  two SocketCanBus on one interface, when ROCKETCTL_CONTRACT_IFACE is set

#include <memory>
#include <string>
#include <vector>

#include "can/bus.hpp"
#include "util/result.hpp"

namespace contract {

class Rig {
 public:
  virtual ~Rig() = default;
  // A new participant on the rig's wire that receives only frames passing `filters`.
  virtual util::Result<std::unique_ptr<can::Bus>> open(std::vector<can::Filter> filters) = 0;
};

// The backends available here: the hub ones always, SocketCAN when the environment names one.
std::vector<std::string> backends();

// The rig for one of backends().
std::unique_ptr<Rig> make_rig(const std::string& backend);

}  // namespace contract
