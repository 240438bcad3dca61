#include "bms/readings.hpp"

#include <fmt/format.h>

namespace bms {

std::string FirmwareVersion::to_string() const {
  if (!valid()) return "none";
  return fmt::format("{}.{}.{}", major, minor, patch);
}

}  // namespace bms
