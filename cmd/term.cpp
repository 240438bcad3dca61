#include "term.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include <unistd.h>

namespace cli {

bool stdout_is_terminal() { return isatty(STDOUT_FILENO) == 1; }
bool stdin_is_terminal() { return isatty(STDIN_FILENO) == 1; }

bool confirm(const std::string& question) {
  std::fprintf(stderr, "%s [y/N] ", question.c_str());
  std::fflush(stderr);
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return !answer.empty() && (answer[0] == 'y' || answer[0] == 'Y');
}

Style Style::for_stdout() {
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  bool on = stdout_is_terminal() && (no_color == nullptr || *no_color == '\0') &&
            !(term != nullptr && std::strcmp(term, "dumb") == 0);
  return Style(on);
}

std::string Style::paint(std::string_view text, Color color) const {
  if (!m_color || color == Color::none) return std::string(text);
  const char* code = "";
  switch (color) {
    case Color::bold: code = "\x1b[1m"; break;
    case Color::dim: code = "\x1b[2m"; break;
    case Color::red: code = "\x1b[1;31m"; break;
    case Color::green: code = "\x1b[32m"; break;
    case Color::yellow: code = "\x1b[33m"; break;
    case Color::none: break;
  }
  return std::string(code) + std::string(text) + "\x1b[0m";
}

}  // namespace cli
