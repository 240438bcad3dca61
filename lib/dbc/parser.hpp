#pragma once
// Reads DBC text into the model (model.hpp).
// Statements read: VERSION, NS_ (skipped), BS_, BU_, BO_, SG_ (with M / m<N> multiplexing),
// CM_, BA_DEF_, BA_DEF_DEF_, BA_ (BA_ "GenSigStartValue" fills Signal::start_value),
// VAL_TABLE_, VAL_, SIG_VALTYPE_ (float signals are refused). Other well-known statements
// (EV_, BO_TX_BU_, BA_DEF_REL_, SG_MUL_VAL_, ...) are skipped; environment variables are not
// kept. The message VECTOR__INDEPENDENT_SIG_MSG and its signals are skipped.

#include <string>
#include <string_view>

#include "dbc/model.hpp"
#include "util/result.hpp"

namespace dbc {

// Fails with Errc::malformed, message "<source_name>:<line>: <what is wrong>", e.g.
// "rockets.dbc:42: signal 'PackVoltage': length 0 is out of range 1..64".
util::Result<Database> parse(std::string_view text, std::string_view source_name = "<dbc>");

// Reads the file and parses it, naming it by its file name in errors.
// Fails with Errc::io ("<path>: <strerror>") when the file cannot be read.
util::Result<Database> load_file(const std::string& path);

}  // namespace dbc
