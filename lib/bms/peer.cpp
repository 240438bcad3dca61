// The poll commands (§4) as coroutines on a Peer: each one transaction through the dispatcher.
#include "bms/dispatcher.hpp"
#include "bms/messages.hpp"

namespace bms {

util::Task<util::Result<std::vector<can::Frame>>> Peer::run(PollRequest request) {
  auto answer = co_await m_dispatcher.transact(*this, std::move(request));
  if (!answer) co_return tl::unexpected(answer.error());
  if (answer->reconnected) m_connection = answer->reconnected;
  co_return std::move(answer->frames);
}

util::Task<util::Result<std::vector<can::Frame>>> Peer::transact(Command cmd, int frames) {
  auto request = encode_request(m_dispatcher.map(), cmd, {m_address, m_dispatcher.options().tool});
  if (!request) co_return tl::unexpected(request.error());
  co_return co_await run(PollRequest{cmd, *request, frames, std::nullopt});
}

util::Task<util::Result<std::vector<can::Frame>>> Peer::collect(Command cmd, util::Duration window) {
  auto request = encode_request(m_dispatcher.map(), cmd, {m_address, m_dispatcher.options().tool});
  if (!request) co_return tl::unexpected(request.error());
  co_return co_await run(PollRequest{cmd, *request, 1, window});
}

util::Task<util::Result<ConnectInfo>> Peer::connect() {
  auto frames = co_await transact(Command::connect);
  if (!frames) co_return tl::unexpected(frames.error());
  auto info = decode_connect(m_dispatcher.map(), frames->front());
  if (!info) co_return util::with_context(info.error(), "reading CONNECT");
  m_connection = *info;
  co_return *info;
}

util::Task<util::Result<ConnectInfo>> Peer::ensure_connected() {
  if (m_connection) co_return *m_connection;
  co_return co_await connect();
}

template <class T>
util::Task<util::Result<T>> Peer::read_one(Command cmd, Decoder<T> decoder) {
  auto frames = co_await transact(cmd);
  if (!frames) co_return tl::unexpected(frames.error());
  co_return decoder(m_dispatcher.map(), frames->front());
}

util::Task<util::Result<std::string>> Peer::serial() {
  auto frames = co_await transact(Command::identity, 3);
  if (!frames) co_return tl::unexpected(frames.error());
  co_return decode_identity(m_dispatcher.map(), *frames);
}

util::Task<util::Result<PackReading>> Peer::pack() { return read_one(Command::pack, &decode_pack); }
util::Task<util::Result<Capacity>> Peer::capacity() { return read_one(Command::capacity, &decode_capacity); }
util::Task<util::Result<TemperatureSummary>> Peer::temperature_summary() {
  return read_one(Command::temp_summary, &decode_temp_summary);
}
util::Task<util::Result<CellSummary>> Peer::cell_summary() {
  return read_one(Command::cell_summary, &decode_cell_summary);
}
util::Task<util::Result<StatusWords>> Peer::status() { return read_one(Command::status, &decode_status); }
util::Task<util::Result<Cycles>> Peer::cycles() { return read_one(Command::cycles, &decode_cycles); }
util::Task<util::Result<ShellResistance>> Peer::shell_resistance() {
  return read_one(Command::shell_resistance, &decode_shell);
}

util::Task<util::Result<Calendar>> Peer::clock() {
  auto frames = co_await transact(Command::clock);
  if (!frames) co_return tl::unexpected(frames.error());
  co_return decode_clock(m_dispatcher.map(), Command::clock, frames->front());
}

util::Task<util::Result<std::vector<int>>> Peer::cell_voltages() {
  auto c = co_await ensure_connected();
  if (!c) co_return tl::unexpected(c.error());
  const int count = c->cell_count;
  auto frames = co_await transact(Command::cell_voltages, response_frames(Command::cell_voltages, count, 0));
  if (!frames) co_return tl::unexpected(frames.error());
  co_return decode_cell_voltages(m_dispatcher.map(), *frames, count);
}

util::Task<util::Result<std::vector<int>>> Peer::temperatures() {
  auto c = co_await ensure_connected();
  if (!c) co_return tl::unexpected(c.error());
  const int count = c->sensor_count;
  auto frames = co_await transact(Command::temperatures, response_frames(Command::temperatures, 0, count));
  if (!frames) co_return tl::unexpected(frames.error());
  co_return decode_temperatures(m_dispatcher.map(), *frames, count);
}

util::Task<util::Result<Calendar>> Peer::set_clock(Calendar time) {
  auto request = encode_set_clock(m_dispatcher.map(), time, {m_address, m_dispatcher.options().tool});
  if (!request) co_return tl::unexpected(request.error());
  auto frames = co_await run(PollRequest{Command::set_clock, *request, 1, std::nullopt});
  if (!frames) co_return tl::unexpected(frames.error());
  co_return decode_clock(m_dispatcher.map(), Command::set_clock, frames->front());
}

util::Task<util::Result<void>> Peer::sleep() {
  auto frames = co_await transact(Command::sleep);
  if (!frames) co_return tl::unexpected(frames.error());
  co_return util::Result<void>{};
}

util::Task<util::Result<std::vector<Discovered>>> Dispatcher::discover(util::Duration window) {
  auto request = encode_request(m_map, Command::connect, {k_broadcast, m_options.tool});
  if (!request) co_return tl::unexpected(request.error());
  auto answer = co_await Transact{*this, nullptr, PollRequest{Command::connect, *request, 1, window}, {}};
  if (!answer) co_return tl::unexpected(answer.error());
  std::vector<Discovered> found;
  for (const can::Frame& f : answer->frames) {
    auto info = decode_connect(m_map, f);
    if (!info) continue;
    const auto address = static_cast<std::uint8_t>(f.id & 0xFF);
    peer(address).m_connection = *info;  // the broadcast opened its session
    found.push_back({address, *info});
  }
  co_return found;
}

}  // namespace bms
