#pragma once
// ISO-TP over a can::Bus, blocking: the tool's side of the diagnostic channel. Waits sleep in
// Bus::receive (which runs the virtual hub in simulated time), never spin: a wait for STmin is
// a receive() with the STmin deadline, and a frame that comes meanwhile goes to the engine.
//
// Errors (Link lists the kinds):
//   send:    Errc::no_answer "no flow control within 1000 ms" (N_Bs); Errc::refused for FC
//            OVERFLOW and for more than max_wait WAITs in a row; Errc::malformed for a flow
//            control with an unknown flow status.
//   receive: Errc::no_answer when a message breaks off (no consecutive frame within N_Cr);
//            Errc::malformed when a consecutive frame carries the wrong sequence number. The
//            message is dropped either way; a later receive() waits for a new one.
//   both:    Errc::bus_error naming the fault when the bus reports one (can::BusError) during
//            the call; the bus's own errors (interface_error) as they are; Errc::cancelled
//            when `cancelled` says so. A send that fails is abandoned (no further frames).

#include <functional>

#include "can/bus.hpp"
#include "isotp/engine.hpp"
#include "isotp/link.hpp"

namespace isotp {

// 0x18DA_TA_SA (§6): the identifier of frames from `source` to `target`.
constexpr std::uint32_t diag_id(std::uint8_t target, std::uint8_t source) {
  return 0x18DA0000U | std::uint32_t{target} << 8 | source;
}

class Channel final : public Link {
public:
  // The bus must deliver frames with config.rx_id (its filters are the caller's business).
  Channel(can::Bus& bus, Config config);

  // `deadline` bounds the wait for the bus to take each frame (a full transmit queue), but
  // never to less than 1000 ms (N_As); the ISO-TP timers govern the rest.
  util::Result<void> send(std::span<const std::uint8_t> message, util::TimePoint deadline) override;
  util::Result<std::optional<std::vector<std::uint8_t>>> receive(util::TimePoint deadline) override;
  util::Clock& clock() override { return m_bus.clock(); }
  std::optional<std::string> bus_fault() const override;

  // Asked between waits of at most 100 ms; true ends the call with Errc::cancelled.
  std::function<bool()> cancelled;
  // Every frame sent (true) and received (false) on the channel: the frame trace. Received
  // means frames with the channel's rx_id; others on the bus are not shown.
  std::function<void(const can::Frame&, bool sent)> observer;

  const Engine& engine() const { return m_engine; }

private:
  // Puts every frame the engine has due on the bus.
  util::Result<void> flush(util::TimePoint deadline);
  // Waits until `until` (at most 100 ms when `cancelled` is set) for one event from the bus
  // and hands a frame to the engine.
  util::Result<void> wait(util::TimePoint until);
  // The peer fell silent: Errc::no_answer, or Errc::bus_error naming the bus fault seen.
  util::Error silence(std::string what) const;

  can::Bus& m_bus;
  Engine m_engine;
  // The last bus fault reported since the peer's last frame: one error frame is no reason to
  // give up a transfer (the controller retransmits), but it names the cause of a silence.
  std::optional<can::BusError> m_bus_fault;
};

}  // namespace isotp
