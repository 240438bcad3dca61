#pragma once
// What a command on several packs (--address all, a list) ends with.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bms/snapshot.hpp"
#include "bms/targets.hpp"
#include "commands.hpp"

namespace cli {

struct PackFailure {
  std::uint8_t address;
  util::Error error;
};

// `ok_status` (the worst of the packs that were read: 0, or 1 for one not normal) when no pack
// failed. Otherwise the error of the failed pack with the worst exit status (exit_status.hpp
// worse_exit), its message saying how many failed and which:
// "2 of 8 packs failed (0x03, 0x05); the worst, BMS 0x05: ...".
CommandResult fleet_outcome(int ok_status, std::size_t total, const std::vector<PackFailure>& failed);

// The snapshots (`parts`) of every pack --address names, read at once; one pack when it names one.
util::Result<std::vector<bms::PackOutcome<bms::Snapshot>>> read_snapshots(App& app, std::uint32_t parts);

// With several packs, the line that heads one pack's section: "BMS 0x01  RKS3611A201000123".
std::string pack_heading(const bms::Snapshot& s, const Style& style);

// The failures among `packs`.
template <class T>
std::vector<PackFailure> failures(const std::vector<bms::PackOutcome<T>>& packs) {
  std::vector<PackFailure> out;
  for (const auto& p : packs)
    if (!p.result) out.push_back({p.address, p.result.error()});
  return out;
}

}  // namespace cli
