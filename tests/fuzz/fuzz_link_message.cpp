// Fuzz target: an rtnetlink RTM_NEWLINK message (what the kernel answers `rocketctl
// interfaces` and doctor about a CAN link) into can::parse_link_message. The kernel is trusted
// more than a file, but the parser walks nested attributes by their own lengths: a wrong
// length must not read past the message. Checks: the state name is one can_state_name gives.
#include <vector>

#include "can/interfaces.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A copy of exactly `size` bytes, aligned as the kernel's buffer is: ASan then sees a read
  // one byte past the message.
  std::vector<std::uint8_t> message(data, data + size);
  auto details = can::parse_link_message(message);
  if (!details) return 0;
  bool known = details->state.empty();
  for (std::uint32_t s = 0; s < 8 && !known; ++s) known = details->state == can::can_state_name(s);
  FUZZ_CHECK(known, "state '%s'", details->state.c_str());
  (void)fuzz::touch(details->kind);
  return 0;
}
