// The simulated battery's diagnostic channel: ISO-TP per tool address around the UDS server,
// the response timing (P2, 0x78 while erasing, programming time), restarts and power cuts.
#include "sim/diagnostics.hpp"

#include <algorithm>

#include "sim/diag_log.hpp"
#include "uds/nrc.hpp"

namespace sim {
namespace {

constexpr std::size_t k_image_size = 64 * 1024;  // the application at start

bool is_tool(std::uint8_t a) {
  return a >= 0x40 && a <= 0x4F;
}

}  // namespace

Diagnostics::Diagnostics(BatteryConfig& battery)
    : m_battery(battery),
      m_flash(battery.diag.area, std::nullopt),
      m_server(m_battery, m_battery.diag, m_flash, m_log, m_faults) {}

util::TimePoint Diagnostics::now() const {
  return m_context->now();
}

void Diagnostics::at(util::TimePoint when, std::function<void()> action) {
  m_context->call_at(when, [this, life = m_life, action = std::move(action)] {
    if (life == m_life) action();
  });
}

void Diagnostics::bind(can::NodeContext& context, std::function<std::uint32_t()> bms_clock,
                       std::function<void()> on_restart) {
  m_context = &context;
  m_bms_clock = std::move(bms_clock);
  m_on_restart = std::move(on_restart);
  if (m_bound) return;  // plugged in again: the pack kept its flash, log and state
  m_bound = true;
  const DiagConfig& d = m_battery.diag;
  std::optional<std::vector<std::uint8_t>> image;
  if (!d.start_in_bootloader) {
    const fw::Version v{m_battery.firmware.major, m_battery.firmware.minor, m_battery.firmware.patch};
    image = synthetic_image(m_battery.hardware_revision, v, std::min<std::size_t>(k_image_size, d.area.size));
  }
  m_flash = Flash(d.area, std::move(image));
  m_log = initial_log(std::clamp(d.log_records, 0, std::max(d.log_capacity, 0)), m_bms_clock());
  // The simulator starting is not a restart: nothing logged (§12).
  m_server.start(false, 0, now());
}

bms::Mode Diagnostics::mode() const {
  return m_server.mode();
}

bool Diagnostics::restarting() const {
  return m_restarting;
}

bms::FirmwareVersion Diagnostics::firmware() const {
  return m_server.firmware();
}

bool Diagnostics::application_valid() const {
  return m_flash.application_valid();
}

std::optional<std::uint32_t> Diagnostics::application_crc() const {
  return m_flash.application_crc();
}

void Diagnostics::log_event(std::uint8_t code, std::optional<int> flag) {
  const std::uint32_t t = m_bms_clock ? m_bms_clock() : 0;
  append_record(m_log, present_record(m_battery, t, code, flag), m_battery.diag.log_capacity);
}

Diagnostics::Port& Diagnostics::port(std::uint8_t tool) {
  Port& p = m_ports[tool];
  if (!p.engine) {
    isotp::Config c;
    c.tx_id = 0x18DA0000U | std::uint32_t{tool} << 8 | m_battery.address;
    c.rx_id = 0x18DA0000U | std::uint32_t{m_battery.address} << 8 | tool;
    c.block_size = m_battery.diag.block_size;
    c.st_min = m_battery.diag.st_min;
    p.engine = std::make_unique<isotp::Engine>(c);
  }
  return p;
}

void Diagnostics::on_frame(const can::Frame& frame) {
  if (!m_bound || m_restarting || !frame.extended || frame.remote) return;
  const auto tool = static_cast<std::uint8_t>(frame.id & 0xFF);
  if (!is_tool(tool)) return;
  port(tool).engine->on_frame(frame, now());
  pump(tool);
  // A request can restart the BMS (a power cut fault): then its engines are gone.
  const std::uint64_t life = m_life;
  while (life == m_life && !m_restarting) {
    auto message = port(tool).engine->take_message();
    if (!message) break;
    serve(tool, *message);
  }
}

// Sends what the engine has for the bus now, and asks to be called when it next has work.
void Diagnostics::pump(std::uint8_t tool) {
  Port& p = port(tool);
  const util::TimePoint t = now();
  while (auto f = p.engine->poll(t)) m_context->transmit(*f, t);
  while (p.engine->take_abort()) {}  // an abandoned message: the tool asks again
  auto wake = p.engine->wake_at();
  if (!wake || (p.timer && *p.timer <= *wake)) return;
  p.timer = *wake;
  at(*wake, [this, tool, when = *wake] {
    Port& q = port(tool);
    if (q.timer == when) q.timer.reset();
    pump(tool);
  });
}

void Diagnostics::respond(std::uint8_t tool, const std::vector<std::uint8_t>& response) {
  ++m_responses;
  if (m_faults.lose_response != 0 && m_responses == m_faults.lose_response) return;
  if (response.size() >= 3 && response[0] == uds::k_negative &&
      response[2] != static_cast<std::uint8_t>(uds::Nrc::response_pending))
    ++m_stats.negative;
  Port& p = port(tool);
  if (!p.engine->send(response, now())) return;  // still sending: the tool broke the protocol
  pump(tool);
}

void Diagnostics::serve(std::uint8_t tool, const std::vector<std::uint8_t>& request) {
  ++m_stats.uds_requests;
  // One request at a time: the tool being served waits for its pending answer; another tool
  // is told that the BMS serves someone else (0x22).
  if (m_working && tool == m_working_tool) return;
  UdsServer::Outcome o = m_server.handle(tool, request, now());
  const util::TimePoint reply_at = now() + m_battery.diag.response_delay;
  auto answer_at = [this, tool](util::TimePoint when, std::optional<std::vector<std::uint8_t>> response) {
    if (!response) return;
    at(when, [this, tool, r = std::move(*response)] { respond(tool, r); });
  };
  using Then = UdsServer::Then;
  switch (o.then) {
    case Then::nothing:
      answer_at(reply_at, std::move(o.response));
      break;
    case Then::repeated:
      ++m_stats.repeats;
      answer_at(reply_at, std::move(o.response));
      break;
    case Then::restart:
    case Then::restart_bootloader: {
      const bool into_bootloader = o.then == Then::restart_bootloader;
      // The positive response goes out first; the restart follows right after it.
      at(reply_at, [this, tool, into_bootloader, r = std::move(o.response)] {
        if (r) respond(tool, *r);
        if (cut_at({DiagEvent::Kind::reset})) return;
        restart(into_bootloader, tool);
      });
      break;
    }
    case Then::erase:
      ++m_stats.erases;
      if (cut_at({DiagEvent::Kind::erase_started})) return;
      run_erase(tool, now());
      break;
    case Then::programmed: {
      ++m_stats.blocks_written;
      if (cut_at({DiagEvent::Kind::block_programmed, o.offset})) return;
      m_working = true;
      m_working_tool = tool;
      at(reply_at + m_battery.diag.program_time, [this, tool, r = std::move(o.response)] {
        m_working = false;
        if (r) respond(tool, *r);
        watch_idle();
      });
      break;
    }
    case Then::verified:
      if (cut_at({DiagEvent::Kind::verified})) return;
      answer_at(reply_at, std::move(o.response));
      break;
    case Then::power_cut:
      power_cut();
      return;
  }
  watch_idle();
}

// §6: "response pending" within P2 and again every pending_every, then the final response.
void Diagnostics::run_erase(std::uint8_t tool, util::TimePoint began) {
  m_working = true;
  m_working_tool = tool;
  const DiagConfig& d = m_battery.diag;
  const std::vector<std::uint8_t> pending{uds::k_negative, static_cast<std::uint8_t>(uds::Sid::routine_control),
                                          static_cast<std::uint8_t>(uds::Nrc::response_pending)};
  const util::TimePoint done = std::max(began + d.erase_time, began + d.response_delay);
  for (util::TimePoint t = began + d.response_delay; t < done;
       t += std::max(d.pending_every, util::Duration(std::chrono::milliseconds(1))))
    at(t, [this, tool, pending] { respond(tool, pending); });
  at(done, [this, tool] {
    UdsServer::Outcome o = m_server.finish_erase(now());
    m_working = false;
    if (cut_at({DiagEvent::Kind::erase_done})) return;
    if (o.response) respond(tool, *o.response);
    watch_idle();
  });
}

bool Diagnostics::cut_at(const DiagEvent& event) {
  if (!m_faults.on_event || !m_faults.on_event(event)) return false;
  power_cut();
  return true;
}

// The programming session ends after session_idle without a request of its tool (§12), and
// the BMS restarts as ECUReset does.
void Diagnostics::watch_idle() {
  if (!m_server.programming_session()) return;
  const util::TimePoint due = m_server.last_request() + m_battery.diag.session_idle;
  at(std::max(due, now()), [this] {
    if (!m_server.programming_session() || m_working) return;
    if (now() - m_server.last_request() < m_battery.diag.session_idle) return;
    if (cut_at({DiagEvent::Kind::reset})) return;
    restart(false, 0);
  });
}

// Whatever the BMS was doing is gone; it answers nothing until it has started again.
void Diagnostics::go_silent() {
  ++m_life;
  m_ports.clear();
  m_working = false;
  m_restarting = true;
  if (m_on_restart) m_on_restart();
}

void Diagnostics::restart(bool into_bootloader, std::uint8_t tool) {
  ++m_stats.restarts;
  go_silent();
  at(now() + m_battery.diag.restart_time, [this, into_bootloader, tool] { start(into_bootloader, tool); });
}

void Diagnostics::power_cut() {
  ++m_stats.power_cuts;
  go_silent();
  at(now() + m_battery.diag.restart_time, [this] { start(false, 0); });
}

void Diagnostics::start(bool into_bootloader, std::uint8_t tool) {
  m_restarting = false;
  m_server.start(into_bootloader, tool, now());
  if (m_server.mode() == bms::Mode::application) {
    m_battery.firmware = m_server.firmware();
    log_event(static_cast<std::uint8_t>(bms::EventCode::power_on));
    if (m_flash.take_updated()) log_event(static_cast<std::uint8_t>(bms::EventCode::firmware_updated));
  }
  watch_idle();
}

}  // namespace sim
