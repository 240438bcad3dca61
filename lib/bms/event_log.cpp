// The pack's event log (rockets-can-v1 §7): the 16-byte records, the layout of DID F1A0, and
// the upload that reads every record over UDS (RequestUpload, TransferData, RequestTransferExit).
#include "bms/event_log.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "util/bytes.hpp"

namespace bms {
namespace {

using util::get_be16;
using util::get_be32;

void put16(std::uint8_t* out, std::uint16_t v) {
  out[0] = static_cast<std::uint8_t>(v >> 8);
  out[1] = static_cast<std::uint8_t>(v);
}

// value / unit rounded half away from zero, clamped to [lo, hi]: the wire's resolution.
std::int64_t scaled(std::int64_t value, std::int64_t unit, std::int64_t lo, std::int64_t hi) {
  const std::int64_t half = unit / 2;
  const std::int64_t q = value >= 0 ? (value + half) / unit : -((-value + half) / unit);
  return std::clamp(q, lo, hi);
}

struct Known {
  EventCode code;
  const char* name;
  const char* key;
};
constexpr Known k_events[] = {
    {EventCode::raised, "protection / error raised", "raised"},
    {EventCode::released, "protection / error released", "released"},
    {EventCode::power_on, "power on / reset", "power_on"},
    {EventCode::standby, "entered standby", "standby"},
    {EventCode::woke, "woke up", "woke"},
    {EventCode::clock_set, "clock set", "clock_set"},
    {EventCode::charge_started, "charge started", "charge_started"},
    {EventCode::charge_ended, "charge ended", "charge_ended"},
    {EventCode::firmware_updated, "firmware updated", "firmware_updated"},
};

const Known* find_event(std::uint8_t code) {
  for (const Known& k : k_events)
    if (static_cast<std::uint8_t>(k.code) == code) return &k;
  return nullptr;
}

}  // namespace

std::string event_name(std::uint8_t code) {
  if (const Known* k = find_event(code)) return k->name;
  return fmt::format("unknown event 0x{:02X}", code);  // §7: shown, not an error
}

std::string event_key(std::uint8_t code) {
  if (const Known* k = find_event(code)) return k->key;
  return fmt::format("unknown_0x{:02x}", code);
}

EventRecord decode_record(std::span<const std::uint8_t, k_record_size> b) {
  EventRecord r;
  r.time_s = get_be32(b, 0);
  r.code = b[4];
  // 0xFF = no flag. Kept for any code, so that encode_record gives back the same bytes.
  if (b[5] != 0xFF) r.flag = b[5];
  r.voltage_mv = std::int64_t{get_be16(b, 6)} * 10;
  r.current_ma = std::int64_t{static_cast<std::int16_t>(get_be16(b, 8))} * 10;
  r.max_cell_mv = get_be16(b, 10);
  r.min_cell_mv = get_be16(b, 12);
  r.max_temp_c = static_cast<std::int8_t>(b[14]);
  r.rsoc_pct = b[15];
  return r;
}

std::array<std::uint8_t, k_record_size> encode_record(const EventRecord& r) {
  std::array<std::uint8_t, k_record_size> b{};
  b[0] = static_cast<std::uint8_t>(r.time_s >> 24);
  b[1] = static_cast<std::uint8_t>(r.time_s >> 16);
  b[2] = static_cast<std::uint8_t>(r.time_s >> 8);
  b[3] = static_cast<std::uint8_t>(r.time_s);
  b[4] = r.code;
  b[5] = r.flag ? static_cast<std::uint8_t>(std::clamp(*r.flag, 0, 0xFE)) : 0xFF;
  put16(&b[6], static_cast<std::uint16_t>(scaled(r.voltage_mv, 10, 0, 0xFFFF)));
  put16(&b[8], static_cast<std::uint16_t>(
                   static_cast<std::int16_t>(scaled(r.current_ma, 10, INT16_MIN, INT16_MAX))));
  put16(&b[10], static_cast<std::uint16_t>(std::clamp(r.max_cell_mv, 0, 0xFFFF)));
  put16(&b[12], static_cast<std::uint16_t>(std::clamp(r.min_cell_mv, 0, 0xFFFF)));
  b[14] = static_cast<std::uint8_t>(static_cast<std::int8_t>(std::clamp(r.max_temp_c, -128, 127)));
  b[15] = static_cast<std::uint8_t>(std::clamp(r.rsoc_pct, 0, 255));
  return b;
}

Calendar record_time(const EventRecord& record) { return from_seconds(record.time_s); }

util::Result<LogLayout> decode_layout(std::span<const std::uint8_t> d) {
  if (d.size() < 9)
    return util::fail(util::Errc::malformed,
                      fmt::format("event log layout (DID F1A0) of {} bytes, expected 9", d.size()));
  LogLayout layout;
  layout.count = get_be16(d, 0);
  layout.capacity = get_be16(d, 2);
  layout.record_size = d[4];
  layout.base = get_be32(d, 5);
  return layout;
}

namespace {

// One upload of the whole log (§7), the layout read first.
util::Result<EventLog> upload_event_log(uds::Client& uds,
                                        const std::function<void(std::size_t, std::size_t)>& progress) {
  auto did = uds.read_did(uds::k_did_event_log);
  if (!did) return util::with_context(did.error(), "reading the event log layout");
  auto layout = decode_layout(*did);
  if (!layout) return tl::unexpected(layout.error());
  if (layout->record_size != static_cast<int>(k_record_size))
    return util::fail(util::Errc::malformed,
                      fmt::format("the BMS keeps event records of {} bytes; this tool reads the "
                                  "16-byte records of rockets-can-v1: update rocketctl",
                                  layout->record_size));

  EventLog log;
  log.layout = *layout;
  if (layout->count == 0) return log;  // §7: nothing to upload

  const std::size_t total = static_cast<std::size_t>(layout->count) * k_record_size;
  auto grant = uds.request_upload(layout->base, static_cast<std::uint32_t>(total));
  // (Errc::lost: our own first RequestUpload went through and its answer was lost.)
  if (!grant && (grant.error().code == util::Errc::refused || grant.error().code == util::Errc::lost) &&
      grant.error().detail == static_cast<int>(uds::Nrc::conditions_not_correct)) {
    // Most likely our own upload, abandoned (Ctrl-C, a lost adapter): a session change ends
    // a transfer (§12). Another tool's transfer refuses that too, and the error stands.
    // Found by tests/fault: when the session change itself went unanswered, the 0x22 was
    // reported ("conditions not correct", exit 5) instead of the silence.
    auto ended = uds.session_control(0x01);
    if (!ended) return util::with_context(ended.error(), "ending an abandoned event log upload");
    grant = uds.request_upload(layout->base, static_cast<std::uint32_t>(total));
  }
  if (!grant) return util::with_context(grant.error(), "starting the event log upload");

  std::vector<std::uint8_t> data;
  data.reserve(total);
  std::uint8_t counter = 0x01;  // 01, 02 … FF, 00, 01 …
  while (data.size() < total) {
    auto block = uds.transfer_data(counter, {});
    if (!block)
      return util::with_context(block.error(),
                                fmt::format("uploading the event log ({} of {} bytes)", data.size(), total));
    // Blocks larger than the grant are taken as they are: the data is what counts.
    if (block->empty())
      return util::fail(util::Errc::malformed,
                        fmt::format("event log upload: block 0x{:02X} carries no data after {} of "
                                    "{} bytes",
                                    counter, data.size(), total));
    if (data.size() + block->size() > total)
      return util::fail(util::Errc::malformed,
                        fmt::format("event log upload: the BMS sent {} bytes, more than the {} it "
                                    "announced ({} records)",
                                    data.size() + block->size(), total, layout->count));
    data.insert(data.end(), block->begin(), block->end());
    if (progress) progress(data.size(), total);
    counter = static_cast<std::uint8_t>(counter + 1);
  }
  if (auto exit = uds.transfer_exit(); !exit) {
    // Found by tests/fault: a pack that restarted after sending the last block has no upload
    // left to end and answers 0x24; every byte is in, so the log stands.
    const bool nothing_to_end = (exit.error().code == util::Errc::refused || exit.error().code == util::Errc::lost) &&
                                exit.error().detail == static_cast<int>(uds::Nrc::sequence_error);
    if (!nothing_to_end) return util::with_context(exit.error(), "ending the event log upload");
  }

  log.records.reserve(static_cast<std::size_t>(layout->count));
  for (std::size_t at = 0; at < total; at += k_record_size)
    log.records.push_back(decode_record(std::span<const std::uint8_t, k_record_size>(data.data() + at, k_record_size)));
  return log;
}

bool sequence_error(const util::Error& e) {
  return (e.code == util::Errc::refused || e.code == util::Errc::lost) &&
         e.detail == static_cast<int>(uds::Nrc::sequence_error);
}

}  // namespace

util::Result<EventLog> read_event_log(uds::Client& uds,
                                      const std::function<void(std::size_t, std::size_t)>& progress) {
  auto log = upload_event_log(uds, progress);
  // Found by tests/fault: a pack that restarts during the upload has forgotten it, and its
  // next TransferData gets NRC 0x24 (request sequence error): exit 5 with words that do not
  // say what happened. The log is read again from the start, once (the layout too: the
  // restart has logged a record).
  if (!log && sequence_error(log.error())) log = upload_event_log(uds, progress);
  return log;
}

}  // namespace bms
