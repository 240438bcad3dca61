// The ISO-TP state machine (engine.hpp describes the contract): frame layouts, flow control,
// the N_Bs / N_Cr timers and STmin, all on times handed in by the caller.

#include "isotp/engine.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace isotp {
namespace {

// Protocol control information: the high nibble of the first byte.
enum Pci : std::uint8_t { single = 0x0, first = 0x1, consecutive = 0x2, flow_control = 0x3 };
// Flow status: the low nibble of a flow control's first byte.
enum FlowStatus : std::uint8_t { cts = 0x0, wait = 0x1, overflow = 0x2 };

constexpr std::size_t k_sf_max = 7;  // data bytes in a single frame (classical CAN)
constexpr std::size_t k_ff_data = 6;  // data bytes in a first frame (12-bit length)
constexpr std::size_t k_cf_data = 7;  // data bytes in a consecutive frame

}  // namespace

util::Duration st_min_duration(std::uint8_t raw) {
  if (raw <= 0x7F) return std::chrono::milliseconds(raw);
  if (raw >= 0xF1 && raw <= 0xF9) return std::chrono::microseconds(100 * (raw - 0xF0));
  return std::chrono::milliseconds(127);  // reserved (§12)
}

std::string_view abort_name(Abort a) {
  switch (a) {
    case Abort::timeout_bs: return "timeout_bs";
    case Abort::timeout_cr: return "timeout_cr";
    case Abort::wrong_sequence: return "wrong_sequence";
    case Abort::overflow: return "overflow";
    case Abort::too_many_waits: return "too_many_waits";
    case Abort::superseded: return "superseded";
    case Abort::invalid_fc: return "invalid_fc";
  }
  return "unknown";
}

bool is_send_abort(Abort a) {
  return a == Abort::timeout_bs || a == Abort::overflow || a == Abort::too_many_waits ||
         a == Abort::invalid_fc;
}

Engine::Engine(Config config) : m_config(config) {}

util::Result<void> Engine::send(std::span<const std::uint8_t> message, util::TimePoint now) {
  m_now = now;
  if (message.empty() || message.size() > k_max_message)
    return util::fail(util::Errc::usage,
                      fmt::format("an ISO-TP message must be 1 to {} bytes long, not {}",
                                  k_max_message, message.size()));
  if (sending())
    return util::fail(util::Errc::usage,
                      "an ISO-TP message is still being sent: wait for it to finish");
  m_tx = Tx{};
  m_tx.state = Tx::State::first;
  m_tx.data.assign(message.begin(), message.end());
  return {};
}

can::Frame Engine::frame(std::span<const std::uint8_t> bytes) const {
  can::Frame f;
  f.id = m_config.tx_id;
  f.extended = true;
  f.dlc = 8;
  f.data.fill(m_config.padding);
  std::copy(bytes.begin(), bytes.end(), f.data.begin());
  return f;
}

void Engine::queue_flow_control(std::uint8_t status) {
  const bool go = status == FlowStatus::cts;
  const std::array<std::uint8_t, 3> fc{
      static_cast<std::uint8_t>(Pci::flow_control << 4 | status),
      go ? m_config.block_size : std::uint8_t{0}, go ? m_config.st_min : std::uint8_t{0}};
  m_out.push_back(frame(fc));
}

void Engine::abort(Abort a) {
  ++m_counters.aborts;
  m_aborts.push_back(a);
  if (is_send_abort(a))
    m_tx = Tx{};
  else
    m_rx = Rx{};
}

void Engine::on_frame(const can::Frame& f, util::TimePoint now) {
  m_now = now;
  if (f.id != m_config.rx_id || !f.extended || f.remote || f.size() < 8) {
    ++m_counters.ignored;
    return;
  }
  ++m_counters.frames_received;
  switch (f.data[0] >> 4) {
    case Pci::single: on_single(f); break;
    case Pci::first: on_first(f, now); break;
    case Pci::consecutive: on_consecutive(f, now); break;
    case Pci::flow_control: on_flow_control(f, now); break;
    default: ++m_counters.ignored; break;  // not ISO-TP on classical CAN
  }
}

