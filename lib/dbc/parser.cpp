#include "dbc/parser.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include "dbc/codec.hpp"
#include "dbc/parser_impl.hpp"

namespace dbc {
namespace detail {
namespace {

constexpr std::string_view k_independent_message = "VECTOR__INDEPENDENT_SIG_MSG";
constexpr std::string_view k_no_node = "Vector__XXX";

// Statements read over, up to their ';'.
const std::set<std::string, std::less<>> k_skipped = {
    "EV_",        "ENVVAR_DATA_",  "EV_DATA_",         "SGTYPE_",        "SGTYPE_VAL_",
    "SIGTYPE_",   "SIG_TYPE_REF_", "SIGTYPE_VALTYPE_", "SIG_GROUP_",     "BA_DEF_SGTYPE_",
    "BA_SGTYPE_", "BO_TX_BU_",     "BA_DEF_REL_",      "BA_REL_",        "BA_DEF_DEF_REL_",
    "BU_SG_REL_", "BU_EV_REL_",    "BU_BO_REL_",       "SG_MUL_VAL_",    "CAT_DEF_",
    "CAT_",       "FILTER",        "NS_DESC_",         "VAL_TABLE_DESC_"};

std::string describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::end:
      return "end of file";
    case TokenKind::string:
      return fmt::format("string \"{}\"", t.text.substr(0, 40));
    default:
      return fmt::format("'{}'", t.text);
  }
}

}  // namespace

const Token& Parser::peek() const {
  const Token& t = m_tokens[m_pos];
  if (t.kind == TokenKind::error) fail(t.line, t.text);
  return t;
}

Token Parser::take() {
  const Token& t = peek();
  if (t.kind != TokenKind::end) ++m_pos;
  return t;
}

bool Parser::at_punct(char c) const {
  return peek().kind == TokenKind::punct && peek().text[0] == c;
}

void Parser::fail(std::uint32_t line, std::string what) const {
  throw ParseError{line, std::move(what)};
}

void Parser::expect_punct(char c, std::string_view after) {
  if (!at_punct(c))
    fail(peek().line, fmt::format("expected '{}' after {}, found {}", c, after, describe(peek())));
  take();
}

std::string Parser::expect_identifier(std::string_view what) {
  if (peek().kind != TokenKind::identifier)
    fail(peek().line, fmt::format("expected {}, found {}", what, describe(peek())));
  return take().text;
}

std::string Parser::expect_string(std::string_view what) {
  if (peek().kind != TokenKind::string)
    fail(peek().line,
         fmt::format("expected {} (a quoted string), found {}", what, describe(peek())));
  return take().text;
}

void Parser::skip_statement(const Token& keyword) {
  while (!at_punct(';')) {
    if (peek().kind == TokenKind::end)
      fail(keyword.line, fmt::format("{} statement without its closing ';'", keyword.text));
    take();
  }
  take();
}

std::uint64_t Parser::take_unsigned(std::string_view what, std::uint64_t max) {
  const Token& t = peek();
  if (t.kind != TokenKind::number)
    fail(t.line, fmt::format("expected {}, found {}", what, describe(t)));
  std::uint64_t v = 0;
  const char* end = t.text.data() + t.text.size();
  auto [ptr, ec] = std::from_chars(t.text.data(), end, v);
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && ptr == end && v > max))
    fail(t.line, fmt::format("{} {} is out of range 0..{}", what, t.text, max));
  if (ec != std::errc() || ptr != end)
    fail(t.line, fmt::format("{} '{}' is not an unsigned integer", what, t.text));
  take();
  return v;
}

std::int64_t Parser::take_integer(std::string_view what) {
  const Token& t = peek();
  if (t.kind != TokenKind::number)
    fail(t.line, fmt::format("expected {}, found {}", what, describe(t)));
  std::string_view text = t.text;
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  const char* end = text.data() + text.size();
  std::int64_t v = 0;
  std::from_chars_result r{};
  if (!text.empty() && text[0] == '-') {
    r = std::from_chars(text.data(), end, v);
  } else {
    std::uint64_t u = 0;
    r = std::from_chars(text.data(), end, u);
    v = static_cast<std::int64_t>(u);  // above INT64_MAX: bit-for-bit
  }
  auto [ptr, ec] = r;
  if (ec == std::errc::result_out_of_range)
    fail(t.line, fmt::format("{} {} is out of the 64-bit range", what, t.text));
  if (ec != std::errc() || ptr != end)
    fail(t.line, fmt::format("{} '{}' is not an integer", what, t.text));
  take();
  return v;
}

double Parser::take_double(std::string_view what) {
  const Token& t = peek();
  if (t.kind != TokenKind::number)
    fail(t.line, fmt::format("expected {}, found {}", what, describe(t)));
  std::string_view text = t.text;
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  double v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end || !std::isfinite(v))
    fail(t.line, fmt::format("{} '{}' is not a number", what, t.text));
  take();
  return v;
}

