#include "sim/traffic.hpp"

#include <array>

#include "can/wire.hpp"

namespace sim {
namespace {

struct Source {
  std::uint32_t id;
  bool extended;
};
// An engine controller and a charger (J1939), an inverter's battery protocol (11-bit).
constexpr std::array<Source, 5> k_sources{{{0x0CF00400U, true},
                                           {0x1CFF50E5U, true},
                                           {0x0C0AE5F4U, true},
                                           {0x351U, false},
                                           {0x355U, false}}};

}  // namespace

Traffic::Traffic(int load_pct, std::uint32_t bitrate, std::uint32_t seed)
    : m_load_pct(load_pct), m_bitrate(bitrate == 0 ? 250000 : bitrate), m_random(seed) {}

void Traffic::on_started() { send_next(); }

void Traffic::send_next() {
  const Source& s = k_sources[m_random() % k_sources.size()];
  can::Frame f;
  f.id = s.id;
  f.extended = s.extended;
  f.dlc = 8;
  for (auto& b : f.data) b = static_cast<std::uint8_t>(m_random());
  context().transmit(f, context().now());
  ++m_sent;
  // The next frame after the wire time of this one times 100 / load on average (0.5x-1.5x).
  const auto mean = can::wire_time(f, m_bitrate) * 100 / m_load_pct;
  std::uniform_int_distribution<long long> spread(mean.count() / 2, mean.count() * 3 / 2);
  context().call_at(context().now() + util::Duration(spread(m_random)), [this] { send_next(); });
}

}  // namespace sim
