"""Judges what payload_settime_vcan.sh left in its result dir (run inside UML)."""
import csv
import json

from results import check, finish, rc, read

COLUMNS = ["time", "serial", "address", "result", "bms_time_before", "drift_before_s", "time_set",
           "bms_time_after", "drift_after_s", "message"]


# 1. scan and settime --all on two packs
check(rc("scan.rc") == 0, f"scan exit 0 ({read('scan.err').strip()})")
scan = json.loads(read("scan.json") or "{}")
packs = scan.get("packs", [])
check([p["address"] for p in packs] == [1, 2], f"scan finds packs 1 and 2: {packs}")
check(len({p["serial"] for p in packs}) == 2, "scan: two different serials")
check(scan.get("shared_addresses") == [], "scan: no shared address")

check(rc("settime_all.rc") == 0, f"settime --all exit 0 ({read('settime_all.err').strip()})")
results = [json.loads(line) for line in read("settime_all.json").splitlines()]
check([r.get("address") for r in results] == [1, 2], "settime --all: both packs")
check(all(r.get("verified") and abs(r.get("drift_after_s", 99)) <= 1 for r in results),
      "settime --all: both verified, drift after within 1 s")

# 2. the bench report, row by row
check(rc("bench.rc") == 0, f"bench exit 0 ({read('bench.err').strip()})")
lines = read("bench.csv").splitlines()
check(lines and lines[0] == ",".join(COLUMNS), "bench report header")
rows = list(csv.DictReader(read("bench.csv").splitlines()))
check(len(rows) == 3, f"bench report has 3 rows ({len(rows)})")
check(len({r["serial"] for r in rows}) == 3, "bench: three different serials")
for r in rows:
    check(r["result"] == "set", f"bench row {r['serial']}: set")
    check(abs(int(r["drift_after_s"])) <= 1, f"bench row {r['serial']}: drift after {r['drift_after_s']} s")
    check(r["drift_before_s"] != "0", f"bench row {r['serial']}: the pack was drifted ({r['drift_before_s']} s)")
    check(len(r["time"]) == 19 and r["time"][10] == "T", f"bench row {r['serial']}: ISO 8601 time")
check("3 packs set, 0 failed" in read("bench.err"), "bench summary")

# 3. killed with SIGKILL: every row complete
killed = read("killed.csv")
check(killed.endswith("\n"), "killed report ends with a complete line")
krows = list(csv.reader(killed.splitlines()))
check(len(krows) >= 3, f"killed report has the header and at least two rows ({len(krows)})")
check(all(len(r) == len(COLUMNS) for r in krows), "every row of the killed report has every column")

# 4. sleep, then silence
check(rc("sleep.rc") == 0, f"sleep --yes exit 0 ({read('sleep.err').strip()})")
check("standby" in read("sleep.out"), "sleep says the pack is in standby")
check(rc("after_sleep.rc") == 3, f"status after sleep: no answer (exit {read('after_sleep.rc').strip()})")

# Time per pack: from its first CONNECT answer to the CLOCK answer that reads back the time
# just set (the report row is written right after it).
import re
frames = re.findall(r"^\((\d+\.\d+)\) vcan0 ([0-9A-F]+)#([0-9A-F]*)$", read("bench.log"), re.M)
per_pack = []
last_connect, parts, done_serial, pending, set_seen = None, {}, None, None, False
for t, ident, data in frames:
    t = float(t)
    if ident == "18014001":
        last_connect = t
    elif ident == "18024001" and len(data) == 16:
        parts[int(data[:2], 16)] = bytes.fromhex(data[2:]).split(b"\0")[0].decode("ascii", "replace")
        if len(parts) == 3:
            serial = parts[1] + parts[2] + parts[3]
            parts = {}
            if serial != done_serial and pending is None and last_connect is not None:
                pending = (serial, last_connect)  # a new pack: timed from its first answer
    elif ident == "18204001" and pending is not None:
        set_seen = True
    elif ident == "18184001" and set_seen and pending is not None:
        per_pack.append(round((t - pending[1]) * 1000, 1))
        done_serial, pending, set_seen = pending[0], None, False
check(len(per_pack) == 3, f"three calibrations seen on the bus ({len(per_pack)})")
print(f"figure: settime --auto, a pack's first answer to its verified read-back: {per_pack} ms")

finish()
