// Fuzz target: DBC text (--dbc FILE, `rocketctl decode --dbc`) into dbc::parse. A database that
// parses is written back with dbc::write and must parse again to the same model (the writer's
// contract, dbc/writer.hpp: the one normalisation visible in the model is the BA_DEF_ of
// GenSigStartValue the writer adds for start values).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

#include "dbc/parser.hpp"
#include "dbc/writer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto db = dbc::parse(text, "fuzz.dbc");
  if (!db) return 0;
  std::string written = dbc::write(*db);
  auto again = dbc::parse(written, "written.dbc");
  if (!again) {
    std::fprintf(stderr, "written DBC does not parse: %s\n%s\n", again.error().message.c_str(),
                 written.c_str());
    std::abort();
  }
  dbc::Database back = std::move(*again);
  if (!db->definition(dbc::k_start_value_attribute, dbc::AttributeObject::signal)) {
    std::erase_if(back.attribute_definitions, [](const dbc::AttributeDefinition& d) {
      return d.object == dbc::AttributeObject::signal && d.name == dbc::k_start_value_attribute;
    });
  }
  if (!(back == *db)) {
    std::fprintf(stderr, "parse(write(db)) != db; written:\n%s\n", written.c_str());
    std::abort();
  }
  return 0;
}
