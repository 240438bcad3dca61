#pragma once
// Firmware images (rockets-can-v1 §8): a flat binary of the application area, read from a raw
// `.bin` or an Intel HEX file, with its image info block and its CRC-32 (zlib's crc32).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace fw {

inline constexpr std::size_t k_info_offset = 0x200;
inline constexpr std::size_t k_info_size = 8;  // "RKTS", hardware revision, major, minor, patch

struct Version {
  int major = 0, minor = 0, patch = 0;
  friend auto operator<=>(const Version&, const Version&) = default;
};
std::string to_string(const Version& v);  // "1.4.2"

struct InfoBlock {
  int hardware_revision = 0;
  Version version;
};

// The application area a BMS reports (DID F1A1).
struct Area {
  std::uint32_t start = 0;
  std::uint32_t size = 0;
};

struct Image {
  std::vector<std::uint8_t> bytes;  // from the area's start
  std::string source;               // the file name, for messages
  enum class Format { bin, hex } format = Format::bin;
};

// The info block at offset 0x200; nullopt when the image is too short or lacks "RKTS".
std::optional<InfoBlock> info_block(std::span<const std::uint8_t> image);

// CRC-32 (IEEE 802.3, zlib's crc32): crc32("123456789") == 0xCBF43926.
std::uint32_t crc32(std::span<const std::uint8_t> bytes);

struct HexOptions {
  // Strict (the default): a blank line, a line after the EOF record or a missing EOF record is
  // an error. Lenient: blank lines and whatever follows EOF are skipped, and a file without
  // EOF is taken as it is (for files cut by hand). Records are always checked in full.
  bool strict = true;
};

// Intel HEX text to the binary of `area`: record types 00-05, every checksum checked, gaps
// filled with 0xFF, the result ending at the last byte written. Errc::malformed naming the
// line for a bad record, a checksum error, an overlap, data outside the area or no EOF record.
// Lines may end in LF or CR LF.
util::Result<std::vector<std::uint8_t>> parse_hex(std::string_view text, const Area& area,
                                                  const HexOptions& options = {});

// Reads `path` as Intel HEX when it ends in .hex/.ihex (or its first byte is ':'), else as
// raw binary. Errc::io when it cannot be read; Errc::malformed when it is not a valid image.
util::Result<Image> load(const std::filesystem::path& path, const Area& area,
                         const HexOptions& options = {});

// The largest image any BMS of this family can take; a HEX file reaching further is refused
// before memory is spent on it.
inline constexpr std::size_t k_max_image = 16 * 1024 * 1024;

// Why an image cannot go into a pack with `area` and `hardware_revision`; nullopt when it
// can. Checked before anything is erased: empty, larger than the area, no info block, other
// hardware revision.
std::optional<std::string> check(const Image& image, const Area& area, int hardware_revision);

}  // namespace fw
