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

// How long answers to a broadcast are listened for: §3.2's 50 ms to the first answer, plus
// 63 packs' answers queued on the wire at 250 kbit/s (about 35 ms), with room to spare.
inline constexpr util::Duration k_listen_window = std::chrono::milliseconds(150);

struct Answered {
  std::uint8_t address = 0;
  ConnectInfo info;     // the first answer from the address
  bool shared = false;  // two different CONNECT answers came from it (marked on the peer)
};

// Broadcasts CONNECT and waits `window` for the answers, twice (an answer lost on the way or a
// pack restarting would leave a pack out unnoticed): every address that answered either,
// ascending. An address with two different answers is marked shared (Dispatcher::
// mark_shared). Finding nothing is not an error.
util::Task<util::Result<std::vector<Answered>>> census(Dispatcher& dispatcher, util::Duration window);

// census(), then reads IDENTITY from every pack at once and listens one more
// `window` for late answers. Two different CONNECT answers, or two different IDENTITY frames
// of one number, from one address mark it shared. Finding nothing is not an error.
util::Task<util::Result<ScanResult>> scan(Dispatcher& dispatcher, util::Duration window);

// The same, blocking, on the client's dispatcher.
inline util::Result<ScanResult> scan(Client& client, util::Duration window) {
  return client.run(scan(client.dispatcher(), window));
}

}  // namespace bms
