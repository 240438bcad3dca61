// Firmware images: CRC-32 check value, the info block, Intel HEX (every record type, gaps,
// overlaps, the area, strictness, line numbers), loading files, the checks before an erase,
// and garbage that must give errors, never a crash.
#include <cstdio>
#include <fstream>
#include <random>
#include <string>

#include <unistd.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "fw/image.hpp"

namespace {

using Bytes = std::vector<std::uint8_t>;

const fw::Area k_area{0x08004000, 0x1C000};  // the reference battery (§11)

// One Intel HEX record with its checksum.
std::string record(std::uint8_t type, std::uint16_t address, const Bytes& data) {
  std::string line = fmt::format(":{:02X}{:04X}{:02X}", data.size(), address, type);
  unsigned sum = static_cast<unsigned>(data.size()) + (address >> 8) + (address & 0xFF) + type;
  for (std::uint8_t b : data) {
    line += fmt::format("{:02X}", b);
    sum += b;
  }
  return line + fmt::format("{:02X}", (0x100 - (sum & 0xFF)) & 0xFF);
}

const std::string k_eof = ":00000001FF";

// A small image for the reference area: 04 0800, 16 bytes at 0x4000, 4 bytes at 0x4020.
std::string small_hex(const std::string& nl = "\n") {
  Bytes first(16);
  for (int i = 0; i < 16; ++i) first[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  return record(0x04, 0, {0x08, 0x00}) + nl + record(0x00, 0x4000, first) + nl +
         record(0x00, 0x4020, {0xDE, 0xAD, 0xBE, 0xEF}) + nl +
         record(0x05, 0, {0x08, 0x00, 0x41, 0x01}) + nl + k_eof + nl;
}

Bytes image_with_info(std::size_t size, int hw, int major, int minor, int patch) {
  Bytes b(size, 0x00);
  const Bytes info{'R', 'K', 'T', 'S', static_cast<std::uint8_t>(hw), static_cast<std::uint8_t>(major),
                   static_cast<std::uint8_t>(minor), static_cast<std::uint8_t>(patch)};
  std::copy(info.begin(), info.end(), b.begin() + 0x200);
  return b;
}

std::string temp_path(const std::string& name) {
  return fmt::format("/tmp/rocketctl-test-fw-{}-{}", getpid(), name);
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

}  // namespace

TEST_CASE("fw crc32: the check value of §10", "[fw]") {
  const std::string s = "123456789";
  CHECK(fw::crc32(Bytes(s.begin(), s.end())) == 0xCBF43926);
  CHECK(fw::crc32(Bytes{}) == 0);
}

TEST_CASE("fw info block: RKTS at 0x200 with hardware revision and version", "[fw]") {
  auto info = fw::info_block(image_with_info(0x300, 3, 1, 4, 2));
  REQUIRE(info);
  CHECK(info->hardware_revision == 3);
  CHECK(info->version == fw::Version{1, 4, 2});
  CHECK(fw::to_string(info->version) == "1.4.2");
  CHECK(fw::info_block(image_with_info(0x208, 3, 1, 4, 2)));
  CHECK_FALSE(fw::info_block(Bytes(0x207, 0)));     // too short for the block
  CHECK_FALSE(fw::info_block(Bytes(0x300, 0xFF)));  // no magic
  CHECK(fw::Version{1, 4, 2} < fw::Version{1, 10, 0});
}

TEST_CASE("fw hex: a known record's checksum, data with a gap filled with 0xFF", "[fw]") {
  // The classic example record (its bytes sum to zero with the checksum 0x40).
  const fw::Area low{0x08000000, 0x10000};
  auto one = fw::parse_hex(":020000040800F2\n:10010000214601360121470136007EFE09D2190140\n" + k_eof + "\n",
                           low);
  REQUIRE(one);
  CHECK(one->size() == 0x110);
  CHECK((*one)[0x0FF] == 0xFF);  // before the first data: gap
  CHECK((*one)[0x100] == 0x21);
  CHECK((*one)[0x10F] == 0x01);

  auto image = fw::parse_hex(small_hex(), k_area);
  REQUIRE(image);
  REQUIRE(image->size() == 0x24);
  CHECK((*image)[0] == 0x00);
  CHECK((*image)[15] == 0x0F);
  for (std::size_t i = 0x10; i < 0x20; ++i) CHECK((*image)[i] == 0xFF);
  CHECK((*image)[0x20] == 0xDE);
  CHECK((*image)[0x23] == 0xEF);
}

TEST_CASE("fw hex: CRLF line ends and lower-case digits are accepted", "[fw]") {
  auto lf = fw::parse_hex(small_hex(), k_area);
  auto crlf = fw::parse_hex(small_hex("\r\n"), k_area);
  std::string lower = small_hex();
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto low = fw::parse_hex(lower, k_area);
  REQUIRE(lf);
  REQUIRE(crlf);
  REQUIRE(low);
  CHECK(*crlf == *lf);
  CHECK(*low == *lf);
  // No newline after the EOF record.
  CHECK(fw::parse_hex(record(0x04, 0, {0x08, 0x00}) + "\n" + k_eof, k_area));
}

TEST_CASE("fw hex: segment addresses (02) and start records (03, 05)", "[fw]") {
  const fw::Area area{0x00000, 0x20000};
  const std::string text = record(0x02, 0, {0x10, 0x00}) + "\n" +  // base 0x10000
                           record(0x00, 0x0010, {0xAA, 0xBB}) + "\n" +
                           record(0x03, 0, {0x10, 0x00, 0x00, 0x10}) + "\n" + k_eof + "\n";
  auto image = fw::parse_hex(text, area);
  REQUIRE(image);
  REQUIRE(image->size() == 0x10012);
  CHECK((*image)[0x10010] == 0xAA);
  CHECK((*image)[0x10011] == 0xBB);
  CHECK((*image)[0] == 0xFF);

  // An offset that runs past 0xFFFF wraps within the segment.
  const std::string wrap = record(0x02, 0, {0x10, 0x00}) + "\n" + record(0x00, 0xFFFF, {0x01, 0x02}) +
                           "\n" + k_eof + "\n";
  auto wrapped = fw::parse_hex(wrap, area);
  REQUIRE(wrapped);
  CHECK((*wrapped)[0x1FFFF] == 0x01);
  CHECK((*wrapped)[0x10000] == 0x02);
}

TEST_CASE("fw hex: each broken line is refused naming its line", "[fw]") {
  const std::string head = record(0x04, 0, {0x08, 0x00}) + "\n";
  struct Case {
    std::string line;
    const char* says;
  };
  const Case cases[] = {
      {":0240000001020F", "checksum 0x0F is wrong (the record needs 0xBB)"},
      {":024000000102", "announces 2 data bytes but has 1"},  // cut short
      {":0240000001020", "odd number"},
      {"0240000001020F", "starts with ':'"},
      {":02400000010G02B7", "'G' at column 13"},
      {":00", "too short"},
      {record(0x06, 0, {}), "record type 0x06"},
      {record(0x04, 0, {0x08}), "linear address record has 1 data bytes, not 2"},
      {record(0x01, 0, {0x00}), "end-of-file record has 1"},
      {record(0x05, 0, {0x00}), "start linear address"},
      {std::string(":024000000102BB\x01\x01", 17), "byte 0x01 at column 16"},
  };
  for (const Case& c : cases) {
    INFO(c.line);
    auto r = fw::parse_hex(head + c.line + "\n" + k_eof + "\n", k_area);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == util::Errc::malformed);
    CHECK_THAT(r.error().message, Catch::StartsWith("line 2: ") && Catch::Contains(c.says));
  }
  // And the good version of the first one.
  CHECK(fw::parse_hex(head + ":024000000102BB\n" + k_eof + "\n", k_area));
}

TEST_CASE("fw hex: strict by default about blank lines, EOF and what follows it", "[fw]") {
  const std::string body = record(0x04, 0, {0x08, 0x00}) + "\n" + record(0x00, 0x4000, {1, 2, 3}) + "\n";
  SECTION("no EOF record") {
    auto r = fw::parse_hex(body, k_area);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("no end-of-file record"));
    fw::HexOptions lenient;
    lenient.strict = false;
    auto l = fw::parse_hex(body, k_area, lenient);
    REQUIRE(l);
    CHECK(*l == Bytes{1, 2, 3});
  }
  SECTION("a record after EOF") {
    auto r = fw::parse_hex(body + k_eof + "\n" + record(0x00, 0x4010, {4}) + "\n", k_area);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::StartsWith("line 4: ") && Catch::Contains("end-of-file record of line 3"));
  }
  SECTION("blank lines after EOF are harmless") {
    CHECK(fw::parse_hex(body + k_eof + "\n\n\r\n", k_area));
  }
  SECTION("a blank line among the records") {
    auto r = fw::parse_hex(record(0x04, 0, {0x08, 0x00}) + "\n\n" + k_eof + "\n", k_area);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::StartsWith("line 2: empty line"));
    fw::HexOptions lenient;
    lenient.strict = false;
    CHECK(fw::parse_hex(record(0x04, 0, {0x08, 0x00}) + "\n  \n" + k_eof + "  \n", k_area, lenient));
  }
}

