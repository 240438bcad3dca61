#pragma once
// The in-process virtual bus. Ports (can::Bus) are for participants that drive themselves,
// the tool; nodes (can::Node) are stepped by the hub, the simulated batteries. No threads:
// whoever waits in Port::receive runs the hub's timeline until a frame arrives or the deadline.
//
// Timing::simulated: a ManualClock; waiting jumps to the next event, so a 10 s session expiry
// takes microseconds and every run is deterministic.
// Timing::realtime: the system clock; waiting sleeps. With a bitrate, each frame occupies the
// wire for its exact bit time (can/wire.hpp), one frame at a time, like a real bus.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "can/bus.hpp"
#include "can/node.hpp"
#include "can/timeline.hpp"

namespace can {

class Hub {
public:
  enum class Timing { simulated, realtime };
  struct Options {
    Timing timing = Timing::simulated;
    std::uint32_t bitrate = 0;  // 0: frames take no time on the wire
    bool record = true;         // keep every frame in traffic()
  };
  struct Record {
    util::TimePoint at;  // when the frame completed on the wire
    Frame frame;
    std::string from;    // the sending port's or node's name
  };

  explicit Hub(Options options);
  Hub();
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // A port for a participant that drives itself. Only frames passing `filters` (all frames
  // when empty) are queued for it. The port must not outlive the hub.
  std::unique_ptr<Bus> open_port(std::string name, std::vector<Filter> filters = {});

  // Attaches a node, which the hub steps; the hub does not own it. Filters as for ports.
  void attach(Node& node, std::string name, std::vector<Filter> filters = {});
  void detach(Node& node);

  // Puts a raw frame on the bus from outside (as cansend would): malformed ones too.
  void inject(const Frame& frame, std::string from = "inject");
  // Reports a bus fault to every port (as a controller would).
  void inject_error(const BusError& error);

  // Test hook: a frame for which this returns true is lost on the wire (nobody receives it).
  std::function<bool(const Frame&)> drop;

  util::Clock& clock() { return *m_clock; }
  Timeline& timeline() { return m_timeline; }
  const std::vector<Record>& traffic() const { return m_traffic; }
  void clear_traffic() { m_traffic.clear(); }

  // Runs the timeline until `until` (simulated: jumps; realtime: sleeps).
  void run_until(util::TimePoint until);

private:
  class Port;
  class NodeSlot;
  friend class Port;
  friend class NodeSlot;

  struct Participant {
    std::uint64_t id = 0;  // 0: someone outside the hub (inject)
    std::string name;
    std::vector<Filter> filters;
    Port* port = nullptr;
    std::unique_ptr<NodeSlot> node;
    bool accepts(const Frame& f) const;
    ~Participant();
  };

  Participant& add_participant(std::string name, std::vector<Filter> filters);
  Participant* find(std::uint64_t id);
  void transmit(const Frame& frame, util::TimePoint at, std::uint64_t from, std::string from_name);
  void step_until(util::TimePoint until, const std::function<bool()>& done);

  Options m_options;
  std::unique_ptr<util::Clock> m_clock;
  Timeline m_timeline;
  std::vector<std::unique_ptr<Participant>> m_participants;
  std::vector<Record> m_traffic;
  util::TimePoint m_wire_free{};
  std::uint64_t m_next_id = 1;
};

}  // namespace can
