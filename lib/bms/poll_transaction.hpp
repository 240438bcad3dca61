#pragma once
// One poll transaction with one BMS (rockets-can-v1 §3.2, §3.3, §12) as a state machine
// without I/O, in the shape of isotp::Engine: the frames of this BMS and the time go in;
// the frames to send, the next deadline and the result come out. bms::Dispatcher drives
// many at once over one can::Bus (one per BMS); bms::Client drives one.
//
// How to drive it:
//   - a frame from this BMS to our tool:  on_frame(frame, now)   (the caller routes by address)
//   - a bus fault:                         on_bus_error(error)
//   - then:  while (auto f = poll(now)) put *f on the bus;  wait for a frame or wake_at().
// poll() is the only source of frames and the only place deadlines fire.
//
// The rules it carries:
//   - the request once; the answer complete within timeout + 20 ms for every frame after the
//     first, else the request again, at most `retries` times, then "no answer" (a bus fault
//     seen meanwhile, and no frame from the BMS since, makes it a bus error);
//   - frames 1..N in any order; a frame number again with the same bytes is a duplicate, with
//     other bytes a conflict (two packs on one address: conflict() tells, judged only while a
//     single request is out, as a late answer to a repeat may carry newer values); numbers
//     outside 1..N and DLC < 8 are dropped as malformed;
//   - NAK: 0x03 (busy) counts as silence; 0x05 (no session) gets one CONNECT and the request
//     again, without using up a try; any other NAK ends it with Errc::refused (detail = reason);
//   - collect mode (discovery, duplicate checks): every answer frame until the window passes,
//     no repeats;
//   - cancel() ends it at once with the error given.
// After it is done it lingers: frames of the same command that still arrive are compared
// with the answer, so a second pack's late answer is still seen as a conflict.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bms/frame_map.hpp"
#include "bms/frame_slots.hpp"
#include "bms/protocol.hpp"
#include "bms/readings.hpp"
#include "can/frame.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace bms {

struct PollPolicy {
  util::Duration timeout = std::chrono::milliseconds(250);  // §3.2: base, +20 ms a frame after the first
  int retries = 2;
};

struct PollRequest {
  Command cmd = Command::connect;
  can::Frame frame;  // the encoded request
  int frames = 1;    // response frames (complete mode)
  // Collect mode: every answer frame of `cmd` for this long after the request; no repeats.
  std::optional<util::Duration> collect;
};

struct PollAnswer {
  // Complete mode: frames 1..N indexed by number - 1. Collect mode: every frame as it came.
  std::vector<can::Frame> frames;
  // The CONNECT answer of a reconnect after NAK 0x05 (the session had ended).
  std::optional<ConnectInfo> reconnected;
};

// What a transaction saw besides answers: for `-v` and for tests.
struct PollCounters {
  int requests = 0;    // frames sent, repeats and reconnects included
  int retries = 0;     // requests repeated after a timeout or BUSY
  int reconnects = 0;  // CONNECTs after NAK 0x05
  int malformed = 0;   // frames of ours dropped: DLC < 8, frame number out of range, bad data
  int duplicates = 0;  // frames of a multi-frame response received twice
  PollCounters& operator+=(const PollCounters& o) {
    requests += o.requests;
    retries += o.retries;
    reconnects += o.reconnects;
    malformed += o.malformed;
    duplicates += o.duplicates;
    return *this;
  }
};

class PollTransaction {
public:
  // `bms` may be k_broadcast for a collect-mode CONNECT (discovery): then every BMS's answer
  // is taken. `bus_name` names the interface in messages ("no answer from BMS 0x01 ... on can0").
  PollTransaction(const FrameMap& map, std::uint8_t bms, std::uint8_t tool, PollRequest request,
                  PollPolicy policy, std::string bus_name);

  // Fires the deadline when it has passed, then returns the frame to send now, if any: the
  // request, its repeat, or a CONNECT to reopen the session.
  std::optional<can::Frame> poll(util::TimePoint now);
  // When poll() next has something to do; nullopt once done. A time already passed: now.
  std::optional<util::TimePoint> wake_at() const;

  void on_frame(const can::Frame& frame, util::TimePoint now);
  void on_bus_error(const can::BusError& error);
  // Ends it with `error` (Ctrl-C, the interface gone, two packs on the address).
  void cancel(util::Error error);

  bool done() const { return m_state == State::done; }
  // Only once done. Taken once.
  util::Result<PollAnswer> take_result();
  // Two different answers to one request were seen (before or after done).
  bool conflict() const { return m_conflict; }
  Command command() const { return m_request.cmd; }
  std::uint8_t bms() const { return m_bms; }
  const PollCounters& counters() const { return m_counters; }

private:
  enum class State { ready, waiting, done };
  enum class Phase { request, reconnect };

  void finish(util::Result<PollAnswer> result);
  void on_deadline(util::TimePoint now);
  void on_nak(const can::Frame& f);
  void on_answer(const can::Frame& f, std::uint8_t src);
  void linger(const can::Frame& f);
  util::Error no_answer(Command cmd) const;
  int tries() const { return m_policy.retries + 1; }

  const FrameMap& m_map;
  std::uint8_t m_bms;
  std::uint8_t m_tool;
  PollRequest m_request;
  PollPolicy m_policy;
  std::string m_bus_name;

  State m_state = State::ready;
  Phase m_phase = Phase::request;
  util::TimePoint m_deadline{};
  int m_attempts = 0;            // requests of `cmd` sent that count as tries
  int m_connect_attempts = 0;    // CONNECTs of the reconnect
  bool m_reconnected = false;
  bool m_conflict = false;
  bool m_answered = false;       // done with an answer (lingering compares with it)
  std::optional<can::BusError> m_bus_error;  // seen while waiting, no frame from the BMS since
  FrameSlots m_slots;
  std::vector<can::Frame> m_collected;
  std::optional<ConnectInfo> m_reconnect_info;
  std::optional<util::Result<PollAnswer>> m_result;
  PollCounters m_counters;
};

}  // namespace bms
