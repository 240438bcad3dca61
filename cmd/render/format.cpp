#include "render/format.hpp"

#include <cstdlib>

#include <fmt/format.h>

namespace cli {
namespace {

// "1.234" for 1234 with 3 decimals; negative values keep their sign below one unit.
std::string fixed(std::int64_t value, int decimals) {
  std::int64_t scale = decimals == 3 ? 1000 : 10;
  std::int64_t a = std::llabs(value);
  return fmt::format("{}{}.{:0{}}", value < 0 ? "-" : "", a / scale, a % scale, decimals);
}

}  // namespace

std::string volts(std::int64_t mv) { return fixed(mv, 3) + " V"; }
std::string amps(std::int64_t ma) { return fixed(ma, 3) + " A"; }
std::string celsius(int dc) { return fixed(dc, 1) + " °C"; }

std::string hours_long(int h) {
  if (h < 24) return fmt::format("{} h", h);
  return fmt::format("{} h ({} d {} h)", h, h / 24, h % 24);
}

std::string kohm(const std::optional<int>& k) {
  return k ? fmt::format("{} kΩ", *k) : std::string("NULL");
}

std::string signed_duration(std::int64_t seconds) {
  const char* sign = seconds < 0 ? "-" : "+";
  std::int64_t s = std::llabs(seconds);
  std::int64_t d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;
  std::string out;
  if (d) out += fmt::format("{} d ", d);
  if (d || h) out += fmt::format("{} h ", h);
  if (d || h || m) out += fmt::format("{} min ", m);
  out += fmt::format("{} s", sec);
  return sign + out;
}

namespace {

std::size_t display_columns(std::string_view text) {
  std::size_t columns = 0;
  bool in_escape = false;
  for (unsigned char c : text) {
    if (c == 0x1b) {
      in_escape = true;
    } else if (in_escape) {
      if (c == 'm') in_escape = false;
    } else if ((c & 0xC0) != 0x80) {
      ++columns;  // count UTF-8 lead bytes only
    }
  }
  return columns;
}

}  // namespace

std::string wrap(const std::string& text, std::size_t indent, std::size_t width) {
  const std::string margin(indent, ' ');
  const std::size_t room = width > indent + 20 ? width - indent : 20;
  std::string out;
  std::string line;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    std::string word = text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && display_columns(line) + 1 + display_columns(word) > room) {
      out += margin + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) out += margin + line + "\n";
  return out;
}

std::string pad(const std::string& text, std::size_t width) {
  std::size_t columns = display_columns(text);
  return columns >= width ? text : text + std::string(width - columns, ' ');
}

}  // namespace cli
