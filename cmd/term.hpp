#pragma once
// Colour for people at a terminal, none for pipes, files and NO_COLOR.

#include <string>
#include <string_view>

namespace cli {

enum class Color { none, bold, dim, red, green, yellow };

class Style {
public:
  explicit Style(bool color) : m_color(color) {}
  // On when stdout is a terminal, NO_COLOR is unset or empty, and TERM is not "dumb".
  static Style for_stdout();
  std::string paint(std::string_view text, Color color) const;
  bool color() const { return m_color; }

private:
  bool m_color;
};

bool stdout_is_terminal();
bool stdin_is_terminal();

// Asks `question` on stderr and reads a line from stdin; true only for an answer starting
// with y or Y (end of input: false).
bool confirm(const std::string& question);

}  // namespace cli
