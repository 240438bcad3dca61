// Renderers against reviewed golden files: the reference battery read through the protocol
// from the simulated battery, rendered with the manual's local time (2020-10-17 16:48:39).
// Regenerate only deliberately: ROCKETCTL_UPDATE_GOLDEN=1 unit_tests "[golden]", then review
// the diff before committing it.

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "../protocol/fixtures.hpp"
#include "bms/snapshot.hpp"
#include "render/reports.hpp"

namespace {

std::string golden_path(const std::string& name) {
  return std::string(ROCKETCTL_SOURCE_DIR) + "/tests/golden/" + name;
}

void check_golden(const std::string& name, const std::string& actual) {
  if (std::getenv("ROCKETCTL_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden_path(name), std::ios::binary) << actual;
    WARN("rewrote " << name);
    return;
  }
  std::ifstream in(golden_path(name), std::ios::binary);
  REQUIRE(in.good());
  std::stringstream expected;
  expected << in.rdbuf();
  CHECK(actual == expected.str());
}

bms::Snapshot read(sim::BatteryConfig config, std::uint32_t parts = bms::k_all_parts) {
  test::Bench b(std::move(config));
  auto s = bms::read_snapshot(*b.client, parts);
  REQUIRE(s);
  return *s;
}

const bms::Calendar k_manual_local_time{2020, 10, 17, 16, 48, 39};

}  // namespace

TEST_CASE("status of the reference battery, text and JSON", "[golden][render]") {
  cli::StatusReport r{read({}), k_manual_local_time, "sim"};
  cli::RenderContext en{bms::Catalogue::builtin(), bms::Lang::en, cli::Style(false)};
  check_golden("status.txt", cli::render_status(r, en));
  check_golden("status.json", cli::status_json(r, en).dump(2) + "\n");
}

TEST_CASE("cells of an imbalanced pack, with balancing and the manual's advice", "[golden][render]") {
  sim::BatteryConfig c;
  c.cell_mv = {3642, 3643, 3541, 3644, 3642, 3643, 3642, 3641, 3653, 3642, 3640, 3639, 3645};
  c.balancing = 0x100;  // cell 9
  auto s = read(c, bms::Part::cells | bms::Part::status);
  cli::RenderContext en{bms::Catalogue::builtin(), bms::Lang::en, cli::Style(false)};
  check_golden("cells_imbalanced.txt", cli::render_cells(s, en));
  check_golden("cells_imbalanced.json", cli::cells_json(s, en).dump(2) + "\n");
}

TEST_CASE("faults: ODV with the charge MOSFET off, in English and Italian", "[golden][render]") {
  sim::BatteryConfig c;
  c.status_flags = 0x801;  // D-MOS on, C-MOS off, ODV
  auto s = read(c, static_cast<std::uint32_t>(bms::Part::status));
  cli::RenderContext en{bms::Catalogue::builtin(), bms::Lang::en, cli::Style(false)};
  cli::RenderContext it{bms::Catalogue::builtin(), bms::Lang::it, cli::Style(false)};
  check_golden("faults_odv.txt", cli::render_faults(s, false, en));
  check_golden("faults_odv_all_it.txt", cli::render_faults(s, true, it));
  check_golden("faults_odv.json", cli::faults_json(s, en).dump(2) + "\n");
}

TEST_CASE("faults of a normal pack", "[golden][render]") {
  auto s = read({}, static_cast<std::uint32_t>(bms::Part::status));
  cli::RenderContext en{bms::Catalogue::builtin(), bms::Lang::en, cli::Style(false)};
  CHECK(cli::render_faults(s, false, en) == bms::Catalogue::builtin().message("all_normal", bms::Lang::en) + "\n");
  CHECK(cli::faults_json(s, en)["normal"] == true);
  CHECK(cli::faults_json(s, en)["abnormal"].empty());
}

TEST_CASE("colour only when asked: no escape codes for a pipe", "[render]") {
  sim::BatteryConfig c;
  c.status_flags = 0x841;
  auto s = read(c, static_cast<std::uint32_t>(bms::Part::status));
  cli::RenderContext plain{bms::Catalogue::builtin(), bms::Lang::en, cli::Style(false)};
  cli::RenderContext color{bms::Catalogue::builtin(), bms::Lang::en, cli::Style(true)};
  CHECK(cli::render_faults(s, false, plain).find('\x1b') == std::string::npos);
  CHECK(cli::render_faults(s, false, color).find("\x1b[1;31m") != std::string::npos);
}
