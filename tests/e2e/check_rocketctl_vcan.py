"""Judges what payload_rocketctl_vcan.sh left in its result dir (run inside UML)."""
import json
import re

from results import check, finish, rc, read


# status --json against the reference battery (rockets-can-v1 §11)
check(rc("status.rc") == 0, f"status exit 0 (stderr: {read('status.err').strip()})")
try:
    s = json.loads(read("status.json"))
except ValueError as e:
    s = {}
    check(False, f"status --json parses: {e}")
check(s.get("serial") == "RKS3611A201000123", "status serial")
check((s.get("voltage_mv"), s.get("current_ma")) == (36423, -8), "status pack voltage and current")
check((s.get("rsoc_pct"), s.get("remaining_capacity_mah"), s.get("full_capacity_mah")) == (40, 4732, 11600),
      "status capacity")
check(s.get("temperature", {}).get("sensors_dc") == [211, 212], "status sensors")
check(s.get("temperature", {}).get("mos_dc") == 227, "status MOS temperature")
check(s.get("status", {}).get("word") == 0x41 and s.get("status", {}).get("normal") is True, "status lights")
check((s.get("cycle_count"), s.get("longest_uncharged_h")) == (0, 95), "status cycles")
check(s.get("firmware") == "1.4.2" and s.get("hardware_revision") == 3, "status firmware and hardware")
check(str(s.get("bms_time", "")).startswith("2020-10-17T16:4"), "status BMS time")

# cells --json
check(rc("cells.rc") == 0, "cells exit 0")
c = json.loads(read("cells.json") or "{}")
check([x["voltage_mv"] for x in c.get("cells", [])] ==
      [3642, 3643, 3641, 3644, 3642, 3643, 3642, 3641, 3643, 3642], "cells voltages")
check((c.get("highest_cell"), c.get("lowest_cell"), c.get("diff_mv")) == (4, 3, 3), "cells summary")

# faults
check(rc("faults.rc") == 0, "faults exit 0 (all normal)")
check("normal" in read("faults.txt"), "faults says normal")

# the capture: candump -L lines "(1732.123456) vcan0 18010140#0100000000000000"
captured = re.findall(r"^\((\d+\.\d+)\) vcan0 ([0-9A-F]+#[0-9A-FR]*)$", read("capture.log"), re.M)
frames = [f for _, f in captured]
check(len(frames) > 20, f"capture holds the exchange ({len(frames)} frames)")
for frame, what in (("18010140#0100000000000000", "CONNECT request"),
                    ("18014001#010A020301040200", "CONNECT response"),
                    ("18100140#0000000000000000", "PACK request"),
                    ("18104001#00008E47FFFFFFF8", "PACK response")):
    check(frame in frames, f"{what} on the wire byte for byte: {frame}")
# The status exchange: from its CONNECT request to the SHELL RESISTANCE answer, its last.
start = frames.index("18010140#0100000000000000") if "18010140#0100000000000000" in frames else 0
end = next((i for i in range(start, len(frames)) if frames[i].startswith("18194001#")), len(frames) - 1)
during = frames[start:end]
check("18104001#112233" in during, "an injected DLC-3 PACK answer arrived during the status exchange")
check("123#1122334455667788" in during, "an injected 11-bit frame arrived during the status exchange")
on_bus_ms = (float(captured[end][0]) - float(captured[start][0])) * 1000
print(f"figure: status exchange on vcan0 (first request to last answer, simulator delay 30 ms): "
      f"{on_bus_ms:.1f} ms")

# simulate stops cleanly on SIGINT
check(rc("simulate.rc") == 0, "simulate exits 0 on Ctrl-C")

# no battery: no-answer status within its timeout
check(rc("noanswer.rc") == 3, f"no battery: exit 3 (got {read('noanswer.rc').strip()})")
check("no answer from BMS 0x01" in read("noanswer.err"), "no battery: message")
ms = int(read("noanswer_ms.txt"))
# 3 tries x 250 ms, plus a process start that takes about a second inside UML (the exact 750 ms
# are asserted in simulated time by tests/protocol).
check(ms < 4000, f"no battery: gave up after {ms} ms (3 tries x 250 ms, plus start-up in UML)")

times = sorted(int(x) for x in read("status_ms.txt").split())
print(f"figure: one status on vcan0, process start to exit inside UML: {times} ms")
# On the bus, per run: from the CONNECT request to the SHELL RESISTANCE answer.
timed = re.findall(r"^\((\d+\.\d+)\) vcan0 ([0-9A-F]+)#", read("timing.log"), re.M)
runs, start = [], None
for t, ident in timed:
    if ident == "18010140":
        start = float(t)
    elif ident == "18194001" and start is not None:
        runs.append(round((float(t) - start) * 1000, 1))
        start = None
check(len(runs) == 5, f"five status exchanges captured ({len(runs)})")
print(f"figure: one status exchange on vcan0 (simulator answering after 2 ms): {sorted(runs)} ms")

finish()
