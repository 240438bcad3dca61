#pragma once
// `rocketctl decode`: one decoded message (bms::Message) as one line of text or one JSON
// object, appended to a buffer (the command writes it out in large blocks).
//
// Text: TIME IFACE SRC->DST NAME DIRECTION[ (note)][: field=value unit, ...]
//   1764000000.124000 sim 01->40 PACK response: PackVoltage=36.423 V, PackCurrent=-0.008 A
//   1764000000.125000 sim 01->40 SET CLOCK NAK: invalid parameter (0x02)
//   1764000000.131000 sim 40->01 UDS ReadDataByIdentifier request: did=0xF1A0, data=event log
//   1764000000.140000 sim bus error: no acknowledgement on the bus: ...
//   1764000000.150000 sim raw 123#112233 (standard id (not this protocol))
// JSON: {"time":1764000000.124,"iface":"sim","kind":"poll","id":"18104001","src":1,"dst":64,
//        "name":"PACK","direction":"response","complete":true,
//        "signals":{"PackVoltage":{"value":36.423,"unit":"V"},...}} (see rocketctl(1)).

#include <fmt/format.h>

#include "bms/decoder.hpp"

namespace cli {

void render_decoded(fmt::memory_buffer& out, const bms::Message& m);
void decoded_json(fmt::memory_buffer& out, const bms::Message& m);

}  // namespace cli
