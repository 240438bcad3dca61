"""Black-box tests of `rocketctl doctor`: every diagnosis, its exit status and its advice.

The link faults come from the simulator (-i sim:link=..., bitrate=, standby=, addresses=)
and from an interface that does not exist; doctor on real SocketCAN runs in User-Mode Linux
(tests/e2e/payload_doctor_vcan.sh). Also: a command that gets no answer points to doctor.
"""
import json
import re
import unittest

from test_cli import run

DOCTOR_HINT = "run 'rocketctl doctor' for details"


def doctor(iface, *extra, timeout="60"):
    # Short tries where nothing answers; the default 250 ms where the pack answers, so that a
    # slow machine does not turn one request into two.
    return run("-i", iface, "--timeout", timeout, *extra, "doctor")


class Diagnoses(unittest.TestCase):
    def check(self, iface, status, diagnosis, *needles, extra=()):
        timeout = "250" if status == 0 else "60"
        r = doctor(iface, *extra, timeout=timeout)
        self.assertEqual(r.returncode, status, r.stdout + r.stderr)
        for needle in needles:
            self.assertIn(needle, r.stdout)
        j = doctor(iface, "--json", *extra, timeout=timeout)
        self.assertEqual(j.returncode, status, j.stderr)
        obj = json.loads(j.stdout)
        self.assertEqual(obj["schema"], "rocketctl.doctor/1")
        self.assertEqual(obj["diagnosis"], diagnosis)
        self.assertEqual(obj["exit_status"], status)
        # The same finding in both runs (a measured round trip differs from run to run).
        same = lambda text: re.sub(r"round trip [0-9.]+ ms", "round trip N ms", text)  # noqa: E731
        self.assertEqual(same(obj["message"]), same(r.stdout.splitlines()[0]))
        return r, obj

    def test_healthy_with_the_round_trip(self):
        r, j = self.check("sim", 0, "healthy", "BMS 0x01 answers on sim: CONNECT round trip",
                          "(firmware 1.4.2, hardware 3, 10 cells, application mode)")
        probe = j["details"]["probe"]
        self.assertTrue(probe["answered"])
        self.assertEqual(probe["requests"], 1)
        # The simulated pack answers after its 2 ms (delay=2); the process adds little.
        self.assertGreaterEqual(probe["round_trip_ms"], 2.0)
        self.assertEqual(probe["connect"]["cell_count"], 10)
        self.assertEqual(j["details"]["controller"]["state"], "ERROR-ACTIVE")

    def test_missing_interface_lists_what_there_is(self):
        r, j = self.check("nonexistent0", 20, "interface_missing", "no CAN interface 'nonexistent0'")
        self.assertTrue("CAN interfaces here:" in r.stdout or "no CAN interfaces" in r.stdout, r.stdout)
        self.assertIsNone(j["details"]["probe"])
        self.assertIsInstance(j["details"]["can_interfaces"], list)

    def test_down_interface(self):
        self.check("sim:link=down", 21, "interface_down", "interface sim is down")

    def test_wrong_bitrate(self):
        r, j = self.check("sim:bitrate=500000", 22, "wrong_bitrate",
                          "sim runs at 500000 bit/s; the battery talks at 250000 bit/s")
        self.assertIsNone(j["details"]["probe"])  # nothing sent at a wrong bitrate

    def test_bus_off_shows_the_counters(self):
        r, j = self.check("sim:link=busoff", 23, "bus_off", "bus-off (tx errors 256, rx errors 0)",
                          "termination", "every other node on the bus runs at 250000 bit/s")

    def test_error_passive(self):
        r, j = self.check("sim:link=passive", 23, "error_passive",
                          "error-passive (tx errors 136, rx errors 0)", "BMS 0x01 still answers")

    def test_no_acknowledgement(self):
        r, j = self.check("sim:link=noack", 24, "no_ack", "nothing acknowledges our frames on sim",
                          "data connector", "charge it for 1-2 s", "250000 bit/s")
        self.assertEqual(j["details"]["probe"]["bus_errors"]["no_ack"], 4)
        self.assertEqual(j["details"]["controller"]["state"], "ERROR-PASSIVE")

    def test_another_bms_answers(self):
        r, j = self.check("sim:addresses=2", 25, "bms_silent",
                          "BMS 0x01 does not answer on sim, but BMS 0x02 does", "--address 2")
        self.assertEqual(j["details"]["probe"]["other_addresses"], [2])

    def test_asleep(self):
        r, j = self.check("sim:standby=1", 26, "bms_asleep", "the battery is in standby",
                          "charge it for 1-2 s")
        self.assertEqual(j["details"]["probe"]["requests"], 4)
        self.assertEqual(j["details"]["probe"]["other_frames"], 0)

    def test_the_address_asked_for(self):
        self.check("sim:addresses=2", 0, "healthy", "BMS 0x02 answers", extra=("--address", "2"))

    def test_bad_address_is_a_usage_error(self):
        self.assertEqual(doctor("sim", "--address", "64").returncode, 2)


class NoAnswerPointsToDoctor(unittest.TestCase):
    def test_status_of_an_asleep_pack(self):
        r = run("-i", "sim:standby=1", "--timeout", "20", "status")
        self.assertEqual(r.returncode, 3)
        first = r.stderr.splitlines()[0]
        self.assertTrue(first.endswith(DOCTOR_HINT), first)
        self.assertIn("charge it for a few seconds", r.stderr)  # the standby reminder stays

    def test_quiet_and_json_keep_it(self):
        r = run("-q", "-i", "sim:standby=1", "--timeout", "20", "status")
        self.assertEqual(r.stderr.strip().splitlines(), [r.stderr.strip()])
        self.assertTrue(r.stderr.strip().endswith(DOCTOR_HINT), r.stderr)
        j = run("-i", "sim:standby=1", "--timeout", "20", "--json", "cells")
        self.assertTrue(json.loads(j.stdout)["error"]["message"].endswith(DOCTOR_HINT))

    def test_bus_error_too(self):
        r = run("-i", "sim:link=noack", "--timeout", "20", "status")
        self.assertEqual(r.returncode, 6)
        self.assertIn("no acknowledgement", r.stderr)
        self.assertTrue(r.stderr.splitlines()[0].endswith(DOCTOR_HINT), r.stderr)

    def test_answers_do_not(self):
        r = run("-i", "sim", "status")
        self.assertEqual(r.returncode, 0)
        self.assertNotIn("doctor", r.stderr)


if __name__ == "__main__":
    unittest.main()
