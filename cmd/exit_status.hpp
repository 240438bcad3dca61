#pragma once
// rocketctl's documented exit statuses (README "Exit statuses", man page EXIT STATUS).

#include "util/result.hpp"

namespace cli {

enum ExitStatus : int {
  k_exit_ok = 0,           // done; every status light normal
  k_exit_faults = 1,       // done, but the pack reports something not normal
  k_exit_usage = 2,        // wrong command line or option value
  k_exit_no_answer = 3,    // the BMS did not answer (standby, unplugged, wrong address)
  k_exit_interface = 4,    // CAN interface or adapter missing, down or failing
  k_exit_refused = 5,      // the BMS refused the request (NAK)
  k_exit_bus_error = 6,    // the bus reports a fault (no acknowledgement, bus-off)
  k_exit_protocol = 7,     // malformed data: an answer, a DBC or a file that breaks its format
  k_exit_io = 8,           // a file could not be read or written
  k_exit_lost = 9,         // the pack stopped answering part-way: check it and run again
  k_exit_wrong_pack = 10,  // another pack answered than --expect-serial names; nothing written
  k_exit_verify = 11,      // a change was accepted but the read-back differs
  k_exit_rejected = 12,    // firmware image refused before anything was erased
  k_exit_shared_address = 13,  // two packs answer from one address; nothing was done there
  k_exit_internal = 70,    // a defect in rocketctl (sysexits' EX_SOFTWARE): please report it
  k_exit_interrupted = 130, // stopped by Ctrl-C / SIGTERM

  // `doctor` only: what is wrong with the link (0 = healthy: the BMS answers).
  k_exit_doctor_missing = 20,    // no such interface, or the transport cannot open it
  k_exit_doctor_down = 21,       // the interface is down
  k_exit_doctor_bitrate = 22,    // the controller runs at another bitrate than 250 kbit/s
  k_exit_doctor_bus_fault = 23,  // the controller is bus-off or error-passive
  k_exit_doctor_no_ack = 24,     // nothing acknowledges our frames: nothing else on the bus
  k_exit_doctor_silent = 25,     // the bus is alive but this BMS does not answer
  k_exit_doctor_asleep = 26,     // frames go out cleanly, nothing answers: the pack is asleep
};

ExitStatus exit_status_for(util::Errc code);

// The worse of two exit statuses, for a command on several packs: an error is worse than a
// pack not normal (1), which is worse than 0; among errors, one whose outcome is unknown or
// wrong (lost, read-back differs) is worse than one where nothing happened (no answer, refused).
int worse_exit(int a, int b);

// "no_answer", for JSON error objects.
const char* errc_name(util::Errc code);

}  // namespace cli
