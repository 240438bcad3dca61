#pragma once
// Hex text for bytes, as candump and the protocol reference write them.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace util {

// {0x01, 0x0A} -> "010A"; with a separator ' ' -> "01 0A".
std::string to_hex(std::span<const std::uint8_t> bytes, char separator = '\0');

// "01 0a" or "010A" -> bytes; nullopt on an odd digit count or a non-hex character.
std::optional<std::vector<std::uint8_t>> from_hex(std::string_view text);

}  // namespace util