TEST_CASE("fw hex: overlapping records and data outside the area are refused", "[fw]") {
  const std::string head = record(0x04, 0, {0x08, 0x00}) + "\n";
  SECTION("overlap") {
    auto r = fw::parse_hex(head + record(0x00, 0x4000, {1, 2, 3, 4}) + "\n" +
                               record(0x00, 0x4003, {9}) + "\n" + k_eof + "\n",
                           k_area);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::StartsWith("line 3: ") && Catch::Contains("0x08004003 overlaps"));
  }
  SECTION("below the area") {
    auto r = fw::parse_hex(head + record(0x00, 0x3FFF, {1}) + "\n" + k_eof + "\n", k_area);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message,
               Catch::StartsWith("line 2: ") &&
                   Catch::Contains("outside the application area 0x08004000-0x0801FFFF"));
  }
  SECTION("past its end") {
    auto r = fw::parse_hex(record(0x04, 0, {0x08, 0x01}) + "\n" + record(0x00, 0xFFFF, {1, 2}) +
                               "\n" + k_eof + "\n",
                           k_area);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("outside the application area"));
  }
  SECTION("the last byte of the area is inside") {
    auto r = fw::parse_hex(record(0x04, 0, {0x08, 0x01}) + "\n" + record(0x00, 0xFFFF, {7}) + "\n" +
                               k_eof + "\n",
                           k_area);
    REQUIRE(r);
    CHECK(r->size() == k_area.size);
    CHECK(r->back() == 7);
  }
  SECTION("no address record: address 0 is outside") {
    auto r = fw::parse_hex(record(0x00, 0x0000, {1}) + "\n" + k_eof + "\n", k_area);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == util::Errc::malformed);
  }
}

