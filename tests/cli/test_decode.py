"""Black-box tests of `--trace FILE` and `rocketctl decode` against the built-in simulated battery.

Run by ctest with ROCKETCTL=<path to the binary> and Debian's /usr/bin/python3. The values the
decoder prints are checked against values computed here from the traced frames themselves
(rockets-can-v1 §4 byte layouts, in Python), and against the reference battery of §11.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from cli_env import environment

ROCKETCTL = os.environ.get("ROCKETCTL", "rocketctl")
LINE = re.compile(r"^\((\d{10,})\.(\d{6})\) (\S+) ([0-9A-F]{3}|[0-9A-F]{8})#([0-9A-F]*|R\d?)$")


def run(*args, timeout=120, cwd=None, stdin_text=None):
    return subprocess.run([ROCKETCTL, *args], capture_output=True, text=True, timeout=timeout,
                          env=environment(), cwd=cwd, input=stdin_text,
                          stdin=None if stdin_text is not None else subprocess.DEVNULL)


def frames(path):
    """(id, bytes) of every line of a candump log."""
    out = []
    with open(path) as f:
        for line in f:
            m = LINE.match(line.rstrip("\n"))
            assert m, f"not a candump -L line: {line!r}"
            out.append((m.group(4), bytes.fromhex(m.group(5))))
    return out


class Trace(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="rocketctl-decode-")
        cls.status_log = os.path.join(cls.dir, "t.log")
        cls.status = run("-i", "sim", "--trace", cls.status_log, "status")
        cls.dump_log = os.path.join(cls.dir, "d.log")
        cls.dump = run("-i", "sim", "--trace", cls.dump_log, "log", "dump")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_trace_holds_every_frame_both_ways_in_candump_format(self):
        self.assertEqual(self.status.returncode, 0, self.status.stderr)
        fs = frames(self.status_log)
        ids = [i for i, _ in fs]
        # CONNECT request and answer first (§10), then the other commands' pairs.
        self.assertEqual(fs[0], ("18010140", bytes.fromhex("0100000000000000")))
        self.assertEqual(fs[1], ("18014001", bytes.fromhex("010A020301040200")))
        for cmd in (0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19):
            self.assertIn("18%02X0140" % cmd, ids)
            self.assertIn("18%02X4001" % cmd, ids)
        self.assertEqual(ids.count("18144001"), 4)  # 10 cells: 4 frames
        with open(self.status_log) as f:
            self.assertTrue(all(" sim " in line for line in f))

    def test_decode_shows_the_status_values(self):
        r = run("decode", self.status_log)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout
        # Computed from the traced PACK answer, not copied from the decoder.
        pack = [d for i, d in frames(self.status_log) if i == "18104001"][0]
        volts = int.from_bytes(pack[0:4], "big") / 1000
        amps = int.from_bytes(pack[4:8], "big", signed=True) / 1000
        self.assertIn(f"01->40 PACK response: PackVoltage={volts:.3f} V, PackCurrent={amps:.3f} A", out)
        self.assertIn("PackVoltage=36.423 V, PackCurrent=-0.008 A", out)  # §11
        self.assertIn("40->01 CONNECT request: ProtocolVersion=1", out)
        self.assertIn("IDENTITY response: Serial=RKS3611A201000123", out)
        self.assertIn("CAPACITY response: RSOC=40 %, RemainingCapacity=4732 mAh, "
                      "FullChargeCapacity=11600 mAh", out)
        self.assertIn("STATUS response: flags=D_MOS C_MOS, BalancingCells=0", out)
        self.assertIn("SHELL RESISTANCE response: ResistancePositive=n/a, ResistanceNegative=n/a", out)
        cells = re.search(r"CELL VOLTAGES response: (.*)", out).group(1)
        self.assertEqual(re.findall(r"CellVoltage\d+=(\d\.\d{3}) V", cells),
                         ["3.642", "3.643", "3.641", "3.644", "3.642", "3.643", "3.642", "3.641",
                          "3.643", "3.642"])
        # One line per message: each request and each (assembled) response.
        self.assertEqual(len(out.splitlines()), 2 * 12)

    def test_decode_json_one_object_per_message(self):
        r = run("--json", "decode", self.status_log)
        self.assertEqual(r.returncode, 0, r.stderr)
        objects = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertEqual(len(objects), 24)
        pack = [o for o in objects if o.get("name") == "PACK" and o["direction"] == "response"][0]
        self.assertEqual(pack["signals"]["PackVoltage"], {"value": 36.423, "unit": "V"})
        self.assertEqual(pack["signals"]["PackCurrent"], {"value": -0.008, "unit": "A"})
        self.assertEqual((pack["src"], pack["dst"], pack["id"]), (1, 0x40, "18104001"))
        ident = [o for o in objects if o.get("name") == "IDENTITY" and o["direction"] == "response"][0]
        self.assertEqual(ident["signals"]["Serial"], "RKS3611A201000123")
        self.assertTrue(ident["complete"])
        status = [o for o in objects if o.get("name") == "STATUS" and o["direction"] == "response"][0]
        self.assertEqual(status["flags"], ["D_MOS", "C_MOS"])

    def test_stdin_with_dash_and_without_a_file(self):
        with open(self.status_log) as f:
            text = f.read()
        expected = run("decode", self.status_log).stdout
        for args in (("decode", "-"), ("decode",)):
            r = run(*args, stdin_text=text)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, expected)

    def test_malformed_lines_are_reported_with_their_number_and_skipped(self):
        with open(self.status_log) as f:
            good = f.read().splitlines()[:2]
        bad = os.path.join(self.dir, "bad.log")
        with open(bad, "w") as f:
            f.write("\n".join([good[0], "(1.5) can0 12345#00", "", "garbage", good[1]]) + "\n")
        r = run("decode", bad)
        self.assertEqual(r.returncode, 7, r.stderr)
        self.assertIn(f"{bad}:2: id: 3 hex digits (standard) or 8 (extended) expected (line skipped)",
                      r.stderr)
        self.assertIn(f"{bad}:4: expected '(seconds.microseconds)' at the start (line skipped)",
                      r.stderr)
        self.assertIn("2 of 5 lines malformed and skipped", r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), 2)  # CONNECT request and answer
        self.assertIn("CONNECT response", r.stdout)

    def test_unknown_ids_are_raw_not_errors(self):
        r = run("decode", "-", stdin_text="(1.000000) can0 123#DEAD\n(2.000000) can0 0CF00400#01\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "1.000000 can0 raw 123#DEAD (standard id (not this protocol))\n"
                                   "2.000000 can0 raw 0CF00400#01 (unknown id)\n")

    def test_log_dump_trace_names_the_uds_services(self):
        self.assertEqual(self.dump.returncode, 0, self.dump.stderr)
        r = run("decode", self.dump_log)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout
        self.assertIn("40->01 UDS ReadDataByIdentifier request: did=0xF1A0, data=event log", out)
        self.assertIn("01->40 UDS ReadDataByIdentifier response: did=0xF1A0, data=event log, "
                      "records=42, capacity=2000, record_size=16 B, base=0x40000000", out)
        self.assertIn("40->01 UDS RequestUpload request: address=0x40000000, size=672 B", out)
        self.assertIn("01->40 UDS RequestUpload response: max_block_length=4095 B", out)
        self.assertIn("40->01 UDS TransferData request: counter=1", out)
        self.assertIn("01->40 UDS TransferData response: counter=1, data=672 B", out)
        self.assertIn("UDS RequestTransferExit request", out)
        self.assertIn("UDS RequestTransferExit response", out)
        self.assertNotIn("incomplete", out)
        self.assertNotIn("given up", out)

    def test_trace_to_a_path_that_cannot_be_written_is_a_file_error(self):
        r = run("-i", "sim", "--trace", os.path.join(self.dir, "no", "such", "t.log"), "status")
        self.assertEqual(r.returncode, 8)
        self.assertRegex(r.stderr, r"^rocketctl: --trace: cannot write trace file .*t\.log: "
                                   r"No such file or directory\n$")

    @unittest.skipUnless(os.path.exists("/dev/full"), "no /dev/full")
    def test_a_trace_that_cannot_be_written_is_reported(self):
        r = run("-i", "sim", "--trace", "/dev/full", "status")
        self.assertEqual(r.returncode, 0, r.stderr)  # the command itself went well
        self.assertIn("rocketctl: --trace: cannot write trace file /dev/full: No space left on device",
                      r.stderr)

    def test_unreadable_file_is_a_file_error(self):
        r = run("decode", os.path.join(self.dir, "missing.log"))
        self.assertEqual(r.returncode, 8)
        self.assertIn("cannot read", r.stderr)

    @unittest.skipUnless(shutil.which("log2long"), "can-utils not installed")
    def test_can_utils_read_the_trace(self):
        with open(self.status_log) as f:
            text = f.read()
        r = subprocess.run(["log2long"], input=text, capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0)
        self.assertEqual(len(r.stdout.splitlines()), len(text.splitlines()))
        self.assertIn("18104001   [8]  00 00 8E 47 FF FF FF F8", r.stdout)


if __name__ == "__main__":
    unittest.main()
