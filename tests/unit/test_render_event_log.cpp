// `log dump` renderers: table, JSON, CSV and the workbook, from records built here (the
// worked record of rockets-can-v1 §10 among them).
#include <cstdio>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "render/event_log.hpp"

namespace {

// §10: 27 1D DC E8 01 07 10 54 00 C8 10 9B 10 06 1F 61
// 2020-10-17 16:48:40, OV raised, 41.80 V, +2.00 A, max 4.251 V, min 4.102 V, 31 °C, 97 %
bms::EventRecord worked_record() {
  bms::EventRecord r;
  r.time_s = 0x271DDCE8;
  r.code = 0x01;
  r.flag = 7;
  r.voltage_mv = 41800;
  r.current_ma = 2000;
  r.max_cell_mv = 4251;
  r.min_cell_mv = 4102;
  r.max_temp_c = 31;
  r.rsoc_pct = 97;
  return r;
}

bms::EventRecord record(std::uint32_t time_s, std::uint8_t code, std::optional<int> flag,
                        std::int64_t mv, std::int64_t ma, int max_cell, int min_cell, int temp, int rsoc) {
  bms::EventRecord r;
  r.time_s = time_s;
  r.code = code;
  r.flag = flag;
  r.voltage_mv = mv;
  r.current_ma = ma;
  r.max_cell_mv = max_cell;
  r.min_cell_mv = min_cell;
  r.max_temp_c = temp;
  r.rsoc_pct = rsoc;
  return r;
}

std::vector<bms::EventRecord> some_records() {
  return {
      record(0x271DDCE8 - 3600, 0x10, std::nullopt, 36420, -10, 3644, 3641, 21, 40),  // power on
      worked_record(),
      record(0x271DDCE8 + 60, 0x02, 7, 41500, 0, 4150, 4100, -5, 96),        // OV released
      record(0x271DDCE8 + 120, 0x42, std::nullopt, 100000, -327680, 0, 0, -128, 255),  // unknown
  };
}

cli::EventLogReport report(std::vector<cli::EventLogRow> rows, int count) {
  cli::EventLogReport r;
  r.interface = "sim";
  r.address = 1;
  r.serial = "RKS3611A201000123";
  r.firmware = bms::FirmwareVersion{1, 4, 2};
  r.read_at = bms::Calendar{2026, 11, 24, 10, 0, 0};
  r.count = count;
  r.capacity = 2000;
  r.rows = std::move(rows);
  return r;
}

cli::EventLogReport full_report() { return report(cli::select_rows(some_records(), std::nullopt), 4); }

cli::RenderContext context(bms::Lang lang = bms::Lang::en) {
  return cli::RenderContext{bms::Catalogue::builtin(), lang, cli::Style(false)};
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("event log rows: numbered from 1, --since keeps later records with their numbers", "[log]") {
  auto all = cli::select_rows(some_records(), std::nullopt);
  REQUIRE(all.size() == 4);
  CHECK(all[0].number == 1);
  CHECK(all[3].number == 4);
  CHECK(all[1].record == worked_record());

  auto since = cli::select_rows(some_records(), bms::Calendar{2020, 10, 17, 16, 48, 40});
  REQUIRE(since.size() == 3);
  CHECK(since[0].number == 2);  // the worked record itself: "since" includes its second
  CHECK(since[0].record == worked_record());
  CHECK(cli::select_rows(some_records(), bms::Calendar{2020, 10, 18, 0, 0, 0}).empty());
}

TEST_CASE("event log csv: header, the worked record in words and numbers, escaping", "[log]") {
  std::string csv = cli::event_log_csv(full_report(), context());
  std::istringstream lines(csv);
  std::string header, power_on, worked, released, unknown, extra;
  std::getline(lines, header);
  std::getline(lines, power_on);
  std::getline(lines, worked);
  std::getline(lines, released);
  std::getline(lines, unknown);
  CHECK_FALSE(std::getline(lines, extra));
  CHECK(header ==
        "number,time,event,flag,flag_name,pack_voltage_v,current_a,max_cell_v,min_cell_v,"
        "max_temp_c,rsoc_pct\r");
  CHECK(power_on == "1,2020-10-17T15:48:40,power on / reset,,,36.42,-0.01,3.644,3.641,21,40\r");
  CHECK(worked ==
        "2,2020-10-17T16:48:40,protection / error raised,OV,Cell over-voltage protection,41.80,"
        "2.00,4.251,4.102,31,97\r");
  CHECK(released ==
        "3,2020-10-17T16:49:40,protection / error released,OV,Cell over-voltage protection,41.50,"
        "0.00,4.150,4.100,-5,96\r");
  CHECK(unknown == "4,2020-10-17T16:50:40,unknown event 0x42,,,100.00,-327.68,0.000,0.000,-128,255\r");
}

TEST_CASE("event log csv: an empty log is a header line, and flag names follow --lang", "[log]") {
  CHECK(cli::event_log_csv(report({}, 0), context()) ==
        "number,time,event,flag,flag_name,pack_voltage_v,current_a,max_cell_v,min_cell_v,"
        "max_temp_c,rsoc_pct\r\n");
  std::string it = cli::event_log_csv(full_report(), context(bms::Lang::it));
  CHECK_THAT(it, Catch::Contains(",OV,Protezione da sovratensione di cella,41.80,"));
}

TEST_CASE("event log csv: flags outside the catalogue are named by number", "[log]") {
  auto r = report(cli::select_rows({record(0, 0x01, 31, 0, 0, 0, 0, 0, 0)}, std::nullopt), 1);
  CHECK_THAT(cli::event_log_csv(r, context()),
             Catch::EndsWith("1,2000-01-01T00:00:00,protection / error raised,flag 31,,0.00,0.00,"
                             "0.000,0.000,0,0\r\n"));
  CHECK(cli::flag_words(31, context()) == "flag 31");
  CHECK(cli::flag_words(7, context()) == "OV Cell over-voltage protection");
  CHECK(cli::flag_words(std::nullopt, context()).empty());
}

TEST_CASE("event log json: rocketctl.log/1, units in the field names", "[log]") {
  auto r = full_report();
  r.since = bms::Calendar{2020, 10, 17, 0, 0, 0};
  nlohmann::json j = cli::event_log_json(r, context());
  CHECK(j["schema"] == "rocketctl.log/1");
  CHECK(j["serial"] == "RKS3611A201000123");
  CHECK(j["firmware"] == "1.4.2");
  CHECK(j["read_at"] == "2026-11-24T10:00:00");
  CHECK(j["since"] == "2020-10-17T00:00:00");
  CHECK(j["count"] == 4);
  CHECK(j["capacity"] == 2000);
  REQUIRE(j["records"].size() == 4);
  const nlohmann::json& w = j["records"][1];
  CHECK(w["number"] == 2);
  CHECK(w["time"] == "2020-10-17T16:48:40");
  CHECK(w["time_s"] == 0x271DDCE8);
  CHECK(w["event"] == "raised");
  CHECK(w["event_code"] == 1);
  CHECK(w["event_name"] == "protection / error raised");
  CHECK(w["flag"] == 7);
  CHECK(w["flag_light"] == "OV");
  CHECK(w["flag_name"] == "Cell over-voltage protection");
  CHECK(w["voltage_mv"] == 41800);
  CHECK(w["current_ma"] == 2000);
  CHECK(w["max_cell_mv"] == 4251);
  CHECK(w["min_cell_mv"] == 4102);
  CHECK(w["max_temperature_c"] == 31);
  CHECK(w["rsoc_pct"] == 97);
  CHECK(j["records"][0]["flag"].is_null());
  CHECK(j["records"][0]["event"] == "power_on");
  CHECK(j["records"][3]["event"] == "unknown_0x42");
  CHECK(j["records"][3]["current_ma"] == -327680);

  nlohmann::json empty = cli::event_log_json(report({}, 0), context());
  CHECK(empty["records"].is_array());
  CHECK(empty["records"].empty());
  CHECK(empty["since"].is_null());
  auto none = report({}, 0);
  none.firmware = bms::FirmwareVersion{};  // bootloader without an application
  CHECK(cli::event_log_json(none, context())["firmware"].is_null());
}

TEST_CASE("event log table: one line a record, columns aligned, flag names in the language", "[log]") {
  std::string text = cli::render_event_log(full_report(), context());
  CHECK_THAT(text, Catch::StartsWith("Event log of pack RKS3611A201000123  BMS 0x01 on sim  firmware 1.4.2\n"
                                     "4 records (capacity 2000), read 2026-11-24 10:00:00\n\n"));
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  REQUIRE(lines.size() == 3 + 1 + 4);
  const std::string& header = lines[3];
  CHECK_THAT(header, Catch::StartsWith("#  Time                 Event"));
  CHECK_THAT(header, Catch::EndsWith("Pack V  Current A  Max cell V  Min cell V  Max °C  RSOC %"));
  CHECK_THAT(lines[5], Catch::StartsWith("2  2020-10-17 16:48:40  protection / error raised    OV Cell over-voltage protection"));
  CHECK_THAT(lines[5], Catch::EndsWith(" 41.80       2.00       4.251       4.102      31      97"));
  CHECK_THAT(lines[7], Catch::Contains("unknown event 0x42"));
  CHECK(text.find("\x1b[") == std::string::npos);  // no colour without a terminal

  std::string it = cli::render_event_log(full_report(), context(bms::Lang::it));
  CHECK_THAT(it, Catch::Contains("OV Protezione da sovratensione di cella"));

  CHECK_THAT(cli::render_event_log(report({}, 0), context()), Catch::EndsWith("The event log is empty.\n"));
  auto filtered = report({}, 4);
  filtered.since = bms::Calendar{2030, 1, 1, 0, 0, 0};
  CHECK_THAT(cli::render_event_log(filtered, context()),
             Catch::Contains("0 of 4 records (capacity 2000) since 2030-01-01 00:00:00"));
}

TEST_CASE("event log xlsx: a workbook with two sheets, also for an empty log", "[log]") {
  const std::string path = "/tmp/rocketctl-test-log-" + std::to_string(::getpid()) + ".xlsx";
  for (auto r : {full_report(), report({}, 0)}) {
    ::unlink(path.c_str());
    REQUIRE(cli::write_event_log_xlsx(r, context(), path));
    std::string bytes = slurp(path);
    REQUIRE(bytes.size() > 1000);
    CHECK(bytes.rfind("PK\x03\x04", 0) == 0);  // a zip archive, as every .xlsx is
    // The zip's directory names its parts uncompressed.
    CHECK(bytes.find("xl/worksheets/sheet1.xml") != std::string::npos);
    CHECK(bytes.find("xl/worksheets/sheet2.xml") != std::string::npos);
  }
  ::unlink(path.c_str());
  auto failed = cli::write_event_log_xlsx(full_report(), context(), "/nonexistent-folder/x.xlsx");
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == util::Errc::io);
  CHECK_THAT(failed.error().message, Catch::Contains("/nonexistent-folder/x.xlsx"));
}
