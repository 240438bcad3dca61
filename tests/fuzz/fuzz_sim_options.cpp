// Fuzz target: the simulated battery's option string (`-i sim:<options>`, `rocketctl simulate
// --options`) into sim::parse_options, and a duration (swap=, gap=) into sim::parse_duration.
// Checks: accepted options describe at least one battery (pack_configs) within the address
// range of §2; a parsed duration is not negative.
#include "bms/protocol.hpp"
#include "fuzz_common.hpp"
#include "sim/options.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::text(data, size);
  if (auto d = sim::parse_duration(text)) FUZZ_CHECK(d->count() >= 0, "negative duration");
  auto options = sim::parse_options(text);
  if (!options) return 0;
  auto packs = sim::pack_configs(*options);
  FUZZ_CHECK(packs, "parse_options accepted what pack_configs refuses: %s",
             packs.error().message.c_str());
  FUZZ_CHECK(!packs->empty(), "no battery");
  for (const sim::BatteryConfig& b : *packs)
    FUZZ_CHECK(bms::is_bms_address(b.address), "a pack at address 0x%02X", b.address);
  (void)sim::diag_faults(*options);
  return 0;
}
