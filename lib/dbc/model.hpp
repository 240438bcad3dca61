#pragma once
// The DBC model, independent of the text format: what parser.hpp reads and writer.hpp writes.
// A load -> write -> load round trip gives an equal model (operator==).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dbc {

enum class ByteOrder { big_endian /* Motorola, @0 */, little_endian /* Intel, @1 */ };
enum class MuxRole { none, multiplexor, multiplexed };

// An attribute value as written: a number's text ("100", "0.5", "-3") or a string's contents.
struct AttributeValue {
  enum class Kind { number, string };
  Kind kind = Kind::number;
  std::string text;

  friend bool operator==(const AttributeValue&, const AttributeValue&) = default;
};

// Attribute assignments (BA_) of one object: attribute name -> value.
using Attributes = std::map<std::string, AttributeValue>;

// What a BA_DEF_ applies to: BA_DEF_ "x" / BA_DEF_ BU_ / BO_ / SG_ / EV_.
enum class AttributeObject { database, node, message, signal, env_var };
enum class AttributeType {
  integer /* INT */,
  hex /* HEX */,
  real /* FLOAT */,
  string,
  enumeration
};

// "INT", "HEX", "FLOAT", "STRING", "ENUM": the type as a BA_DEF_ writes it.
std::string_view keyword(AttributeType type);
// "BU_ ", "BO_ ", "SG_ ", "EV_ ", or "" for the database: what precedes an attribute's name.
std::string_view object_prefix(AttributeObject object);

// BA_DEF_ and its BA_DEF_DEF_. Example: BA_DEF_ BO_ "GenMsgCycleTime" INT 0 65535;
struct AttributeDefinition {
  AttributeObject object = AttributeObject::database;
  std::string name;
  AttributeType type = AttributeType::integer;
  std::string minimum, maximum;                 // number texts, for INT, HEX and FLOAT
  std::vector<std::string> enum_values;         // for ENUM
  std::optional<AttributeValue> default_value;  // BA_DEF_DEF_

  friend bool operator==(const AttributeDefinition&, const AttributeDefinition&) = default;
};

// VAL_TABLE_ name raw "description" ... ;
struct ValueTable {
  std::string name;
  std::map<std::int64_t, std::string> values;

  friend bool operator==(const ValueTable&, const ValueTable&) = default;
};

struct Signal {
  std::string name;
  std::uint32_t start_bit = 0;  // as written in the DBC (Motorola: the MSB, DBC sawtooth numbering)
  std::uint32_t length = 0;     // 1..64
  ByteOrder byte_order = ByteOrder::big_endian;
  bool is_signed = false;
  double factor = 1, offset = 0, minimum = 0, maximum = 0;
  std::string unit;
  std::vector<std::string> receivers;  // empty = Vector__XXX
  MuxRole mux_role = MuxRole::none;
  std::uint32_t mux_value = 0;                 // for MuxRole::multiplexed
  std::string comment;                         // CM_ SG_
  std::map<std::int64_t, std::string> values;  // VAL_ (raw -> description)
  std::optional<std::int64_t> start_value;     // raw, from BA_ "GenSigStartValue" (parsed exactly)
  Attributes attributes;                       // other BA_ SG_ (never GenSigStartValue)

  friend bool operator==(const Signal&, const Signal&) = default;
};

struct Message {
  std::uint32_t id = 0;  // identifier without the DBC extended flag (bit 31)
  bool extended = false;
  std::string name;
  std::uint32_t dlc = 8;  // 0..8
  std::string sender;     // empty = Vector__XXX
  std::vector<Signal> signals;
  std::string comment;    // CM_ BO_
  Attributes attributes;  // BA_ BO_

  // The signal of that name, nullptr when there is none.
  const Signal* find(std::string_view signal_name) const;
  // The signal with MuxRole::multiplexor, nullptr for a message that is not multiplexed.
  const Signal* multiplexor() const;
  // The identifier as the DBC writes it: id, with bit 31 set when extended.
  std::uint32_t dbc_id() const { return extended ? (id | 0x80000000u) : id; }

  friend bool operator==(const Message&, const Message&) = default;
};

struct Database {
  std::string version;
  std::vector<std::string> nodes;  // BU_
  std::vector<Message> messages;
  std::string comment;                                     // CM_ "..." (database)
  std::map<std::string, std::string> node_comments;        // CM_ BU_
  std::vector<AttributeDefinition> attribute_definitions;  // BA_DEF_, BA_DEF_DEF_
  Attributes attributes;                                   // BA_ (database)
  std::map<std::string, Attributes> node_attributes;       // BA_ BU_
  std::vector<ValueTable> value_tables;                    // VAL_TABLE_

  const Message* find(std::string_view message_name) const;
  const Message* find(std::uint32_t id, bool extended) const;
  // The definition of `name` for that kind of object, nullptr when there is none.
  const AttributeDefinition* definition(std::string_view name, AttributeObject object) const;

  friend bool operator==(const Database&, const Database&) = default;
};

// The attribute holding Signal::start_value: BA_DEF_ SG_ "GenSigStartValue" ...; (raw value).
inline constexpr std::string_view k_start_value_attribute = "GenSigStartValue";

}  // namespace dbc
