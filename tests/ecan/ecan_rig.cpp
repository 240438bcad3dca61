// The Bus contract suite's rig for EcanBus (replaces tests/contract/rig.cpp in
// contract_ecan_tests): every participant is channel 0 of its own fake adapter (device 0, 1,
// 2, ...), all on the one wire inside the fake library that ROCKETCTL_ECAN_LIB names.

#include <stdexcept>
#include <string>

#include "can/ecan.hpp"
#include "rig.hpp"

namespace contract {
namespace {

class EcanRig final : public Rig {
 public:
  util::Result<std::unique_ptr<can::Bus>> open(std::vector<can::Filter> filters) override {
    can::EcanAddress address;
    address.device_index = m_devices++;
    return can::EcanBus::open("ecan:" + std::to_string(address.device_index) + ":0", address,
                              std::move(filters));
  }

 private:
  std::uint32_t m_devices = 0;
};

}  // namespace

std::vector<std::string> backends() { return {"ecan-fake"}; }

std::unique_ptr<Rig> make_rig(const std::string& backend) {
  if (backend == "ecan-fake") return std::make_unique<EcanRig>();
  throw std::invalid_argument("unknown contract backend " + backend);
}

}  // namespace contract
