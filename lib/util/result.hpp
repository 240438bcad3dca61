#pragma once
// Result<T>: the return type of every fallible libbms call.
// "No answer" and "refused" are ordinary outcomes, not exceptions; only cmd/ turns an Error
// into the one-line message and the documented exit status.

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace util {

// What went wrong, coarse enough to pick an exit status and a hint from.
enum class Errc {
  usage,            // an argument or option value is invalid
  no_answer,        // the BMS did not answer (after retries)
  refused,          // the BMS answered with a NAK or a UDS negative response (detail = the code)
  not_ready,        // the tool will not do this to the pack as it is now (bootloader mode, in use)
  shared_address,   // two packs answer from one address: nothing can be trusted or written there
  interface_error,  // the CAN interface or adapter is missing, down or failed
  bus_error,        // the bus reports a fault: no acknowledgement, bus-off, error-passive
  malformed,        // input that breaks its format: a DBC line, a frame, a file
  io,               // a file could not be read or written
  cancelled,        // interrupted by the user (SIGINT / SIGTERM)
  lost,             // the BMS stopped answering part-way through a change: its outcome is unknown
  wrong_pack,       // another pack answered than the one the user named (--expect-serial)
  verify_failed,    // a change was accepted but reading it back shows something else
  rejected,         // the tool refuses before changing anything: a firmware image that does not fit
  internal,         // a defect in rocketctl itself (an unexpected exception)
};

struct Error {
  Errc code = Errc::malformed;
  std::string message;  // lower-case, no trailing period: "no answer from BMS 0x01 after 3 tries"
  int detail = -1;      // wire value where one exists: NAK reason, NRC; -1 otherwise

  // Prepends what the caller was doing: "reading cell voltages: " + message.
  Error& context(std::string_view what) {
    message = std::string(what) + ": " + message;
    return *this;
  }
};

template <class T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(Errc code, std::string message, int detail = -1) {
  return tl::unexpected<Error>(Error{code, std::move(message), detail});
}

// Passes an error up with context added: `return util::with_context(r.error(), "reading PACK");`
inline tl::unexpected<Error> with_context(Error e, std::string_view what) {
  e.context(what);
  return tl::unexpected<Error>(std::move(e));
}

}  // namespace util