void Engine::on_single(const can::Frame& f) {
  const std::size_t length = f.data[0] & 0x0F;
  if (length == 0 || length > k_sf_max) {  // 0 is CAN FD's escape form: not on classical CAN
    ++m_counters.ignored;
    return;
  }
  if (m_rx.active) abort(Abort::superseded);
  m_inbox.emplace_back(f.data.begin() + 1, f.data.begin() + 1 + static_cast<std::ptrdiff_t>(length));
  ++m_counters.messages_received;
}

void Engine::on_first(const can::Frame& f, util::TimePoint now) {
  std::size_t length = std::size_t{f.data[0] & 0x0FU} << 8 | f.data[1];
  if (length == 0) {
    // The escape form: a 32-bit length, only for messages over 4095 bytes; we take none.
    const std::uint32_t big = std::uint32_t{f.data[2]} << 24 | std::uint32_t{f.data[3]} << 16 |
                              std::uint32_t{f.data[4]} << 8 | f.data[5];
    if (big <= k_max_message) {  // an escape form no sender may use
      ++m_counters.ignored;
      return;
    }
    if (m_rx.active) abort(Abort::superseded);
    queue_flow_control(FlowStatus::overflow);
    ++m_counters.overflows_sent;
    return;
  }
  if (length < 8) {  // would have fitted a single frame (§12: ignored)
    ++m_counters.ignored;
    return;
  }
  if (m_rx.active) abort(Abort::superseded);
  m_rx = Rx{};
  m_rx.active = true;
  m_rx.expected = length;
  m_rx.data.reserve(length);
  m_rx.data.assign(f.data.begin() + 2, f.data.begin() + 2 + k_ff_data);
  m_rx.cr_deadline = now + m_config.n_cr;
  queue_flow_control(FlowStatus::cts);
}

void Engine::on_consecutive(const can::Frame& f, util::TimePoint now) {
  if (!m_rx.active) {  // stray (§12)
    ++m_counters.ignored;
    return;
  }
  if ((f.data[0] & 0x0F) != m_rx.sequence) {
    abort(Abort::wrong_sequence);
    return;
  }
  m_rx.sequence = (m_rx.sequence + 1) & 0x0F;
  const std::size_t take = std::min(k_cf_data, m_rx.expected - m_rx.data.size());
  m_rx.data.insert(m_rx.data.end(), f.data.begin() + 1,
                   f.data.begin() + 1 + static_cast<std::ptrdiff_t>(take));
  if (m_rx.data.size() == m_rx.expected) {
    m_inbox.push_back(std::move(m_rx.data));
    ++m_counters.messages_received;
    m_rx = Rx{};
    return;
  }
  m_rx.cr_deadline = now + m_config.n_cr;
  if (m_config.block_size != 0 && ++m_rx.block_received == m_config.block_size) {
    m_rx.block_received = 0;
    queue_flow_control(FlowStatus::cts);
  }
}

void Engine::on_flow_control(const can::Frame& f, util::TimePoint now) {
  if (m_tx.state != Tx::State::wait_fc) {  // stray (§12)
    ++m_counters.ignored;
    return;
  }
  switch (f.data[0] & 0x0F) {
    case FlowStatus::cts:
      m_tx.state = Tx::State::send_cf;
      m_tx.block_size = f.data[1];
      m_tx.block_sent = 0;
      m_tx.gap = st_min_duration(f.data[2]);
      if (m_tx.gap != util::Duration::zero()) m_tx.gap += m_config.frame_time;
      m_tx.waits = 0;
      break;
    case FlowStatus::wait:
      if (++m_tx.waits > m_config.max_wait)
        abort(Abort::too_many_waits);
      else
        m_tx.fc_deadline = now + m_config.n_bs;
      break;
    case FlowStatus::overflow: abort(Abort::overflow); break;
    default: abort(Abort::invalid_fc); break;
  }
}

