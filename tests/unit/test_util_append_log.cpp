#include <fstream>
#include <sstream>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "util/append_log.hpp"

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("append log: header once, rows appended across reopenings", "[util]") {
  std::string path = "/tmp/rocketctl-test-append-" + std::to_string(getpid()) + ".csv";
  ::unlink(path.c_str());
  {
    auto log = util::AppendLog::open(path, "a,b");
    REQUIRE(log);
    REQUIRE(log->append("1,2"));
  }
  {
    auto log = util::AppendLog::open(path, "a,b");
    REQUIRE(log);
    REQUIRE(log->append("3,4"));
  }
  CHECK(slurp(path) == "a,b\n1,2\n3,4\n");
  ::unlink(path.c_str());
}

TEST_CASE("append log: an unwritable place is an io error naming it", "[util]") {
  auto log = util::AppendLog::open("/nonexistent-dir/report.csv", "a");
  REQUIRE_FALSE(log);
  CHECK(log.error().code == util::Errc::io);
  CHECK_THAT(log.error().message, Catch::Contains("/nonexistent-dir/report.csv"));
}

TEST_CASE("csv text: quoting and formula escaping", "[util]") {
  CHECK(util::csv_text("RKS3611A201000123") == "RKS3611A201000123");
  CHECK(util::csv_text("a,b") == "\"a,b\"");
  CHECK(util::csv_text("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(util::csv_text("=HYPERLINK(1)") == "'=HYPERLINK(1)");
  CHECK(util::csv_text("-1") == "'-1");
  CHECK(util::csv_text("@x,y") == "\"'@x,y\"");
}
