-- rockets.lua: a Wireshark (4.0 and later) dissector for the RocketS SMART CAN protocol,
-- rockets-can-v1: the poll protocol of §3-§5 (every command by name, requests, responses and
-- NAKs with their reasons, the 27 status flags by name, values in the units of §10).
--
-- It registers for the 29-bit identifiers 0x18 CMD DST SRC between a tool (0x40-0x4F) and a
-- BMS (0x01-0x3F), and broadcast CONNECT (DST 0xFF), in the "can.extended_id" table. The
-- diagnostic channel (0x18DA....: ISO-TP and UDS, §6) is left to Wireshark's own ISO 15765 and
-- UDS dissectors; Wireshark 4.0 binds ISO 15765 to extended ids only through its preferences,
-- so give them once (the ids 0x18DA0000-0x18DAFFFF in decimal):
--   tshark/wireshark -o iso15765.can.extended_ids:416940032-417005567 -d iso15765.subdissector,uds
-- or in Wireshark: Preferences > Protocols > ISO 15765 > CAN IDs (extended), and
-- Analyze > Decode As... > ISO15765 next level dissector: UDS.
--
-- Install: copy this file to ~/.local/lib/wireshark/plugins/ (per user; see `tshark -G folders`,
-- "Personal Lua Plugins"), or install rocketctl, which puts it in Wireshark's global Lua
-- plugin folder. Or load it for one run: tshark -X lua_script:rockets.lua -r trace.log
-- Wireshark reads candump log files (rocketctl --trace, candump -L) directly.

local rockets = Proto("rockets", "RocketS SMART CAN protocol (rockets-can-v1)")

local commands = {
  [0x01] = "CONNECT", [0x02] = "IDENTITY", [0x10] = "PACK", [0x11] = "CAPACITY",
  [0x12] = "TEMPERATURE SUMMARY", [0x13] = "CELL SUMMARY", [0x14] = "CELL VOLTAGES",
  [0x15] = "TEMPERATURES", [0x16] = "STATUS", [0x17] = "CYCLES", [0x18] = "CLOCK",
  [0x19] = "SHELL RESISTANCE", [0x20] = "SET CLOCK", [0x21] = "SLEEP", [0x7F] = "NAK",
}
local nak_reasons = {
  [0x01] = "unknown command", [0x02] = "invalid parameter", [0x03] = "busy, try again",
  [0x04] = "conditions not met", [0x05] = "no session: send CONNECT first",
}
-- §5: bit n of the status word; normal = bits 0 and 6 (0x00000041).
local flags = {
  [0] = {"D-MOS", "discharge MOSFET on"}, {"UV", "cell under-voltage protection"},
  {"DOC", "discharge over-current protection"}, {"DOL", "discharge overload protection"},
  {"SC", "short-circuit protection"}, {"PF", "permanent failure"},
  {"C-MOS", "charge MOSFET on"}, {"OV", "cell over-voltage protection"},
  {"COC", "charge over-current protection"}, {"TOV", "pack (total) over-voltage protection"},
  {"TUV", "pack (total) under-voltage protection"},
  {"ODV", "cell over-differential-voltage (imbalance)"}, {"DOT", "discharge over-temperature"},
  {"DUT", "discharge under-temperature"}, {"COT", "charge over-temperature"},
  {"CUT", "charge under-temperature"}, {"MOS-OT", "MOSFET over-temperature"},
  {"LR", "low remaining capacity"}, {"P-MOS", "pre-charge MOSFET on"},
  {"E2-E", "EEPROM error"}, {"AFE-E", "analog front-end (cell monitor) error"},
  {"RTC-E", "real-time clock error"}, {"2nd-OT", "secondary (hardware) over-temperature protection"},
  {"2nd-OV", "secondary (hardware) over-voltage protection"},
  {"D-MOS-E", "discharge MOSFET failure"}, {"C-MOS-E", "charge MOSFET failure"},
  {"P-MOS-E", "pre-charge MOSFET failure"},
}

