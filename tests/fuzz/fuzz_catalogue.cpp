// Fuzz target: a fault catalogue (JSON in the format of proto/faults.json, which a user may
// replace at run time) into bms::Catalogue::parse. Checks on one that is accepted: 27 flags,
// entry n for bit n, every required message in both languages, and the lookups the renderers
// use (by light, abnormal flags of any status word) work.
#include "bms/catalogue.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto catalogue = bms::Catalogue::parse(fuzz::text(data, size));
  if (!catalogue) return 0;
  const auto& flags = catalogue->flags();
  FUZZ_CHECK(flags.size() == bms::Catalogue::k_flag_count, "%zu flags", flags.size());
  for (std::size_t i = 0; i < flags.size(); ++i) {
    FUZZ_CHECK(flags[i].bit == static_cast<int>(i), "entry %zu holds bit %d", i, flags[i].bit);
    const bms::FlagInfo* same = catalogue->by_light(flags[i].light);
    FUZZ_CHECK(same != nullptr, "flag %zu not found by its light", i);
  }
  for (std::string_view key : bms::Catalogue::required_messages()) {
    FUZZ_CHECK(catalogue->has_message(key), "message %.*s missing", int(key.size()), key.data());
    (void)catalogue->message(key, bms::Lang::en);
    (void)catalogue->message(key, bms::Lang::it);
  }
  fuzz::Input in(data, size);
  (void)catalogue->abnormal(in.be32());
  return 0;
}
