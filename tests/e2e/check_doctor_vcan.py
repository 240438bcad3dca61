"""Judges what payload_doctor_vcan.sh left in its result dir (run inside UML)."""
import json

from results import check, finish, rc, read

HINT = "run 'rocketctl doctor' for details"


def case(name, status, diagnosis, *needles):
    text = read(f"{name}.txt")
    check(rc(f"{name}.rc") == status, f"{name}: exit {status} (got {rc(name + '.rc')}: {text.strip()} {read(name + '.err').strip()})")
    check(rc(f"{name}.json.rc") == status, f"{name}: --json exit {status}")
    for n in needles:
        check(n in text, f"{name}: says {n!r}")
    try:
        j = json.loads(read(f"{name}.json"))
    except ValueError:
        check(False, f"{name}: --json prints one object ({read(name + '.json')!r})")
        return {}
    check(j.get("diagnosis") == diagnosis, f"{name}: diagnosis {diagnosis} (got {j.get('diagnosis')})")
    check(j.get("exit_status") == status, f"{name}: exit_status {status} in the JSON")
    return j


j = case("missing", 20, "interface_missing", "no CAN interface 'vcan9'", "CAN interfaces here: vcan0 (up, virtual)")
check(any(i["name"] == "vcan0" and i["virtual"] for i in j.get("details", {}).get("can_interfaces", [])),
      "missing: the JSON lists vcan0 as a virtual CAN interface")

case("down", 21, "interface_down", "interface vcan1 is down", "sudo ip link set vcan1 up")

errframes = read("errframes.log")
check(rc("cansend.rc") == 0, f"cansend sends an error frame ({read('cansend.err').strip()})")
check("20000020#" in errframes, f"candump with an error mask receives it ({errframes.strip()!r})")
j = case("noack", 24, "no_ack", "nothing acknowledges our frames on vcan0", "data connector")
probe = (j.get("details") or {}).get("probe") or {}
check(probe.get("bus_errors", {}).get("no_ack", 0) >= 1, f"noack: no_ack events counted ({probe.get('bus_errors')})")

j = case("traffic", 25, "bms_silent", "the bus is alive", "BMS 0x01 does not answer on vcan0")
probe = (j.get("details") or {}).get("probe") or {}
check((probe.get("example_frame") or "").startswith("123#1122334455667788"),
      f"traffic: the example is cangen's frame ({probe.get('example_frame')})")

j = case("asleep", 26, "bms_asleep", "the battery is in standby", "charge it for 1-2 s")
probe = (j.get("details") or {}).get("probe") or {}
check(probe.get("requests") == 4 and probe.get("other_frames") == 0,
      f"asleep: 3 tries and a broadcast, nothing else on the bus ({probe})")
first = read("status_asleep.err").splitlines()[:1]
check(rc("status_asleep.rc") == 3 and bool(first) and first[0].endswith(HINT),
      f"status of an asleep pack: exit 3, its message ends with the doctor hint ({first})")

j = case("other", 25, "bms_silent", "BMS 0x01 does not answer on vcan0, but BMS 0x02 does", "--address 2")
check(((j.get("details") or {}).get("probe") or {}).get("other_addresses") == [2], "other: names address 2")
case("other_address2", 0, "healthy", "BMS 0x02 answers on vcan0")

j = case("healthy", 0, "healthy", "BMS 0x01 answers on vcan0: CONNECT round trip", "firmware 1.4.2")
d = j.get("details") or {}
probe = d.get("probe") or {}
rtt = probe.get("round_trip_ms")
check(isinstance(rtt, (int, float)) and 2.0 <= rtt < 250, f"healthy: round trip measured, 2-250 ms (got {rtt})")
check(d.get("controller") is not None, "healthy: SocketCanBus::controller_status() answers for vcan0 (rtnetlink)")
check((d.get("link") or {}).get("virtual") is True, "healthy: vcan0 is seen as virtual (no bitrate to check)")
check("-> 18010140#0100000000000000" in read("healthy.err") and "<- 18014001#010A020301040200" in read("healthy.err"),
      "healthy -vv: the CONNECT request and the worked answer (§10) are traced")

finish()
