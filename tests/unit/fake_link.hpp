#pragma once
// A scripted isotp::Link for tests of the UDS client and of what runs on it (event log upload,
// firmware update): a fake server that answers each request message with response messages,
// each after a delay in simulated time (util::ManualClock). No CAN frames, no ISO-TP: the
// layers above the link are tested alone, deterministically.
//
// Usage:
//
//   fakelink::FakeLink link;                       // owns its ManualClock
//   link.serve([](const fakelink::Bytes& req) -> fakelink::Replies {
//     if (req == fakelink::Bytes{0x22, 0xF1, 0x93}) return {fakelink::reply({0x62, 0xF1, 0x93, 0x03})};
//     return {fakelink::negative(req[0], 0x31)};
//   });
//   uds::Client uds(link);
//
// or, for a fixed conversation, a script checked in order:
//
//   link.expect({0x31, 0x01, 0xFF, 0x00, ...},  // an erase: two "response pending", then done
//               {fakelink::pending(0x31, 40ms), fakelink::pending(0x31, 4s),
//                fakelink::reply({0x71, 0x01, 0xFF, 0x00}, 8s)});
//   link.expect({0x22, 0xF1, 0xA0}, {});        // no reply at all: a lost frame
//
// A stateful server is a callable object passed by reference: link.serve(std::ref(server))
// (see LogServer in test_bms_event_log.cpp: an event log upload with faults to order).
//
// While scripted entries remain, each request must be the next one; once the script is used up,
// the serve() handler answers. A request that is not the scripted one (or comes with no script
// and no handler) is recorded in `unexpected` and gets no answer. Every request is recorded in
// `requests` (with the time it was sent) so a test can check what went on the wire and when.
//
// Timing: a reply's `after` counts from the end of the request (as P2 does, §12). Replies still
// queued when the next request comes stay queued: a late answer to an earlier request is
// delivered late, as on a real bus. receive() advances the clock to the next reply that is
// due by its deadline, or to the deadline.
//
// Faults: `send_errors` makes the next send()s fail with the errors given (one per send);
// `send_time` is how long send() takes (a multi-frame message on a real bus takes time).

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "isotp/link.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace fakelink {

using Bytes = std::vector<std::uint8_t>;

struct Reply {
  Bytes bytes;
  util::Duration after = std::chrono::milliseconds(10);  // from the end of the request
};
using Replies = std::vector<Reply>;

inline Reply reply(Bytes bytes, util::Duration after = std::chrono::milliseconds(10)) {
  return Reply{std::move(bytes), after};
}
// 7F SID NRC
inline Reply negative(std::uint8_t sid, std::uint8_t nrc,
                      util::Duration after = std::chrono::milliseconds(10)) {
  return Reply{Bytes{0x7F, sid, nrc}, after};
}
// 7F SID 78: response pending
inline Reply pending(std::uint8_t sid, util::Duration after = std::chrono::milliseconds(10)) {
  return negative(sid, 0x78, after);
}

class FakeLink final : public isotp::Link {
public:
  using Handler = std::function<Replies(const Bytes& request)>;

  struct Sent {
    Bytes bytes;
    util::TimePoint at;  // when its last frame went out
  };

  // The general server: called for every request no scripted entry takes.
  void serve(Handler handler) { m_handler = std::move(handler); }

  // The next request must be `request`; it is answered with `replies` (empty: no answer).
  void expect(Bytes request, Replies replies) {
    m_script.push_back(Expected{std::move(request), std::move(replies)});
  }
  // Scripted entries not yet used (a test checks it is 0 at the end).
  std::size_t script_left() const { return m_script.size(); }

  util::Result<void> send(std::span<const std::uint8_t> message, util::TimePoint deadline) override {
    last_send_deadline = deadline;
    if (!send_errors.empty()) {
      util::Error e = send_errors.front();
      send_errors.pop_front();
      return tl::unexpected(std::move(e));
    }
    m_clock.advance(send_time);
    Bytes request(message.begin(), message.end());
    requests.push_back(Sent{request, m_clock.now()});
    Replies replies;
    if (!m_script.empty() && m_script.front().request == request) {
      replies = std::move(m_script.front().replies);
      m_script.pop_front();
    } else if (!m_script.empty() || !m_handler) {
      unexpected.push_back(request);
    } else {
      replies = m_handler(request);
    }
    for (auto& r : replies) m_queue.push_back(Queued{m_clock.now() + r.after, std::move(r.bytes)});
    std::stable_sort(m_queue.begin(), m_queue.end(),
                     [](const Queued& a, const Queued& b) { return a.at < b.at; });
    return {};
  }

  util::Result<std::optional<std::vector<std::uint8_t>>> receive(util::TimePoint deadline) override {
    ++receive_calls;
    max_receive_ahead = std::max(max_receive_ahead, deadline - m_clock.now());
    if (!m_queue.empty() && m_queue.front().at <= deadline) {
      m_clock.sleep_until(m_queue.front().at);
      Bytes bytes = std::move(m_queue.front().bytes);
      m_queue.pop_front();
      return std::optional<std::vector<std::uint8_t>>(std::move(bytes));
    }
    m_clock.sleep_until(deadline);
    return std::optional<std::vector<std::uint8_t>>();
  }

  util::Clock& clock() override { return m_clock; }
  util::ManualClock& manual_clock() { return m_clock; }

  // Replies sent but not yet received.
  std::size_t queued() const { return m_queue.size(); }

  std::vector<Sent> requests;
  std::vector<Bytes> unexpected;     // requests nothing was scripted or served for
  std::deque<util::Error> send_errors;
  util::Duration send_time{0};
  util::TimePoint last_send_deadline{};
  int receive_calls = 0;
  util::Duration max_receive_ahead{0};  // the longest wait any receive() was asked for

private:
  struct Expected {
    Bytes request;
    Replies replies;
  };
  struct Queued {
    util::TimePoint at;
    Bytes bytes;
  };
  util::ManualClock m_clock;
  Handler m_handler;
  std::deque<Expected> m_script;
  std::deque<Queued> m_queue;
};

}  // namespace fakelink
