#pragma once
// Bus discovery (rockets-can-v1 §4 0x01 to 0xFF): every BMS that answers, and the addresses
// that two packs share (every later command to such an address is unreliable).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bms/client.hpp"
#include "bms/dispatcher.hpp"

namespace bms {

struct ScannedPack {
  std::uint8_t address = 0;
  ConnectInfo info;
  std::optional<std::string> serial;  // nullopt when IDENTITY got no (consistent) answer
};

struct ScanResult {
  std::vector<ScannedPack> packs;    // by address; one entry an address
  std::vector<std::uint8_t> shared;  // addresses from which two different packs answered
};

struct Answered {
  std::uint8_t address = 0;
  ConnectInfo info;     // the first answer from the address
  bool shared = false;  // two different CONNECT answers came from it (marked on the peer)
};

// Broadcasts CONNECT and waits `window` for the answers (once more when none came: a lost
// frame, a pack restarting): every address that answered, ascending. An address with two
// different answers is marked shared (Dispatcher::mark_shared). Finding nothing is not an error.
util::Task<util::Result<std::vector<Answered>>> census(Dispatcher& dispatcher, util::Duration window);

// Broadcasts CONNECT and waits `window` for the answers (once more when none came: a lost
// frame, a pack restarting), then reads IDENTITY from every pack at once and listens one more
// `window` for late answers. Two different CONNECT answers, or two different IDENTITY frames
// of one number, from one address mark it shared. Finding nothing is not an error.
util::Task<util::Result<ScanResult>> scan(Dispatcher& dispatcher, util::Duration window);

// The same, blocking, on the client's dispatcher.
inline util::Result<ScanResult> scan(Client& client, util::Duration window) {
  return client.run(scan(client.dispatcher(), window));
}

}  // namespace bms
