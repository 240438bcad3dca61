#include "bms/scan.hpp"

#include <algorithm>
#include <map>

namespace bms {

util::Task<util::Result<std::vector<Answered>>> census(Dispatcher& d, util::Duration window) {
  // Twice: an answer lost on the way (or a pack restarting) would leave a pack out unnoticed.
  auto found = co_await d.discover(window);
  if (!found) co_return tl::unexpected(found.error());
  auto again = co_await d.discover(window);
  if (!again) co_return tl::unexpected(again.error());
  std::map<std::uint8_t, std::vector<ConnectInfo>> by_address;
  for (const Discovered& f : *found) by_address[f.address].push_back(f.info);
  for (const Discovered& f : *again) by_address[f.address].push_back(f.info);
  std::vector<Answered> out;
  for (const auto& entry : by_address) {
    const ConnectInfo first = entry.second.front();
    const bool differ = std::any_of(entry.second.begin(), entry.second.end(),
                                    [&first](const ConnectInfo& c) { return !(c == first); });
    if (differ) d.mark_shared(d.peer(entry.first));
    out.push_back({entry.first, first, differ});
  }
  co_return out;
}

util::Task<util::Result<ScanResult>> scan(Dispatcher& d, util::Duration window) {
  auto found = co_await census(d, window);
  if (!found) co_return tl::unexpected(found.error());
  ScanResult result;
  std::vector<util::Task<util::Result<std::string>>> serials;
  for (const Answered& a : *found) {
    result.packs.push_back({a.address, a.info, std::nullopt});
    serials.push_back(d.peer(a.address).serial());
  }
  auto read = co_await util::when_all(std::move(serials));
  // One listen window for them all: a second pack's answer may still be on its way.
  if (auto idle = co_await d.idle(window); !idle) co_return tl::unexpected(idle.error());

  for (std::size_t i = 0; i < result.packs.size(); ++i) {
    ScannedPack& p = result.packs[i];
    if (read[i]) {
      p.serial = *read[i];
    } else if (read[i].error().code == util::Errc::cancelled ||
               read[i].error().code == util::Errc::interface_error) {
      co_return tl::unexpected(read[i].error());
    }
    if (d.peer(p.address).shared()) result.shared.push_back(p.address);
  }
  co_return result;
}

}  // namespace bms
