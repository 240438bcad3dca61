#pragma once
// Units as BMS Studio shows them: "36.423V" -> "36.423 V", "-0.008 A", "21.2 °C", "95 h (3 d 23 h)".

#include <cstdint>
#include <optional>
#include <string>

namespace cli {

std::string volts(std::int64_t mv);           // "36.423 V"
std::string amps(std::int64_t ma);            // "-0.008 A"
std::string celsius(int dc);                  // "21.2 °C", "-5.0 °C"
std::string hours_long(int h);                // "95 h (3 d 23 h)"
std::string kohm(const std::optional<int>& k);  // "1200 kΩ" or "NULL"
// A signed time difference: "+2 s", "-3 min 12 s", "+2231 d 17 h 11 min 20 s".
std::string signed_duration(std::int64_t seconds);
// Word-wraps `text` to `width` columns, every line indented by `indent` spaces.
std::string wrap(const std::string& text, std::size_t indent, std::size_t width);
// Pads `text` with spaces to `width` display columns (UTF-8 aware, no wide characters).
std::string pad(const std::string& text, std::size_t width);

}  // namespace cli
