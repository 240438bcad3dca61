#pragma once
// A test bench where packs are plugged in one after another (for `settime --auto`): one
// node on the bus that owns the batteries and passes frames to the one plugged in.
//
// Timing, from the moment the bench is put on the bus (t0), with swap S and gap G:
//   pack k (0-based) is plugged in at t0 + k*(S+G) and pulled out S later;
//   between two packs nothing answers for G; after the last pack the bus stays silent,
//   or, with loop, pack 0 comes back after G (its clock kept running meanwhile).
// A pack being plugged in starts with every poll session closed. Its clock runs from t0,
// plugged in or not; a frame it was sending when pulled out is still sent.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "sim/battery.hpp"

namespace sim {

struct BenchTiming {
  util::Duration swap = std::chrono::seconds(3);         // how long each pack is present
  util::Duration gap = std::chrono::milliseconds(1500);  // silence between packs
  bool loop = false;
};

class Bench final : public can::Node {
 public:
  Bench(std::vector<BatteryConfig> packs, const bms::FrameMap& map, BenchTiming timing);

  void on_frame(const can::Frame& frame) override;

  // The pack plugged in now (0-based), none during a gap and after the last pack.
  std::optional<std::size_t> present() const { return m_present; }
  // When pack `index` is first plugged in (after the bench is on the bus).
  util::TimePoint plug_time(std::size_t index) const;

  std::vector<Battery*> batteries() const;
  const BenchTiming& timing() const { return m_timing; }

  // Called after pack `index` is plugged in (true) or pulled out (false).
  std::function<void(std::size_t index, bool plugged)> on_change;

 private:
  void on_started() override;
  void plug(std::size_t index, util::TimePoint at);

  std::vector<std::unique_ptr<Battery>> m_packs;
  BenchTiming m_timing;
  util::TimePoint m_start{};
  std::optional<std::size_t> m_present;
};

}  // namespace sim
