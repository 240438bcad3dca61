// The fault injector (see injector.hpp): step counting, classification, and the faults.
#include "injector.hpp"

#include <array>

#include <fmt/format.h>

#include "bms/frame_map.hpp"
#include "bms/messages.hpp"
#include "bms/protocol.hpp"

namespace fault {
namespace {

constexpr std::uint32_t k_diag_mask = 0x1FFF0000U;
constexpr std::uint32_t k_diag_ids = 0x18DA0000U;
constexpr std::uint8_t k_transfer_data = 0x36;

bms::NakReason nak_reason(Kind k) {
  switch (k) {
    case Kind::nak_unknown: return bms::NakReason::unknown_command;
    case Kind::nak_invalid: return bms::NakReason::invalid_parameter;
    case Kind::nak_busy: return bms::NakReason::busy;
    case Kind::nak_conditions: return bms::NakReason::conditions_not_met;
    default: return bms::NakReason::no_session;
  }
}

bool is_nak(Kind k) {
  return k == Kind::nak_unknown || k == Kind::nak_invalid || k == Kind::nak_busy ||
         k == Kind::nak_conditions || k == Kind::nak_session;
}

// `7F SID NRC` as a single frame from the pack, on the identifier of `like`.
can::Frame negative(const can::Frame& like, std::uint8_t sid, std::uint8_t nrc) {
  const std::array<std::uint8_t, 8> b{0x03, 0x7F, sid, nrc, 0xCC, 0xCC, 0xCC, 0xCC};
  return can::make_frame(like.id, b);
}

// What a controller that is bus-off says when asked to send (as sim::SimBus link=busoff).
util::Error bus_off_error(const std::string& name) {
  return util::Error{util::Errc::bus_error,
                     fmt::format("transmit queue full: {} cannot get frames onto the bus: {}", name,
                                 can::describe({can::BusError::Kind::bus_off, 256, 0}))};
}

}  // namespace

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::none: return "none";
    case Kind::drop: return "frame lost";
    case Kind::reset: return "pack reset";
    case Kind::standby: return "standby";
    case Kind::nak_unknown: return "NAK 0x01";
    case Kind::nak_invalid: return "NAK 0x02";
    case Kind::nak_busy: return "NAK 0x03";
    case Kind::nak_conditions: return "NAK 0x04";
    case Kind::nak_session: return "NAK 0x05";
    case Kind::nrc_conditions: return "NRC 0x22";
    case Kind::nrc_pending: return "NRC 0x78";
    case Kind::bus_glitch: return "bus error (once)";
    case Kind::no_ack: return "no ACK (lasting)";
    case Kind::bus_off: return "bus-off (lasting)";
    case Kind::sigint: return "Ctrl-C";
  }
  return "?";
}

const std::vector<Kind>& all_kinds() {
  static const std::vector<Kind> k{Kind::drop,           Kind::reset,          Kind::standby,
                                   Kind::nak_unknown,    Kind::nak_invalid,    Kind::nak_busy,
                                   Kind::nak_conditions, Kind::nak_session,    Kind::nrc_conditions,
                                   Kind::nrc_pending,    Kind::bus_glitch,     Kind::no_ack,
                                   Kind::bus_off,        Kind::sigint};
  return k;
}

bool Injector::applies(const Step& s) const {
  if (is_nak(kind)) return s.sent && s.what == Step::What::poll_request;
  if (kind == Kind::nrc_conditions || kind == Kind::nrc_pending)
    return !s.sent && s.what == Step::What::uds_response && s.uds_start;
  return kind != Kind::none;
}

Step classify(Injector& inj, const can::Frame& f, bool sent) {
  Step s;
  s.sent = sent;
  s.frame = f;
  if ((f.id & k_diag_mask) == k_diag_ids) {
    s.what = sent ? Step::What::uds_request : Step::What::uds_response;
    const int pci = f.data[0] >> 4;
    s.uds_start = pci == 0 || pci == 1;
    s.consecutive = pci == 2;
    if (sent && s.uds_start) {
      inj.last_sid = pci == 0 ? f.data[1] : f.data[2];
      inj.in_transfer = pci == 1 && inj.last_sid == k_transfer_data;
      if (inj.in_transfer) {
        ++inj.blocks;
        inj.cf_in_block = 0;
      }
    } else if (sent && s.consecutive && inj.in_transfer) {
      s.transfer_block = inj.blocks;
      s.cf_index = ++inj.cf_in_block;
    }
  } else if (bms::parse_poll_id(f.id)) {
    s.what = sent ? Step::What::poll_request : Step::What::poll_answer;
  }
  return s;
}

