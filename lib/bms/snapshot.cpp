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

util::Task<util::Result<Snapshot>> read_snapshot(Peer& peer, std::uint32_t parts) {
  Snapshot s;
  s.address = peer.address();
  if (peer.connection()) {
    s.connect = *peer.connection();
  } else {
    auto c = co_await peer.connect();
    if (!c) co_return tl::unexpected(c.error());
    s.connect = *c;
  }

  std::optional<util::Error> e;
  if (wants(parts, Part::identity) && !take(co_await peer.serial(), s.serial, e)) co_return tl::unexpected(*e);
  if (s.connect.mode == Mode::bootloader) co_return s;
  if (wants(parts, Part::pack) && !take(co_await peer.pack(), s.pack, e)) co_return tl::unexpected(*e);
  if (wants(parts, Part::capacity) && !take(co_await peer.capacity(), s.capacity, e)) co_return tl::unexpected(*e);
  if (wants(parts, Part::temperatures)) {
    if (!take(co_await peer.temperature_summary(), s.temperature_summary, e)) co_return tl::unexpected(*e);
    if (!take(co_await peer.temperatures(), s.sensor_dc, e)) co_return tl::unexpected(*e);
  }
  if (wants(parts, Part::cells)) {
    if (!take(co_await peer.cell_summary(), s.cell_summary, e)) co_return tl::unexpected(*e);
    if (!take(co_await peer.cell_voltages(), s.cell_mv, e)) co_return tl::unexpected(*e);
  }
  if (wants(parts, Part::status) && !take(co_await peer.status(), s.status, e)) co_return tl::unexpected(*e);
  if (wants(parts, Part::cycles) && !take(co_await peer.cycles(), s.cycles, e)) co_return tl::unexpected(*e);
  if (wants(parts, Part::clock) && !take(co_await peer.clock(), s.clock, e)) co_return tl::unexpected(*e);
  if (wants(parts, Part::shell) && !take(co_await peer.shell_resistance(), s.shell, e)) co_return tl::unexpected(*e);
  co_return s;
}

}  // namespace bms
