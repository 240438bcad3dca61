#include "bms/scan.hpp"

#include <algorithm>
#include <map>

namespace bms {
namespace {

// The serial from every IDENTITY frame collected; `conflict` when one frame number came with
// two different payloads (two packs answering).
std::optional<std::string> serial_from(const FrameMap& map, const std::vector<can::Frame>& frames,
                                       bool& conflict) {
  std::vector<std::optional<can::Frame>> by_number(3);
  for (const can::Frame& f : frames) {
    auto n = frame_number(map, Command::identity, f);
    if (!n || *n < 1 || *n > 3) continue;
    auto& slot = by_number[static_cast<std::size_t>(*n - 1)];
    if (slot && slot->data != f.data) conflict = true;
    if (!slot) slot = f;
  }
  std::vector<can::Frame> ordered;
  for (const auto& f : by_number) {
    if (!f) return std::nullopt;
    ordered.push_back(*f);
  }
  auto serial = decode_identity(map, ordered);
  if (!serial) return std::nullopt;
  return *serial;
}

}  // namespace

util::Result<ScanResult> scan(Client& base, const FrameMap& map, util::Duration window) {
  auto found = base.discover(window);
  if (!found) return tl::unexpected(found.error());
  std::map<std::uint8_t, std::vector<ConnectInfo>> by_address;
  for (const auto& d : *found) by_address[d.address].push_back(d.info);

  ScanResult result;
  for (const auto& [address, answers] : by_address) {
    ScannedPack pack{address, answers.front(), std::nullopt};
    // Captured by value, not the binding: clang before 16 cannot capture structured
    // bindings (the fuzz build, ROCKETCTL_FUZZ, uses clang 14).
    const ConnectInfo first = answers.front();
    bool conflict = std::any_of(answers.begin(), answers.end(),
                                [first](const ConnectInfo& c) { return !(c == first); });
    ClientOptions o = base.options();
    o.bms = address;
    Client client(base.bus(), map, o);
    auto identity = client.collect(Command::identity, window);
    if (!identity) return tl::unexpected(identity.error());
    pack.serial = serial_from(map, *identity, conflict);
    if (conflict) result.shared.push_back(address);
    result.packs.push_back(std::move(pack));
  }
  return result;
}

}  // namespace bms
