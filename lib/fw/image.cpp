// Firmware images (rockets-can-v1 §8): raw binaries and Intel HEX files turned into the flat
// binary of the application area, the image info block, CRC-32, and the checks that must pass
// before anything is erased.
#include "fw/image.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

#include <fmt/format.h>
#include <zlib.h>

namespace fw {
namespace {

constexpr char k_magic[] = {'R', 'K', 'T', 'S'};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string area_text(const Area& area) {
  const std::uint64_t last = std::uint64_t{area.start} + area.size - 1;
  return area.size == 0 ? fmt::format("0x{:08X} (empty)", area.start)
                        : fmt::format("0x{:08X}-0x{:08X}", area.start, last);
}

util::Error line_error(std::size_t line, std::string what) {
  return util::Error{util::Errc::malformed, fmt::format("line {}: {}", line, what)};
}

// The flat image being assembled from HEX records.
class Builder {
public:
  explicit Builder(const Area& area) : m_area(area) {}

  // `count` bytes at absolute address `address` from record `line`.
  util::Result<void> write(std::uint64_t address, std::span<const std::uint8_t> data, std::size_t line) {
    const std::uint64_t start = m_area.start;
    const std::uint64_t end = start + m_area.size;
    if (address < start || address + data.size() > end)
      return tl::unexpected(line_error(
          line, fmt::format("data at 0x{:08X}-0x{:08X} lies outside the application area {}: "
                            "this file is not firmware for this BMS",
                            address, address + data.size() - 1, area_text(m_area))));
    const std::uint64_t offset = address - start;
    if (offset + data.size() > k_max_image)
      return tl::unexpected(line_error(
          line, fmt::format("data at offset 0x{:X} would make an image larger than {} MiB",
                            offset, k_max_image / (1024 * 1024))));
    const auto first = static_cast<std::size_t>(offset);
    const std::size_t last = first + data.size();
    if (last > m_bytes.size()) {
      m_bytes.resize(last, 0xFF);
      m_written.resize(last, false);
    }
    for (std::size_t i = first; i < last; ++i)
      if (m_written[i])
        return tl::unexpected(line_error(
            line, fmt::format("data at 0x{:08X} overlaps data of an earlier record: the file is "
                              "not a single image",
                              start + i)));
    std::copy(data.begin(), data.end(), m_bytes.begin() + static_cast<std::ptrdiff_t>(first));
    std::fill(m_written.begin() + static_cast<std::ptrdiff_t>(first),
              m_written.begin() + static_cast<std::ptrdiff_t>(last), true);
    return {};
  }

  std::vector<std::uint8_t> take() { return std::move(m_bytes); }

private:
  Area m_area;
  std::vector<std::uint8_t> m_bytes;
  std::vector<bool> m_written;
};

// One record's bytes (count, address, type, data, checksum), its hex text checked.
util::Result<std::vector<std::uint8_t>> decode_record(std::string_view text, std::size_t line) {
  if (text.empty() || text[0] != ':')
    return tl::unexpected(line_error(line, "a record starts with ':'; this is not an Intel HEX file"));
  text.remove_prefix(1);
  if (text.size() % 2 != 0)
    return tl::unexpected(line_error(line, "odd number of hex digits: the line is cut short"));
  std::vector<std::uint8_t> bytes;
  bytes.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = hex_digit(text[i]);
    const int lo = hex_digit(text[i + 1]);
    if (hi < 0 || lo < 0) {
      const char bad = hi < 0 ? text[i] : text[i + 1];
      const std::size_t column = hi < 0 ? i + 2 : i + 3;  // 1-based, ':' is column 1
      const std::string shown = std::isprint(static_cast<unsigned char>(bad))
                                    ? fmt::format("'{}'", bad)
                                    : fmt::format("byte 0x{:02X}", static_cast<unsigned char>(bad));
      return tl::unexpected(line_error(
          line, fmt::format("{} at column {} is not a hex digit: this is not an Intel HEX record",
                            shown, column)));
    }
    bytes.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  if (bytes.size() < 5)
    return tl::unexpected(line_error(line, "record too short: the line is cut short"));
  if (bytes.size() != std::size_t{bytes[0]} + 5)
    return tl::unexpected(line_error(line, fmt::format("the record announces {} data bytes but has {}: "
                                                       "the line is cut short or damaged",
                                                       bytes[0], bytes.size() - 5)));
  unsigned sum = 0;
  for (std::uint8_t b : bytes) sum += b;
  if ((sum & 0xFF) != 0) {
    const unsigned expected = (0x100 - ((sum - bytes.back()) & 0xFF)) & 0xFF;
    return tl::unexpected(line_error(
        line, fmt::format("checksum 0x{:02X} is wrong (the record needs 0x{:02X}): the file is "
                          "damaged; get it again",
                          bytes.back(), expected)));
  }
  return bytes;
}

}  // namespace

std::string to_string(const Version& v) { return fmt::format("{}.{}.{}", v.major, v.minor, v.patch); }

std::optional<InfoBlock> info_block(std::span<const std::uint8_t> image) {
  if (image.size() < k_info_offset + k_info_size) return std::nullopt;
  const auto block = image.subspan(k_info_offset, k_info_size);
  if (!std::equal(std::begin(k_magic), std::end(k_magic), block.begin())) return std::nullopt;
  return InfoBlock{block[4], Version{block[5], block[6], block[7]}};
}

std::uint32_t crc32(std::span<const std::uint8_t> bytes) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths: feed anything larger in pieces.
  constexpr std::size_t k_chunk = 1U << 30;
  for (std::size_t at = 0; at < bytes.size(); at += k_chunk) {
    const std::size_t n = std::min(k_chunk, bytes.size() - at);
    crc = ::crc32(crc, bytes.data() + at, static_cast<uInt>(n));
  }
  return static_cast<std::uint32_t>(crc);
}