bool FaultBus::step(const can::Frame& frame, bool sent, Step* out) {
  Step s = classify(m_inj, frame, sent);
  ++m_inj.count;
  if (m_inj.record) m_inj.steps.push_back(s);
  *out = s;
  if (m_inj.kind == Kind::none || !m_inj.applies(s) || (m_inj.sample && !m_inj.sample(s))) return false;
  ++m_inj.eligible;
  if (m_inj.fired || m_inj.eligible != m_inj.at) return false;
  m_inj.fired = true;
  m_inj.fired_at = m_inj.count;
  return true;
}

util::Result<void> FaultBus::send(const can::Frame& frame, util::TimePoint deadline) {
  if (m_inj.broken) {
    if (m_inj.kind == Kind::bus_off) return tl::unexpected(bus_off_error(name()));
    m_pending.push_back(can::BusError{can::BusError::Kind::no_ack, 128, 0});
    return {};  // nobody acknowledged it, so nobody received it
  }
  Step s;
  if (!step(frame, true, &s)) return m_port->send(frame, deadline);
  switch (m_inj.kind) {
    case Kind::drop:
      return {};
    case Kind::reset:
      m_inj.battery->restart();
      break;
    case Kind::standby:
      m_inj.battery->config().standby = true;
      m_inj.battery->end_sessions();
      break;
    case Kind::nak_unknown:
    case Kind::nak_invalid:
    case Kind::nak_busy:
    case Kind::nak_conditions:
    case Kind::nak_session: {
      // The pack answers NAK instead of serving the request.
      auto id = bms::parse_poll_id(frame.id);
      const std::uint8_t bms_addr = id->dst == bms::k_broadcast ? m_inj.battery->config().address : id->dst;
      auto nak = bms::encode_nak(bms::FrameMap::builtin(),
                                 {id->cmd, static_cast<std::uint8_t>(nak_reason(m_inj.kind))},
                                 {id->src, bms_addr});
      if (nak) m_pending.push_back(*nak);
      return {};
    }
    case Kind::bus_glitch:
      m_pending.push_back(can::BusError{can::BusError::Kind::protocol, 8, 0});
      break;
    case Kind::no_ack:
      m_inj.broken = true;
      m_pending.push_back(can::BusError{can::BusError::Kind::no_ack, 128, 0});
      return {};
    case Kind::bus_off:
      m_inj.broken = true;
      m_pending.push_back(can::BusError{can::BusError::Kind::bus_off, 256, 0});  // the controller says so
      return tl::unexpected(bus_off_error(name()));
    case Kind::sigint:
      std::raise(SIGINT);  // the handler cli::install_signal_handlers set runs now
      break;
    case Kind::nrc_conditions:
    case Kind::nrc_pending:
    case Kind::none:
      break;
  }
  return m_port->send(frame, deadline);
}

util::Result<std::optional<can::Event>> FaultBus::receive(util::TimePoint deadline) {
  for (;;) {
    if (!m_pending.empty()) {
      can::Event e = std::move(m_pending.front());
      m_pending.pop_front();
      return std::optional<can::Event>(std::move(e));
    }
    auto event = m_port->receive(deadline);
    if (!event || !*event) return event;
    if (m_inj.broken) continue;  // off the bus: nothing comes in
    const auto* f = std::get_if<can::Frame>(&**event);
    if (f == nullptr) return event;
    Step s;
    if (!step(*f, false, &s)) return event;
    switch (m_inj.kind) {
      case Kind::drop:
        continue;
      case Kind::reset:
        m_inj.battery->restart();
        return event;
      case Kind::standby:
        m_inj.battery->config().standby = true;
        m_inj.battery->end_sessions();
        return event;
      case Kind::nrc_conditions:
        m_pending.push_back(negative(*f, m_inj.last_sid, 0x22));  // instead of the answer
        continue;
      case Kind::nrc_pending:
        m_pending.push_back(*f);  // the answer follows "response pending"
        return std::optional<can::Event>(negative(*f, m_inj.last_sid, 0x78));
      case Kind::bus_glitch:
        m_pending.push_back(*f);
        return std::optional<can::Event>(can::BusError{can::BusError::Kind::protocol, 0, 8});
      case Kind::no_ack:  // silence: the tool learns of it when it next sends
        m_inj.broken = true;
        continue;
      case Kind::bus_off:
        m_inj.broken = true;
        return std::optional<can::Event>(can::BusError{can::BusError::Kind::bus_off, 256, 0});
      case Kind::sigint:
        std::raise(SIGINT);
        return event;
      default:
        return event;
    }
  }
}

}  // namespace fault
