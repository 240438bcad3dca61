// Fuzz target: poll responses as the tool really takes them in: bms::Client on the virtual
// hub (simulated time) against a BMS whose answers are the fuzz input. Covers what fuzz_poll
// does not: matching answers to the request by identifier, frame numbers out of range,
// duplicates, NAKs (BUSY retried, NO SESSION reconnected), frames from another BMS, late frames.
// Input: operations until it ends. Each is one byte (op % 13 picks the client call); each
// request the scripted BMS sees takes a reply count byte (0..7), then per reply a flags byte
// (low nibble DLC; 0x10 a NAK instead of the command's answer; 0x20 sent 300 ms late, past
// the timeout; 0x40 from BMS 0x02) and 8 data bytes.
// Checks: a reading of cell voltages or temperatures has as many values as the last CONNECT
// announced;
// a serial has at most 21 printable characters; the counters never go negative.
#include "bms/client.hpp"
#include "can/hub.hpp"
#include "fuzz_common.hpp"

namespace {

class ScriptedBms final : public can::Node {
public:
  explicit ScriptedBms(fuzz::Input& in) : m_in(in) {}
  void on_frame(const can::Frame& f) override {
    const auto pid = bms::parse_poll_id(f.id);
    if (!pid || pid->dst != bms::k_default_bms) return;
    const int replies = m_in.u8() % 8;
    for (int i = 0; i < replies && !m_in.empty(); ++i) {
      const std::uint8_t flags = m_in.u8();
      const std::uint8_t cmd = (flags & 0x10) ? 0x7F : pid->cmd;
      const std::uint8_t from = (flags & 0x40) ? 0x02 : bms::k_default_bms;
      can::Frame r = can::make_frame(bms::poll_id(cmd, pid->src, from), m_in.take(8));
      r.dlc = flags & 0x0F;
      const auto delay = (flags & 0x20) ? std::chrono::milliseconds(300) : std::chrono::milliseconds(2 * (i + 1));
      context().transmit(r, context().now() + delay);
    }
  }

private:
  fuzz::Input& m_in;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  can::Hub hub(can::Hub::Options{can::Hub::Timing::simulated, 0, false});
  ScriptedBms bms(in);
  hub.attach(bms, "bms");
  auto port = hub.open_port("tool");
  bms::Client client(*port, bms::FrameMap::builtin());

  for (int n = 0; n < 16 && !in.empty(); ++n) {
    switch (in.u8() % 13) {
      case 0: (void)client.connect(); break;
      case 1:
        if (auto s = client.serial()) {
          FUZZ_CHECK(s->size() <= 21, "serial of %zu characters", s->size());
          for (char c : *s) FUZZ_CHECK(c >= 0x20 && c <= 0x7E, "serial character 0x%02X", c);
        }
        break;
      case 2: (void)client.pack(); break;
      case 3: (void)client.capacity(); break;
      case 4: (void)client.temperature_summary(); break;
      case 5: (void)client.cell_summary(); break;
      case 6:
        if (auto mv = client.cell_voltages(); mv && client.connection())
          FUZZ_CHECK(mv->size() == static_cast<std::size_t>(client.connection()->cell_count),
                     "%zu cell voltages for %d cells", mv->size(), client.connection()->cell_count);
        break;
      case 7:
        if (auto dc = client.temperatures(); dc && client.connection())
          FUZZ_CHECK(dc->size() == static_cast<std::size_t>(client.connection()->sensor_count),
                     "%zu temperatures for %d sensors", dc->size(), client.connection()->sensor_count);
        break;
      case 8: (void)client.status(); break;
      case 9: (void)client.cycles(); break;
      case 10: (void)client.clock(); break;
      case 11: (void)client.shell_resistance(); break;
      case 12: (void)client.set_clock(bms::Calendar{2026, 11, 24, 10, 0, 0}); break;
    }
    const bms::ClientCounters& c = client.counters();
    FUZZ_CHECK(c.requests >= 0 && c.retries >= 0 && c.reconnects >= 0 && c.malformed >= 0 &&
                   c.duplicates >= 0,
               "negative counter");
  }
  hub.detach(bms);
  return 0;
}
