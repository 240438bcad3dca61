#pragma once
// The UDS client of the diagnostic channel (rockets-can-v1 §6): one request at a time over an
// isotp::Link. Negative responses are Errc::refused with detail = the NRC (named in the
// message); response pending (0x78) extends the wait to P2* as often as the server repeats it;
// no retry loop against a lockout (NRC 0x36 / 0x37).

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "isotp/link.hpp"
#include "uds/nrc.hpp"

namespace uds {

struct Options {
  // The server answers within P2 = 50 ms (P2* = 5000 ms after 0x78); the tool allows more for
  // slow adapters and loaded hosts.
  util::Duration p2 = std::chrono::milliseconds(250);
  util::Duration p2_star = std::chrono::milliseconds(5500);
  // A request is sent again this many times when no response at all comes within P2 (a lost
  // frame). Never after a negative response.
  int retries = 2;
  // Between requests, keep a programming session alive: send TesterPresent (3E 80) when this
  // long has passed since the last request (see keep_alive()).
  util::Duration tester_present_every = std::chrono::milliseconds(2000);
  std::function<bool()> cancelled;
};

struct Counters {
  int requests = 0;     // requests sent, retries and TesterPresent included
  int retries = 0;
  int pending = 0;      // 0x78 responses seen
  int negative = 0;     // negative responses (0x78 excluded)
  int ignored = 0;      // responses to another service (or late repeats of the previous answer)
  int lost = 0;         // tries that got no response at all within P2
};

struct DownloadGrant {
  std::size_t max_block = 0;  // maxNumberOfBlockLength: the whole 0x36 request must fit it
};

class Client {
public:
  Client(isotp::Link& link, Options options = {});

  // Sends `request` and returns the positive response (SID + 0x40 first). With `suppress`
  // (the request has bit 0x80 set in its sub-function) success without a response is an
  // empty vector: the client waits P2 for a possible negative response.
  util::Result<std::vector<std::uint8_t>> request(std::span<const std::uint8_t> request);

  util::Result<void> session_control(std::uint8_t session);  // 10 xx
  util::Result<void> ecu_reset(std::uint8_t type = 0x01);    // 11 01
  // 22 DID: the data after the echoed DID.
  util::Result<std::vector<std::uint8_t>> read_did(std::uint16_t did);
  // 27 01 then 27 02 with security_key(seed); an all-zero seed means already unlocked.
  util::Result<void> unlock();
  // 31 01 RID data → the routine status record (bytes after the echoed RID).
  util::Result<std::vector<std::uint8_t>> start_routine(std::uint16_t rid, std::span<const std::uint8_t> data);
  // 34 00 44 addr size / 35 00 44 addr size → maxNumberOfBlockLength.
  util::Result<DownloadGrant> request_download(std::uint32_t address, std::uint32_t size);
  util::Result<DownloadGrant> request_upload(std::uint32_t address, std::uint32_t size);
  // 36 counter data → the response data after the echoed counter. A lost response is retried
  // with the same counter (the server acknowledges a repeat without writing twice).
  util::Result<std::vector<std::uint8_t>> transfer_data(std::uint8_t counter, std::span<const std::uint8_t> data);
  util::Result<void> transfer_exit();  // 37
  util::Result<void> tester_present();  // 3E 80 (suppressed)
  // Sends TesterPresent if tester_present_every has passed since the last request.
  util::Result<void> keep_alive();

  const Counters& counters() const { return m_counters; }
  Options& options() { return m_options; }
  isotp::Link& link() { return m_link; }

private:
  enum class Verdict { answer, ignore, malformed };
  // Waits until `deadline` for the next message, in slices of at most 100 ms when a cancel
  // check is set.
  util::Result<std::optional<std::vector<std::uint8_t>>> next_message(util::TimePoint deadline);
  // What a positive response to `request` looks like: its echo of the request.
  Verdict judge(std::span<const std::uint8_t> request, std::span<const std::uint8_t> response) const;
  // request() without the bookkeeping of repeated requests; m_sends counts its sends.
  util::Result<std::vector<std::uint8_t>> exchange(std::span<const std::uint8_t> request);
  util::Error no_answer(std::uint8_t sid, int tries) const;
  util::Result<DownloadGrant> request_transfer(Sid sid, std::uint32_t address, std::uint32_t size);

  isotp::Link& m_link;
  Options m_options;
  Counters m_counters;
  util::TimePoint m_last_request{};
  // The last request that was sent more than once: a late second answer to it may still come
  // during a later request, and is ignored there rather than taken for a wrong answer.
  std::vector<std::uint8_t> m_repeated;
  int m_sends = 0;
};

}  // namespace uds
