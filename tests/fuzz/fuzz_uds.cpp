// Fuzz target: UDS responses (§6, §12) as uds::Client reads them: positive responses and their
// echoes, negative responses, response pending, late and repeated answers. Input: a list of
// operations (first byte, then what the link serves: fuzz_link.hpp) run until the input ends,
// each operation one byte: op % 10 picks the client call. Checks: a positive result of
// request() starts with SID + 0x40 (or is empty for a suppressed request); a transfer grant
// is at least 3 bytes; the counters never go negative.
#include <vector>

#include "fuzz_link.hpp"
#include "uds/client.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::uint8_t ops = in.u8();  // how many operations; the rest of the input is served
  fakelink::FakeLink link;
  fuzz::serve_from(link, in);
  uds::Client client(link);

  for (int i = 0; i < (ops & 0x0F) + 1 && !in.empty(); ++i) {
    const std::uint8_t op = static_cast<std::uint8_t>(ops >> 4 ^ i * 7);
    switch (op % 10) {
      case 0: (void)client.session_control(0x02); break;
      case 1: (void)client.ecu_reset(); break;
      case 2: (void)client.read_did(uds::k_did_event_log); break;
      case 3: (void)client.unlock(); break;
      case 4: {
        const std::uint8_t range[] = {0x08, 0x00, 0x40, 0x00, 0x00, 0x01, 0xC0, 0x00};
        (void)client.start_routine(0xFF00, range);
        break;
      }
      case 5:
      case 6: {
        auto grant = op % 10 == 5 ? client.request_download(0x08004000, 0x1C000)
                                  : client.request_upload(0x40000000, 42 * 16);
        if (grant) FUZZ_CHECK(grant->max_block >= 3, "grant of %zu bytes", grant->max_block);
        break;
      }
      case 7: {
        const std::uint8_t block[] = {1, 2, 3, 4};
        (void)client.transfer_data(static_cast<std::uint8_t>(i + 1), block);
        break;
      }
      case 8: (void)client.transfer_exit(); break;
      case 9: {
        const std::uint8_t req[] = {0x31, 0x81, 0xFF, 0x01};  // suppressed: success may be empty
        auto r = client.request(req);
        if (r && !r->empty()) FUZZ_CHECK((*r)[0] == 0x71, "positive response 0x%02X", (*r)[0]);
        const std::uint8_t did[] = {0x22, 0xF1, 0x8C};
        auto d = client.request(did);
        if (d) FUZZ_CHECK(d->size() >= 3 && (*d)[0] == 0x62, "ReadDataByIdentifier answer");
        break;
      }
    }
    const uds::Counters& c = client.counters();
    FUZZ_CHECK(c.requests >= 0 && c.retries >= 0 && c.pending >= 0 && c.negative >= 0 &&
                   c.ignored >= 0 && c.lost >= 0,
               "negative counter");
  }
  return 0;
}