util::Result<std::vector<std::uint8_t>> parse_hex(std::string_view text, const Area& area,
                                                  const HexOptions& options) {
  Builder image(area);
  std::uint64_t base = 0;   // from record 02 (segment × 16) or 04 (upper 16 bits)
  bool segmented = false;   // 02: offsets wrap within the 64 KiB segment
  std::optional<std::size_t> eof_line;
  std::size_t line_no = 0;

  while (!text.empty()) {
    ++line_no;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!options.strict) {
      while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
        line.remove_suffix(1);
    }

    if (eof_line) {
      if (line.empty()) continue;  // trailing blank lines after EOF are harmless
      if (!options.strict) break;
      return tl::unexpected(line_error(
          line_no, fmt::format("text after the end-of-file record of line {}: the file is "
                               "damaged or two files were joined",
                               *eof_line)));
    }
    if (line.empty()) {
      if (!options.strict) continue;
      return tl::unexpected(line_error(line_no, "empty line inside the records: the file is damaged"));
    }

    auto record = decode_record(line, line_no);
    if (!record) return tl::unexpected(record.error());
    const std::vector<std::uint8_t>& r = *record;
    const std::size_t count = r[0];
    const unsigned offset = unsigned{r[1]} << 8 | r[2];
    const std::uint8_t type = r[3];
    const std::span<const std::uint8_t> data(r.data() + 4, count);

    auto need_count = [&](std::size_t n, const char* what) -> util::Result<void> {
      if (count == n) return {};
      return tl::unexpected(line_error(
          line_no, fmt::format("a {} record has {} data bytes, not {}", what, count, n)));
    };

    switch (type) {
      case 0x00: {  // data
        if (count == 0) break;
        if (segmented && offset + count > 0x10000) {
          // Within a segment the offset wraps: two pieces.
          const std::size_t first = 0x10000 - offset;
          if (auto w = image.write(base + offset, data.first(first), line_no); !w)
            return tl::unexpected(w.error());
          if (auto w = image.write(base, data.subspan(first), line_no); !w)
            return tl::unexpected(w.error());
        } else if (auto w = image.write(base + offset, data, line_no); !w) {
          return tl::unexpected(w.error());
        }
        break;
      }
      case 0x01:  // end of file
        if (auto ok = need_count(0, "end-of-file"); !ok) return tl::unexpected(ok.error());
        eof_line = line_no;
        break;
      case 0x02:  // extended segment address
        if (auto ok = need_count(2, "segment address"); !ok) return tl::unexpected(ok.error());
        base = (std::uint64_t{data[0]} << 8 | data[1]) << 4;
        segmented = true;
        break;
      case 0x04:  // extended linear address
        if (auto ok = need_count(2, "linear address"); !ok) return tl::unexpected(ok.error());
        base = (std::uint64_t{data[0]} << 8 | data[1]) << 16;
        segmented = false;
        break;
      case 0x03:  // start segment address (CS:IP): where a PC would jump, not image data
        if (auto ok = need_count(4, "start segment address"); !ok) return tl::unexpected(ok.error());
        break;
      case 0x05:  // start linear address (EIP): likewise
        if (auto ok = need_count(4, "start linear address"); !ok) return tl::unexpected(ok.error());
        break;
      default:
        return tl::unexpected(line_error(
            line_no, fmt::format("record type 0x{:02X} is not Intel HEX (00-05)", type)));
    }
  }
  if (!eof_line && options.strict)
    return util::fail(util::Errc::malformed,
                      fmt::format("no end-of-file record (:00000001FF) after line {}: the file is "
                                  "cut short; get it again",
                                  line_no));
  return image.take();
}

