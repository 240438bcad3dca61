// Fuzz target: ISO-TP reception and flow control (§6, §12) in isotp::Engine, the state machine
// both the tool's channel and the simulated battery drive. Input: the engine's flow control
// (block size, STmin), then operations until the input ends:
//   0x00-0x7F  a frame to the engine: flags byte (low nibble DLC; 0x10 another id, 0x20 remote,
//              0x40 standard), 8 data bytes
//   0x80-0xBF  time passes: (op & 0x3F) × 25 ms (N_Bs and N_Cr are 1000 ms)
//   0xC0-0xFF  the engine sends a message: length, big-endian u16 masked to 13 bits (0 and
//              4096-8191 are refused)
// After each operation it is driven as its users drive it: poll() until nothing is due.
// Checks: every frame it puts on the bus has tx_id, extended, DLC 8; every message it hands
// up has 1..4095 bytes; and after poll() says nothing is due, wake_at() is not in the past
// (else a channel waiting for it would spin).
#include <vector>

#include "fuzz_common.hpp"
#include "isotp/engine.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  isotp::Config config;
  config.tx_id = 0x18DA4001;  // the BMS's side: it receives the tool's requests
  config.rx_id = 0x18DA0140;
  config.block_size = in.u8();
  config.st_min = in.u8();
  config.max_wait = 10;
  isotp::Engine engine(config);
  util::TimePoint now{std::chrono::hours(1)};

  while (!in.empty()) {
    const std::uint8_t op = in.u8();
    if (op < 0x80) {
      const std::uint8_t flags = in.u8();
      can::Frame f;
      f.extended = (flags & 0x40) == 0;
      f.remote = (flags & 0x20) != 0;
      f.id = (flags & 0x10) ? 0x18DA0141 : config.rx_id;
      if (!f.extended) f.id &= can::k_max_standard_id;
      f.dlc = flags & 0x0F;
      auto bytes = in.take(8);
      std::copy(bytes.begin(), bytes.end(), f.data.begin());
      engine.on_frame(f, now);
    } else if (op < 0xC0) {
      now += std::chrono::milliseconds(25) * (op & 0x3F);
    } else {
      const std::size_t length = in.be16() & 0x1FFF;  // larger ones only cost time
      std::vector<std::uint8_t> message(length);
      for (std::size_t i = 0; i < length; ++i) message[i] = static_cast<std::uint8_t>(i);
      const bool was_sending = engine.sending();
      auto sent = engine.send(message, now);
      FUZZ_CHECK(bool(sent) == (length >= 1 && length <= isotp::k_max_message && !was_sending),
                 "send of %zu bytes %s", length, sent ? "accepted" : "refused");
    }
    for (int n = 0; n < 5000; ++n) {
      auto f = engine.poll(now);
      if (!f) break;
      FUZZ_CHECK(f->id == config.tx_id && f->extended && !f->remote && f->dlc == 8,
                 "frame out: id 0x%X dlc %u", f->id, f->dlc);
      FUZZ_CHECK(n < 4999, "poll() does not stop yielding frames");
    }
    if (auto wake = engine.wake_at()) FUZZ_CHECK(*wake > now, "wake_at() is not after now");
    while (auto m = engine.take_message())
      FUZZ_CHECK(!m->empty() && m->size() <= isotp::k_max_message, "message of %zu bytes", m->size());
    while (engine.take_abort()) {
    }
  }
  return 0;
}
