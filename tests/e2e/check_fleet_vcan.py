"""Judges what payload_fleet_vcan.sh left in its result dir (run inside UML): 16 packs on a
real SocketCAN bus, every multi-pack command's values, and from each capture the protocol's
rules: never two requests outstanding to one BMS (rockets-can-v1 §3.2 rule 4), several BMSs in
flight at once."""
import json
import re

from results import check, finish, rc, read

PACKS = list(range(1, 17))
SERIALS = {a: f"RKS3611A201000{122 + a}" for a in PACKS}


def objects(name):
    return [json.loads(line) for line in read(name + ".out").splitlines() if line.strip()]


def capture(name):
    """(time, id, data) of every frame of the capture."""
    return [(float(t), int(i, 16), d) for t, i, d in
            re.findall(r"^\((\d+\.\d+)\) vcan0 ([0-9A-F]+)#([0-9A-F]*)$", read(name + ".log"), re.M)]


def concurrency(name):
    """The most BMSs with a request of ours outstanding at one time, and whether any BMS ever
    had two. A request is outstanding from its frame to the first answer from that BMS (or the
    next request to it, a repeat)."""
    outstanding = {}
    most, twice = 0, False
    for t, ident, data in capture(name):
        if ident >> 24 != 0x18 or (ident >> 16) & 0xFF == 0xDA:
            continue
        dst, src = (ident >> 8) & 0xFF, ident & 0xFF
        if src == 0x40 and dst != 0xFF:  # our request to one BMS
            if outstanding.get(dst):
                twice = twice or not is_repeat(name, dst)
            outstanding[dst] = True
        elif dst == 0x40:  # an answer (the first frame of a multi-frame one ends the wait)
            outstanding[src] = False
        most = max(most, sum(1 for v in outstanding.values() if v))
    return most, twice


def is_repeat(name, dst):
    return False  # a repeat only follows silence; with every pack answering there is none


for name in ("scan", "status", "settime", "check", "list"):
    check(rc(name + ".rc") == 0, f"{name} exit 0 ({read(name + '.err').strip()}), {read(name + '.ms').strip()} ms")

scan = objects("scan")
packs = scan[0].get("packs", []) if scan else []
check([p["address"] for p in packs] == PACKS, f"scan finds the 16 packs: {[p['address'] for p in packs]}")
check({p["address"]: p["serial"] for p in packs} == SERIALS, "scan: every serial")

status = objects("status")
check([o.get("address") for o in status] == PACKS, "status: one object per pack, in order")
check(all(o.get("voltage_mv") == 36423 and o.get("rsoc_pct") == 40 for o in status), "status: every pack's values")
check({o.get("address"): o.get("serial") for o in status} == SERIALS, "status: every serial")

settime = objects("settime")
check([o.get("address") for o in settime] == PACKS, "settime: every pack")
check(all(o.get("verified") and o.get("time_set") == "2030-01-01T00:00:00" for o in settime),
      "settime: every pack set and verified")

check_objects = objects("check")
check([o.get("address") for o in check_objects] == PACKS, "check: every pack")
check(read("check.xml").count("<testsuite ") == 16, "check: one JUnit suite per pack")

listed = objects("list")
check([o.get("address") for o in listed] == [3, 5, 6, 7], "a list: exactly those packs")

for name in ("status", "settime", "check"):
    most, twice = concurrency(name)
    check(not twice, f"{name}: never two requests outstanding to one BMS")
    check(most >= 8, f"{name}: several BMSs in flight at once (at most {most})")

finish()
