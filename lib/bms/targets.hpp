#pragma once
// Which packs a command works on (--address): one, a list, or every pack that answers a
// broadcast CONNECT.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bms/dispatcher.hpp"
#include "util/result.hpp"

namespace bms {

struct AddressSpec {
  bool all = false;                     // every pack that answers a broadcast CONNECT
  std::vector<std::uint8_t> addresses;  // otherwise these, ascending, each once (1..63)
  // More than one pack may be meant: a list, a range or `all`.
  bool several() const { return all || addresses.size() > 1; }
};

// "1", "0x1F", "1,3,5-8", "all". Numbers are decimal, or hexadecimal written 0x...; each in
// 1..63. Errc::usage with what is wrong otherwise.
util::Result<AddressSpec> parse_addresses(std::string_view text);

struct Targets {
  std::vector<std::uint8_t> addresses;  // the packs to work on, ascending
  std::vector<std::uint8_t> shared;     // left out: two different packs answered there
};

// The packs `spec` names. `all`: a broadcast CONNECT (twice when nothing answers) and every
// address that answered; an address from which two different CONNECT answers came is marked
// shared (Dispatcher::mark_shared) and listed in `shared` instead. A list: as given. Errc::
// no_answer when `all` finds nothing.
util::Task<util::Result<Targets>> resolve_targets(Dispatcher& dispatcher, AddressSpec spec,
                                                  util::Duration window);

template <class T>
struct PackOutcome {
  std::uint8_t address;
  util::Result<T> result;
};

// Runs `job(peer)` (a coroutine) on every target at once and gives each pack's result,
// ascending by address; a shared address ends at once with Errc::shared_address. A pack that
// fails never stops the others.
template <class T, class Job>
std::vector<PackOutcome<T>> for_each_pack(Dispatcher& d, const Targets& targets, Job job) {
  std::vector<std::uint8_t> all = targets.addresses;
  all.insert(all.end(), targets.shared.begin(), targets.shared.end());
  std::sort(all.begin(), all.end());
  std::vector<util::Task<util::Result<T>>> tasks;
  for (std::uint8_t a : all) tasks.push_back(job(d.peer(a)));
  auto results = d.run_all(std::move(tasks));
  std::vector<PackOutcome<T>> out;
  for (std::size_t i = 0; i < all.size(); ++i) out.push_back({all[i], std::move(results[i])});
  return out;
}

}  // namespace bms
