#include "bms/snapshot.hpp"

namespace bms {
namespace {

bool wants(std::uint32_t parts, Part p) { return (parts & static_cast<std::uint32_t>(p)) != 0; }

// Stores a successful read in `slot`, or returns false with the error kept in `error`.
template <class T, class Slot>
bool take(util::Result<T> r, Slot& slot, std::optional<util::Error>& error) {
  if (!r) {
    error = r.error();
    return false;
  }
  slot = std::move(*r);
  return true;
}

}  // namespace

util::Result<Snapshot> read_snapshot(Client& client, std::uint32_t parts) {
  Snapshot s;
  s.address = client.options().bms;
  auto c = client.connection() ? util::Result<ConnectInfo>(*client.connection()) : client.connect();
  if (!c) return tl::unexpected(c.error());
  s.connect = *c;

  std::optional<util::Error> error;
  if (wants(parts, Part::identity) && !take(client.serial(), s.serial, error)) return tl::unexpected(*error);
  if (s.connect.mode == Mode::bootloader) return s;

  bool ok = (!wants(parts, Part::pack) || take(client.pack(), s.pack, error)) &&
            (!wants(parts, Part::capacity) || take(client.capacity(), s.capacity, error)) &&
            (!wants(parts, Part::temperatures) ||
             (take(client.temperature_summary(), s.temperature_summary, error) &&
              take(client.temperatures(), s.sensor_dc, error))) &&
            (!wants(parts, Part::cells) || (take(client.cell_summary(), s.cell_summary, error) &&
                                            take(client.cell_voltages(), s.cell_mv, error))) &&
            (!wants(parts, Part::status) || take(client.status(), s.status, error)) &&
            (!wants(parts, Part::cycles) || take(client.cycles(), s.cycles, error)) &&
            (!wants(parts, Part::clock) || take(client.clock(), s.clock, error)) &&
            (!wants(parts, Part::shell) || take(client.shell_resistance(), s.shell, error));
  if (!ok) return tl::unexpected(*error);
  return s;
}

}  // namespace bms