local f = rockets.fields
f.cmd = ProtoField.uint8("rockets.cmd", "Command", base.HEX, commands)
f.dst = ProtoField.uint8("rockets.dst", "Destination", base.HEX)
f.src = ProtoField.uint8("rockets.src", "Source", base.HEX)
f.kind = ProtoField.string("rockets.kind", "Kind")  -- request, response, NAK
f.frame = ProtoField.uint8("rockets.frame", "Frame number")
-- CONNECT
f.version = ProtoField.uint8("rockets.connect.version", "Protocol version")
f.cells = ProtoField.uint8("rockets.connect.cells", "Cell count")
f.sensors = ProtoField.uint8("rockets.connect.sensors", "Temperature sensor count")
f.hw = ProtoField.uint8("rockets.connect.hardware", "Hardware revision")
f.fw = ProtoField.string("rockets.connect.firmware", "Firmware version")
f.mode = ProtoField.uint8("rockets.connect.mode", "Mode", base.DEC, {[0] = "application", [1] = "bootloader"})
-- IDENTITY
f.serial_part = ProtoField.string("rockets.identity.part", "Serial number characters")
-- PACK
f.voltage = ProtoField.double("rockets.pack.voltage", "Pack voltage (V)")
f.current = ProtoField.double("rockets.pack.current", "Pack current (A)")
-- CAPACITY
f.rsoc = ProtoField.uint8("rockets.capacity.rsoc", "RSOC (%)")
f.rcap = ProtoField.uint32("rockets.capacity.remaining", "Remaining capacity (mAh)")
f.fullcap = ProtoField.uint32("rockets.capacity.full", "Full-charge capacity (mAh)")
-- TEMPERATURE SUMMARY
f.t_high = ProtoField.double("rockets.temp.highest", "Highest cell temperature (°C)")
f.t_low = ProtoField.double("rockets.temp.lowest", "Lowest cell temperature (°C)")
f.t_mos = ProtoField.double("rockets.temp.mos", "MOSFET temperature (°C)")
f.t_high_sensor = ProtoField.uint8("rockets.temp.highest_sensor", "Sensor with the highest temperature")
f.t_low_sensor = ProtoField.uint8("rockets.temp.lowest_sensor", "Sensor with the lowest temperature")
-- CELL SUMMARY
f.c_high = ProtoField.double("rockets.cells.highest", "Highest cell voltage (V)")
f.c_high_cell = ProtoField.uint8("rockets.cells.highest_cell", "Cell with the highest voltage")
f.c_low = ProtoField.double("rockets.cells.lowest", "Lowest cell voltage (V)")
f.c_low_cell = ProtoField.uint8("rockets.cells.lowest_cell", "Cell with the lowest voltage")
f.c_count = ProtoField.uint8("rockets.cells.count", "Cell count")
f.c_diff = ProtoField.uint16("rockets.cells.diff_mv", "Max diff-voltage (mV)")
-- CELL VOLTAGES, TEMPERATURES
f.cell = ProtoField.uint8("rockets.cell", "Cell")
f.cell_v = ProtoField.double("rockets.cell.voltage", "Cell voltage (V)")
f.sensor = ProtoField.uint8("rockets.sensor", "Sensor")
f.sensor_t = ProtoField.double("rockets.sensor.temperature", "Sensor temperature (°C)")
-- STATUS
f.status = ProtoField.uint32("rockets.status.word", "Status word", base.HEX)
f.status_names = ProtoField.string("rockets.status.on", "Lights on")
f.status_normal = ProtoField.bool("rockets.status.normal", "Normal (0x00000041)")
f.balancing = ProtoField.uint32("rockets.status.balancing", "Balancing word", base.HEX)
local flag_fields = {}
for bit = 0, 26 do
  local name = flags[bit][1]
  local abbr = "rockets.status." .. name:lower():gsub("[^%w]", "_")
  flag_fields[bit] = ProtoField.bool(abbr, name .. ": " .. flags[bit][2], 32, nil, 2 ^ bit)
  f["flag" .. bit] = flag_fields[bit]
