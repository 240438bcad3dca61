// The simulated application flash: erase, program, verify (see diag_flash.hpp).
#include "sim/diag_flash.hpp"

#include <algorithm>
#include <utility>

#include "sim/diagnostics.hpp"

namespace sim {

Flash::Flash(fw::Area area, std::optional<std::vector<std::uint8_t>> image)
    : m_area(area), m_bytes(area.size, 0xFF) {
  if (!image) {
    m_erased = true;
    return;
  }
  const std::size_t n = std::min(image->size(), m_bytes.size());
  std::copy_n(image->begin(), n, m_bytes.begin());
  m_valid = true;
  m_valid_size = n;
}

std::optional<fw::InfoBlock> Flash::application_info() const {
  if (!m_valid) return std::nullopt;
  return fw::info_block(std::span(m_bytes).first(m_valid_size));
}

std::optional<std::uint32_t> Flash::application_crc() const {
  if (!m_valid) return std::nullopt;
  return fw::crc32(std::span(m_bytes).first(m_valid_size));
}

void Flash::begin_erase() {
  m_valid = false;
  m_erased = false;
  m_updated = false;
}

void Flash::finish_erase() {
  std::fill(m_bytes.begin(), m_bytes.end(), 0xFF);
  m_erased = true;
}

void Flash::program(std::size_t offset, std::span<const std::uint8_t> data) {
  m_erased = false;
  if (offset >= m_bytes.size()) return;
  const std::size_t n = std::min(data.size(), m_bytes.size() - offset);
  // Flash programming only clears bits: writing over unerased bytes ANDs them.
  for (std::size_t i = 0; i < n; ++i) m_bytes[offset + i] &= data[i];
}

Flash::Verdict Flash::verify(std::size_t size, std::uint32_t crc, int hardware_revision) {
  size = std::min(size, m_bytes.size());
  const auto image = std::span<const std::uint8_t>(m_bytes).first(size);
  if (fw::crc32(image) != crc) return Verdict::crc_mismatch;
  auto info = fw::info_block(image);
  if (!info || info->hardware_revision != hardware_revision) return Verdict::not_an_image;
  m_valid = true;
  m_valid_size = size;
  m_updated = true;
  return Verdict::valid;
}

bool Flash::take_updated() {
  return std::exchange(m_updated, false);
}

}  // namespace sim

namespace sim {

std::vector<std::uint8_t> synthetic_image(int hardware_revision, fw::Version version, std::size_t size) {
  // xorshift32 seeded from the version and revision: the same bytes for the same image, other
  // bytes (and so another CRC) for another version.
  std::uint32_t x = 0x9E3779B9U ^ (static_cast<std::uint32_t>(hardware_revision & 0xFF) << 24 |
                                   static_cast<std::uint32_t>(version.major & 0xFF) << 16 |
                                   static_cast<std::uint32_t>(version.minor & 0xFF) << 8 |
                                   static_cast<std::uint32_t>(version.patch & 0xFF));
  if (x == 0) x = 1;
  std::vector<std::uint8_t> image(size);
  for (auto& b : image) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<std::uint8_t>(x >> 24);
  }
  if (size >= fw::k_info_offset + fw::k_info_size) {
    const std::uint8_t info[fw::k_info_size] = {
        'R', 'K', 'T', 'S', static_cast<std::uint8_t>(hardware_revision),
        static_cast<std::uint8_t>(version.major), static_cast<std::uint8_t>(version.minor),
        static_cast<std::uint8_t>(version.patch)};
    std::copy(std::begin(info), std::end(info), image.begin() + fw::k_info_offset);
  }
  return image;
}

}  // namespace sim
