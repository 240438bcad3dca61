// The batteries an Options describes (sim/options.hpp): addresses, serials and clock drift.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "sim/options.hpp"

namespace sim {
namespace {

constexpr std::size_t k_max_serial = 21;

util::Error usage(std::string text) {
  return util::Error{util::Errc::usage, std::move(text)};
}

}  // namespace

std::string derived_serial(const std::string& base, int k) {
  if (k <= 0) return base;
  std::size_t digits = base.size();
  while (digits > 0 && std::isdigit(static_cast<unsigned char>(base[digits - 1]))) --digits;
  if (digits == base.size()) {
    std::string number = std::to_string(k);
    return base.substr(0, std::min(base.size(), k_max_serial - number.size())) + number;
  }
  std::string s = base;
  int carry = k;
  for (std::size_t i = s.size(); i-- > digits && carry != 0;) {
    int d = (s[i] - '0') + carry;
    s[i] = static_cast<char>('0' + d % 10);
    carry = d / 10;
  }
  return s;
}

util::Duration bench_swap(const Options& o) {
  return o.swap.value_or(k_default_swap);
}

util::Duration bench_gap(const Options& o) {
  if (o.gap) return *o.gap;
  return std::max<util::Duration>(bench_swap(o) / 2, k_min_default_gap);
}

util::Result<std::vector<BatteryConfig>> pack_configs(const Options& o) {
  const BatteryConfig& first = o.battery;
  std::vector<std::uint8_t> addresses = o.addresses;
  int count = 1;
  if (o.bench != 0) {
    if (o.packs > 1 || addresses.size() > 1 || o.duplicate)
      return tl::unexpected(
          usage("simulator option bench= plugs in one pack at a time at address=: "
                "it does not combine with packs=, addresses= or duplicate="));
    if (!addresses.empty()) addresses = {addresses.front()};
    count = o.bench;
  } else {
    if (o.swap || o.gap || o.loop)
      return tl::unexpected(usage("simulator options swap=, gap= and loop= need bench=N"));
    if (!addresses.empty() && o.packs != 0 && static_cast<std::size_t>(o.packs) != addresses.size())
      return tl::unexpected(
          usage(fmt::format("simulator options packs={} and addresses= ({} addresses) "
                            "disagree: give one of them",
                            o.packs, addresses.size())));
    if (addresses.empty()) {
      count = std::max(o.packs, 1);
      if (first.address + count - 1 > 63)
        return tl::unexpected(usage(fmt::format(
            "simulator option packs={}: addresses {}-{} pass 63 (start lower with address=)", count,
            first.address, first.address + count - 1)));
      for (int k = 0; k < count; ++k)
        addresses.push_back(static_cast<std::uint8_t>(first.address + k));
    }
    count = static_cast<int>(addresses.size());
  }

  const int total = count + (o.duplicate ? 1 : 0);
  const std::int64_t step =
      o.drift_s.value_or(total > 1 || o.bench != 0 ? k_default_drift_step_s : 0);
  if (!first.clock_now) {
    const std::int64_t start = bms::to_seconds(first.clock);
    const std::int64_t last = bms::to_seconds(bms::Calendar{2255, 12, 31, 23, 59, 59});
    for (std::int64_t k : {std::int64_t{1}, std::int64_t{total}})
      if (start + k * step < 0 || start + k * step > last)
        return tl::unexpected(usage(fmt::format(
            "simulator option drift={}: the clock of pack {} would leave the years 2000-2255", step,
            k)));
  }

  std::vector<BatteryConfig> packs;
  for (int k = 1; k <= total; ++k) {
    BatteryConfig c = first;
    if (o.bench != 0)
      c.address = addresses.empty() ? first.address : addresses.front();
    else  // the duplicate (k > count) answers from pack 1's address
      c.address = addresses[static_cast<std::size_t>(k > count ? 0 : k - 1)];
    c.serial = derived_serial(first.serial, k - 1);
    c.drift_s = k * step;
    packs.push_back(std::move(c));
  }
  return packs;
}

}  // namespace sim
