#pragma once
// A diagnostic link for the fuzz targets of the UDS layer: the BMS's side is the fuzz input.
// Every request sent takes its replies from the input: a header byte (low 2 bits: the reply
// comes after 10 ms, 100 ms or 300 ms, past P2 (250 ms), or 3: no reply; 0x04: another reply to
// the same request follows), a length byte, then that many bytes. When the input is used up
// nothing answers any more. Time is simulated (util::ManualClock, from tests/unit/fake_link.hpp).
#include <chrono>

#include "fake_link.hpp"
#include "fuzz_common.hpp"

namespace fuzz {

inline void serve_from(fakelink::FakeLink& link, Input& in) {
  link.serve([&in](const fakelink::Bytes&) {
    fakelink::Replies replies;
    for (int n = 0; n < 8 && !in.empty(); ++n) {
      const std::uint8_t header = in.u8();
      auto bytes = in.take(in.u8());
      static constexpr int k_ms[] = {10, 100, 300};
      if ((header & 3) != 3)
        replies.push_back(fakelink::reply(fakelink::Bytes(bytes.begin(), bytes.end()),
                                          std::chrono::milliseconds(k_ms[header & 3])));
      if ((header & 0x04) == 0) break;
    }
    return replies;
  });
}

}  // namespace fuzz
