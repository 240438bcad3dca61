#pragma once
// UDS (ISO 14229-1) subset of rockets-can-v1 §6.1: service ids and negative response codes.

#include <cstdint>
#include <string>

namespace uds {

enum class Sid : std::uint8_t {
  session_control = 0x10,
  ecu_reset = 0x11,
  read_did = 0x22,
  security_access = 0x27,
  routine_control = 0x31,
  request_download = 0x34,
  request_upload = 0x35,
  transfer_data = 0x36,
  transfer_exit = 0x37,
  tester_present = 0x3E,
};
inline constexpr std::uint8_t k_negative = 0x7F;
inline constexpr std::uint8_t k_positive_offset = 0x40;
inline constexpr std::uint8_t k_suppress = 0x80;  // suppress-positive-response bit

enum class Nrc : std::uint8_t {
  service_not_supported = 0x11,
  subfunction_not_supported = 0x12,
  wrong_length = 0x13,
  conditions_not_correct = 0x22,
  sequence_error = 0x24,
  out_of_range = 0x31,
  security_denied = 0x33,
  invalid_key = 0x35,
  exceeded_attempts = 0x36,
  time_delay_not_expired = 0x37,
  transfer_not_accepted = 0x70,
  programming_failure = 0x72,
  wrong_block_counter = 0x73,
  response_pending = 0x78,
};

// "conditions not correct (0x22)"; "NRC 0x5A" for a code the reference does not use.
std::string nrc_name(std::uint8_t code);
// "RequestDownload"; "service 0x5A" otherwise.
std::string service_name(std::uint8_t sid);

// DIDs of §6.2.
inline constexpr std::uint16_t k_did_serial = 0xF18C;
inline constexpr std::uint16_t k_did_app_version = 0xF189;
inline constexpr std::uint16_t k_did_boot_version = 0xF180;
inline constexpr std::uint16_t k_did_hw_revision = 0xF193;
inline constexpr std::uint16_t k_did_event_log = 0xF1A0;
inline constexpr std::uint16_t k_did_app_area = 0xF1A1;

// Routines of §8.
inline constexpr std::uint16_t k_routine_erase = 0xFF00;
inline constexpr std::uint16_t k_routine_verify = 0xFF01;

// §6.3: key = (rotl32(seed XOR 0x524B5453, 11) + 0x13572468) mod 2^32.
std::uint32_t security_key(std::uint32_t seed);

}  // namespace uds
