#pragma once
// The DBC parser's state machine (internal to lib/dbc; the API is parser.hpp).
// Statement functions are split between parser.cpp (layout: BU_, BO_, SG_) and
// parser_statements.cpp (CM_, attributes, value tables).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dbc/lexer.hpp"
#include "dbc/model.hpp"

namespace dbc::detail {

// Thrown inside Parser only; parse() turns it into a util::Error.
struct ParseError {
  std::uint32_t line;
  std::string what;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : m_tokens(tokenize(text)) {}
  // The whole text as a Database; throws ParseError.
  Database run();

 private:
  // Tokens.
  // The next token; a lexical error there is reported (throws) as soon as the parser looks at it.
  const Token& peek() const;
  Token take();
  bool at_punct(char c) const;
  [[noreturn]] void fail(std::uint32_t line, std::string what) const;
  void expect_punct(char c, std::string_view after);
  std::string expect_identifier(std::string_view what);
  std::string expect_string(std::string_view what);
  // Skips to and past the ';' that ends the statement `keyword` started.
  void skip_statement(const Token& keyword);

  // Numbers; each takes one number token, `what` names it in errors.
  std::uint64_t take_unsigned(std::string_view what, std::uint64_t max);
  std::int64_t take_integer(std::string_view what);  // exact; above INT64_MAX bit-for-bit
  double take_double(std::string_view what);

  // Statements (parser.cpp).
  void statement(const Token& keyword);
  void version(const Token& keyword);
  void new_symbols(const Token& keyword);
  void bit_timing(const Token& keyword);
  void nodes(const Token& keyword);
  void message(const Token& keyword);
  void signal(const Token& keyword);
  void close_message();

  // Statements (parser_statements.cpp).
  void comment(const Token& keyword);
  void attribute_definition(const Token& keyword);
  void attribute_default(const Token& keyword);
  void attribute(const Token& keyword);
  void value_table(const Token& keyword);
  void value_descriptions(const Token& keyword);
  void signal_value_type(const Token& keyword);

  // References to the model. nullptr: the skipped VECTOR__INDEPENDENT_SIG_MSG.
  Message* message_ref(std::string_view statement);
  Signal& signal_ref(Message& message, std::string_view statement);
  bool has_node(std::string_view name) const;
  // raw "description" pairs up to (not including) the ';'.
  std::map<std::int64_t, std::string> value_pairs();
  // An attribute value checked against its definition's type.
  AttributeValue attribute_value(const AttributeDefinition& definition);

  std::vector<Token> m_tokens;
  std::size_t m_pos = 0;
  Database m_db;
  std::optional<std::size_t> m_open_message;  // the message that SG_ lines add to
  std::vector<std::uint32_t> m_signal_lines;  // lines of the open message's signals
  bool m_skip_signals = false;                // SG_ of VECTOR__INDEPENDENT_SIG_MSG
  std::optional<std::uint32_t> m_independent_id;
};

}  // namespace dbc::detail
