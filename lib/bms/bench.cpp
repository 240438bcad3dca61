#include "bms/bench.hpp"

#include <cstdlib>

namespace bms {
namespace {

// Whether a pack answers at all: one CONNECT, no retries. nullopt = silent.
util::Result<std::optional<std::string>> probe(Client& client) {
  ClientOptions quick = client.options();
  quick.retries = 0;
  Client once(client.bus(), client.frame_map(), quick);
  auto c = once.connect();
  if (!c) {
    if (c.error().code == util::Errc::no_answer || c.error().code == util::Errc::bus_error)
      return std::optional<std::string>{};
    return tl::unexpected(c.error());
  }
  auto serial = once.serial();
  if (!serial) {
    if (serial.error().code == util::Errc::no_answer) return std::optional<std::string>{};
    return tl::unexpected(serial.error());
  }
  return std::optional<std::string>{*serial};
}

bool stops_bench(const util::Error& e) {
  return e.code == util::Errc::cancelled || e.code == util::Errc::interface_error;
}

}  // namespace

util::Result<BenchSummary> run_bench(Client& client, const BenchOptions& o,
                                     const std::function<bool(const BenchRecord&)>& on_pack) {
  BenchSummary summary;
  std::optional<std::string> last_serial;  // the last pack done, while it counts as "in a row"
  bool last_failed = false;
  bool waiting_for_removal = false;
  auto finish = [&summary](const util::Error& e) -> util::Result<BenchSummary> {
    if (e.code == util::Errc::cancelled) return summary;
    return tl::unexpected(e);
  };

  while (o.count == 0 || summary.done + summary.failed < o.count) {
    auto seen = probe(client);
    if (!seen) return finish(seen.error());
    const bool present = seen->has_value();
    if (!present && waiting_for_removal) {
      waiting_for_removal = false;  // unplugged
      if (last_failed) last_serial.reset();  // a failed pack may be tried again
    }
    if (!present || (last_serial && **seen == *last_serial)) {
      if (auto idle = client.idle(o.poll_interval); !idle) return finish(idle.error());
      continue;
    }

    // A new pack (plugged in, or replaced without a gap).
    BenchRecord record;
    record.serial = **seen;
    record.address = client.options().bms;
    CalibrationOptions co = o.calibration;
    auto c = calibrate(client, co);
    record.time = co.local_now();
    if (c) {
      record.calibration = *c;
      ++summary.done;
      if (std::llabs(c->drift_before_s) > std::llabs(summary.largest_drift_s) ||
          summary.largest_drift_serial.empty()) {
        summary.largest_drift_s = c->drift_before_s;
        summary.largest_drift_serial = c->serial;
      }
    } else {
      if (stops_bench(c.error())) return finish(c.error());
      record.error = c.error();
      ++summary.failed;
    }
    last_serial = record.serial;
    last_failed = !c;
    waiting_for_removal = true;
    if (!on_pack(record)) break;
  }
  return summary;
}

}  // namespace bms
