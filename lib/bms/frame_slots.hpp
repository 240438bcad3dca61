#pragma once
// The frames of one multi-frame poll answer, slotted by frame number (rockets-can-v1 §3.2
// rule 3): frames 1..N in any order, a repeat of a frame with the same bytes is a duplicate,
// a second frame of one number with other bytes is a conflict (two packs answering from one
// address), numbers outside 1..N are refused. Fixed size, no allocation: the client, scan
// and the streaming decoder all slot answers with it.

#include <array>
#include <bit>
#include <cstdint>
#include <vector>

#include "can/frame.hpp"

namespace bms {

// The most frames any answer has: CELL VOLTAGES of 32 cells is 11; a decoder that does not
// know the count yet takes numbers up to this.
inline constexpr int k_max_answer_frames = 32;

class FrameSlots {
public:
  enum class Offer {
    taken,         // a new frame number: slotted
    duplicate,     // that number again with the same bytes: dropped
    conflict,      // that number again with other bytes: dropped, conflict() is now true
    out_of_range,  // number outside 1..expected (1..k_max_answer_frames when unknown)
  };

  // Empties the slots for an answer of `expected` frames (1..k_max_answer_frames); 0 when the
  // count is not known yet (set_expected() may give it later).
  explicit FrameSlots(int expected = 0) { reset(expected); }
  void reset(int expected) {
    m_expected = expected < 0 ? 0 : expected > k_max_answer_frames ? k_max_answer_frames : expected;
    m_present = 0;
    m_conflict = false;
  }
  // Gives the count once known. Frames already slotted above it stay (has() tells).
  void set_expected(int expected) {
    m_expected = expected < 0 ? 0 : expected > k_max_answer_frames ? k_max_answer_frames : expected;
  }

  Offer offer(int number, const can::Frame& frame) {
    const int limit = m_expected > 0 ? m_expected : k_max_answer_frames;
    if (number < 1 || number > limit) return Offer::out_of_range;
    auto& slot = m_frames[static_cast<std::size_t>(number - 1)];
    if (has(number)) {
      if (slot.data == frame.data) return Offer::duplicate;
      m_conflict = true;
      return Offer::conflict;
    }
    slot = frame;
    m_present |= std::uint64_t{1} << number;
    return Offer::taken;
  }

  int expected() const { return m_expected; }
  bool has(int number) const {
    return number >= 1 && number <= k_max_answer_frames && (m_present >> number & 1U) != 0;
  }
  // Frames slotted so far, any number.
  int count() const { return std::popcount(m_present); }
  // Every frame 1..expected is in (never with expected 0).
  bool complete() const {
    if (m_expected == 0) return false;
    const std::uint64_t want = ((std::uint64_t{1} << m_expected) - 1) << 1;
    return (m_present & want) == want;
  }
  // A frame number came twice with different bytes.
  bool conflict() const { return m_conflict; }
  const can::Frame& frame(int number) const { return m_frames[static_cast<std::size_t>(number - 1)]; }
  // Frames 1..expected, indexed by number - 1 (the form bms::decode_* take). Only when complete().
  std::vector<can::Frame> frames() const {
    return {m_frames.begin(), m_frames.begin() + m_expected};
  }

private:
  std::array<can::Frame, k_max_answer_frames> m_frames{};
  std::uint64_t m_present = 0;  // bit k: frame k slotted
  int m_expected = 0;
  bool m_conflict = false;
};

}  // namespace bms
