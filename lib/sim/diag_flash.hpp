#pragma once
// The simulated BMS's application flash (rockets-can-v1 §8, §12 "Firmware update"): the bytes
// of the application area and what survives a power cut with them: whether the application is
// valid, whether the area is erased, and that the next start follows a successful update.
// No timing here: the erase time and the power cuts are the diagnostic channel's business.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "fw/image.hpp"

namespace sim {

class Flash {
public:
  // At start: `image` padded with 0xFF to the area and a valid application; without an image
  // (a pack that starts in its bootloader) the area is erased and holds no valid application.
  Flash(fw::Area area, std::optional<std::vector<std::uint8_t>> image);

  const fw::Area& area() const { return m_area; }
  const std::vector<std::uint8_t>& bytes() const { return m_bytes; }

  bool application_valid() const { return m_valid; }
  // The info block of the valid application (nullopt without one).
  std::optional<fw::InfoBlock> application_info() const;
  // The CRC-32 and size the running application was verified with.
  std::optional<std::uint32_t> application_crc() const;

  // The erase starts: from now on the application is invalid (also after a power cut).
  void begin_erase();
  // The erase completes: every byte 0xFF, ready for a download.
  void finish_erase();
  // True while nothing was written since the last completed erase.
  bool erased() const { return m_erased; }

  // Writes `data` at image offset `offset` (inside the area: the caller checked).
  void program(std::size_t offset, std::span<const std::uint8_t> data);

  enum class Verdict { valid, crc_mismatch, not_an_image };
  // Routine 0xFF01 over the first `size` bytes: valid when the CRC matches and the image has an
  // info block for `hardware_revision` (the application becomes valid); not_an_image when the
  // CRC matches but the info block is missing or for another revision (stays invalid).
  Verdict verify(std::size_t size, std::uint32_t crc, int hardware_revision);

  // True once after a successful verify: the first start of the new application logs 0x16.
  bool take_updated();

private:
  fw::Area m_area;
  std::vector<std::uint8_t> m_bytes;
  bool m_valid = false;
  bool m_erased = false;
  bool m_updated = false;
  std::size_t m_valid_size = 0;  // bytes the valid application was verified with
};

}  // namespace sim
