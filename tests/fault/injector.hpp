#pragma once
// The fault injector of tests/fault: a can::Bus between the tool and the simulated battery's
// hub that counts every frame passing it in either direction ("steps") and, at step k, does
// one thing wrong: loses the frame, restarts the pack, puts it in standby, answers a NAK or a
// negative UDS response in its place, reports a bus error, or raises SIGINT for real.

#include <csignal>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "can/bus.hpp"
#include "sim/battery.hpp"

namespace fault {

enum class Kind {
  none,
  drop,            // the frame at step k is lost on the wire (a request or an answer)
  reset,           // the pack restarts at step k (sim::Battery::restart)
  standby,         // the pack enters standby at step k (answers nothing from then on)
  nak_unknown,     // a poll request is answered NAK 0x01 instead of being served
  nak_invalid,     // NAK 0x02
  nak_busy,        // NAK 0x03 (the tool waits and retries, §12)
  nak_conditions,  // NAK 0x04
  nak_session,     // NAK 0x05 (the tool reconnects once and repeats, §3.3)
  nrc_conditions,  // a UDS response is replaced by 7F SID 22 (conditions not correct)
  nrc_pending,     // a UDS response is preceded by 7F SID 78 (response pending)
  bus_glitch,      // one bus error (CRC/stuff errors seen on the wire) before the frame; traffic goes on
  no_ack,          // from step k on nothing acknowledges the tool's frames (connector pulled)
  bus_off,         // from step k on the controller is bus-off: every send fails
  sigint,          // SIGINT raised at step k (the real handler runs: Ctrl-C)
};

const char* kind_name(Kind kind);
const std::vector<Kind>& all_kinds();

// What passed at one step (recorded on a clean run to plan the faults).
struct Step {
  bool sent = false;  // tool -> pack
  can::Frame frame;
  enum class What { poll_request, poll_answer, uds_request, uds_response, other } what = What::other;
  bool uds_start = false;   // an ISO-TP single or first frame (a UDS message begins)
  bool consecutive = false; // an ISO-TP consecutive frame
  int transfer_block = 0;   // the TransferData block (1-based) a tool consecutive frame belongs to
  int cf_index = 0;         // its number within that block (1-based)
};

// The state of one run, shared by every bus the command opens.
struct Injector {
  Kind kind = Kind::none;
  // The fault falls on the at-th step it applies to (applies(), and `sample` when set): the
  // at-th poll request for a NAK, the at-th UDS response for an NRC, the at-th frame for the
  // others. 1-based; 0 = none.
  long at = 0;
  std::function<bool(const Step&)> sample;  // narrows the steps (flash: a few frames a block)
  bool record = false;       // keep every Step in `steps`
  sim::Battery* battery = nullptr;

  long count = 0;            // steps so far
  long eligible = 0;         // steps the fault could fall on so far
  bool fired = false;        // the fault has happened
  long fired_at = 0;         // at which step (of all frames)
  bool broken = false;       // a lasting fault (no_ack, bus_off) is on
  std::vector<Step> steps;

  // Transfer tracking (for Step::transfer_block).
  int blocks = 0;
  int cf_in_block = 0;
  bool in_transfer = false;
  std::uint8_t last_sid = 0;  // SID of the tool's last UDS request (for the negative response)

  bool applies(const Step& s) const;  // can `kind` fall on this step?
};

// Classifies a frame passing the injector (updates the transfer tracking).
Step classify(Injector& inj, const can::Frame& frame, bool sent);

class FaultBus final : public can::Bus {
public:
  FaultBus(std::unique_ptr<can::Bus> port, Injector& injector)
      : m_port(std::move(port)), m_inj(injector) {}

  util::Result<void> send(const can::Frame& frame, util::TimePoint deadline) override;
  util::Result<std::optional<can::Event>> receive(util::TimePoint deadline) override;
  util::Clock& clock() override { return m_port->clock(); }
  const std::string& name() const override { return m_port->name(); }

private:
  // Counts the step; true when the fault falls on it.
  bool step(const can::Frame& frame, bool sent, Step* out);

  std::unique_ptr<can::Bus> m_port;
  Injector& m_inj;
  std::deque<can::Event> m_pending;  // injected answers and bus errors, before the port's frames
};

}  // namespace fault
