#pragma once
// The candump log format (`candump -L`), both ways: one frame per line,
//   (1700000000.123456) can0 18104001#00008E47FFFFFFF8
// the format canplayer, log2long, python-can, SavvyCAN and Wireshark read. --trace writes it,
// `rocketctl decode` reads it.
//
// Written: seconds zero-padded to 10 digits and microseconds to 6 (as candump does);
// extended ids as 8 hex digits, standard ids as 3; data as upper-case hex pairs; remote frames
// `ID#R`, `ID#R<len>` when the length is not 0; error frames as candump -L writes them, the
// id holding CAN_ERR_FLAG (0x20000000) and the class bits, 8 data bytes. DLC 9..15 is written
// as its 8 bytes (no `_X` suffix: python-can and older readers do not know it).
// Read: the above, plus data bytes separated by '.', the `_X` DLC suffix (len8_dlc), any
// number of fraction digits (kept to the microsecond), a trailing direction flag (" R", " T")
// and a trailing '\r'. CAN FD lines (`ID##F...`) are refused as unsupported: rockets-can-v1 is
// classical CAN and can::Frame holds 8 bytes.
//
// Parsing allocates nothing: the record's iface views the line.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "can/frame.hpp"
#include "util/result.hpp"

namespace can {

// The kernel's error-frame ABI (linux/can/error.h), so that this file builds anywhere.
namespace canerr {
inline constexpr std::uint32_t flag = 0x20000000U;       // CAN_ERR_FLAG
inline constexpr std::uint32_t mask = 0x1FFFFFFFU;       // CAN_ERR_MASK
inline constexpr std::uint32_t tx_timeout = 0x001U;      // CAN_ERR_TX_TIMEOUT
inline constexpr std::uint32_t lostarb = 0x002U;         // CAN_ERR_LOSTARB
inline constexpr std::uint32_t crtl = 0x004U;            // CAN_ERR_CRTL, data[1]
inline constexpr std::uint32_t prot = 0x008U;            // CAN_ERR_PROT, data[2], data[3]
inline constexpr std::uint32_t trx = 0x010U;             // CAN_ERR_TRX
inline constexpr std::uint32_t ack = 0x020U;             // CAN_ERR_ACK
inline constexpr std::uint32_t busoff = 0x040U;          // CAN_ERR_BUSOFF
inline constexpr std::uint32_t buserror = 0x080U;        // CAN_ERR_BUSERROR
inline constexpr std::uint32_t restarted = 0x100U;       // CAN_ERR_RESTARTED
inline constexpr std::uint32_t cnt = 0x200U;             // CAN_ERR_CNT: data[6] tx, data[7] rx
inline constexpr std::uint8_t crtl_rx_overflow = 0x01;   // data[1] bits
inline constexpr std::uint8_t crtl_tx_overflow = 0x02;
inline constexpr std::uint8_t crtl_rx_warning = 0x04;
inline constexpr std::uint8_t crtl_tx_warning = 0x08;
inline constexpr std::uint8_t crtl_rx_passive = 0x10;
inline constexpr std::uint8_t crtl_tx_passive = 0x20;
inline constexpr std::uint8_t prot_loc_ack = 0x19;       // data[3]: ACK slot
inline constexpr std::uint8_t prot_loc_ack_del = 0x1B;   // data[3]: ACK delimiter
}  // namespace canerr

// One line of a candump log.
struct CandumpRecord {
  std::int64_t time_us = 0;  // the timestamp, microseconds (since the epoch for live captures)
  std::string_view iface;    // views the parsed line
  // A data or remote frame; for an error frame, id = the class bits (CAN_ERR_FLAG removed),
  // extended, and the error data (dlc as written, normally 8).
  Frame frame;
  bool error = false;  // an error frame: CAN_ERR_FLAG was set in the id
};

// Microseconds since the epoch of a wall-clock time.
std::int64_t to_micros(std::chrono::system_clock::time_point t);

// Appends one line, '\n' included, to `out`. The iface must hold no whitespace.
void append_candump(fmt::memory_buffer& out, std::int64_t time_us, std::string_view iface,
                    const Frame& frame);
void append_candump(fmt::memory_buffer& out, const CandumpRecord& record);
// The line without its '\n'.
std::string format_candump(const CandumpRecord& record);

// The error frame a controller would report for `error` (the SocketCAN encoding that
// socketcan.cpp reads back): class bits, data[1] controller state, data[6]/[7] counters.
CandumpRecord error_record(std::int64_t time_us, std::string_view iface, const BusError& error);
// The fault an error frame reports (as SocketCAN's translation): `record.error` must be set.
BusError bus_error_of(const CandumpRecord& record);

// Parses one line (without its '\n'). Returns nullptr and fills `out`, or a static text
// saying what is wrong ("id: 3 hex digits (standard) or 8 (extended) expected"); the caller
// adds the line number. `out.iface` views `line`.
const char* parse_candump(std::string_view line, CandumpRecord& out);
// The same as a Result: Errc::malformed with the text above.
util::Result<CandumpRecord> parse_candump_line(std::string_view line);

}  // namespace can