end
-- CYCLES
f.cycles = ProtoField.uint16("rockets.cycles.count", "Cycle count")
f.luchg = ProtoField.uint16("rockets.cycles.luchg", "L-UCHG: longest time without charging (h)")
-- CLOCK, SET CLOCK
f.time = ProtoField.string("rockets.clock", "BMS time (local)")
-- SHELL RESISTANCE
f.shell_pos = ProtoField.uint16("rockets.shell.positive", "Shell to B+ (kΩ)")
f.shell_neg = ProtoField.uint16("rockets.shell.negative", "Shell to B- (kΩ)")
-- SLEEP
f.guard = ProtoField.uint16("rockets.sleep.guard", "Guard bytes", base.HEX)
-- NAK
f.nak_cmd = ProtoField.uint8("rockets.nak.command", "Refused command", base.HEX, commands)
f.nak_reason = ProtoField.uint8("rockets.nak.reason", "Reason", base.HEX, nak_reasons)

local can_id = Field.new("can.id")

local function is_tool(a) return a >= 0x40 and a <= 0x4F end
local function is_bms(a) return a >= 0x01 and a <= 0x3F end
local function testbit(word, bit) return math.floor(word / 2 ^ bit) % 2 == 1 end
local function fmt3(v) return string.format("%.3f", v) end
local function fmt1(v) return string.format("%.1f", v) end

-- Adds a double field with its value and a label "Name: value unit".
local function add_value(tree, field, range, value, label)
  tree:add(field, range, value, label)
end

local function clock_text(tvb)
  return string.format("%04d-%02d-%02d %02d:%02d:%02d", 2000 + tvb(0, 1):uint(), tvb(1, 1):uint(),
                       tvb(2, 1):uint(), tvb(3, 1):uint(), tvb(4, 1):uint(), tvb(5, 1):uint())
end

-- Each returns the summary for the Info column.
local responses = {}

responses[0x01] = function(tvb, tree)
  local fw = string.format("%d.%d.%d", tvb(4, 1):uint(), tvb(5, 1):uint(), tvb(6, 1):uint())
  if fw == "255.255.255" then fw = "none (no valid application)" end
  tree:add(f.version, tvb(0, 1))
  tree:add(f.cells, tvb(1, 1))
  tree:add(f.sensors, tvb(2, 1))
  tree:add(f.hw, tvb(3, 1))
  tree:add(f.fw, tvb(4, 3), fw)
  tree:add(f.mode, tvb(7, 1))
  return string.format("%d cells, %d sensors, hw %d, fw %s, %s", tvb(1, 1):uint(), tvb(2, 1):uint(),
                       tvb(3, 1):uint(), fw, tvb(7, 1):uint() == 1 and "bootloader" or "application")
end

responses[0x02] = function(tvb, tree)
  local chars = tvb(1, 7):string()
  local nul = chars:find("\0", 1, true)  -- padded at the end with 0x00
  if nul then chars = chars:sub(1, nul - 1) end
  tree:add(f.frame, tvb(0, 1))
  tree:add(f.serial_part, tvb(1, 7), chars)
  return string.format("frame %d \"%s\"", tvb(0, 1):uint(), chars)
end

responses[0x10] = function(tvb, tree)
  local v = tvb(0, 4):uint() / 1000
  local a = tvb(4, 4):int() / 1000
  add_value(tree, f.voltage, tvb(0, 4), v, "Pack voltage: " .. fmt3(v) .. " V")
  add_value(tree, f.current, tvb(4, 4), a, "Pack current: " .. fmt3(a) .. " A" ..
            (a > 0 and " (charging)" or a < 0 and " (discharging)" or ""))
  return fmt3(v) .. " V, " .. fmt3(a) .. " A"
end

responses[0x11] = function(tvb, tree)
  tree:add(f.rsoc, tvb(0, 1))
  tree:add(f.rcap, tvb(1, 3))
  tree:add(f.fullcap, tvb(4, 3))
  return string.format("%d %%, %d mAh, %d mAh", tvb(0, 1):uint(), tvb(1, 3):uint(), tvb(4, 3):uint())
end

