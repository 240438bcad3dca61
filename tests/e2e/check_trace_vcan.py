"""Judges what payload_trace_vcan.sh left in its result dir (run inside UML)."""
import json
import re

from results import check, finish, rc, read

LINE = re.compile(r"^\((\d+)\.(\d{6})\) (\S+) ([0-9A-F]{3}|[0-9A-F]{8})#([0-9A-F]*)$")


def log(name):
    """(time in us, iface, 'ID#DATA') of every line of a candump log; None for a bad line."""
    out = []
    for line in read(name).splitlines():
        m = LINE.match(line)
        out.append((int(m.group(1)) * 1000000 + int(m.group(2)), m.group(3),
                    m.group(4) + "#" + m.group(5)) if m else None)
    return out


# 1. the exchanges, captured by candump and traced by the tool
check(rc("status.rc") == 0, f"status exit 0 ({read('status.err').strip()})")
check(rc("log.rc") == 0, f"log dump exit 0 ({read('log.err').strip()})")
capture = log("capture.log")
status_trace = log("status_trace.log")
dump_trace = log("dump_trace.log")
check(len(capture) > 30 and None not in capture, f"candump captured {len(capture)} frames")
check(len(status_trace) >= 24 and None not in status_trace,
      f"--trace of status: {len(status_trace)} candump -L lines")
check(len(dump_trace) >= 8 and None not in dump_trace,
      f"--trace of log dump: {len(dump_trace)} candump -L lines")
check(all(t[1] == "vcan0" for t in status_trace + dump_trace if t), "the iface column is vcan0")
traced = [t[2] for t in status_trace + dump_trace if t]
check(traced == [c[2] for c in capture if c],
      "the two --trace files hold every frame candump saw, in the same order")
# Received frames carry the kernel's receive time: the one candump reports for the same frame.
captured_at = {}
for c in capture:
    if c:
        captured_at.setdefault(c[2], []).append(c[0])
received = [t for t in status_trace + dump_trace if t and t[2][:8].endswith("4001")]
same = sum(1 for t in received if t[0] in captured_at.get(t[2], []))
check(received and same == len(received),
      f"every received frame's time is the kernel's, as candump's ({same} of {len(received)})")
times = [t[0] for t in status_trace if t]
check(times[-1] - times[0] < 10_000_000, "the trace spans the command's seconds")

# 2. decode of the candump capture
check(rc("decode.rc") == 0, f"decode exit 0 ({read('decode.err').strip()})")
text = read("capture.txt")
pack = [c[2].split("#")[1] for c in capture if c and c[2].startswith("18104001#")][0]
volts = int(pack[0:8], 16) / 1000
amps = int.from_bytes(bytes.fromhex(pack[8:16]), "big", signed=True) / 1000
check(f"vcan0 01->40 PACK response: PackVoltage={volts:.3f} V, PackCurrent={amps:.3f} A" in text,
      f"decode shows the PACK values of the captured frame ({volts:.3f} V, {amps:.3f} A)")
check("IDENTITY response: Serial=RKS3611A201000123" in text, "decode assembles the serial number")
check(re.search(r"CELL VOLTAGES response: CellVoltage1=3\.642 V, .*CellVoltage10=3\.642 V$", text, re.M)
      is not None, "decode assembles the 10 cell voltages")
check("STATUS response: flags=D_MOS C_MOS" in text, "decode names the status flags")
check("01->40 UDS ReadDataByIdentifier response: did=0xF1A0, data=event log, records=42" in text,
      "decode reassembles the F1A0 answer (ISO-TP) and names the service")
for service in ("RequestUpload request: address=0x40000000, size=672 B",
                "RequestUpload response: max_block_length=4095 B",
                "TransferData request: counter=1", "TransferData response: counter=1, data=672 B",
                "RequestTransferExit request", "RequestTransferExit response"):
    check(f"UDS {service}" in text, f"decode shows UDS {service}")
check("incomplete" not in text and "given up" not in text, "no message left incomplete")

check(rc("decode_json.rc") == 0, f"decode --json exit 0 ({read('decode_json.err').strip()})")
objects = [json.loads(l) for l in read("capture.json").splitlines() if l.strip()]
status = json.loads(read("status.json") or "{}")
pack_json = [o for o in objects if o.get("name") == "PACK" and o.get("direction") == "response"]
check(pack_json and round(pack_json[0]["signals"]["PackVoltage"]["value"] * 1000) == status.get("voltage_mv"),
      "decode --json's pack voltage is what status read")
check(len(objects) == len(text.splitlines()), "one JSON object per text line")

check(rc("decode_trace.rc") == 0, f"decode of the --trace file exit 0 ({read('decode_trace.err').strip()})")
strip = lambda s: [l.split(" ", 1)[1] for l in s.splitlines()]  # without the time
check(strip(read("status_trace.txt")) == strip(text)[:len(read("status_trace.txt").splitlines())],
      "the --trace file decodes as the candump capture does")

# 3. canplayer replays each --trace file; candump sees the same frames byte for byte
for t, trace in (("status", status_trace), ("dump", dump_trace)):
    check(rc(f"canplayer_{t}.rc") == 0, f"canplayer -I {t}_trace.log exit 0 ({read(f'canplayer_{t}.out').strip()})")
    replay = log(f"replay_{t}.log")
    check([r[2] for r in replay if r] == [x[2] for x in trace if x],
          f"replayed {t} trace captured again byte for byte ({len(replay)} frames)")

finish()
