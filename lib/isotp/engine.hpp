#pragma once
// ISO 15765-2 (ISO-TP) as a state machine without I/O (rockets-can-v1 §6, §12 "ISO-TP"):
// frames and the time go in, frames to send and finished messages come out. The tool drives
// it over a can::Bus (isotp::Channel); the simulated battery drives it from its node callbacks.
// One implementation for both ends, so the two cannot drift apart.
//
// Normal fixed addressing on 29-bit identifiers: one identifier each way, every frame DLC 8,
// padded with `padding`; any padding accepted. Messages of 1..4095 bytes.

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "can/frame.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace isotp {

inline constexpr std::size_t k_max_message = 4095;

struct Config {
  std::uint32_t tx_id = 0;  // identifier of the frames this end sends
  std::uint32_t rx_id = 0;  // identifier of the frames this end accepts
  // Flow control this end sends as a receiver.
  std::uint8_t block_size = 0;  // 0: the sender may send everything without waiting
  std::uint8_t st_min = 0;      // raw STmin byte: 0x00-0x7F ms, 0xF1-0xF9 100-900 µs
  std::uint8_t padding = 0xCC;
  int max_wait = 10;  // FC WAITs accepted in a row; the next aborts (§12: ten, the eleventh aborts)
  util::Duration n_bs = std::chrono::milliseconds(1000);  // sender: FC after FF or a block
  util::Duration n_cr = std::chrono::milliseconds(1000);  // receiver: gap between CFs
};

// The time a raw STmin byte stands for; reserved values (0x80-0xF0, 0xFA-0xFF) mean 127 ms.
util::Duration st_min_duration(std::uint8_t raw);

// Why a message was abandoned (for counters and messages).
enum class Abort {
  timeout_bs,       // sender: no flow control within N_Bs
  timeout_cr,       // receiver: no consecutive frame within N_Cr
  wrong_sequence,   // receiver: a sequence-number gap
  overflow,         // sender: the peer answered FC OVERFLOW
  too_many_waits,   // sender: more FC WAITs in a row than max_wait
  superseded,       // receiver: a new SF/FF arrived mid-message
  invalid_fc,       // sender: a flow-control frame with an unknown flow status
};
std::string_view abort_name(Abort a);

struct Counters {
  int frames_sent = 0;
  int frames_received = 0;   // frames with rx_id, DLC >= 8
  int ignored = 0;           // short, stray or unexpected frames dropped
  int messages_sent = 0;
  int messages_received = 0;
  int aborts = 0;
  int overflows_sent = 0;    // FF announcing > 4095 bytes answered with FC OVERFLOW
};

class Engine {
public:
  explicit Engine(Config config);

  const Config& config() const { return m_config; }

  // Starts sending `message` (1..4095 bytes). Errc::usage when empty or too long, or while
  // another message is being sent.
  util::Result<void> send(std::span<const std::uint8_t> message, util::TimePoint now);

  // A frame from the bus. Frames whose id is not rx_id, remote or standard frames, and frames
  // with DLC < 8 are ignored (counted).
  void on_frame(const can::Frame& frame, util::TimePoint now);

  // Fires what is due at `now` (timeouts, STmin), then returns the next frame to put on the
  // bus now, if any. Call until it returns nullopt, then wait until wake_at() or a frame.
  std::optional<can::Frame> poll(util::TimePoint now);

  // When poll() next has something to do (STmin expiry, a timeout); nullopt: only a frame
  // from the bus (or send()) can change anything.
  std::optional<util::TimePoint> wake_at() const;

  // A message received complete, oldest first.
  std::optional<std::vector<std::uint8_t>> take_message();
  // The last abandoned transfer (either direction), once.
  std::optional<Abort> take_abort();

  bool sending() const;    // a message is being sent (not yet fully on the bus)
  bool receiving() const;  // a multi-frame message is being received
  // Forgets every transfer in progress (a restart).
  void reset();

  const Counters& counters() const { return m_counters; }

private:
  // Private state is up to the implementation.
  struct Tx;
  struct Rx;
  Config m_config;
  Counters m_counters;
  std::deque<can::Frame> m_out;                    // frames due now (FC before data)
  std::deque<std::vector<std::uint8_t>> m_inbox;   // complete messages
  std::optional<Abort> m_abort;
  // ... implementation-defined members follow
};

}  // namespace isotp
