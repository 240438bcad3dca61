#include "dbc/writer.hpp"

#include <fmt/format.h>

#include <cmath>

namespace dbc {
namespace {

constexpr std::string_view k_no_node = "Vector__XXX";

const char* const k_new_symbols[] = {"NS_DESC_",     "CM_",
                                     "BA_DEF_",      "BA_",
                                     "VAL_",         "CAT_DEF_",
                                     "CAT_",         "FILTER",
                                     "BA_DEF_DEF_",  "EV_DATA_",
                                     "ENVVAR_DATA_", "SGTYPE_",
                                     "SGTYPE_VAL_",  "BA_DEF_SGTYPE_",
                                     "BA_SGTYPE_",   "SIG_TYPE_REF_",
                                     "VAL_TABLE_",   "SIG_GROUP_",
                                     "SIG_VALTYPE_", "SIGTYPE_VALTYPE_",
                                     "BO_TX_BU_",    "BA_DEF_REL_",
                                     "BA_REL_",      "BA_DEF_DEF_REL_",
                                     "BU_SG_REL_",   "BU_EV_REL_",
                                     "BU_BO_REL_",   "SG_MUL_VAL_"};

// "text" with \ and " escaped.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string node_or_none(const std::string& name) {
  return name.empty() ? std::string(k_no_node) : name;
}

// Text that reads back to the same double: 0.001, 2000, 1e-05; integral values without an
// exponent up to 1e20 (72057594037927936, not 7.205759403792794e+16).
std::string number(double v) {
  if (v == std::trunc(v) && std::fabs(v) < 1e20) return fmt::format("{:.0f}", v);
  return fmt::format("{}", v);
}

// A raw value; an unsigned signal's raw above INT64_MAX (stored bit-for-bit) as unsigned.
std::string raw_text(const Signal& s, std::int64_t raw) {
  if (s.is_signed || raw >= 0) return fmt::format("{}", raw);
  return fmt::format("{}", static_cast<std::uint64_t>(raw));
}

std::string value_text(const AttributeValue& v) {
  return v.kind == AttributeValue::Kind::string ? quoted(v.text) : v.text;
}

std::string value_pairs(const std::map<std::int64_t, std::string>& values) {
  std::string out;
  for (auto it = values.rbegin(); it != values.rend(); ++it)
    out += fmt::format(" {} {}", it->first, quoted(it->second));
  return out;
}

std::string definition_text(const AttributeDefinition& d) {
  // A database attribute is written "BA_DEF_  \"Name\"", with the customary two spaces.
  const std::string_view prefix = d.object == AttributeObject::database ? " " : object_prefix(d.object);
  std::string out = fmt::format("BA_DEF_ {}{} {}", prefix, quoted(d.name), keyword(d.type));
  if (!d.minimum.empty() || !d.maximum.empty())
    out += fmt::format(" {} {}", d.minimum.empty() ? "0" : d.minimum,
                       d.maximum.empty() ? "0" : d.maximum);
  for (std::size_t i = 0; i < d.enum_values.size(); ++i)
    out += (i == 0 ? " " : ",") + quoted(d.enum_values[i]);
  return out + ";\n";
}

std::string signal_line(const Signal& s) {
  std::string mux;
  if (s.mux_role == MuxRole::multiplexor) mux = " M";
  if (s.mux_role == MuxRole::multiplexed) mux = fmt::format(" m{}", s.mux_value);
  std::string receivers;
  for (const auto& r : s.receivers) receivers += (receivers.empty() ? "" : ",") + r;
  if (receivers.empty()) receivers = k_no_node;
  return fmt::format(" SG_ {}{} : {}|{}@{}{} ({},{}) [{}|{}] {} {}\n", s.name, mux, s.start_bit,
                     s.length, s.byte_order == ByteOrder::big_endian ? '0' : '1',
                     s.is_signed ? '-' : '+', number(s.factor), number(s.offset), number(s.minimum),
                     number(s.maximum), quoted(s.unit), receivers);
}

bool has_start_values(const Database& db) {
  for (const Message& m : db.messages)
    for (const Signal& s : m.signals)
      if (s.start_value) return true;
  return false;
}

}  // namespace

std::string write(const Database& db) {
  std::string out = fmt::format("VERSION {}\n\n\nNS_ :\n", quoted(db.version));
  for (const char* symbol : k_new_symbols) out += fmt::format("\t{}\n", symbol);
  out += "\nBS_:\n\nBU_:";
  for (const auto& n : db.nodes) out += " " + n;
  out += "\n";
  for (const ValueTable& t : db.value_tables)
    out += fmt::format("VAL_TABLE_ {}{} ;\n", t.name, value_pairs(t.values));
  out += "\n\n";
  for (const Message& m : db.messages) {
    out += fmt::format("BO_ {} {}: {} {}\n", m.dbc_id(), m.name, m.dlc, node_or_none(m.sender));
    for (const Signal& s : m.signals) out += signal_line(s);
    out += "\n";
  }
  out += "\n\n";
  if (!db.comment.empty()) out += fmt::format("CM_ {};\n", quoted(db.comment));
  for (const auto& [node, text] : db.node_comments)
    out += fmt::format("CM_ BU_ {} {};\n", node, quoted(text));
  for (const Message& m : db.messages) {
    if (!m.comment.empty()) out += fmt::format("CM_ BO_ {} {};\n", m.dbc_id(), quoted(m.comment));
    for (const Signal& s : m.signals)
      if (!s.comment.empty())
        out += fmt::format("CM_ SG_ {} {} {};\n", m.dbc_id(), s.name, quoted(s.comment));
  }
  for (const AttributeDefinition& d : db.attribute_definitions) out += definition_text(d);
  if (has_start_values(db) &&
      db.definition(k_start_value_attribute, AttributeObject::signal) == nullptr)
    out += fmt::format("BA_DEF_ SG_ {} FLOAT 0 1.8446744073709552e+19;\n",
                       quoted(k_start_value_attribute));
  for (const AttributeDefinition& d : db.attribute_definitions)
    if (d.default_value)
      out += fmt::format("BA_DEF_DEF_ {} {};\n", quoted(d.name), value_text(*d.default_value));
  for (const auto& [name, v] : db.attributes)
    out += fmt::format("BA_ {} {};\n", quoted(name), value_text(v));
  for (const auto& [node, attributes] : db.node_attributes)
    for (const auto& [name, v] : attributes)
      out += fmt::format("BA_ {} BU_ {} {};\n", quoted(name), node, value_text(v));
  for (const Message& m : db.messages) {
    for (const auto& [name, v] : m.attributes)
      out += fmt::format("BA_ {} BO_ {} {};\n", quoted(name), m.dbc_id(), value_text(v));
    for (const Signal& s : m.signals) {
      for (const auto& [name, v] : s.attributes)
        out +=
            fmt::format("BA_ {} SG_ {} {} {};\n", quoted(name), m.dbc_id(), s.name, value_text(v));
      if (s.start_value)
        out += fmt::format("BA_ {} SG_ {} {} {};\n", quoted(k_start_value_attribute), m.dbc_id(),
                           s.name, raw_text(s, *s.start_value));
    }
  }
  for (const Message& m : db.messages)
    for (const Signal& s : m.signals)
      if (!s.values.empty())
        out += fmt::format("VAL_ {} {}{} ;\n", m.dbc_id(), s.name, value_pairs(s.values));
  return out;
}

}  // namespace dbc
