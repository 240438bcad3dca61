#pragma once
// ISO 15765-2 (ISO-TP) as a state machine without I/O (rockets-can-v1 §6, §12 "ISO-TP"):
// frames and the time go in, frames to send and finished messages come out. The tool drives
// it over a can::Bus (isotp::Channel); the simulated battery drives it from its node callbacks.
// One implementation for both ends, so the two cannot drift apart.
//
// Normal fixed addressing on 29-bit identifiers: one identifier each way, every frame DLC 8,
// padded with `padding`; any padding accepted. Messages of 1..4095 bytes.
//
// How to drive it (both ends do exactly this):
//   - a frame arrives:         on_frame(frame, now)
//   - then, and after send():  while (auto f = poll(now)) put *f on the bus at `now`
//   - then wait for the next frame, or until wake_at() if it has a value, and poll again.
// poll() is the only source of frames and the only place timers fire; on_frame() never emits
// a frame itself (it queues flow control for the next poll()).
//
// Sending. send() queues the message; the next poll() yields its single frame (1..7 bytes,
// done) or its first frame (8..4095 bytes). After a first frame poll() yields nothing until a
// flow control arrives:
//   CTS (30 BS ST): poll() yields consecutive frames, sequence numbers 1, 2 .. 15, 0, 1 ..;
//     between two consecutive frames at least STmin passes (poll() returns nullopt until it
//     has, wake_at() says when): STmin + config.frame_time after the previous CF was handed
//     out, when STmin is not 0. The gap holds across flow controls too (the first CF after a
//     CTS waits for STmin since the last CF of the previous block, using the new CTS's STmin).
//     The first CF after the FF goes as soon as the CTS is in. With BS > 0, after BS frames it
//     waits for the next FC.
//   WAIT (31): N_Bs starts again; max_wait WAITs in a row are accepted, the next aborts
//     (Abort::too_many_waits). A CTS ends the row.
//   OVERFLOW (32): aborts (Abort::overflow). Another flow status: Abort::invalid_fc.
//   No FC within n_bs of the FF or of the last CF of a block: Abort::timeout_bs (fired by the
//   first poll() at or after the deadline).
// A flow control while none is awaited is stray: ignored (counted).
//
// Receiving. A single frame (length 1..7) is a message at once. A first frame announcing
// 8..4095 bytes starts a reception and queues a flow control CTS with config.block_size and
// config.st_min; with block_size > 0 another CTS is queued after every block_size consecutive
// frames. A consecutive frame must carry the next sequence number (a gap: Abort::wrong_sequence)
// and come within n_cr of the previous frame of the message (else Abort::timeout_cr, fired by
// poll()). A single or first frame during a reception abandons it (Abort::superseded) and is
// taken as the new message. A first frame in the escape form announcing more than 4095 bytes
// is answered with FC OVERFLOW (32 00 00); a first frame announcing fewer than 8 bytes, a single
// frame with length 0 or > 7, and a consecutive frame with no reception going are ignored.
// Sending and receiving are independent (full duplex): one message each way at a time.

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string_view>
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
  // STmin runs from the end of a consecutive frame (ISO 15765-2), but the engine only knows
  // when poll() handed the frame out: a non-zero STmin is counted from then plus this, the
  // longest a frame takes on the wire (160 bits at 250 kbit/s, rockets-can-v1 §1).
  util::Duration frame_time = std::chrono::microseconds(640);
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
// True for the aborts that end a send (timeout_bs, overflow, too_many_waits, invalid_fc).
bool is_send_abort(Abort a);

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
  // with DLC < 8 are ignored (counted). DLC codes 9..15 count as 8.
  void on_frame(const can::Frame& frame, util::TimePoint now);

  // Fires what is due at `now` (timeouts, STmin), then returns the next frame to put on the
  // bus now, if any. Call until it returns nullopt, then wait until wake_at() or a frame.
  // Flow controls come before data frames.
  std::optional<can::Frame> poll(util::TimePoint now);

  // When poll() next has something to do (STmin expiry, a timeout); nullopt: only a frame
  // from the bus (or send()) can change anything. A time already passed means "poll now".
  std::optional<util::TimePoint> wake_at() const;

  // A message received complete, oldest first.
  std::optional<std::vector<std::uint8_t>> take_message();
  // Abandoned transfers (either direction), oldest first, each once.
  std::optional<Abort> take_abort();

  bool sending() const;    // a message is being sent (not yet fully on the bus)
  bool receiving() const;  // a multi-frame message is being received
  // Drops the message being sent, without a frame (the caller gave up: a bus fault, Ctrl-C).
  void abandon_send();
  // Forgets every transfer in progress, queued frames, complete messages and aborts (a
  // restart). Counters stay.
  void reset();

  const Counters& counters() const { return m_counters; }

private:
  struct Tx {
    enum class State { idle, first, wait_fc, send_cf } state = State::idle;
    std::vector<std::uint8_t> data;
    std::size_t offset = 0;       // bytes handed out so far
    std::uint8_t sequence = 1;    // of the next CF
    int block_size = 0;           // from the last CTS; 0: no limit
    int block_sent = 0;           // CFs since the last CTS
    util::Duration gap{};         // from the last CTS: STmin (+ frame_time when not 0)
    util::TimePoint fc_deadline{};
    int waits = 0;                // WAITs in a row
    std::optional<util::TimePoint> last_cf;  // when the previous CF of this message went
  };
  struct Rx {
    bool active = false;
    std::vector<std::uint8_t> data;
    std::size_t expected = 0;
    std::uint8_t sequence = 1;  // expected in the next CF
    int block_received = 0;     // CFs since the last CTS we sent
    util::TimePoint cr_deadline{};
  };

  can::Frame frame(std::span<const std::uint8_t> bytes) const;  // tx_id, DLC 8, padded
  void queue_flow_control(std::uint8_t status);
  void abort(Abort a);
  void on_single(const can::Frame& f);
  void on_first(const can::Frame& f, util::TimePoint now);
  void on_consecutive(const can::Frame& f, util::TimePoint now);
  void on_flow_control(const can::Frame& f, util::TimePoint now);
  std::optional<can::Frame> next_data_frame(util::TimePoint now);

  Config m_config;
  Counters m_counters;
  std::deque<can::Frame> m_out;                    // frames due now (FC before data)
  std::deque<std::vector<std::uint8_t>> m_inbox;   // complete messages
  std::deque<Abort> m_aborts;
  Tx m_tx;
  Rx m_rx;
  util::TimePoint m_now{};  // the latest time given to any call
};

}  // namespace isotp
