#include "rig.hpp"

#include <cstdlib>
#include <stdexcept>

#include "can/hub.hpp"
#include "can/socketcan.hpp"

namespace contract {
namespace {

class HubRig final : public Rig {
 public:
  explicit HubRig(can::Hub::Options options) : m_hub(options) {}
  util::Result<std::unique_ptr<can::Bus>> open(std::vector<can::Filter> filters) override {
    return m_hub.open_port("port" + std::to_string(++m_ports), std::move(filters));
  }

 private:
  can::Hub m_hub;
  int m_ports = 0;
};

class SocketCanRig final : public Rig {
 public:
  explicit SocketCanRig(std::string iface) : m_iface(std::move(iface)) {}
  util::Result<std::unique_ptr<can::Bus>> open(std::vector<can::Filter> filters) override {
    return can::SocketCanBus::open(m_iface, std::move(filters));
  }

 private:
  std::string m_iface;
};

constexpr const char* k_socketcan_prefix = "socketcan:";

}  // namespace

std::vector<std::string> backends() {
  std::vector<std::string> out{"hub-simulated", "hub-realtime", "hub-realtime-250k"};
  const char* iface = std::getenv("ROCKETCTL_CONTRACT_IFACE");
  if (iface != nullptr && *iface != '\0') out.push_back(std::string(k_socketcan_prefix) + iface);
  return out;
}

std::unique_ptr<Rig> make_rig(const std::string& backend) {
  using Timing = can::Hub::Timing;
  if (backend == "hub-simulated")
    return std::make_unique<HubRig>(can::Hub::Options{Timing::simulated, 250000, false});
  if (backend == "hub-realtime")
    return std::make_unique<HubRig>(can::Hub::Options{Timing::realtime, 0, false});
  if (backend == "hub-realtime-250k")
    return std::make_unique<HubRig>(can::Hub::Options{Timing::realtime, 250000, false});
  if (backend.starts_with(k_socketcan_prefix))
    return std::make_unique<SocketCanRig>(backend.substr(std::string(k_socketcan_prefix).size()));
  throw std::invalid_argument("unknown contract backend " + backend);
}

}  // namespace contract
