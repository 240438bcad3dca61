#include "exit_status.hpp"

#include <iterator>

namespace cli {

ExitStatus exit_status_for(util::Errc code) {
  switch (code) {
    case util::Errc::usage: return k_exit_usage;
    case util::Errc::no_answer: return k_exit_no_answer;
    case util::Errc::refused: return k_exit_refused;
    case util::Errc::not_ready: return k_exit_refused;
    case util::Errc::shared_address: return k_exit_shared_address;
    case util::Errc::interface_error: return k_exit_interface;
    case util::Errc::bus_error: return k_exit_bus_error;
    case util::Errc::malformed: return k_exit_protocol;
    case util::Errc::io: return k_exit_io;
    case util::Errc::cancelled: return k_exit_interrupted;
    case util::Errc::lost: return k_exit_lost;
    case util::Errc::wrong_pack: return k_exit_wrong_pack;
    case util::Errc::verify_failed: return k_exit_verify;
    case util::Errc::rejected: return k_exit_rejected;
    case util::Errc::internal: return k_exit_internal;
  }
  return k_exit_internal;
}

int worse_exit(int a, int b) {
  // From least to most in need of attention.
  static constexpr int k_order[] = {k_exit_ok,        k_exit_faults,         k_exit_rejected,
                                    k_exit_wrong_pack, k_exit_refused,       k_exit_no_answer,
                                    k_exit_bus_error, k_exit_shared_address, k_exit_protocol,
                                    k_exit_io,        k_exit_verify,         k_exit_lost,
                                    k_exit_interface, k_exit_usage,          k_exit_internal,
                                    k_exit_interrupted};
  auto rank = [](int s) {
    for (std::size_t i = 0; i < std::size(k_order); ++i)
      if (k_order[i] == s) return static_cast<int>(i);
    return static_cast<int>(std::size(k_order));
  };
  return rank(b) > rank(a) ? b : a;
}

const char* errc_name(util::Errc code) {
  switch (code) {
    case util::Errc::usage: return "usage";
    case util::Errc::no_answer: return "no_answer";
    case util::Errc::refused: return "refused";
    case util::Errc::not_ready: return "not_ready";
    case util::Errc::shared_address: return "shared_address";
    case util::Errc::interface_error: return "interface";
    case util::Errc::bus_error: return "bus_error";
    case util::Errc::malformed: return "protocol";
    case util::Errc::io: return "io";
    case util::Errc::cancelled: return "interrupted";
    case util::Errc::lost: return "lost";
    case util::Errc::wrong_pack: return "wrong_pack";
    case util::Errc::verify_failed: return "verify_failed";
    case util::Errc::rejected: return "rejected";
    case util::Errc::internal: return "internal";
  }
  return "error";
}

}  // namespace cli
