#pragma once
// ISO-TP over a can::Bus, blocking: the tool's side of the diagnostic channel. Waits sleep in
// Bus::receive (which runs the virtual hub in simulated time), never spin.

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

  util::Result<void> send(std::span<const std::uint8_t> message, util::TimePoint deadline) override;
  util::Result<std::optional<std::vector<std::uint8_t>>> receive(util::TimePoint deadline) override;
  util::Clock& clock() override { return m_bus.clock(); }

  // Asked between waits of at most 100 ms; true ends the call with Errc::cancelled.
  std::function<bool()> cancelled;
  // Every frame sent (true) and received (false) on the channel: the frame trace.
  std::function<void(const can::Frame&, bool sent)> observer;

  const Engine& engine() const { return m_engine; }

private:
  can::Bus& m_bus;
  Engine m_engine;
};

}  // namespace isotp
