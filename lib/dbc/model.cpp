#include "dbc/model.hpp"

#include <algorithm>

namespace dbc {

const Signal* Message::find(std::string_view signal_name) const {
  auto it = std::find_if(signals.begin(), signals.end(),
                         [&](const Signal& s) { return s.name == signal_name; });
  return it == signals.end() ? nullptr : &*it;
}

const Signal* Message::multiplexor() const {
  auto it = std::find_if(signals.begin(), signals.end(),
                         [](const Signal& s) { return s.mux_role == MuxRole::multiplexor; });
  return it == signals.end() ? nullptr : &*it;
}

const Message* Database::find(std::string_view message_name) const {
  auto it = std::find_if(messages.begin(), messages.end(),
                         [&](const Message& m) { return m.name == message_name; });
  return it == messages.end() ? nullptr : &*it;
}

const Message* Database::find(std::uint32_t id, bool extended) const {
  auto it = std::find_if(messages.begin(), messages.end(),
                         [&](const Message& m) { return m.id == id && m.extended == extended; });
  return it == messages.end() ? nullptr : &*it;
}

const AttributeDefinition* Database::definition(std::string_view name,
                                                AttributeObject object) const {
  auto it = std::find_if(
      attribute_definitions.begin(), attribute_definitions.end(),
      [&](const AttributeDefinition& d) { return d.name == name && d.object == object; });
  return it == attribute_definitions.end() ? nullptr : &*it;
}

std::string_view keyword(AttributeType type) {
  switch (type) {
    case AttributeType::integer: return "INT";
    case AttributeType::hex: return "HEX";
    case AttributeType::real: return "FLOAT";
    case AttributeType::string: return "STRING";
    case AttributeType::enumeration: return "ENUM";
  }
  return "?";
}

std::string_view object_prefix(AttributeObject object) {
  switch (object) {
    case AttributeObject::database: return "";
    case AttributeObject::node: return "BU_ ";
    case AttributeObject::message: return "BO_ ";
    case AttributeObject::signal: return "SG_ ";
    case AttributeObject::env_var: return "EV_ ";
  }
  return "";
}

}  // namespace dbc
