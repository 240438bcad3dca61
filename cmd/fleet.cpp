#include "fleet.hpp"

#include <fmt/format.h>

#include "exit_status.hpp"
#include "render/fleet.hpp"

namespace cli {

util::Result<std::vector<bms::PackOutcome<bms::Snapshot>>> read_snapshots(App& app, std::uint32_t parts) {
  auto d = app.dispatcher();
  if (!d) return tl::unexpected(d.error());
  auto targets = app.targets();
  if (!targets) return tl::unexpected(targets.error());
  return bms::for_each_pack<bms::Snapshot>(**d, *targets,
                                           [parts](bms::Peer& p) { return bms::read_snapshot(p, parts); });
}

std::string pack_heading(const bms::Snapshot& s, const Style& style) {
  return style.paint(fmt::format("BMS 0x{:02X}  {}", s.address, s.serial.value_or("?")), Color::bold) + "\n";
}

CommandResult fleet_outcome(int ok_status, std::size_t total, const std::vector<PackFailure>& failed) {
  if (failed.empty()) return ok_status;
  const PackFailure* worst = &failed.front();
  std::vector<std::uint8_t> addresses;
  for (const PackFailure& f : failed) {
    addresses.push_back(f.address);
    const int s = exit_status_for(f.error.code);
    if (worse_exit(exit_status_for(worst->error.code), s) == s && s != exit_status_for(worst->error.code))
      worst = &f;
  }
  util::Error e = worst->error;
  if (total > 1) {
    const std::string what = failed.size() == 1 ? "" : fmt::format("the worst, BMS 0x{:02X}: ", worst->address);
    e.message = fmt::format("{} of {} packs failed ({}); {}{}", failed.size(), total, address_list(addresses),
                            what, e.message);
  }
  return tl::unexpected(e);
}

}  // namespace cli