Database Parser::run() {
  while (peek().kind != TokenKind::end) {
    Token keyword = take();
    if (keyword.kind != TokenKind::identifier)
      fail(keyword.line, fmt::format("expected a statement, found {}", describe(keyword)));
    statement(keyword);
  }
  close_message();
  return std::move(m_db);
}

void Parser::statement(const Token& keyword) {
  using Handler = void (Parser::*)(const Token&);
  static const std::map<std::string, Handler, std::less<>> handlers = {
      {"VERSION", &Parser::version},
      {"NS_", &Parser::new_symbols},
      {"BS_", &Parser::bit_timing},
      {"BU_", &Parser::nodes},
      {"BO_", &Parser::message},
      {"SG_", &Parser::signal},
      {"CM_", &Parser::comment},
      {"BA_DEF_", &Parser::attribute_definition},
      {"BA_DEF_DEF_", &Parser::attribute_default},
      {"BA_", &Parser::attribute},
      {"VAL_TABLE_", &Parser::value_table},
      {"VAL_", &Parser::value_descriptions},
      {"SIG_VALTYPE_", &Parser::signal_value_type},
  };
  if (keyword.text != "SG_") close_message();
  if (auto it = handlers.find(keyword.text); it != handlers.end())
    (this->*(it->second))(keyword);
  else if (k_skipped.count(keyword.text) != 0)
    skip_statement(keyword);
  else
    fail(keyword.line, fmt::format("unknown statement '{}'", keyword.text));
}

void Parser::version(const Token&) {
  m_db.version = expect_string("the version");
}

// NS_ : followed by indented symbol names, up to the next line that starts unindented.
void Parser::new_symbols(const Token&) {
  if (at_punct(':')) take();
  while (peek().kind != TokenKind::end && !(peek().line_start && !peek().indented)) take();
}

// BS_: [baudrate : BTR1 , BTR2] -- obsolete; read over up to the end of the line.
void Parser::bit_timing(const Token&) {
  while (peek().kind != TokenKind::end && !peek().line_start) take();
}

void Parser::nodes(const Token& keyword) {
  expect_punct(':', "BU_");
  while (peek().kind != TokenKind::end && !peek().line_start) {
    std::string name = expect_identifier("a node name");
    if (has_node(name)) fail(keyword.line, fmt::format("node '{}' is listed twice", name));
    m_db.nodes.push_back(std::move(name));
  }
}

void Parser::message(const Token& keyword) {
  const std::uint64_t dbc_id = take_unsigned("message id", 0xFFFFFFFF);
  std::string name = expect_identifier("a message name");
  expect_punct(':', fmt::format("message name '{}'", name));
  const std::uint64_t dlc = take_unsigned("dlc", UINT64_MAX);
  std::string sender;
  if (peek().kind == TokenKind::identifier && !peek().line_start) sender = take().text;
  if (sender == k_no_node) sender.clear();
  if (name == k_independent_message) {
    m_skip_signals = true;
    m_independent_id = static_cast<std::uint32_t>(dbc_id);
    return;
  }
  Message m;
  m.name = std::move(name);
  m.extended = (dbc_id & 0x80000000u) != 0;
  m.id = static_cast<std::uint32_t>(dbc_id & 0x7FFFFFFFu);
  if (m.extended && m.id > 0x1FFFFFFF)
    fail(keyword.line,
         fmt::format("message '{}': extended id 0x{:X} is out of range (29 bits)", m.name, m.id));
  if (!m.extended && m.id > 0x7FF)
    fail(keyword.line,
         fmt::format("message '{}': standard id 0x{:X} is above 0x7FF (an extended id is written "
                     "with bit 31 set: {})",
                     m.name, m.id, std::uint64_t{m.id} | 0x80000000u));
  if (dlc > 8)
    fail(keyword.line, fmt::format("message '{}': dlc {} is out of range 0..8", m.name, dlc));
  m.dlc = static_cast<std::uint32_t>(dlc);
  m.sender = std::move(sender);
  if (const Message* other = m_db.find(m.id, m.extended))
    fail(keyword.line, fmt::format("message '{}': id 0x{:X} is already used by message '{}'",
                                   m.name, m.id, other->name));
  if (m_db.find(m.name) != nullptr)
    fail(keyword.line, fmt::format("message name '{}' is used twice", m.name));
  m_db.messages.push_back(std::move(m));
  m_open_message = m_db.messages.size() - 1;
}

