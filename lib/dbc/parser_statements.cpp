// CM_, BA_DEF_, BA_DEF_DEF_, BA_, VAL_TABLE_, VAL_ and SIG_VALTYPE_ (see parser_impl.hpp).
#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "dbc/parser_impl.hpp"

namespace dbc::detail {
namespace {

// BU_ / BO_ / SG_ / EV_ as an object kind; nullopt for anything else.
std::optional<AttributeObject> object_of(const Token& t) {
  if (t.kind != TokenKind::identifier) return std::nullopt;
  if (t.text == "BU_") return AttributeObject::node;
  if (t.text == "BO_") return AttributeObject::message;
  if (t.text == "SG_") return AttributeObject::signal;
  if (t.text == "EV_") return AttributeObject::env_var;
  return std::nullopt;
}

}  // namespace

Message* Parser::message_ref(std::string_view statement) {
  const std::uint32_t line = peek().line;
  const std::uint64_t id = take_unsigned(fmt::format("{}: message id", statement), 0xFFFFFFFF);
  if (m_independent_id && id == *m_independent_id) return nullptr;
  for (Message& m : m_db.messages)
    if (m.dbc_id() == id) return &m;
  fail(line, fmt::format("{}: no message has id {}", statement, id));
}

Signal& Parser::signal_ref(Message& message, std::string_view statement) {
  const std::uint32_t line = peek().line;
  std::string name = expect_identifier("a signal name");
  for (Signal& s : message.signals)
    if (s.name == name) return s;
  fail(line, fmt::format("{}: message '{}' has no signal '{}'", statement, message.name, name));
}

void Parser::comment(const Token& keyword) {
  if (peek().kind == TokenKind::string) {
    m_db.comment = take().text;
  } else {
    const Token object = take();
    if (object.kind == TokenKind::identifier && object.text == "BU_") {
      std::string node = expect_identifier("a node name");
      if (!has_node(node)) fail(object.line, fmt::format("CM_ BU_: unknown node '{}'", node));
      m_db.node_comments[node] = expect_string("the comment");
    } else if (object.kind == TokenKind::identifier && object.text == "BO_") {
      Message* m = message_ref("CM_ BO_");
      std::string text = expect_string("the comment");
      if (m != nullptr) m->comment = std::move(text);
    } else if (object.kind == TokenKind::identifier && object.text == "SG_") {
      Message* m = message_ref("CM_ SG_");
      Signal* s =
          m != nullptr ? &signal_ref(*m, "CM_ SG_") : (expect_identifier("a signal name"), nullptr);
      std::string text = expect_string("the comment");
      if (s != nullptr) s->comment = std::move(text);
    } else if (object.kind == TokenKind::identifier && object.text == "EV_") {
      expect_identifier("an environment variable name");
      expect_string("the comment");
    } else {
      fail(object.line,
           fmt::format("CM_: expected a string, BU_, BO_, SG_ or EV_, found '{}'", object.text));
    }
  }
  if (!at_punct(';'))
    fail(keyword.line,
         fmt::format("CM_ without its closing ';' (found {} on line {})",
                     peek().kind == TokenKind::end ? "end of file" : "'" + peek().text + "'",
                     peek().line));
  take();
}

void Parser::attribute_definition(const Token& keyword) {
  AttributeDefinition d;
  if (auto object = object_of(peek())) {
    d.object = *object;
    take();
  }
  d.name = expect_string("the attribute name");
  const Token type = take();
  auto number_text = [&](std::string_view what) {
    std::string text = peek().text;
    take_double(fmt::format("attribute '{}': {}", d.name, what));
    return text;
  };
  if (type.kind == TokenKind::identifier &&
      (type.text == "INT" || type.text == "HEX" || type.text == "FLOAT")) {
    d.type = type.text == "INT"   ? AttributeType::integer
             : type.text == "HEX" ? AttributeType::hex
                                  : AttributeType::real;
    if (!at_punct(';')) {
      d.minimum = number_text("minimum");
      d.maximum = number_text("maximum");
    }
  } else if (type.kind == TokenKind::identifier && type.text == "STRING") {
    d.type = AttributeType::string;
  } else if (type.kind == TokenKind::identifier && type.text == "ENUM") {
    d.type = AttributeType::enumeration;
    while (peek().kind == TokenKind::string) {
      d.enum_values.push_back(take().text);
      if (!at_punct(',')) break;
      take();
    }
  } else {
    fail(type.line, fmt::format("attribute '{}': unknown type '{}' (INT, HEX, FLOAT, STRING or "
                                "ENUM)",
                                d.name, type.text));
  }
  expect_punct(';', fmt::format("the definition of attribute '{}'", d.name));
  if (m_db.definition(d.name, d.object) != nullptr)
    fail(keyword.line, fmt::format("attribute '{}' is defined twice", d.name));
  m_db.attribute_definitions.push_back(std::move(d));
}

AttributeValue Parser::attribute_value(const AttributeDefinition& d) {
  const Token& t = peek();
  const std::string what = fmt::format("attribute '{}' ({})", d.name, keyword(d.type));
  AttributeValue v;
  v.text = t.text;
  bool number_ok = d.type != AttributeType::string;
  bool string_ok = d.type == AttributeType::string || d.type == AttributeType::enumeration;
  if (t.kind == TokenKind::number && number_ok) {
    if (d.type == AttributeType::real)
      take_double(what);
    else
      take_integer(what);
  } else if (t.kind == TokenKind::string && string_ok) {
    v.kind = AttributeValue::Kind::string;
    take();
  } else {
    fail(t.line,
         fmt::format("{}: expected {}, found {}", what,
                     string_ok ? (number_ok ? "a number or a string" : "a string") : "a number",
                     t.kind == TokenKind::end ? "end of file" : "'" + t.text + "'"));
  }
  return v;
}

void Parser::attribute_default(const Token& keyword) {
  std::string name = expect_string("the attribute name");
  AttributeDefinition* first = nullptr;
  for (AttributeDefinition& d : m_db.attribute_definitions)
    if (d.name == name && first == nullptr) first = &d;
  if (first == nullptr)
    fail(keyword.line, fmt::format("BA_DEF_DEF_: attribute '{}' has no BA_DEF_", name));
  AttributeValue v = attribute_value(*first);
  for (AttributeDefinition& d : m_db.attribute_definitions)
    if (d.name == name) d.default_value = v;
  expect_punct(';', fmt::format("the default of attribute '{}'", name));
}

void Parser::attribute(const Token& keyword) {
  std::string name = expect_string("the attribute name");
  AttributeObject object = AttributeObject::database;
  if (auto o = object_of(peek())) {
    object = *o;
    take();
  }
  std::string node;
  Message* message = nullptr;
  Signal* signal = nullptr;
  bool ignored = false;  // environment variables, VECTOR__INDEPENDENT_SIG_MSG
  if (object == AttributeObject::node) {
    node = expect_identifier("a node name");
    if (!has_node(node))
      fail(keyword.line, fmt::format("BA_ \"{}\": unknown node '{}'", name, node));
  } else if (object == AttributeObject::message || object == AttributeObject::signal) {
    message = message_ref(fmt::format("BA_ \"{}\"", name));
    ignored = message == nullptr;
    if (object == AttributeObject::signal)
      signal = message != nullptr ? &signal_ref(*message, fmt::format("BA_ \"{}\"", name))
                                  : (expect_identifier("a signal name"), nullptr);
  } else if (object == AttributeObject::env_var) {
    expect_identifier("an environment variable name");
    ignored = true;
  }
  const AttributeDefinition* d = m_db.definition(name, object);
  if (d == nullptr && !ignored)
    fail(keyword.line, fmt::format("BA_: attribute '{}' is not defined (no BA_DEF_ {}\"{}\")", name,
                                   object_prefix(object), name));
  if (ignored) {
    take();
  } else if (signal != nullptr && name == k_start_value_attribute) {
    signal->start_value = take_integer(fmt::format("signal '{}': {}", signal->name, name));
  } else {
    AttributeValue v = attribute_value(*d);
    if (signal != nullptr)
      signal->attributes[name] = std::move(v);
    else if (message != nullptr)
      message->attributes[name] = std::move(v);
    else if (object == AttributeObject::node)
      m_db.node_attributes[node][name] = std::move(v);
    else
      m_db.attributes[name] = std::move(v);
  }
  expect_punct(';', fmt::format("the value of attribute '{}'", name));
}

std::map<std::int64_t, std::string> Parser::value_pairs() {
  std::map<std::int64_t, std::string> values;
  while (!at_punct(';')) {
    std::int64_t raw = take_integer("a raw value");
    values[raw] = expect_string("a value description");
  }
  return values;
}

void Parser::value_table(const Token& keyword) {
  ValueTable table;
  table.name = expect_identifier("a value table name");
  table.values = value_pairs();
  take();
  for (const ValueTable& t : m_db.value_tables)
    if (t.name == table.name)
      fail(keyword.line, fmt::format("value table '{}' is defined twice", table.name));
  m_db.value_tables.push_back(std::move(table));
}

void Parser::value_descriptions(const Token& keyword) {
  if (peek().kind == TokenKind::identifier) {  // an environment variable's values
    skip_statement(keyword);
    return;
  }
  Message* m = message_ref("VAL_");
  Signal* s =
      m != nullptr ? &signal_ref(*m, "VAL_") : (expect_identifier("a signal name"), nullptr);
  auto values = value_pairs();
  take();
  if (s != nullptr) s->values = std::move(values);
}

void Parser::signal_value_type(const Token& keyword) {
  Message* m = message_ref("SIG_VALTYPE_");
  Signal* s = m != nullptr ? &signal_ref(*m, "SIG_VALTYPE_")
                           : (expect_identifier("a signal name"), nullptr);
  if (at_punct(':')) take();
  const std::uint64_t type = take_unsigned("SIG_VALTYPE_ value type", 2);
  expect_punct(';', "the value type");
  if (s != nullptr && type != 0)
    fail(keyword.line, fmt::format("signal '{}': {} floating-point signals (SIG_VALTYPE_ {}) are "
                                   "not supported",
                                   s->name, type == 1 ? "32-bit" : "64-bit", type));
}

}  // namespace dbc::detail