TEST_CASE("fw hex: every cut-short file and every one-character change is an error", "[fw]") {
  const std::string good = small_hex();
  REQUIRE(fw::parse_hex(good, k_area));
  // A prefix is valid only once the whole EOF record is there.
  const std::size_t complete = good.size() - 1;  // without the final newline
  for (std::size_t n = 0; n < complete; ++n) {
    auto r = fw::parse_hex(std::string_view(good).substr(0, n), k_area);
    INFO("prefix of " << n << " characters");
    CHECK_FALSE(r);
  }
  std::mt19937 rng(20201017);
  int changed = 0;
  for (std::size_t at = 0; at + 1 < good.size(); ++at) {
    for (int k = 0; k < 4; ++k) {
      std::string bad = good;
      bad[at] = static_cast<char>(bad[at] ^ static_cast<char>(1 + rng() % 255));
      // Another case of the same hex digit is the same file.
      if (std::tolower(static_cast<unsigned char>(bad[at])) == std::tolower(static_cast<unsigned char>(good[at])))
        continue;
      INFO("changed position " << at);
      CHECK_FALSE(fw::parse_hex(bad, k_area));
      ++changed;
    }
  }
  CHECK(changed > 300);
}

TEST_CASE("fw hex: random bytes give errors, not crashes", "[fw]") {
  std::mt19937 rng(42);
  const fw::Area wide{0, 0xFFFFFFFF};
  for (int i = 0; i < 2000; ++i) {
    std::string text(rng() % 200, '\0');
    for (char& c : text) c = static_cast<char>(rng());
    if (i % 2 == 0 && !text.empty()) text[0] = ':';
    if (i % 3 == 0) {  // mostly hex digits, some line breaks
      for (char& c : text) c = ":0123456789ABCDEF\n"[rng() % 18];
    }
    auto r = fw::parse_hex(text, i % 5 == 0 ? wide : k_area);
    if (!r) CHECK(r.error().code == util::Errc::malformed);
  }
  // Random but well-formed records spread over all of memory: refused or bounded, never huge.
  for (int i = 0; i < 300; ++i) {
    std::string text;
    for (int n = 0; n < 5; ++n) {
      Bytes data(rng() % 8, static_cast<std::uint8_t>(rng()));
      const auto type = static_cast<std::uint8_t>(rng() % 6);
      if (type == 0x02 || type == 0x04) data = {static_cast<std::uint8_t>(rng()), static_cast<std::uint8_t>(rng())};
      text += record(type, static_cast<std::uint16_t>(rng()), data) + "\n";
    }
    auto r = fw::parse_hex(text + k_eof + "\n", wide);
    if (r) CHECK(r->size() <= fw::k_max_image);
  }
}

