#pragma once
// Waiting between readings without losing the BMS sessions (rockets-can-v1 §3.3: a session
// lasts 10 s after the last request; a tool that keeps watching sends one at least every 5 s).

#include <vector>

#include "bms/dispatcher.hpp"

namespace bms {

inline constexpr util::Duration k_keepalive = std::chrono::seconds(4);

// Lets time pass on the bus clock until `until`, sending each peer a STATUS request every
// k_keepalive meanwhile (all at once). A peer that does not answer one is left for the next
// reading to report. Errc::cancelled on Ctrl-C; the interface's error when it fails.
util::Task<util::Result<void>> wait_keeping_sessions(Dispatcher& dispatcher, std::vector<Peer*> peers,
                                                     util::TimePoint until);

}  // namespace bms
