#pragma once
// Tokens of DBC text, for parser.cpp (internal to lib/dbc).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dbc::detail {

enum class TokenKind {
  identifier,  // BO_, PackVoltage, m3
  number,      // 42, -3.5, 1e-05, and malformed ones such as 12ab (the parser rejects them)
  string,      // "..." with \" and \\ unescaped; may span lines
  byte_order,  // @0+, @1- (whatever follows '@': digits and one sign)
  punct,       // one of : ; , | ( ) [ ]
  end,         // end of the text
  error,       // a lexical error; text = what is wrong; nothing follows
};

struct Token {
  TokenKind kind = TokenKind::end;
  std::string text;
  std::uint32_t line = 1;   // where the token starts
  bool line_start = false;  // first token on its line
  bool indented = false;    // first token on its line, after white space
};

// The whole text as tokens, ending with an `end` or an `error` token.
std::vector<Token> tokenize(std::string_view text);

}  // namespace dbc::detail
