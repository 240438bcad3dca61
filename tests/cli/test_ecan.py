"""Black-box tests of `-i ecan`: the built rocketctl driving the test suite's fake GCAN library
(tests/ecan/fake_ecan.cpp, the simulated battery inside) through the real dlopen path.

Run by ctest with ROCKETCTL=<binary>, FAKE_ECAN_LIB=<fake libECanVci.so.1> and
FAKE_ECAN_OLD_LIB=<the same without ReadCANStatus>. Each command's result is checked against the
same command on `-i sim`; each way the adapter can fail gives exit 4 and one line naming what to
do; Ctrl-C still closes the device (the fake's call log shows CloseDevice).
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import fwimage  # noqa: E402

from test_cli import ROCKETCTL, run  # noqa: E402

FAKE = os.environ.get("FAKE_ECAN_LIB", "")
FAKE_OLD = os.environ.get("FAKE_ECAN_OLD_LIB", "")


def ecan_env(sim="", fail="", log="", lib=None):
    return {"ROCKETCTL_ECAN_LIB": FAKE if lib is None else lib, "FAKE_ECAN_SIM": sim,
            "FAKE_ECAN_FAIL": fail, "FAKE_ECAN_LOG": log}


def ecan(*args, sim="", fail="", log="", lib=None, timeout=60):
    return run("-i", "ecan", *args, env=ecan_env(sim, fail, log, lib), timeout=timeout)


def sim(*args, options="", timeout=60):
    return run("-i", "sim:" + options if options else "sim", *args, timeout=timeout)


def without_times(value):
    """The JSON document without the interface's name and what the clocks move (BMS time,
    drift, the time of reading)."""
    if isinstance(value, dict):
        return {k: without_times(v) for k, v in value.items()
                if "time" not in k and "drift" not in k and k not in ("interface", "read_at")}
    if isinstance(value, list):
        return [without_times(v) for v in value]
    return value


@unittest.skipUnless(FAKE and Path(FAKE).exists(), "FAKE_ECAN_LIB names no fake library")
class Commands(unittest.TestCase):
    """Every command the issue names, through the fake adapter, agrees with -i sim."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.tmp = Path(self.dir.name)

    def tearDown(self):
        self.dir.cleanup()

    def same_json(self, *args, options=""):
        a = ecan("--json", *args, sim=options)
        b = sim("--json", *args, options=options)
        self.assertEqual(a.returncode, b.returncode, a.stderr)
        ja, jb = json.loads(a.stdout), json.loads(b.stdout)
        self.assertEqual(without_times(ja), without_times(jb))
        return a, ja

    def test_status(self):
        r, j = self.same_json("status")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(j["serial"], "RKS3611A201000123")
        self.assertEqual(j["voltage_mv"], 36423)
        self.assertTrue(j["bms_time"].startswith("2020-10-17T16:48:4"))

    def test_status_with_sim_options_from_the_environment(self):
        r, j = self.same_json("status", options="rsoc=77,flags=0x840")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(j["rsoc_pct"], 77)
        self.assertEqual(j["status"]["abnormal"], ["D-MOS", "ODV"])

    def test_cells(self):
        r, j = self.same_json("cells")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("3642", r.stdout)

    def test_faults(self):
        r, _ = self.same_json("faults", options="flags=0x840")
        self.assertEqual(r.returncode, 1)
        self.assertIn("ODV", r.stdout)

    def test_settime(self):
        r, j = self.same_json("settime", "--at", "2026-11-24T10:00:00")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual((j["action"], j["verified"]), ("set", True))
        # Whole seconds: the read-back is the second set or the next.
        self.assertIn(j["bms_time_after"], ("2026-11-24T10:00:00", "2026-11-24T10:00:01"))

    def test_log_dump_to_a_file(self):
        a, b = self.tmp / "ecan.json", self.tmp / "sim.json"
        ra = ecan("log", "dump", "-o", str(a), timeout=120)
        rb = sim("log", "dump", "-o", str(b), timeout=120)
        self.assertEqual(ra.returncode, 0, ra.stderr)
        self.assertEqual(rb.returncode, 0, rb.stderr)
        ja, jb = json.loads(a.read_text()), json.loads(b.read_text())
        self.assertEqual(without_times(ja), without_times(jb))
        self.assertTrue(ja)

    def test_flash(self):
        image = self.tmp / "new.bin"
        image.write_bytes(fwimage.image_bytes("1.5.0", 3, 16 * 1024))
        r = ecan("--json", "flash", str(image), "--yes", timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
        self.assertEqual(lines[0]["from_version"], "1.4.2")
        done = [l["step"] for l in lines if l.get("state") == "done"]
        self.assertEqual(done, ["enter_bootloader", "unlock", "check_area", "erase", "download",
                                "transfer", "transfer_exit", "verify", "restart"])
        self.assertEqual(lines[-1]["version"], "1.5.0")
        self.assertEqual(lines[-1]["bytes"], 16 * 1024)

    def test_call_order_and_a_clean_close(self):
        log = self.tmp / "calls.log"
        r = ecan("status", log=str(log))
        self.assertEqual(r.returncode, 0, r.stderr)
        names = [line.split("(")[0] for line in log.read_text().splitlines()]
        firsts = [n for n in names if n not in ("Transmit", "Receive", "ReadErrInfo", "ReadCANStatus")]
        self.assertEqual(firsts, ["OpenDevice", "InitCAN", "StartCAN", "ClearBuffer", "ResetCAN",
                                  "CloseDevice"])
        self.assertIn("CloseDevice(4,0) = 1", log.read_text())

    def test_usbcan_i_and_a_second_channel(self):
        log = self.tmp / "calls.log"
        for iface, opened in (("ecan:0:0:usbcan-i", "InitCAN(3,0,0) = 1"),
                              ("ecan:1:1", "InitCAN(4,1,1) = 1")):
            with self.subTest(iface=iface):
                r = run("-i", iface, "--json", "status", env=ecan_env(log=str(log)))
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(json.loads(r.stdout)["voltage_mv"], 36423)
                self.assertIn(opened, log.read_text())


@unittest.skipUnless(FAKE and Path(FAKE).exists(), "FAKE_ECAN_LIB names no fake library")
class FakeLibrary(unittest.TestCase):
    def test_exports_only_the_ecan_api_and_its_controls(self):
        try:
            r = subprocess.run(["nm", "-D", "--defined-only", FAKE], capture_output=True, text=True)
        except FileNotFoundError:
            self.skipTest("nm is not installed")
        names = {line.split()[-1] for line in r.stdout.splitlines()
                 if len(line.split()) == 3 and line.split()[1] == "T"}
        api = {"OpenDevice", "CloseDevice", "InitCAN", "StartCAN", "ResetCAN", "ClearBuffer",
               "ReadBoardInfo", "ReadErrInfo", "ReadCANStatus", "GetReceiveNum", "Transmit",
               "Receive", "GetReference", "SetReference"}
        self.assertEqual({n for n in names if not n.startswith("fake_ecan_")}, api)


@unittest.skipUnless(FAKE and Path(FAKE).exists(), "FAKE_ECAN_LIB names no fake library")
class Failures(unittest.TestCase):
    """Exit 4 (Errc::interface_error) with one line saying what to do."""

    def one_line(self, r, status, *needles):
        self.assertEqual(r.returncode, status, r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        for needle in needles:
            self.assertIn(needle, r.stderr)

    def test_library_not_found(self):
        r = ecan("status", lib="/nonexistent/libECanVci.so.1")
        self.one_line(r, 4, "cannot load the ECAN library", "/nonexistent/libECanVci.so.1",
                      "install GCAN's Linux driver", "ROCKETCTL_ECAN_LIB")

    def test_library_not_installed_names_both_default_paths(self):
        r = run("-i", "ecan", "status", env={"ROCKETCTL_ECAN_LIB": "", "LD_LIBRARY_PATH": ""})
        self.one_line(r, 4, "libECanVci.so.1", "libECanVci.so", "/usr/lib")

    def test_missing_function(self):
        r = ecan("status", lib=FAKE_OLD)
        self.one_line(r, 4, "has no function ReadCANStatus", "wrong or too old")

    def test_no_device(self):
        self.one_line(ecan("status", fail="open"), 4, "no ECAN adapter 0 (USBCAN-II)",
                      "plug the adapter in", "0c66:000c", "udev")

    def test_device_busy(self):
        self.one_line(ecan("status", fail="busy"), 4, "busy", "another program",
                      "second rocketctl")

    def test_init_fails(self):
        self.one_line(ecan("status", fail="init"), 4, "cannot initialise channel 0",
                      "250 kbit/s", "plug it back in")

    def test_start_fails(self):
        self.one_line(ecan("status", fail="start"), 4, "cannot start channel 0")

    def test_unplugged_mid_command(self):
        for args, after in ((["cells"], 3), (["log", "dump"], 60)):
            with self.subTest(command=args[0]):
                with tempfile.TemporaryDirectory() as d:
                    log = Path(d) / "calls.log"
                    r = ecan(*args, fail=f"unplug_after={after}", log=str(log))
                    self.one_line(r, 4, "the ECAN adapter (ecan) disappeared", "plug it back in",
                                  "run the same command again")
                    self.assertIn("CloseDevice(4,0) = 1", log.read_text())

    def test_unplugged_with_a_library_that_only_says_so_in_its_error_bits(self):
        r = ecan("--timeout", "2000", "cells", fail="unplug_quiet_after=3")
        self.one_line(r, 4, "the ECAN adapter (ecan) disappeared", "plug it back in")

    def test_nobody_acknowledges_is_a_bus_error(self):
        r = ecan("--timeout", "300", "status", fail="transmit0")
        self.assertEqual(r.returncode, 6, r.stderr)
        self.assertIn("cannot get frames onto the bus", r.stderr)

    def test_wrong_ecan_forms_are_usage_errors(self):
        for iface in ("ecan:", "ecan:0", "ecan:x:0", "ecan:0:2", "ecan:0:1:usbcan-i",
                      "ecan:0:0:usbcan-x"):
            with self.subTest(iface=iface):
                r = run("-i", iface, "status", env=ecan_env())
                self.one_line(r, 2, iface, "ecan:<device>:<channel>")


@unittest.skipUnless(FAKE and Path(FAKE).exists(), "FAKE_ECAN_LIB names no fake library")
class CtrlC(unittest.TestCase):
    def interrupt(self, args, sim_options, wait):
        with tempfile.TemporaryDirectory() as d:
            log = Path(d) / "calls.log"
            env = dict(os.environ)
            env.pop("ROCKETCTL_IFACE", None)
            env.update(ecan_env(sim=sim_options, log=str(log)))
            p = subprocess.Popen([ROCKETCTL, "-i", "ecan", *args], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                                 env=env)
            time.sleep(wait)
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=15)
            calls = log.read_text().splitlines()
            return p.returncode, err, calls

    def test_ctrl_c_while_waiting_closes_the_device(self):
        status, err, calls = self.interrupt(["--timeout", "20000", "status"], "standby=1", 1.0)
        self.assertEqual(status, 130, err)
        self.assertIn("interrupted", err)
        self.assertEqual(calls[-2], "ResetCAN(4,0,0) = 1")
        self.assertEqual(calls[-1], "CloseDevice(4,0) = 1")

    def test_ctrl_c_ends_a_watch_and_closes_the_device(self):
        status, err, calls = self.interrupt(["--json", "status", "--watch", "0.2"], "", 1.5)
        self.assertEqual(status, 0, err)
        self.assertGreaterEqual(sum(1 for c in calls if c.startswith("Transmit(")), 3)
        self.assertEqual(calls[-2], "ResetCAN(4,0,0) = 1")
        self.assertEqual(calls[-1], "CloseDevice(4,0) = 1")

if __name__ == "__main__":
    unittest.main()
