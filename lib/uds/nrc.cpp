// Names of the UDS services and negative response codes of rockets-can-v1 §6.1, for messages a
// technician reads, and the security-access key of §6.3.
#include "uds/nrc.hpp"

#include <fmt/format.h>

namespace uds {

std::string nrc_name(std::uint8_t code) {
  const char* name = nullptr;
  switch (static_cast<Nrc>(code)) {
    case Nrc::service_not_supported: name = "service not supported"; break;
    case Nrc::subfunction_not_supported: name = "sub-function not supported"; break;
    case Nrc::wrong_length: name = "wrong message length"; break;
    case Nrc::conditions_not_correct: name = "conditions not correct"; break;
    case Nrc::sequence_error: name = "request sequence error"; break;
    case Nrc::out_of_range: name = "request out of range"; break;
    case Nrc::security_denied: name = "security access denied"; break;
    case Nrc::invalid_key: name = "invalid key"; break;
    case Nrc::exceeded_attempts: name = "exceeded number of attempts"; break;
    case Nrc::time_delay_not_expired: name = "required time delay not expired"; break;
    case Nrc::transfer_not_accepted: name = "upload/download not accepted"; break;
    case Nrc::programming_failure: name = "general programming failure"; break;
    case Nrc::wrong_block_counter: name = "wrong block sequence counter"; break;
    case Nrc::response_pending: name = "response pending"; break;
  }
  if (name == nullptr) return fmt::format("NRC 0x{:02X}", code);
  return fmt::format("{} (0x{:02X})", name, code);
}

std::string service_name(std::uint8_t sid) {
  switch (static_cast<Sid>(sid)) {
    case Sid::session_control: return "DiagnosticSessionControl";
    case Sid::ecu_reset: return "ECUReset";
    case Sid::read_did: return "ReadDataByIdentifier";
    case Sid::security_access: return "SecurityAccess";
    case Sid::routine_control: return "RoutineControl";
    case Sid::request_download: return "RequestDownload";
    case Sid::request_upload: return "RequestUpload";
    case Sid::transfer_data: return "TransferData";
    case Sid::transfer_exit: return "RequestTransferExit";
    case Sid::tester_present: return "TesterPresent";
  }
  return fmt::format("service 0x{:02X}", sid);
}

std::uint32_t security_key(std::uint32_t seed) {
  const std::uint32_t x = seed ^ 0x524B5453U;  // "RKTS"
  const std::uint32_t rotated = (x << 11) | (x >> 21);
  return rotated + 0x13572468U;  // unsigned: wraps mod 2^32
}

}  // namespace uds