TEST_CASE("fw load: raw binary, HEX by extension or content, unreadable files", "[fw]") {
  SECTION("binary") {
    const std::string path = temp_path("app.bin");
    write_file(path, std::string("\x01\x02\x03", 3));
    auto image = fw::load(path, k_area);
    REQUIRE(image);
    CHECK(image->format == fw::Image::Format::bin);
    CHECK(image->bytes == Bytes{1, 2, 3});
    CHECK(image->source == path);
    std::remove(path.c_str());
  }
  SECTION("hex by extension, any case") {
    const std::string path = temp_path("app.HEX");
    write_file(path, small_hex("\r\n"));
    auto image = fw::load(path, k_area);
    REQUIRE(image);
    CHECK(image->format == fw::Image::Format::hex);
    CHECK(image->bytes.size() == 0x24);
    std::remove(path.c_str());
  }
  SECTION("hex by its first character") {
    const std::string path = temp_path("app.fw");
    write_file(path, small_hex());
    auto image = fw::load(path, k_area);
    REQUIRE(image);
    CHECK(image->format == fw::Image::Format::hex);
    std::remove(path.c_str());
  }
  SECTION("a broken hex file names the file and the line") {
    const std::string path = temp_path("bad.hex");
    write_file(path, record(0x04, 0, {0x08, 0x00}) + "\n:0240000001020F\n" + k_eof + "\n");
    auto image = fw::load(path, k_area);
    REQUIRE_FALSE(image);
    CHECK(image.error().code == util::Errc::malformed);
    CHECK_THAT(image.error().message, Catch::StartsWith(path + ": line 2: checksum"));
    std::remove(path.c_str());
  }
  SECTION("missing file") {
    auto image = fw::load("/nonexistent-dir/app.bin", k_area);
    REQUIRE_FALSE(image);
    CHECK(image.error().code == util::Errc::io);
    CHECK_THAT(image.error().message, Catch::Contains("/nonexistent-dir/app.bin"));
  }
  SECTION("an endless device named by mistake") {
    auto image = fw::load("/dev/zero", k_area);
    REQUIRE_FALSE(image);
    CHECK(image.error().code == util::Errc::io);
    CHECK_THAT(image.error().message, Catch::Contains("/dev/zero: it is a device"));
  }
  SECTION("a directory") {
    auto image = fw::load("/tmp", k_area);
    REQUIRE_FALSE(image);
    CHECK(image.error().code == util::Errc::io);
    CHECK_THAT(image.error().message, Catch::Contains("/tmp") && Catch::Contains("directory"));
  }
}

TEST_CASE("fw check: refused before any erase, with the reason and what to do", "[fw]") {
  fw::Image image;
  image.source = "app.bin";
  SECTION("good") {
    image.bytes = image_with_info(0x1000, 3, 1, 5, 0);
    CHECK_FALSE(fw::check(image, k_area, 3));
    image.bytes.resize(k_area.size, 0xFF);  // exactly the area
    CHECK_FALSE(fw::check(image, k_area, 3));
  }
  SECTION("empty") {
    auto why = fw::check(image, k_area, 3);
    REQUIRE(why);
    CHECK_THAT(*why, Catch::Contains("app.bin") && Catch::Contains("no data"));
  }
  SECTION("larger than the area") {
    image.bytes = image_with_info(k_area.size + 1, 3, 1, 5, 0);
    auto why = fw::check(image, k_area, 3);
    REQUIRE(why);
    CHECK_THAT(*why, Catch::Contains("114689 bytes") && Catch::Contains("114688 bytes"));
  }
  SECTION("no info block") {
    image.bytes = Bytes(0x1000, 0xFF);
    auto why = fw::check(image, k_area, 3);
    REQUIRE(why);
    CHECK_THAT(*why, Catch::Contains("no image info block") && Catch::Contains("RKTS"));
  }
  SECTION("other hardware revision") {
    image.bytes = image_with_info(0x1000, 2, 1, 5, 0);
    auto why = fw::check(image, k_area, 3);
    REQUIRE(why);
    CHECK(*why ==
          "app.bin (firmware 1.5.0) is built for hardware revision 2, this pack is revision 3: "
          "get the firmware for hardware revision 3");
  }
}
