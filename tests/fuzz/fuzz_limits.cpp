// Fuzz target: the limits file of `rocketctl check` (TOML) into bms::parse_limits with the
// built-in fault catalogue. Checks on a file that is accepted: every range has its minimum at
// or below its maximum, RSOC within 0-100, the cell count 1-32, flag bits 0-26, no flag both
// set and clear (all promised by limits.hpp); the limits judge a default reading without fail.
#include <algorithm>

#include "bms/limits.hpp"
#include "fuzz_common.hpp"

namespace {

void check_range(const bms::LimitRange& r, const char* what) {
  if (r.min && r.max) FUZZ_CHECK(*r.min <= *r.max, "%s: min %lld above max %lld", what,
                                 (long long)*r.min, (long long)*r.max);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto limits = bms::parse_limits(fuzz::text(data, size), "fuzz.toml");
  if (!limits) {
    FUZZ_CHECK(limits.error().message.rfind("fuzz.toml", 0) == 0, "message without the file: %s",
               limits.error().message.c_str());
    return 0;
  }
  const bms::Limits& l = *limits;
  check_range(l.cell_mv, "cells");
  check_range(l.pack_mv, "pack");
  check_range(l.cell_temperature_dc, "cell temperature");
  check_range(l.mos_temperature_dc, "mos temperature");
  check_range(l.rsoc_pct, "rsoc");
  if (l.rsoc_pct.min) FUZZ_CHECK(*l.rsoc_pct.min >= 0, "rsoc min %lld", (long long)*l.rsoc_pct.min);
  if (l.rsoc_pct.max) FUZZ_CHECK(*l.rsoc_pct.max <= 100, "rsoc max %lld", (long long)*l.rsoc_pct.max);
  if (l.cell_count) FUZZ_CHECK(*l.cell_count >= 1 && *l.cell_count <= 32, "cell count %d", *l.cell_count);
  for (int bit : l.flags_clear) {
    FUZZ_CHECK(bit >= 0 && bit <= 26, "flag bit %d", bit);
    FUZZ_CHECK(std::find(l.flags_set.begin(), l.flags_set.end(), bit) == l.flags_set.end(),
               "flag %d both set and clear", bit);
  }
  for (int bit : l.flags_set) FUZZ_CHECK(bit >= 0 && bit <= 26, "flag bit %d", bit);
  FUZZ_CHECK(!(l.firmware_exact && l.firmware_minimum), "firmware exact and minimum together");

  const std::vector<bms::Sample> samples(1);
  const auto results = bms::evaluate(l, samples);
  FUZZ_CHECK(!results.empty(), "no results");
  return 0;
}
