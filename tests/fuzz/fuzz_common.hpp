#pragma once
// What the fuzz targets share: a reader that takes bytes from the front of libFuzzer's input
// (so that seeds are easy to write by hand: tests/fuzz/make_corpus.py), and FUZZ_CHECK, which
// stops the run with a message when an invariant of the code under test does not hold (a logic
// bug is a finding too, not only a crash).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>

namespace fuzz {

class Input {
public:
  Input(const std::uint8_t* data, std::size_t size) : m_bytes(data, size) {}

  bool empty() const { return m_pos >= m_bytes.size(); }
  std::size_t left() const { return m_bytes.size() - m_pos; }
  // The next byte, 0 once the input is used up (a short input still runs to the end).
  std::uint8_t u8() { return empty() ? 0 : m_bytes[m_pos++]; }
  std::uint16_t be16() { return static_cast<std::uint16_t>(u8() << 8 | u8()); }
  std::uint32_t be32() { return std::uint32_t{be16()} << 16 | be16(); }
  // Up to `n` bytes (fewer at the end).
  std::span<const std::uint8_t> take(std::size_t n) {
    if (n > left()) n = left();
    auto out = m_bytes.subspan(m_pos, n);
    m_pos += n;
    return out;
  }
  std::span<const std::uint8_t> rest() { return take(left()); }

private:
  std::span<const std::uint8_t> m_bytes;
  std::size_t m_pos = 0;
};

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Reading every character of a view the code under test handed out, so that ASan sees a view
// into freed or foreign memory even when nothing else looks at it.
inline std::size_t touch(std::string_view s) {
  std::size_t sum = 0;
  for (char c : s) sum += static_cast<unsigned char>(c);
  return sum;
}

}  // namespace fuzz

#define FUZZ_CHECK(cond, ...)                                                   \
  do {                                                                          \
    if (!(cond)) {                                                              \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, \
                   #cond);                                                      \
      std::fprintf(stderr, __VA_ARGS__);                                        \
      std::fputc('\n', stderr);                                                 \
      std::abort();                                                             \
    }                                                                           \
  } while (false)
