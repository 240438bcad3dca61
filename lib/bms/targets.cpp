#include "bms/targets.hpp"

#include <algorithm>
#include <charconv>

#include "bms/scan.hpp"

#include <fmt/format.h>

namespace bms {
namespace {

// A BMS address: decimal, or 0x... hexadecimal (never octal: "010" is ten).
util::Result<std::uint8_t> parse_one(std::string_view t, std::string_view whole) {
  int base = 10;
  std::string_view digits = t;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
    base = 16;
    digits = t.substr(2);
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size())
    return util::fail(util::Errc::usage,
                      fmt::format("--address {}: '{}' is not a number; write an address 1-63 "
                                  "(0x01-0x3F), a list like 1,3,5-8, or all",
                                  whole, t));
  if (value < 1 || value > 0x3F)
    return util::fail(util::Errc::usage,
                      fmt::format("--address {}: {} is outside 1-63, the BMS addresses", whole, t));
  return static_cast<std::uint8_t>(value);
}

}  // namespace

util::Result<AddressSpec> parse_addresses(std::string_view text) {
  AddressSpec spec;
  if (text == "all") {
    spec.all = true;
    return spec;
  }
  if (text.empty())
    return util::fail(util::Errc::usage, "--address needs a value: an address 1-63, a list like 1,3,5-8, or all");
  std::vector<bool> chosen(0x40, false);
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = text.substr(start, comma - start);
    const std::size_t dash = item.find('-');
    auto first = parse_one(item.substr(0, dash), text);
    if (!first) return tl::unexpected(first.error());
    std::uint8_t last = *first;
    if (dash != std::string_view::npos) {
      auto l = parse_one(item.substr(dash + 1), text);
      if (!l) return tl::unexpected(l.error());
      if (*l < *first)
        return util::fail(util::Errc::usage,
                          fmt::format("--address {}: the range {} runs backwards", text, item));
      last = *l;
    }
    for (unsigned a = *first; a <= last; ++a) chosen[a] = true;
    start = comma + 1;
  }
  for (unsigned a = 1; a < chosen.size(); ++a)
    if (chosen[a]) spec.addresses.push_back(static_cast<std::uint8_t>(a));
  return spec;
}

util::Task<util::Result<Targets>> resolve_targets(Dispatcher& d, AddressSpec spec, util::Duration window) {
  Targets t;
  if (!spec.all) {
    t.addresses = spec.addresses;
    co_return t;
  }
  auto found = co_await census(d, window);
  if (!found) co_return tl::unexpected(found.error());
  if (found->empty())
    co_return util::fail(util::Errc::no_answer,
                         fmt::format("no BMS answered a broadcast CONNECT on {}", d.bus().name()));
  for (const Answered& a : *found) (a.shared ? t.shared : t.addresses).push_back(a.address);
  co_return t;
}

}  // namespace bms