void Parser::signal(const Token& keyword) {
  if (m_skip_signals) {
    while (peek().kind != TokenKind::end && !peek().line_start) take();
    return;
  }
  if (!m_open_message) fail(keyword.line, "SG_ outside a message (no BO_ line before it)");
  Message& m = m_db.messages[*m_open_message];
  Signal s;
  s.name = expect_identifier("a signal name");
  const std::string context = fmt::format("signal '{}'", s.name);
  if (peek().kind == TokenKind::identifier) {
    Token mux = take();
    const std::string& t = mux.text;
    auto digits = std::string_view(t).substr(1);
    bool extended_mux = t.size() > 2 && t[0] == 'm' && t.back() == 'M';
    if (t == "M") {
      s.mux_role = MuxRole::multiplexor;
    } else if (extended_mux) {
      fail(mux.line, fmt::format("{}: extended multiplexing ('{}') is not supported", context, t));
    } else if (t.size() > 1 && t[0] == 'm' &&
               digits.find_first_not_of("0123456789") == std::string_view::npos) {
      unsigned long long v = 0;
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      if (ec != std::errc() || v > 0xFFFFFFFF)
        fail(mux.line, fmt::format("{}: multiplexer value {} is out of range", context, digits));
      s.mux_role = MuxRole::multiplexed;
      s.mux_value = static_cast<std::uint32_t>(v);
    } else {
      fail(mux.line,
           fmt::format("{}: '{}' is not a multiplex indicator (M or m<value>)", context, t));
    }
  }
  expect_punct(':', context);
  const std::uint32_t line = keyword.line;
  s.start_bit = static_cast<std::uint32_t>(take_unsigned(context + ": start bit", 0xFFFFFFFF));
  expect_punct('|', "the start bit");
  const std::uint64_t length = take_unsigned(context + ": length", UINT64_MAX);
  if (length < 1 || length > 64)
    fail(line, fmt::format("{}: length {} is out of range 1..64", context, length));
  s.length = static_cast<std::uint32_t>(length);
  const Token order = take();
  if (order.kind != TokenKind::byte_order || order.text.size() != 3 ||
      (order.text[1] != '0' && order.text[1] != '1'))
    fail(order.line, fmt::format("{}: expected @0+, @0-, @1+ or @1- after the length, found {}",
                                 context, describe(order)));
  s.byte_order = order.text[1] == '0' ? ByteOrder::big_endian : ByteOrder::little_endian;
  s.is_signed = order.text[2] == '-';
  expect_punct('(', "the byte order");
  s.factor = take_double(context + ": factor");
  expect_punct(',', "the factor");
  s.offset = take_double(context + ": offset");
  expect_punct(')', "the offset");
  expect_punct('[', "(factor,offset)");
  s.minimum = take_double(context + ": minimum");
  expect_punct('|', "the minimum");
  s.maximum = take_double(context + ": maximum");
  expect_punct(']', "the maximum");
  s.unit = expect_string(context + ": the unit");
  if (peek().kind == TokenKind::identifier && !peek().line_start) {
    while (true) {
      std::string receiver = expect_identifier("a receiver node");
      if (receiver != k_no_node) s.receivers.push_back(std::move(receiver));
      if (!at_punct(',')) break;
      take();
    }
  }
  if (s.factor == 0) fail(line, fmt::format("{}: factor 0", context));
  if (!signal_fits(s, m.dlc))
    fail(line,
         fmt::format("{} (start bit {}, length {}, {}) does not fit in the {} bytes of "
                     "message '{}'",
                     context, s.start_bit, s.length,
                     s.byte_order == ByteOrder::big_endian ? "Motorola" : "Intel", m.dlc, m.name));
  if (m.find(s.name) != nullptr)
    fail(line, fmt::format("{} appears twice in message '{}'", context, m.name));
  const Signal* mux = m.multiplexor();
  if (s.mux_role == MuxRole::multiplexor && mux != nullptr)
    fail(line, fmt::format("message '{}' has two multiplexors: '{}' and '{}'", m.name, mux->name,
                           s.name));
  m.signals.push_back(std::move(s));
  m_signal_lines.push_back(line);
}

void Parser::close_message() {
  if (m_open_message) {
    const Message& m = m_db.messages[*m_open_message];
    for (std::size_t i = 0; i < m.signals.size(); ++i)
      if (m.signals[i].mux_role == MuxRole::multiplexed && m.multiplexor() == nullptr)
        fail(m_signal_lines[i],
             fmt::format("signal '{}' is multiplexed (m{}) but message '{}' has no multiplexor "
                         "(M)",
                         m.signals[i].name, m.signals[i].mux_value, m.name));
  }
  m_open_message.reset();
  m_signal_lines.clear();
  m_skip_signals = false;
}

bool Parser::has_node(std::string_view name) const {
  for (const auto& n : m_db.nodes)
    if (n == name) return true;
  return false;
}

}  // namespace detail

util::Result<Database> parse(std::string_view text, std::string_view source_name) {
  try {
    return detail::Parser(text).run();
  } catch (const detail::ParseError& e) {
    return util::fail(util::Errc::malformed, fmt::format("{}:{}: {}", source_name, e.line, e.what));
  }
}

util::Result<Database> load_file(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) return util::fail(util::Errc::io, fmt::format("{}: {}", path, std::strerror(errno)));
  std::string text;
  char buffer[65536];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) text.append(buffer, n);
  if (std::ferror(file.get()))
    return util::fail(util::Errc::io, fmt::format("{}: {}", path, std::strerror(errno)));
  std::string_view name = path;
  if (auto slash = name.rfind('/'); slash != std::string_view::npos) name.remove_prefix(slash + 1);
  return parse(text, name);
}

}  // namespace dbc
