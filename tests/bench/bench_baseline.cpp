// Benchmark reference (not a test): a plain C++ program linked to the same shared libraries as
// rocketctl (libstdc++, fmt, spdlog, libxlsxwriter with its minizip and libcrypto, toml++, zlib),
// touching each once and printing one line. bench_cli times it spawn to exit: what start-up
// costs before any of rocketctl's own work (the dynamic loader and the libraries' constructors).

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <toml++/toml.h>
#include <xlsxwriter.h>
#include <zlib.h>

int main(int argc, char** argv) {
  CLI::App app{"baseline"};
  CLI11_PARSE(app, argc, argv);
  auto table = toml::parse("a = 1");
  spdlog::set_level(spdlog::level::warn);
  fmt::print("baseline {} {} {} {}\n", lxw_version(), zlibVersion(), table["a"].value_or(0),
             spdlog::get_level() == spdlog::level::warn);
  return 0;
}
