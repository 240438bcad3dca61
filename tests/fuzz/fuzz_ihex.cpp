// Fuzz target: Intel HEX text (`rocketctl flash FILE.hex`) into fw::parse_hex, strict and
// lenient, for the reference battery's application area (§11: 0x08004000, 112 KiB). Checks:
// an image the strict reader takes, the lenient one takes too and equally; no image is larger
// than the area; the image checks before an update (info block, CRC, fw::check) run on it.
#include <span>
#include <string>

#include "fuzz_common.hpp"
#include "fw/image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::text(data, size);
  const fw::Area area{0x08004000, 0x1C000};

  // The raw .bin path reads the bytes as they are.
  (void)fw::info_block(std::span<const std::uint8_t>(data, size));

  auto strict = fw::parse_hex(text, area, fw::HexOptions{true});
  auto lenient = fw::parse_hex(text, area, fw::HexOptions{false});
  if (strict) {
    FUZZ_CHECK(lenient, "lenient refused what strict took: %s", lenient.error().message.c_str());
    FUZZ_CHECK(*lenient == *strict, "lenient and strict images differ");
  }
  if (!lenient) return 0;
  const std::vector<std::uint8_t>& bytes = *lenient;
  FUZZ_CHECK(bytes.size() <= area.size, "image of %zu bytes in an area of %u", bytes.size(),
             area.size);
  FUZZ_CHECK(bytes.size() <= fw::k_max_image, "image of %zu bytes", bytes.size());
  (void)fw::crc32(bytes);
  fw::Image image{bytes, "fuzz.hex", fw::Image::Format::hex};
  auto info = fw::info_block(bytes);
  auto why = fw::check(image, area, info ? info->hardware_revision : 3);
  if (!why) FUZZ_CHECK(info, "fw::check accepted an image without an info block");
  return 0;
}
