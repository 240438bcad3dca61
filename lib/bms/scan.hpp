#pragma once
// Bus discovery (rockets-can-v1 §4 0x01 to 0xFF): every BMS that answers, and the addresses
// that two packs share (every later command to such an address is unreliable).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bms/client.hpp"

namespace bms {

struct ScannedPack {
  std::uint8_t address = 0;
  ConnectInfo info;
  std::optional<std::string> serial;  // nullopt when IDENTITY got no (consistent) answer
};

struct ScanResult {
  std::vector<ScannedPack> packs;          // by address; one entry an address
  std::vector<std::uint8_t> shared;        // addresses from which two different packs answered
};

// Broadcasts CONNECT, waits `window` for answers, then reads IDENTITY from each address
// (collecting every answer for `window`). Two different CONNECT answers, or two different
// IDENTITY frames of one number, from one address mark it shared. `base` gives the bus, the
// frame map and the tool address.
util::Result<ScanResult> scan(Client& base, const FrameMap& map, util::Duration window);

}  // namespace bms