util::Result<Image> load(const std::filesystem::path& path, const Area& area,
                         const HexOptions& options) {
  const std::string name = path.string();
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(status))
    return util::fail(util::Errc::io, fmt::format("cannot read {}: it is a directory", name));
  if (std::filesystem::is_character_file(status) || std::filesystem::is_block_file(status))
    return util::fail(util::Errc::io, fmt::format("cannot read {}: it is a device, not a file", name));
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return util::fail(util::Errc::io, fmt::format("cannot read {}: {}", name, std::strerror(errno)));
  // Read in pieces up to a limit: a pipe that never ends (or a huge file named by mistake)
  // must not fill memory. An Intel HEX text of the largest image is under three times its size.
  constexpr std::size_t k_max_file = 4 * k_max_image;
  constexpr std::size_t k_chunk = 1 << 20;
  std::vector<std::uint8_t> content;
  for (;;) {
    const std::size_t had = content.size();
    content.resize(had + k_chunk);
    in.read(reinterpret_cast<char*>(content.data() + had), k_chunk);
    content.resize(had + static_cast<std::size_t>(in.gcount()));
    if (content.size() > k_max_file)
      return util::fail(util::Errc::malformed,
                        fmt::format("{} is larger than {} MiB: it is not a firmware image for a BMS",
                                    name, k_max_file / (1024 * 1024)));
    if (!in) break;  // end of file (or a read error, told apart below)
  }
  if (in.bad())
    return util::fail(util::Errc::io, fmt::format("cannot read {}: {}", name, std::strerror(errno)));

  Image image;
  image.source = name;
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const bool hex = ext == ".hex" || ext == ".ihex" || (!content.empty() && content[0] == ':');
  if (!hex) {
    image.format = Image::Format::bin;
    image.bytes = std::move(content);
    return image;
  }
  image.format = Image::Format::hex;
  const std::string_view text(reinterpret_cast<const char*>(content.data()), content.size());
  auto bytes = parse_hex(text, area, options);
  if (!bytes) return util::with_context(bytes.error(), name);
  image.bytes = std::move(*bytes);
  return image;
}

std::optional<std::string> check(const Image& image, const Area& area, int hardware_revision) {
  const std::string name = image.source.empty() ? std::string("the image") : image.source;
  if (image.bytes.empty())
    return fmt::format("{} holds no data: choose the application firmware file (.bin or .hex)", name);
  if (image.bytes.size() > area.size)
    return fmt::format("{} is {} bytes, larger than this pack's application area of {} bytes "
                       "({}): it is not firmware for this BMS; check the file",
                       name, image.bytes.size(), area.size, area_text(area));
  const auto info = info_block(image.bytes);
  if (!info)
    return fmt::format("{} has no image info block (\"RKTS\" at offset 0x200): it is not a "
                       "RocketS application image; check that you chose the application "
                       "firmware, not a bootloader or another device's file",
                       name);
  if (info->hardware_revision != hardware_revision)
    return fmt::format("{} (firmware {}) is built for hardware revision {}, this pack is revision "
                       "{}: get the firmware for hardware revision {}",
                       name, to_string(info->version), info->hardware_revision, hardware_revision,
                       hardware_revision);
  return std::nullopt;
}

}  // namespace fw
