#pragma once
// Foreign traffic on the bus (sim:load=40): what a rig's chargers, loads and inverters send,
// at a chosen share of the bus, so that the window of packs in flight and every timeout are
// tried on a busy bus. Frames no BMS and no tool takes: J1939-style 29-bit ids and 11-bit ids
// of battery-to-inverter protocols, 8 bytes each, at random intervals (fixed seed: repeatable).

#include <cstdint>
#include <random>

#include "can/node.hpp"

namespace sim {

class Traffic final : public can::Node {
public:
  // `load_pct` of the bus (1-90) at `bitrate` (the share is of its time; 250 kbit/s when 0).
  Traffic(int load_pct, std::uint32_t bitrate, std::uint32_t seed = 1);

  void on_frame(const can::Frame&) override {}
  int frames_sent() const { return m_sent; }

private:
  void on_started() override;
  void send_next();

  int m_load_pct;
  std::uint32_t m_bitrate;
  std::mt19937 m_random;
  int m_sent = 0;
};

}  // namespace sim
