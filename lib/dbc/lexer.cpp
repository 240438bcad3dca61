#include "dbc/lexer.hpp"

#include <fmt/format.h>

namespace dbc::detail {
namespace {

bool is_alpha(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_word(char c) {
  return is_alpha(c) || is_digit(c);
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : m_text(text) {}

  std::vector<Token> run() {
    std::vector<Token> tokens;
    // About one token per 5 bytes of a typical DBC: one allocation instead of a dozen.
    tokens.reserve(m_text.size() / 5 + 16);
    while (true) {
      Token t = next();
      bool stop = t.kind == TokenKind::end || t.kind == TokenKind::error;
      tokens.push_back(std::move(t));
      if (stop) return tokens;
    }
  }

 private:
  char peek(std::size_t ahead = 0) const {
    return m_pos + ahead < m_text.size() ? m_text[m_pos + ahead] : '\0';
  }

  // Skips white space (and // comments, which some tools write); tracks lines.
  void skip_space() {
    while (m_pos < m_text.size()) {
      char c = m_text[m_pos];
      if (c == '\n') {
        ++m_line;
        m_at_line_start = true;
        m_indented = false;
        ++m_pos;
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        if (m_at_line_start) m_indented = true;
        ++m_pos;
      } else if (c == '/' && peek(1) == '/') {
        while (m_pos < m_text.size() && m_text[m_pos] != '\n') ++m_pos;
      } else {
        return;
      }
    }
  }

  Token next() {
    skip_space();
    Token t;
    t.line = m_line;
    t.line_start = m_at_line_start;
    t.indented = m_at_line_start && m_indented;
    m_at_line_start = false;
    if (m_pos >= m_text.size()) return t;
    const char c = m_text[m_pos];
    const std::size_t begin = m_pos;
    if (is_alpha(c)) {
      while (is_word(peek())) ++m_pos;
      t.kind = TokenKind::identifier;
    } else if (is_digit(c) || c == '.' ||
               ((c == '-' || c == '+') && (is_digit(peek(1)) || peek(1) == '.'))) {
      ++m_pos;
      while (true) {
        char d = peek();
        char prev = m_text[m_pos - 1];
        if (is_word(d) || d == '.' || ((d == '+' || d == '-') && (prev == 'e' || prev == 'E')))
          ++m_pos;
        else
          break;
      }
      t.kind = TokenKind::number;
    } else if (c == '@') {
      ++m_pos;
      while (is_digit(peek())) ++m_pos;
      if (peek() == '+' || peek() == '-') ++m_pos;
      t.kind = TokenKind::byte_order;
    } else if (c == '"') {
      return lex_string(t);
    } else if (c == ':' || c == ';' || c == ',' || c == '|' || c == '(' || c == ')' || c == '[' ||
               c == ']') {
      ++m_pos;
      t.kind = TokenKind::punct;
    } else {
      t.kind = TokenKind::error;
      auto byte = static_cast<unsigned char>(c);
      t.text = byte >= 0x20 && byte < 0x7F ? fmt::format("unexpected character '{}'", c)
                                           : fmt::format("unexpected byte 0x{:02X}", byte);
      m_pos = m_text.size();
      return t;
    }
    t.text = std::string(m_text.substr(begin, m_pos - begin));
    return t;
  }

  Token lex_string(Token t) {
    ++m_pos;  // opening quote
    t.kind = TokenKind::string;
    // Copies each run of plain characters at once (comments are long): the tool parses the
    // embedded frame map at every start.
    while (m_pos < m_text.size()) {
      std::size_t stop = m_pos;
      while (stop < m_text.size() && m_text[stop] != '"' && m_text[stop] != '\\' && m_text[stop] != '\n')
        ++stop;
      t.text.append(m_text.substr(m_pos, stop - m_pos));
      m_pos = stop;
      if (m_pos >= m_text.size()) break;
      const char c = m_text[m_pos++];
      if (c == '"') return t;
      if (c == '\\' && (peek() == '"' || peek() == '\\')) {
        t.text += m_text[m_pos++];
        continue;
      }
      if (c == '\n') ++m_line;
      t.text += c;
    }
    t.kind = TokenKind::error;
    t.text = "unterminated string";
    return t;
  }

  std::string_view m_text;
  std::size_t m_pos = 0;
  std::uint32_t m_line = 1;
  bool m_at_line_start = true;
  bool m_indented = false;
};

}  // namespace

std::vector<Token> tokenize(std::string_view text) {
  return Lexer(text).run();
}

}  // namespace dbc::detail