responses[0x12] = function(tvb, tree)
  local hi, lo, mos = tvb(0, 2):int() / 10, tvb(2, 2):int() / 10, tvb(4, 2):int() / 10
  add_value(tree, f.t_high, tvb(0, 2), hi, "Highest cell temperature: " .. fmt1(hi) .. " °C")
  add_value(tree, f.t_low, tvb(2, 2), lo, "Lowest cell temperature: " .. fmt1(lo) .. " °C")
  add_value(tree, f.t_mos, tvb(4, 2), mos, "MOSFET temperature: " .. fmt1(mos) .. " °C")
  tree:add(f.t_high_sensor, tvb(6, 1))
  tree:add(f.t_low_sensor, tvb(7, 1))
  return string.format("%s (sensor %d), %s (sensor %d), MOS %s °C", fmt1(hi), tvb(6, 1):uint(),
                       fmt1(lo), tvb(7, 1):uint(), fmt1(mos))
end

responses[0x13] = function(tvb, tree)
  local hi, lo = tvb(0, 2):uint(), tvb(3, 2):uint()
  add_value(tree, f.c_high, tvb(0, 2), hi / 1000, "Highest cell voltage: " .. fmt3(hi / 1000) .. " V")
  tree:add(f.c_high_cell, tvb(2, 1))
  add_value(tree, f.c_low, tvb(3, 2), lo / 1000, "Lowest cell voltage: " .. fmt3(lo / 1000) .. " V")
  tree:add(f.c_low_cell, tvb(5, 1))
  tree:add(f.c_count, tvb(6, 1))
  tree:add(f.c_diff, tvb(0, 5), hi - lo):set_generated()
  return string.format("max %s V #%d, min %s V #%d, %d cells", fmt3(hi / 1000), tvb(2, 1):uint(),
                       fmt3(lo / 1000), tvb(5, 1):uint(), tvb(6, 1):uint())
end

