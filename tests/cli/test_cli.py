"""Black-box tests of the built rocketctl: argv -> stdout, stderr, exit status.

Run by ctest with ROCKETCTL=<path to the binary>; every test uses the built-in simulated
battery (-i sim), so no CAN hardware is needed.
"""
import json
import os
import signal
import subprocess
import time
import unittest

ROCKETCTL = os.environ.get("ROCKETCTL", "rocketctl")
REFERENCE_CELLS = [3642, 3643, 3641, 3644, 3642, 3643, 3642, 3641, 3643, 3642]


def run(*args, env=None, timeout=30):
    full_env = dict(os.environ)
    full_env.pop("ROCKETCTL_IFACE", None)
    full_env.update({"LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""})
    if env:
        full_env.update(env)
    return subprocess.run([ROCKETCTL, *args], capture_output=True, text=True,
                          timeout=timeout, env=full_env, stdin=subprocess.DEVNULL)


class Usage(unittest.TestCase):
    def test_help_lists_every_command(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        for name in ("status", "cells", "faults", "simulate"):
            self.assertIn(name, r.stdout)
        self.assertIn("Exit status", r.stdout)

    def test_version(self):
        r = run("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout.strip(), r"^rocketctl \d+\.\d+\.\d+$")

    def test_wrong_flag_is_a_usage_error(self):
        r = run("status", "--no-such-flag")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--no-such-flag", r.stderr)

    def test_unknown_command_is_named(self):
        r = run("-i", "sim", "stats")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown command 'stats'", r.stderr)
        self.assertIn("status", r.stderr)

    def test_no_command_is_a_usage_error(self):
        self.assertEqual(run().returncode, 2)

    def test_bad_values_are_usage_errors_with_one_line(self):
        for args, needle in (
            (["-i", "sim", "--lang", "xx", "status"], "unknown language 'xx'"),
            (["-i", "sim", "--address", "99", "status"], "--address 99"),
            (["-i", "sim:bogus=1", "status"], "unknown simulator option 'bogus'"),
            (["-i", "sim:cells=abc", "status"], "cells=abc"),
            (["-i", "foo:bar", "status"], "foo:bar"),
            (["-i", "sim", "status", "--watch", "-1"], "--watch"),
        ):
            with self.subTest(args=args):
                r = run(*args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(needle, r.stderr)
                self.assertEqual(r.stdout, "")


class Status(unittest.TestCase):
    def test_reference_battery_table(self):
        r = run("-i", "sim", "status", env={"NO_COLOR": "1"})
        self.assertEqual(r.returncode, 0, r.stderr)
        for needle in ("RKS3611A201000123", "RSOC 40 %", "R-Cap 4732 mAh", "FullCap 11600 mAh",
                       "36.423 V", "-0.008 A", "highest 21.2 °C (sensor 2)", "MOS 22.7 °C",
                       "2020-10-17 16:48:4", "to B+ NULL", "L-UCHG 95 h (3 d 23 h)",
                       "1.4.2", "All status lights are normal"):
            self.assertIn(needle, r.stdout)
        self.assertNotIn("\x1b[", r.stdout)  # no colour into a pipe

    def test_reference_battery_json(self):
        r = run("-i", "sim", "--json", "status")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 1)
        j = json.loads(lines[0])
        self.assertEqual(j["schema"], "rocketctl.status/1")
        self.assertEqual(j["serial"], "RKS3611A201000123")
        self.assertEqual((j["voltage_mv"], j["current_ma"]), (36423, -8))
        self.assertEqual((j["rsoc_pct"], j["remaining_capacity_mah"], j["full_capacity_mah"]),
                         (40, 4732, 11600))
        self.assertEqual(j["temperature"]["sensors_dc"], [211, 212])
        self.assertEqual(j["temperature"]["mos_dc"], 227)
        self.assertEqual(j["cells"]["voltages_mv"], REFERENCE_CELLS)
        self.assertEqual(j["status"], {"word": 65, "normal": True, "abnormal": [],
                                       "balancing_word": 0})
        self.assertEqual(j["shell_resistance"], {"positive_kohm": None, "negative_kohm": None})
        self.assertEqual((j["cycle_count"], j["longest_uncharged_h"]), (0, 95))
        self.assertTrue(j["bms_time"].startswith("2020-10-17T16:48:4"))
        self.assertEqual(j["firmware"], "1.4.2")

    def test_global_options_after_the_command(self):
        r = run("status", "-i", "sim", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["voltage_mv"], 36423)

    def test_interface_from_environment(self):
        r = run("--json", "status", env={"ROCKETCTL_IFACE": "sim:rsoc=77"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["rsoc_pct"], 77)

    def test_faults_present_exit_one(self):
        r = run("-i", "sim:flags=0x840", "--json", "status")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(json.loads(r.stdout)["status"]["abnormal"], ["D-MOS", "ODV"])

    def test_watch_json_lines_until_interrupted(self):
        p = subprocess.Popen([ROCKETCTL, "-i", "sim", "--json", "status", "--watch", "0.2"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             stdin=subprocess.DEVNULL)
        time.sleep(1.5)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=10)
        self.assertEqual(p.returncode, 0, err)
        objects = [json.loads(line) for line in out.splitlines()]
        self.assertGreaterEqual(len(objects), 3)
        self.assertTrue(all(o["voltage_mv"] == 36423 for o in objects))


class NoAnswer(unittest.TestCase):
    def test_standby_pack_gives_no_answer_with_the_manual_hint(self):
        started = time.monotonic()
        r = run("-i", "sim:standby=1", "status")
        elapsed = time.monotonic() - started
        self.assertEqual(r.returncode, 3)
        self.assertIn("no answer from BMS 0x01 to CONNECT", r.stderr)
        self.assertIn("after 3 tries", r.stderr)
        self.assertIn("charge it for a few seconds", r.stderr)
        self.assertLess(elapsed, 10)

    def test_ctrl_c_while_waiting_exits_130_at_once(self):
        p = subprocess.Popen([ROCKETCTL, "-i", "sim:standby=1", "--timeout", "20000", "status"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             stdin=subprocess.DEVNULL)
        time.sleep(0.5)
        started = time.monotonic()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=10)
        self.assertEqual(p.returncode, 130)
        self.assertIn("interrupted", err)
        self.assertLess(time.monotonic() - started, 2)

    def test_no_answer_as_json(self):
        r = run("-i", "sim:standby=1", "--json", "faults")
        self.assertEqual(r.returncode, 3)
        self.assertEqual(json.loads(r.stdout)["error"]["code"], "no_answer")
        self.assertEqual(json.loads(r.stdout)["error"]["exit_status"], 3)

    def test_wrong_address_gives_no_answer(self):
        r = run("-i", "sim", "--address", "2", "--timeout", "20", "status")
        self.assertEqual(r.returncode, 3)
        self.assertIn("BMS 0x02", r.stderr)

    def test_quiet_drops_the_hint(self):
        r = run("-q", "-i", "sim:standby=1", "--timeout", "20", "status")
        self.assertEqual(r.returncode, 3)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)


class Interfaces(unittest.TestCase):
    def test_missing_interface_is_an_interface_error(self):
        r = run("-i", "nosuchcan7", "status")
        self.assertEqual(r.returncode, 4)
        self.assertIn("nosuchcan7", r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)

    def test_simulate_refuses_the_in_process_hub(self):
        r = run("-i", "sim", "simulate")
        self.assertEqual(r.returncode, 2)
        self.assertIn("-i vcan0", r.stderr)


class Cells(unittest.TestCase):
    def test_reference_cells(self):
        r = run("-i", "sim", "--json", "cells")
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        self.assertEqual([c["voltage_mv"] for c in j["cells"]], REFERENCE_CELLS)
        self.assertEqual((j["highest_cell"], j["lowest_cell"], j["diff_mv"]), (4, 3, 3))
        self.assertIsNone(j["advice"])

    def test_imbalance_gives_the_manual_advice_and_exit_one(self):
        r = run("-i", "sim:cells=3600/3750/3700,balancing=0x2", "cells")
        self.assertEqual(r.returncode, 1)
        self.assertIn("150 mV", r.stdout)
        self.assertIn("24 hours", r.stdout)
        self.assertRegex(r.stdout, r"2\s+3\.750 V\s+highest, balancing")


class Faults(unittest.TestCase):
    def test_normal_pack(self):
        r = run("-i", "sim", "faults")
        self.assertEqual(r.returncode, 0)
        self.assertIn("normal", r.stdout)

    def test_abnormal_lights_explained(self):
        r = run("-i", "sim:flags=0x801", "faults")
        self.assertEqual(r.returncode, 1)
        self.assertIn("C-MOS", r.stdout)
        self.assertIn("ODV", r.stdout)
        self.assertIn("24 hours", r.stdout)

    def test_all_lights_in_italian(self):
        r = run("-i", "sim", "--lang", "it", "faults", "--all")
        self.assertEqual(r.returncode, 0)
        self.assertEqual(sum(1 for line in r.stdout.splitlines()
                             if line.split() and line.split()[0] in
                             ("D-MOS", "UV", "P-MOS-E", "2nd-OT", "RTC-E")), 5)
        self.assertIn("Guasto permanente", r.stdout)

    def test_language_from_locale(self):
        r = run("-i", "sim:flags=0x81", "faults", env={"LANG": "it_IT.UTF-8"})
        self.assertEqual(r.returncode, 1)
        self.assertIn("sovratensione", r.stdout.lower())

    def test_json_has_all_27_lights(self):
        r = run("-i", "sim:flags=0x41", "--json", "faults")
        j = json.loads(r.stdout)
        self.assertEqual(len(j["lights"]), 27)
        self.assertEqual([l["bit"] for l in j["lights"]], list(range(27)))
        self.assertTrue(j["normal"])


class Scan(unittest.TestCase):
    def test_scan_finds_the_reference_pack(self):
        r = run("-i", "sim", "--json", "scan")
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        self.assertEqual(j["schema"], "rocketctl.scan/1")
        self.assertEqual([(p["address"], p["serial"], p["mode"], p["cell_count"]) for p in j["packs"]],
                         [(1, "RKS3611A201000123", "application", 10)])
        self.assertEqual(j["shared_addresses"], [])

    def test_scan_of_a_silent_bus_is_no_answer(self):
        r = run("-i", "sim:standby=1", "scan")
        self.assertEqual(r.returncode, 3)
        self.assertIn("no BMS answered", r.stderr)


class Settime(unittest.TestCase):
    def test_sets_verifies_and_reports_the_drift(self):
        r = run("-i", "sim", "--json", "settime", "--at", "2026-11-24T10:00:00")
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        self.assertEqual((j["action"], j["time_set"], j["verified"]), ("set", "2026-11-24T10:00:00", True))
        self.assertTrue(j["bms_time_before"].startswith("2020-10-17T16:48:4"))
        # Whole seconds, and SET CLOCK restarts the pack's seconds whenever it arrives: the
        # read-back is the second set or the next, and the drift within one second.
        self.assertIn(j["bms_time_after"], ("2026-11-24T10:00:00", "2026-11-24T10:00:01"))
        self.assertIn(j["drift_after_s"], (-1, 0, 1))

    def test_max_drift_leaves_a_close_clock_alone(self):
        near = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(time.time() - 5))
        r = run("-i", f"sim:clock={near}", "settime", "--max-drift", "60")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("not set: the drift is within --max-drift 60 s", r.stdout)
        r = run("-i", f"sim:clock={near}", "--json", "settime", "--max-drift", "1")
        self.assertEqual(json.loads(r.stdout)["action"], "set")

    def test_impossible_at_is_a_usage_error(self):
        for at in ("2023-02-29T10:00:00", "2026-13-01T00:00:00", "2026-11-24T24:00:00", "yesterday"):
            with self.subTest(at=at):
                r = run("-i", "sim", "settime", "--at", at)
                self.assertEqual(r.returncode, 2)
                self.assertIn(at, r.stderr)

    def test_expect_serial_refuses_another_pack(self):
        r = run("-i", "sim", "settime", "--expect-serial", "RKS0000")
        self.assertEqual(r.returncode, 10)
        self.assertIn("not RKS0000: nothing written", r.stderr)

    def test_all(self):
        r = run("-i", "sim", "--json", "settime", "--all")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([json.loads(l)["address"] for l in r.stdout.splitlines()], [1])


class Bench(unittest.TestCase):
    def test_bench_report_rows_and_no_second_header(self):
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"bench-{os.getpid()}.csv")
        try:
            for _ in range(2):
                r = run("-i", "sim:bench=2,swap=400ms,gap=0ms", "--json", "settime", "--auto",
                        "--count", "2", "--report", path)
                self.assertEqual(r.returncode, 0, r.stderr)
                objects = [json.loads(l) for l in r.stdout.splitlines()]
                self.assertEqual([o["serial"] for o in objects],
                                 ["RKS3611A201000123", "RKS3611A201000124"])
                self.assertTrue(all(o["result"] == "set" and o["time_set"] for o in objects))
            with open(path) as f:
                lines = f.read().splitlines()
            self.assertEqual(lines[0].split(",")[:4], ["time", "serial", "address", "result"])
            self.assertEqual(sum(1 for l in lines if l.startswith("time,")), 1)
            self.assertEqual(len(lines), 5)
        finally:
            if os.path.exists(path):
                os.unlink(path)

    def test_report_that_cannot_be_written_stops_before_any_pack(self):
        r = run("-i", "sim", "settime", "--auto", "--count", "1", "--report", "/dev/full")
        self.assertEqual(r.returncode, 8)
        self.assertIn("/dev/full", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_count_without_auto_is_a_usage_error(self):
        r = run("-i", "sim", "settime", "--count", "2")
        self.assertEqual(r.returncode, 2)


class Sleep(unittest.TestCase):
    def test_needs_yes_without_a_terminal(self):
        r = run("-i", "sim", "sleep")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--yes", r.stderr)

    def test_sleep_then_silence(self):
        r = run("-i", "sim", "--json", "sleep", "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["standby"], True)
        r = run("-i", "sim", "sleep", "--yes")
        self.assertIn("charge it for 1-2 seconds", r.stdout.lower())

    def test_refused_under_load_shows_the_current(self):
        r = run("-i", "sim:current=2500", "sleep", "--yes")
        self.assertEqual(r.returncode, 5)
        self.assertIn("2.500 A", r.stderr)

    def test_expect_serial(self):
        r = run("-i", "sim", "sleep", "--yes", "--expect-serial", "OTHER")
        self.assertEqual(r.returncode, 10)


class FrameMapOption(unittest.TestCase):
    def test_missing_dbc_file_is_a_file_error(self):
        r = run("-i", "sim", "--dbc", "/nonexistent/x.dbc", "status")
        self.assertEqual(r.returncode, 8)
        self.assertIn("/nonexistent/x.dbc", r.stderr)

    def test_malformed_dbc_names_the_line(self):
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"bad-{os.getpid()}.dbc")
        with open(path, "w") as f:
            f.write('VERSION ""\n\nBO_ 2551267648 PACK_RSP: 8 BMS\n SG_ PackVoltage : 7|0@0+ (0.001,0) [0|0] "V" TOOL\n')
        try:
            r = run("-i", "sim", "--dbc", path, "status")
        finally:
            os.unlink(path)
        self.assertEqual(r.returncode, 7)
        self.assertIn(":4:", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
