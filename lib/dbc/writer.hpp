#pragma once
// Writes the model as DBC text in the layout Vector's tools use (and cantools and canmatrix read).
// parse(write(db)) == db, with two normalisations: empty sender/receivers are written as
// Vector__XXX (read back empty), and a BA_DEF_ SG_ "GenSigStartValue" is added when a signal has
// a start_value and the database defines no such attribute.

#include <string>

#include "dbc/model.hpp"

namespace dbc {

// Example:
//   BO_ 2566914368 CONNECT_REQ: 8 TOOL
//    SG_ ProtocolVersion : 7|8@0+ (1,0) [0|255] "" BMS
std::string write(const Database& db);

}  // namespace dbc
