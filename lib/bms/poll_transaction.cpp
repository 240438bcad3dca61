#include "bms/poll_transaction.hpp"

#include <fmt/format.h>

#include "bms/messages.hpp"

namespace bms {
namespace {

constexpr util::Duration k_frame_allowance = std::chrono::milliseconds(20);  // §3.2 rule 4

}  // namespace

PollTransaction::PollTransaction(const FrameMap& map, std::uint8_t bms, std::uint8_t tool,
                                 PollRequest request, PollPolicy policy, std::string bus_name)
    : m_map(map),
      m_bms(bms),
      m_tool(tool),
      m_request(std::move(request)),
      m_policy(policy),
      m_bus_name(std::move(bus_name)),
      m_slots(m_request.frames) {}

util::Error PollTransaction::no_answer(Command cmd) const {
  if (m_bms == k_broadcast) {
    std::string what = fmt::format("no BMS answered a broadcast CONNECT on {}", m_bus_name);
    if (!m_bus_error) return util::Error{util::Errc::no_answer, std::move(what)};
    return util::Error{util::Errc::bus_error, fmt::format("{}: {}", what, can::describe(*m_bus_error))};
  }
  const int n = m_request.collect ? 1 : tries();
  if (m_bus_error)
    return util::Error{util::Errc::bus_error,
                       fmt::format("no answer from BMS 0x{:02X} to {} on {}: {}", m_bms,
                                   command_name(static_cast<std::uint8_t>(cmd)), m_bus_name,
                                   can::describe(*m_bus_error))};
  return util::Error{util::Errc::no_answer,
                     fmt::format("no answer from BMS 0x{:02X} to {} on {} after {} {}", m_bms,
                                 command_name(static_cast<std::uint8_t>(cmd)), m_bus_name, n,
                                 n == 1 ? "try" : "tries")};
}

void PollTransaction::finish(util::Result<PollAnswer> result) {
  m_state = State::done;
  m_answered = result.has_value();
  m_result = std::move(result);
}

void PollTransaction::cancel(util::Error error) {
  if (m_state != State::done) finish(tl::unexpected(std::move(error)));
}

util::Result<PollAnswer> PollTransaction::take_result() {
  util::Result<PollAnswer> r = std::move(*m_result);
  m_result = util::Result<PollAnswer>(tl::unexpected(util::Error{util::Errc::internal, "result taken twice"}));
  return r;
}

std::optional<util::TimePoint> PollTransaction::wake_at() const {
  switch (m_state) {
    case State::ready: return util::TimePoint::min();
    case State::waiting: return m_deadline;
    case State::done: break;
  }
  return std::nullopt;
}

void PollTransaction::on_deadline(util::TimePoint now) {
  (void)now;
  if (m_request.collect) {
    if (m_collected.empty() && m_bus_error) return finish(tl::unexpected(no_answer(m_request.cmd)));
    return finish(PollAnswer{std::move(m_collected), m_reconnect_info});
  }
  if (m_phase == Phase::reconnect) {
    if (m_connect_attempts < tries()) {
      ++m_counters.retries;
      m_state = State::ready;
      return;
    }
    return finish(tl::unexpected(no_answer(Command::connect)));
  }
  if (m_attempts < tries()) {
    ++m_counters.retries;
    m_state = State::ready;
    return;
  }
  finish(tl::unexpected(no_answer(m_request.cmd)));
}

std::optional<can::Frame> PollTransaction::poll(util::TimePoint now) {
  if (m_state == State::waiting && now >= m_deadline) on_deadline(now);
  if (m_state != State::ready) return std::nullopt;
  m_state = State::waiting;
  ++m_counters.requests;
  if (m_phase == Phase::reconnect) {
    ++m_connect_attempts;
    m_deadline = now + m_policy.timeout;
    auto connect = encode_request(m_map, Command::connect, {m_bms, m_tool});
    if (!connect) {
      finish(tl::unexpected(connect.error()));
      return std::nullopt;
    }
    return *connect;
  }
  ++m_attempts;
  m_deadline = m_request.collect ? now + *m_request.collect
                                 : now + m_policy.timeout + k_frame_allowance * (m_request.frames - 1);
  return m_request.frame;
}

void PollTransaction::on_bus_error(const can::BusError& error) {
  if (m_state != State::done) m_bus_error = error;  // a fault just before the request counts too
}

void PollTransaction::on_frame(const can::Frame& f, util::TimePoint now) {
  (void)now;
  if (!f.extended || f.remote) return;
  auto id = parse_poll_id(f.id);
  if (!id || id->dst != m_tool || !is_bms_address(id->src)) return;
  if (m_bms != k_broadcast && id->src != m_bms) return;
  if (m_state == State::done) return linger(f);
  if (m_state != State::waiting) return;
  const auto nak = static_cast<std::uint8_t>(Command::nak);
  const auto expected = static_cast<std::uint8_t>(m_phase == Phase::reconnect ? Command::connect : m_request.cmd);
  if (id->cmd != expected && id->cmd != nak) return;
  m_bus_error.reset();  // the bus works: the BMS answered
  if (f.size() < 8) {
    ++m_counters.malformed;
    return;
  }
  if (id->cmd == nak) return on_nak(f);
  on_answer(f, id->src);
}

void PollTransaction::on_nak(const can::Frame& f) {
  auto nak = decode_nak(m_map, f);
  const auto expected = static_cast<std::uint8_t>(m_phase == Phase::reconnect ? Command::connect : m_request.cmd);
  if (!nak || nak->command != expected) return;
  if (nak->reason == static_cast<std::uint8_t>(NakReason::busy)) return;  // §12: like silence
  if (nak->reason == static_cast<std::uint8_t>(NakReason::no_session) && m_phase == Phase::request &&
      m_request.cmd != Command::connect && !m_reconnected) {
    m_reconnected = true;
    ++m_counters.reconnects;
    --m_attempts;  // the refused request does not use up a try
    m_phase = Phase::reconnect;
    m_connect_attempts = 0;
    m_state = State::ready;
    return;
  }
  finish(util::fail(util::Errc::refused,
                    fmt::format("BMS 0x{:02X} refused {}: {} (NAK 0x{:02X})", m_bms,
                                command_name(nak->command), nak_reason_name(nak->reason),
                                nak->reason),
                    nak->reason));
}

void PollTransaction::on_answer(const can::Frame& f, std::uint8_t src) {
  (void)src;
  if (m_phase == Phase::reconnect) {
    auto info = decode_connect(m_map, f);
    if (!info) {
      ++m_counters.malformed;
      return;
    }
    m_reconnect_info = *info;
    m_phase = Phase::request;
    m_state = State::ready;
    return;
  }
  if (m_request.collect) {
    m_collected.push_back(f);
    return;
  }
  int number = 1;
  if (is_numbered(m_request.cmd)) {
    auto n = frame_number(m_map, m_request.cmd, f);
    if (!n) {
      ++m_counters.malformed;
      return;
    }
    number = *n;
  }
  switch (m_slots.offer(number, f)) {
    case FrameSlots::Offer::taken: break;
    case FrameSlots::Offer::duplicate: ++m_counters.duplicates; return;
    case FrameSlots::Offer::conflict:
      ++m_counters.duplicates;
      if (m_attempts == 1 && !m_reconnected) m_conflict = true;
      return;
    case FrameSlots::Offer::out_of_range: ++m_counters.malformed; return;
  }
  if (m_slots.complete()) finish(PollAnswer{m_slots.frames(), m_reconnect_info});
}

void PollTransaction::linger(const can::Frame& f) {
  // Only an answer to a lone request tells two packs apart: after a repeat, a late answer to
  // the first request may carry other (newer) values from the same pack.
  if (!m_answered || m_request.collect || m_attempts != 1 || m_reconnected || f.size() < 8) return;
  auto id = parse_poll_id(f.id);
  if (!id || id->cmd != static_cast<std::uint8_t>(m_request.cmd)) return;
  int number = 1;
  if (is_numbered(m_request.cmd)) {
    auto n = frame_number(m_map, m_request.cmd, f);
    if (!n) return;
    number = *n;
  }
  if (m_slots.offer(number, f) == FrameSlots::Offer::conflict) m_conflict = true;
}

}  // namespace bms