-- CELL VOLTAGES and TEMPERATURES: three slots of frame k, for items 3k-2 .. 3k.
local function triples(tvb, tree, item_field, value_field, empty, scale, unit, signed)
  local k = tvb(0, 1):uint()
  tree:add(f.frame, tvb(0, 1))
  local shown = {}
  for slot = 0, 2 do
    local range = tvb(1 + 2 * slot, 2)
    local raw = signed and range:int() or range:uint()
    if range:uint() ~= empty then
      local n = 3 * k - 2 + slot
      local value = raw / scale
      local text = (scale == 1000 and fmt3(value) or fmt1(value))
      local sub = tree:add(item_field, range, n)
      add_value(sub, value_field, range, value, text .. " " .. unit)
      sub:set_text(string.format("%s %d: %s %s", unit == "V" and "Cell" or "Sensor", n, text, unit))
      shown[#shown + 1] = text
    end
  end
  return string.format("frame %d: %s %s", k, table.concat(shown, ", "), unit)
end

responses[0x14] = function(tvb, tree) return triples(tvb, tree, f.cell, f.cell_v, 0xFFFF, 1000, "V", false) end
responses[0x15] = function(tvb, tree) return triples(tvb, tree, f.sensor, f.sensor_t, 0x7FFF, 10, "°C", true) end

responses[0x16] = function(tvb, tree)
  local word = tvb(0, 4):uint()
  local status = tree:add(f.status, tvb(0, 4))
  local on = {}
  for bit = 0, 26 do
    status:add(flag_fields[bit], tvb(0, 4))
    if testbit(word, bit) then on[#on + 1] = flags[bit][1] end
  end
  local names = #on > 0 and table.concat(on, ", ") or "none"
  tree:add(f.status_names, tvb(0, 4), names)
  tree:add(f.status_normal, tvb(0, 4), word == 0x41):set_generated()
  tree:add(f.balancing, tvb(4, 4))
  local balancing = tvb(4, 4):uint()
  return string.format("0x%08X on: %s; %s", word, names,
                       balancing == 0 and "no balancing" or string.format("balancing 0x%08X", balancing))
end

responses[0x17] = function(tvb, tree)
  tree:add(f.cycles, tvb(0, 2))
  tree:add(f.luchg, tvb(2, 2))
  return string.format("%d cycles, L-UCHG %d h", tvb(0, 2):uint(), tvb(2, 2):uint())
end

responses[0x18] = function(tvb, tree)
  local t = clock_text(tvb)
  tree:add(f.time, tvb(0, 6), t)
  return t
end
responses[0x20] = responses[0x18]

responses[0x19] = function(tvb, tree)
  local pos, neg = tvb(0, 2):uint(), tvb(2, 2):uint()
  local function text(v) return v == 0xFFFF and "not measured (NULL)" or (v .. " kΩ") end
  tree:add(f.shell_pos, tvb(0, 2)):append_text(pos == 0xFFFF and " (not measured)" or "")
  tree:add(f.shell_neg, tvb(2, 2)):append_text(neg == 0xFFFF and " (not measured)" or "")
  if pos == 0xFFFF and neg == 0xFFFF then return "not measured (NULL)" end
  return "B+ " .. text(pos) .. ", B- " .. text(neg)
end

responses[0x21] = function(tvb, tree)
  return tvb(0, 1):uint() == 0 and "accepted: entering standby" or "unexpected answer"
end

responses[0x7F] = function(tvb, tree)
  tree:add(f.nak_cmd, tvb(0, 1))
  tree:add(f.nak_reason, tvb(1, 1))
  local cmd, reason = tvb(0, 1):uint(), tvb(1, 1):uint()
  return string.format("%s refused: %s (0x%02X)", commands[cmd] or string.format("0x%02X", cmd),
                       nak_reasons[reason] or "unknown reason", reason)
end

local requests = {}
requests[0x01] = function(tvb, tree)
  tree:add(f.version, tvb(0, 1))
  return string.format("protocol version %d", tvb(0, 1):uint())
end
requests[0x20] = function(tvb, tree)
  local t = clock_text(tvb)
  tree:add(f.time, tvb(0, 6), t)
  return t
end
requests[0x21] = function(tvb, tree)
  tree:add(f.guard, tvb(0, 2))
  return tvb(0, 2):uint() == 0xA55A and "guard A5 5A" or string.format("bad guard %04X", tvb(0, 2):uint())
end

function rockets.dissector(tvb, pinfo, tree)
  local id = can_id()
  if id == nil then return 0 end
  id = id.value
  local cmd = math.floor(id / 0x10000) % 0x100
  local dst = math.floor(id / 0x100) % 0x100
  local src = id % 0x100
  local response = is_tool(dst) and is_bms(src)
  local kind = response and "response" or "request"
  local name = commands[cmd] or string.format("0x%02X", cmd)

  pinfo.cols.protocol = "RocketS"
  local t = tree:add(rockets, tvb(), string.format("RocketS %s %s, 0x%02X -> 0x%02X", name, kind, src, dst))
  t:add(f.cmd, cmd):set_generated()
  t:add(f.dst, dst):set_generated()
  t:add(f.src, src):set_generated()
  t:add(f.kind, kind):set_generated()

  local summary = ""
  if tvb:len() < 8 then
    t:add_expert_info(PI_MALFORMED, PI_WARN, "DLC below 8: dropped by a receiver (§1)")
    summary = "malformed (DLC < 8)"
  else
    local decode = (response and responses or requests)[cmd]
    if decode then summary = decode(tvb, t) end
  end
  pinfo.cols.info = string.format("%s %s 0x%02X->0x%02X%s", name, kind, src, dst,
                                  summary ~= "" and (": " .. summary) or "")
  return tvb:len()
end

-- The identifiers of the protocol (§3.1, §2): requests tool -> BMS (and broadcast CONNECT),
-- responses and NAKs BMS -> tool. 0xDA (the diagnostic channel) is never a poll command.
local function poll_id(cmd, dst, src) return 0x18000000 + cmd * 0x10000 + dst * 0x100 + src end
local table_ext = DissectorTable.get("can.extended_id")
for tool = 0x40, 0x4F do
  for cmd, _ in pairs(commands) do
    for bms = 0x01, 0x3F do
      if cmd ~= 0x7F then table_ext:add(poll_id(cmd, bms, tool), rockets) end
      table_ext:add(poll_id(cmd, tool, bms), rockets)
    end
  end
  table_ext:add(poll_id(0x01, 0xFF, tool), rockets)
end
