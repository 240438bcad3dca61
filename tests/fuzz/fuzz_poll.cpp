// Fuzz target: poll-protocol response frames (§4) into the decoders the client uses
// (bms/messages.hpp) with the built-in frame map. Input: cell count, sensor count, then frames
// of 13 bytes: identifier (big-endian u32; bit 31 = standard id, bit 30 = remote), DLC, 8 data
// bytes. Each frame goes to the single-frame decoder of its identifier's CMD (other CMDs pick
// one); frames whose identifier names IDENTITY, CELL VOLTAGES or TEMPERATURES are gathered, in
// order, for the multi-frame decoders.
// Checks: what decodes, encoded again (as the simulator does) and decoded, gives the same values.
#include <algorithm>
#include <iterator>
#include <vector>

#include "bms/messages.hpp"
#include "fuzz_common.hpp"

namespace {

const bms::Addresses k_rsp{0x40, 0x01};

// decode(encode(v)) == v for every value the decoder gave: the wire format has one meaning.
template <class T, class Enc, class Dec, class Eq>
void round_trip(const util::Result<T>& v, Enc enc, Dec dec, Eq eq, const char* what) {
  if (!v) return;
  auto frame = enc(*v);
  if (!frame) return;  // a value the encoder refuses (out of its signal's range)
  auto back = dec(*frame);
  FUZZ_CHECK(back, "%s: encoded value does not decode: %s", what, back.error().message.c_str());
  FUZZ_CHECK(eq(*v, *back), "%s: decode(encode(v)) != v", what);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bms;
  static const FrameMap& map = FrameMap::builtin();
  fuzz::Input in(data, size);
  const int cells = in.u8() % 40, sensors = in.u8() % 20;
  std::vector<can::Frame> identity, volts, temps;

  while (in.left() >= 5) {
    can::Frame f;
    const std::uint32_t id = in.be32();
    f.extended = (id & 0x80000000U) == 0;
    f.remote = (id & 0x40000000U) != 0;
    f.id = id & (f.extended ? can::k_max_extended_id : can::k_max_standard_id);
    f.dlc = in.u8() & 0x0F;
    auto bytes = in.take(8);
    std::copy(bytes.begin(), bytes.end(), f.data.begin());

    // As the client does: the identifier's CMD says which decoder reads the frame (any other
    // CMD picks one, so that every decoder sees every kind of frame).
    static constexpr Command k_single[] = {
        Command::connect, Command::pack,     Command::capacity,         Command::temp_summary,
        Command::cell_summary, Command::status, Command::cycles,        Command::clock,
        Command::shell_resistance, Command::set_clock, Command::sleep, Command::nak};
    const auto pid = parse_poll_id(f.id);
    const auto code = pid ? pid->cmd : static_cast<std::uint8_t>(f.id >> 16);
    Command cmd = static_cast<Command>(code);
    if (std::find(std::begin(k_single), std::end(k_single), cmd) == std::end(k_single))
      cmd = k_single[code % std::size(k_single)];
    switch (cmd) {
      case Command::connect:
        round_trip(decode_connect(map, f), [&](auto& v) { return encode_connect(map, v, k_rsp); },
                   [&](auto& g) { return decode_connect(map, g); },
                   [](auto& a, auto& b) { return a == b; }, "CONNECT");
        break;
      case Command::pack:
        round_trip(decode_pack(map, f), [&](auto& v) { return encode_pack(map, v, k_rsp); },
                   [&](auto& g) { return decode_pack(map, g); },
                   [](auto& a, auto& b) { return a.voltage_mv == b.voltage_mv && a.current_ma == b.current_ma; },
                   "PACK");
        break;
      case Command::capacity:
        round_trip(decode_capacity(map, f), [&](auto& v) { return encode_capacity(map, v, k_rsp); },
                   [&](auto& g) { return decode_capacity(map, g); },
                   [](auto& a, auto& b) {
                     return a.rsoc_pct == b.rsoc_pct && a.remaining_mah == b.remaining_mah &&
                            a.full_mah == b.full_mah;
                   },
                   "CAPACITY");
        break;
      case Command::temp_summary:
        round_trip(decode_temp_summary(map, f), [&](auto& v) { return encode_temp_summary(map, v, k_rsp); },
                   [&](auto& g) { return decode_temp_summary(map, g); },
                   [](auto& a, auto& b) {
                     return a.highest_dc == b.highest_dc && a.lowest_dc == b.lowest_dc &&
                            a.mos_dc == b.mos_dc && a.highest_sensor == b.highest_sensor &&
                            a.lowest_sensor == b.lowest_sensor;
                   },
                   "TEMPERATURE SUMMARY");
        break;
      case Command::cell_summary:
        round_trip(decode_cell_summary(map, f), [&](auto& v) { return encode_cell_summary(map, v, k_rsp); },
                   [&](auto& g) { return decode_cell_summary(map, g); },
                   [](auto& a, auto& b) {
                     return a.highest_mv == b.highest_mv && a.highest_cell == b.highest_cell &&
                            a.lowest_mv == b.lowest_mv && a.lowest_cell == b.lowest_cell &&
                            a.cell_count == b.cell_count;
                   },
                   "CELL SUMMARY");
        break;
      case Command::status:
        round_trip(decode_status(map, f), [&](auto& v) { return encode_status(map, v, k_rsp); },
                   [&](auto& g) { return decode_status(map, g); },
                   [](auto& a, auto& b) { return a.flags == b.flags && a.balancing == b.balancing; },
                   "STATUS");
        break;
      case Command::cycles:
        round_trip(decode_cycles(map, f), [&](auto& v) { return encode_cycles(map, v, k_rsp); },
                   [&](auto& g) { return decode_cycles(map, g); },
                   [](auto& a, auto& b) {
                     return a.count == b.count && a.longest_uncharged_h == b.longest_uncharged_h;
                   },
                   "CYCLES");
        break;
      case Command::clock:
      case Command::set_clock: {
        round_trip(decode_clock(map, cmd, f), [&](auto& v) { return encode_clock(map, cmd, v, k_rsp); },
                   [&](auto& g) { return decode_clock(map, cmd, g); },
                   [](auto& a, auto& b) { return a == b; }, "CLOCK");
        break;
      }
      case Command::shell_resistance:
        round_trip(decode_shell(map, f), [&](auto& v) { return encode_shell(map, v, k_rsp); },
                   [&](auto& g) { return decode_shell(map, g); },
                   [](auto& a, auto& b) {
                     return a.positive_kohm == b.positive_kohm && a.negative_kohm == b.negative_kohm;
                   },
                   "SHELL RESISTANCE");
        break;
      case Command::nak:
        round_trip(decode_nak(map, f), [&](auto& v) { return encode_nak(map, v, k_rsp); },
                   [&](auto& g) { return decode_nak(map, g); },
                   [](auto& a, auto& b) { return a.command == b.command && a.reason == b.reason; },
                   "NAK");
        break;
      case Command::sleep:
        (void)decode_sleep_request(map, f);
        break;
      default:
        break;
    }
    (void)decode_set_clock_request(map, f);

    if (pid && f.extended) {
      const auto cmd = static_cast<Command>(pid->cmd);
      if (is_numbered(cmd)) {
        auto n = frame_number(map, cmd, f);
        if (n) FUZZ_CHECK(*n >= 0 && *n <= 255, "frame number %d", *n);
      }
      if (cmd == Command::identity) identity.push_back(f);
      if (cmd == Command::cell_voltages) volts.push_back(f);
      if (cmd == Command::temperatures) temps.push_back(f);
    }
  }

  if (auto serial = decode_identity(map, identity)) {
    FUZZ_CHECK(serial->size() <= 21, "serial of %zu characters", serial->size());
    if (auto frames = encode_identity(map, *serial, k_rsp)) {
      auto back = decode_identity(map, *frames);
      FUZZ_CHECK(back && *back == *serial, "IDENTITY: decode(encode(serial)) != serial");
    }
  }
  if (auto mv = decode_cell_voltages(map, volts, cells)) {
    FUZZ_CHECK(mv->size() == static_cast<std::size_t>(cells), "%zu cell voltages", mv->size());
    if (auto frames = encode_cell_voltages(map, *mv, k_rsp)) {
      auto back = decode_cell_voltages(map, *frames, cells);
      FUZZ_CHECK(back && *back == *mv, "CELL VOLTAGES: decode(encode(v)) != v");
    }
  }
  if (auto dc = decode_temperatures(map, temps, sensors)) {
    FUZZ_CHECK(dc->size() == static_cast<std::size_t>(sensors), "%zu temperatures", dc->size());
    if (auto frames = encode_temperatures(map, *dc, k_rsp)) {
      auto back = decode_temperatures(map, *frames, sensors);
      FUZZ_CHECK(back && *back == *dc, "TEMPERATURES: decode(encode(v)) != v");
    }
  }
  return 0;
}
