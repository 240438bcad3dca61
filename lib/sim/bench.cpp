#include "sim/bench.hpp"

namespace sim {

Bench::Bench(std::vector<BatteryConfig> packs, const bms::FrameMap& map, BenchTiming timing)
    : m_timing(timing) {
  for (BatteryConfig& c : packs) m_packs.push_back(std::make_unique<Battery>(std::move(c), map));
}

std::vector<Battery*> Bench::batteries() const {
  std::vector<Battery*> out;
  for (const auto& p : m_packs) out.push_back(p.get());
  return out;
}

util::TimePoint Bench::plug_time(std::size_t index) const {
  return m_start + static_cast<long>(index) * (m_timing.swap + m_timing.gap);
}

void Bench::on_started() {
  m_start = context().now();
  // Every pack shares the bench's context: its clock runs and its frames go out from here.
  for (auto& p : m_packs) p->bind(context());
  if (!m_packs.empty()) plug(0, m_start);
}

// Plugs pack `index` in now (its time is `at`) and schedules what follows from `at`, not from
// the moment the timer ran, so a late timer on a real interface does not shift the bench.
void Bench::plug(std::size_t index, util::TimePoint at) {
  m_present = index;
  m_packs[index]->end_sessions();
  if (on_change) on_change(index, true);
  const util::TimePoint out = at + m_timing.swap;
  context().call_at(out, [this, index, out] {
    m_present.reset();
    if (on_change) on_change(index, false);
    std::size_t next = index + 1;
    if (next == m_packs.size()) {
      if (!m_timing.loop) return;
      next = 0;
    }
    const util::TimePoint in = out + m_timing.gap;
    context().call_at(in, [this, next, in] { plug(next, in); });
  });
}

void Bench::on_frame(const can::Frame& frame) {
  if (m_present) m_packs[*m_present]->on_frame(frame);
}

}  // namespace sim
