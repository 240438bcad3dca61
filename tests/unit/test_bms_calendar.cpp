// bms::Calendar's arithmetic (§4 0x18, §7: seconds since 2000-01-01 00:00:00).

#include <catch2/catch.hpp>

#include "bms/calendar.hpp"

namespace {

// Computed while the program starts, before main, as any namespace-scope constant of another
// file may be: to_seconds must not depend on a constant of its own file that is set up then.
const std::int64_t k_second_day = bms::to_seconds({2000, 1, 2, 0, 0, 0});

}  // namespace

TEST_CASE("to_seconds counts from 2000, also before main", "[bms][calendar]") {
  CHECK(k_second_day == 86400);
  CHECK(bms::to_seconds({2000, 1, 1, 0, 0, 0}) == 0);
  CHECK(bms::to_seconds({2020, 10, 17, 16, 48, 40}) == 656268520);
  CHECK(bms::from_seconds(656268520) == bms::Calendar{2020, 10, 17, 16, 48, 40});
}