std::optional<can::Frame> Engine::poll(util::TimePoint now) {
  m_now = now;
  if (m_tx.state == Tx::State::wait_fc && now >= m_tx.fc_deadline) abort(Abort::timeout_bs);
  if (m_rx.active && now >= m_rx.cr_deadline) abort(Abort::timeout_cr);
  if (!m_out.empty()) {
    can::Frame f = m_out.front();
    m_out.pop_front();
    ++m_counters.frames_sent;
    // N_Cr runs from the flow control we send (it may leave later than the frame that asked).
    if (m_rx.active) m_rx.cr_deadline = now + m_config.n_cr;
    return f;
  }
  std::optional<can::Frame> f = next_data_frame(now);
  if (f) ++m_counters.frames_sent;
  return f;
}

std::optional<can::Frame> Engine::next_data_frame(util::TimePoint now) {
  Tx& tx = m_tx;
  const std::size_t size = tx.data.size();
  if (tx.state == Tx::State::first) {
    if (size <= k_sf_max) {
      std::array<std::uint8_t, 8> sf{};
      sf[0] = static_cast<std::uint8_t>(size);
      std::copy(tx.data.begin(), tx.data.end(), sf.begin() + 1);
      can::Frame out = frame(std::span(sf).first(1 + size));
      m_tx = Tx{};
      ++m_counters.messages_sent;
      return out;
    }
    std::array<std::uint8_t, 8> ff{static_cast<std::uint8_t>(Pci::first << 4 | size >> 8),
                                   static_cast<std::uint8_t>(size & 0xFF)};
    std::copy_n(tx.data.begin(), k_ff_data, ff.begin() + 2);
    tx.offset = k_ff_data;
    tx.state = Tx::State::wait_fc;
    tx.fc_deadline = now + m_config.n_bs;
    return frame(ff);
  }
  if (tx.state != Tx::State::send_cf) return std::nullopt;
  if (tx.last_cf && now < *tx.last_cf + tx.gap) return std::nullopt;
  const std::size_t take = std::min(k_cf_data, size - tx.offset);
  std::array<std::uint8_t, 8> cf{static_cast<std::uint8_t>(Pci::consecutive << 4 | tx.sequence)};
  std::copy_n(tx.data.begin() + static_cast<std::ptrdiff_t>(tx.offset), take, cf.begin() + 1);
  can::Frame out = frame(std::span(cf).first(1 + take));
  tx.offset += take;
  tx.sequence = (tx.sequence + 1) & 0x0F;
  tx.last_cf = now;
  if (tx.offset == size) {
    m_tx = Tx{};
    ++m_counters.messages_sent;
  } else if (tx.block_size != 0 && ++tx.block_sent == tx.block_size) {
    tx.state = Tx::State::wait_fc;
    tx.fc_deadline = now + m_config.n_bs;
  }
  return out;
}

std::optional<util::TimePoint> Engine::wake_at() const {
  if (!m_out.empty()) return m_now;
  std::optional<util::TimePoint> at;
  auto earliest = [&at](util::TimePoint t) { at = at ? std::min(*at, t) : t; };
  switch (m_tx.state) {
    case Tx::State::idle: break;
    case Tx::State::first: earliest(m_now); break;
    case Tx::State::wait_fc: earliest(m_tx.fc_deadline); break;
    case Tx::State::send_cf:
      earliest(m_tx.last_cf ? *m_tx.last_cf + m_tx.gap : m_now);
      break;
  }
  if (m_rx.active) earliest(m_rx.cr_deadline);
  return at;
}

std::optional<std::vector<std::uint8_t>> Engine::take_message() {
  if (m_inbox.empty()) return std::nullopt;
  std::vector<std::uint8_t> m = std::move(m_inbox.front());
  m_inbox.pop_front();
  return m;
}

std::optional<Abort> Engine::take_abort() {
  if (m_aborts.empty()) return std::nullopt;
  Abort a = m_aborts.front();
  m_aborts.pop_front();
  return a;
}

bool Engine::sending() const { return m_tx.state != Tx::State::idle; }
bool Engine::receiving() const { return m_rx.active; }

void Engine::abandon_send() { m_tx = Tx{}; }

void Engine::reset() {
  m_tx = Tx{};
  m_rx = Rx{};
  m_out.clear();
  m_inbox.clear();
  m_aborts.clear();
}

}  // namespace isotp
