// isotp::Channel: the engine driven over a can::Bus, with blocking calls for the UDS client.

#include "isotp/channel.hpp"

#include <algorithm>
#include <chrono>
#include <variant>

#include <fmt/format.h>

namespace isotp {
namespace {

constexpr util::Duration k_cancel_slice = std::chrono::milliseconds(100);
// N_As: the longest a frame may wait for the bus to take it.
constexpr util::Duration k_n_as = std::chrono::milliseconds(1000);

long long ms(util::Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

Channel::Channel(can::Bus& bus, Config config) : m_bus(bus), m_engine(config) {}

std::optional<std::string> Channel::bus_fault() const {
  if (!m_bus_fault) return std::nullopt;
  return fmt::format("{} (on {})", can::describe(*m_bus_fault), m_bus.name());
}

util::Error Channel::silence(std::string what) const {
  if (auto fault = bus_fault()) return util::Error{util::Errc::bus_error, what + ": " + *fault};
  return util::Error{util::Errc::no_answer, std::move(what)};
}

util::Result<void> Channel::flush(util::TimePoint deadline) {
  util::Clock& clock = m_bus.clock();
  while (auto frame = m_engine.poll(clock.now())) {
    auto sent = m_bus.send(*frame, std::max(deadline, clock.now() + k_n_as));
    if (!sent) return tl::unexpected(sent.error());
    if (observer) observer(*frame, true);
  }
  return {};
}

util::Result<void> Channel::wait(util::TimePoint until) {
  util::Clock& clock = m_bus.clock();
  if (cancelled && cancelled()) return util::fail(util::Errc::cancelled, "interrupted");
  const util::TimePoint wake = cancelled ? std::min(until, clock.now() + k_cancel_slice) : until;
  auto event = m_bus.receive(wake);
  if (!event) return tl::unexpected(event.error());
  if (!*event) return {};
  if (const auto* error = std::get_if<can::BusError>(&**event)) {
    // Found by tests/fault: a single error frame used to end the transfer with exit 6 although
    // the controller retransmits and the exchange goes on. It now only names the cause when
    // the peer then stays silent (the timeouts below, and uds::Client's "no answer").
    m_bus_fault = *error;
    return {};
  }
  const auto& frame = std::get<can::Frame>(**event);
  if (frame.extended && frame.id == m_engine.config().rx_id) {
    m_bus_fault.reset();  // the peer got through: the bus works
    if (observer) observer(frame, false);
  }
  m_engine.on_frame(frame, clock.now());
  return {};
}

util::Result<void> Channel::send(std::span<const std::uint8_t> message, util::TimePoint deadline) {
  util::Clock& clock = m_bus.clock();
  if (auto started = m_engine.send(message, clock.now()); !started) return started;
  const Config& config = m_engine.config();
  for (;;) {
    auto step = flush(deadline);
    while (auto abort = m_engine.take_abort()) {
      if (!is_send_abort(*abort)) continue;  // a reception that broke off: not this call's
      switch (*abort) {
        case Abort::timeout_bs:
          return tl::unexpected(silence(fmt::format("no flow control within {} ms", ms(config.n_bs))));
        case Abort::overflow:
          return util::fail(util::Errc::refused,
                            fmt::format("the receiver refused a message of {} bytes (flow "
                                        "control OVERFLOW): send a shorter one",
                                        message.size()));
        case Abort::too_many_waits:
          return util::fail(util::Errc::refused,
                            fmt::format("the receiver asked to wait more than {} times in a "
                                        "row (flow control WAIT): try again later",
                                        config.max_wait));
        default:
          return util::fail(util::Errc::malformed,
                            "a flow control frame with an unknown flow status ended the message");
      }
    }
    if (step && !m_engine.sending()) return {};
    if (step) step = wait(m_engine.wake_at().value_or(clock.now() + config.n_bs));
    if (!step) {
      m_engine.abandon_send();
      return step;
    }
  }
}

util::Result<std::optional<std::vector<std::uint8_t>>> Channel::receive(util::TimePoint deadline) {
  using Message = std::optional<std::vector<std::uint8_t>>;
  util::Clock& clock = m_bus.clock();
  const Config& config = m_engine.config();
  for (;;) {
    if (auto step = flush(deadline); !step) return tl::unexpected(step.error());
    while (auto abort = m_engine.take_abort()) {
      if (*abort == Abort::timeout_cr)
        return tl::unexpected(silence(
            fmt::format("an ISO-TP message broke off: no consecutive frame within {} ms", ms(config.n_cr))));
      if (*abort == Abort::wrong_sequence)
        return util::fail(util::Errc::malformed,
                          "an ISO-TP message was dropped: a consecutive frame carried the wrong "
                          "sequence number");
      // superseded: the new message is under way; sender aborts belong to send()
    }
    if (auto message = m_engine.take_message()) return Message{std::move(*message)};
    // A message under way is completed whatever the deadline (its N_Cr rules instead).
    const bool under_way = m_engine.receiving();
    if (!under_way && clock.now() >= deadline) {
      // Nothing came; a bus fault seen meanwhile is why (the caller may still retry).
      if (m_bus_fault) return tl::unexpected(silence("no message"));
      return Message{};
    }
    const util::TimePoint until =
        under_way ? m_engine.wake_at().value_or(clock.now() + config.n_cr) : deadline;
    if (auto step = wait(until); !step) return tl::unexpected(step.error());
  }
}

}  // namespace isotp
