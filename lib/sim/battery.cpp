#include "sim/battery.hpp"

#include <algorithm>
#include <cstdlib>
#include <numeric>

#include "bms/messages.hpp"
#include "bms/protocol.hpp"

namespace sim {
namespace {

using bms::Command;
using bms::NakReason;

constexpr util::Duration k_session_length = std::chrono::seconds(10);  // §3.3
constexpr std::int64_t k_sleep_current_limit_ma = 500;                 // §4 0x21

bool is_served(std::uint8_t cmd) {
  switch (static_cast<Command>(cmd)) {
    case Command::connect:
    case Command::identity:
    case Command::pack:
    case Command::capacity:
    case Command::temp_summary:
    case Command::cell_summary:
    case Command::cell_voltages:
    case Command::temperatures:
    case Command::status:
    case Command::cycles:
    case Command::clock:
    case Command::shell_resistance:
    case Command::set_clock:
    case Command::sleep:
      return true;
    case Command::nak:
      break;
  }
  return false;
}

// The sensor with the highest (or lowest) reading; ties name the lowest number (§12).
int extreme_index(const std::vector<int>& v, bool highest) {
  auto it = highest ? std::max_element(v.begin(), v.end()) : std::min_element(v.begin(), v.end());
  return static_cast<int>(it - v.begin());
}

// In the bootloader the poll protocol serves only CONNECT and IDENTITY (§4 0x01).
bool is_served_in_bootloader(std::uint8_t cmd) {
  return cmd == static_cast<std::uint8_t>(Command::connect) || cmd == static_cast<std::uint8_t>(Command::identity);
}

constexpr std::uint32_t k_diag_mask = 0x1FFF0000U;  // 0x18DA_TA_SA: the diagnostic channel (§6)
constexpr std::uint32_t k_diag_ids = 0x18DA0000U;

}  // namespace

Battery::Battery(BatteryConfig config, const bms::FrameMap& map)
    : m_config(std::move(config)), m_diag(m_config), m_map(map) {}

void Battery::log(bms::EventCode code) {
  m_diag.log_event(static_cast<std::uint8_t>(code));
}

void Battery::on_started() {
  if (m_started) {  // plugged in again: the clock kept running, sessions are gone
    end_sessions();
  } else {
    m_started = true;
    const bms::Calendar start = m_config.clock_now ? bms::local_now() : m_config.clock;
    // Kept within the years the BMS can show (2000-2255).
    const std::int64_t last = bms::to_seconds(bms::Calendar{2255, 12, 31, 23, 59, 59});
    const std::int64_t at = bms::to_seconds(start) + m_config.drift_s;
    set_clock(bms::from_seconds(std::clamp<std::int64_t>(at, 0, last)));
  }
  // A restart of the BMS (10 02, ECUReset, a power cut) ends every poll session and standby.
  m_diag.bind(
      context(),
      [this] { return static_cast<std::uint32_t>(bms::to_seconds(clock_now())); },
      [this] {
        end_sessions();
        m_config.standby = false;
      });
}

bms::Calendar Battery::clock_now() const {
  auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(context().now() - m_clock_set_at);
  return bms::from_seconds(m_clock_base + elapsed.count());
}

void Battery::set_clock(const bms::Calendar& time) {
  m_clock_base = bms::to_seconds(time);
  m_clock_set_at = context().now();
}

bool Battery::wake() {
  const bool was = m_config.standby;
  m_config.standby = false;
  if (was) log(bms::EventCode::woke);
  return was;
}

bool Battery::session_open(std::uint8_t tool) const {
  auto it = m_sessions.find(tool);
  return it != m_sessions.end() && context().now() - it->second < k_session_length;
}

void Battery::answer(const std::vector<can::Frame>& frames) {
  util::TimePoint at = context().now() + m_config.first_frame_delay;
  for (const can::Frame& f : frames) {
    context().transmit(f, at);
    at += m_config.frame_gap;
  }
}

void Battery::nak(std::uint8_t cmd, NakReason reason, std::uint8_t tool) {
  ++m_stats.naks;
  auto f = bms::encode_nak(m_map, {cmd, static_cast<std::uint8_t>(reason)}, {tool, m_config.address});
  if (f) answer({*f});
}

void Battery::on_frame(const can::Frame& frame) {
  // §12: only 29-bit frames with top bits 0x18, from tool addresses, to us (or CONNECT to 0xFF)
  if (!frame.extended || frame.remote) return;
  if ((frame.id & k_diag_mask) == k_diag_ids) {  // never a poll command (§12)
    const auto dst = static_cast<std::uint8_t>(frame.id >> 8);
    const auto src = static_cast<std::uint8_t>(frame.id);
    if (dst == m_config.address && bms::is_tool_address(src) && !m_config.standby) m_diag.on_frame(frame);
    return;
  }
  auto id = bms::parse_poll_id(frame.id);
  if (!id || !bms::is_tool_address(id->src)) return;
  const bool broadcast = id->dst == bms::k_broadcast;
  if (id->dst != m_config.address && !(broadcast && id->cmd == static_cast<std::uint8_t>(Command::connect)))
    return;
  if (frame.size() < 8) {
    ++m_stats.malformed;
    return;
  }
  ++m_stats.requests;
  if (m_config.standby) {
    ++m_stats.ignored_in_standby;
    return;
  }
  if (m_diag.restarting()) return;  // a restarting BMS answers nothing
  serve(frame, id->cmd, id->src);
}

void Battery::serve(const can::Frame& frame, std::uint8_t cmd, std::uint8_t tool) {
  const bms::Addresses to_tool{tool, m_config.address};
  // NAK precedence (§12): unknown command, no session, invalid parameter, conditions not met.
  const bool bootloader = m_diag.mode() == bms::Mode::bootloader;
  if (!is_served(cmd) || (bootloader && !is_served_in_bootloader(cmd))) {
    if (session_open(tool)) m_sessions[tool] = context().now();
    return nak(cmd, NakReason::unknown_command, tool);
  }
  const auto command = static_cast<Command>(cmd);
  if (command == Command::connect) {
    m_sessions[tool] = context().now();
    bms::ConnectInfo info;
    info.cell_count = static_cast<int>(m_config.cell_mv.size());
    info.sensor_count = static_cast<int>(m_config.sensor_dc.size());
    info.hardware_revision = m_config.hardware_revision;
    info.firmware = m_diag.firmware();
    info.mode = m_diag.mode();
    if (auto f = bms::encode_connect(m_map, info, to_tool)) answer({*f});
    return;
  }
  if (!session_open(tool)) return nak(cmd, NakReason::no_session, tool);
  m_sessions[tool] = context().now();

  const auto& c = m_config;
  util::Result<can::Frame> one = util::fail(util::Errc::usage, "");
  util::Result<std::vector<can::Frame>> many = util::fail(util::Errc::usage, "");
  switch (command) {
    case Command::identity:
      many = bms::encode_identity(m_map, c.serial, to_tool);
      break;
    case Command::pack: {
      std::int64_t sum = std::accumulate(c.cell_mv.begin(), c.cell_mv.end(), std::int64_t{0});
      one = bms::encode_pack(m_map, {sum, c.current_ma}, to_tool);
      break;
    }
    case Command::capacity:
      one = bms::encode_capacity(m_map, {c.rsoc_pct, c.remaining_mah, c.full_mah}, to_tool);
      break;
    case Command::temp_summary: {
      int hi = extreme_index(c.sensor_dc, true);
      int lo = extreme_index(c.sensor_dc, false);
      one = bms::encode_temp_summary(
          m_map,
          {c.sensor_dc[static_cast<std::size_t>(hi)], c.sensor_dc[static_cast<std::size_t>(lo)],
           c.mos_dc, hi + 1, lo + 1},
          to_tool);
      break;
    }
    case Command::cell_summary: {
      int hi = extreme_index(c.cell_mv, true);
      int lo = extreme_index(c.cell_mv, false);
      one = bms::encode_cell_summary(
          m_map,
          {c.cell_mv[static_cast<std::size_t>(hi)], hi + 1, c.cell_mv[static_cast<std::size_t>(lo)],
           lo + 1, static_cast<int>(c.cell_mv.size())},
          to_tool);
      break;
    }
    case Command::cell_voltages:
      many = bms::encode_cell_voltages(m_map, c.cell_mv, to_tool);
      break;
    case Command::temperatures:
      many = bms::encode_temperatures(m_map, c.sensor_dc, to_tool);
      break;
    case Command::status:
      one = bms::encode_status(m_map, {c.status_flags, c.balancing}, to_tool);
      break;
    case Command::cycles:
      one = bms::encode_cycles(m_map, {c.cycles, c.longest_uncharged_h}, to_tool);
      break;
    case Command::clock:
      one = bms::encode_clock(m_map, Command::clock, clock_now(), to_tool);
      break;
    case Command::shell_resistance:
      one = bms::encode_shell(m_map, c.shell, to_tool);
      break;
    case Command::set_clock: {
      auto time = bms::decode_set_clock_request(m_map, frame);
      if (!time || !bms::is_valid(*time)) return nak(cmd, NakReason::invalid_parameter, tool);
      set_clock(*time);
      log(bms::EventCode::clock_set);  // at the new time (§12)
      one = bms::encode_clock(m_map, Command::set_clock, *time, to_tool);
      break;
    }
    case Command::sleep: {
      auto guard = bms::decode_sleep_request(m_map, frame);
      if (!guard || *guard != 0xA55A) return nak(cmd, NakReason::invalid_parameter, tool);
      if (std::llabs(c.current_ma) > k_sleep_current_limit_ma)
        return nak(cmd, NakReason::conditions_not_met, tool);
      auto f = bms::encode_sleep_accepted(m_map, to_tool);
      if (!f) return;
      answer({*f});
      // §12: standby begins right after the response is sent, and ends every session.
      context().call_at(context().now() + m_config.first_frame_delay, [this] {
        m_config.standby = true;
        end_sessions();
        log(bms::EventCode::standby);
      });
      return;
    }
    case Command::connect:
    case Command::nak:
      return;
  }
  if (one) answer({*one});
  if (many) answer(*many);
}

}  // namespace sim
