"""Black-box tests of `rocketctl status --watch --record FILE` against the built-in simulated
battery (real time: these runs take seconds).

Run by ctest with ROCKETCTL=<path to the binary> and Debian's /usr/bin/python3. A recording is
read back with python's csv and json modules: the row count must equal the samples that
`--json` printed, a pack that leaves the bench (sim:bench=1,loop=1: present, then silent, then
back) gives no_answer rows and recording resumes, a SIGKILL leaves only whole rows, rotation
keeps FILE.1 ... FILE.5, and appending refuses a file with other columns.
"""
import csv
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest

from cli_env import environment

ROCKETCTL = os.environ.get("ROCKETCTL", "rocketctl")
REFERENCE_CELLS = [3642, 3643, 3641, 3644, 3642, 3643, 3642, 3641, 3643, 3642]  # §11


def run(*args, timeout=60):
    return subprocess.run([ROCKETCTL, *args], capture_output=True, text=True, timeout=timeout,
                          env=environment(), stdin=subprocess.DEVNULL)


def run_for(seconds, *args, sig=signal.SIGINT):
    """Starts rocketctl, stops it with `sig` after `seconds`; (returncode, stdout, stderr)."""
    p = subprocess.Popen([ROCKETCTL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=environment(), stdin=subprocess.DEVNULL)
    time.sleep(seconds)
    p.send_signal(sig)
    out, err = p.communicate(timeout=30)
    return p.returncode, out, err


def header(cells, sensors):
    cols = ["time", "address", "serial", "firmware", "hardware_revision", "mode", "rsoc_pct",
            "remaining_capacity_mah", "full_capacity_mah", "voltage_mv", "current_ma",
            "temperature_highest_dc", "temperature_highest_sensor", "temperature_lowest_dc",
            "temperature_lowest_sensor", "mos_dc"]
    cols += ["sensor%d_dc" % i for i in range(1, sensors + 1)]
    cols += ["cell_count", "cell_highest_mv", "cell_highest_cell", "cell_lowest_mv", "cell_lowest_cell",
             "diff_mv"]
    cols += ["cell%d_mv" % i for i in range(1, cells + 1)]
    cols += ["bms_time", "drift_s", "shell_positive_kohm", "shell_negative_kohm", "cycle_count",
             "longest_uncharged_h", "status_word", "flags", "abnormal", "balancing_cells", "error", "message"]
    return cols


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


class RecordTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_one_sample_row_with_every_value(self):
        f = self.path("rec.csv")
        r = run("-i", "sim", "status", "--record", f)
        self.assertEqual(r.returncode, 0, r.stderr)
        head, rows = read_csv(f)
        self.assertEqual(head, header(10, 2))
        self.assertEqual(len(rows), 1)
        row = dict(zip(head, rows[0]))
        self.assertEqual(row["serial"], "RKS3611A201000123")
        self.assertEqual(row["firmware"], "1.4.2")
        self.assertEqual(row["voltage_mv"], "36423")
        self.assertEqual(row["current_ma"], "-8")
        self.assertEqual(row["rsoc_pct"], "40")
        self.assertEqual(row["mos_dc"], "227")
        self.assertEqual([row["sensor1_dc"], row["sensor2_dc"]], ["211", "212"])
        self.assertEqual([int(row["cell%d_mv" % i]) for i in range(1, 11)], REFERENCE_CELLS)
        self.assertEqual(row["diff_mv"], "3")
        self.assertEqual(row["shell_positive_kohm"], "")  # NULL
        self.assertEqual(row["status_word"], "0x00000041")
        self.assertEqual(row["flags"], "D-MOS C-MOS")
        self.assertEqual(row["abnormal"], "")
        self.assertEqual(row["error"], "")
        # A second run appends without a second header.
        self.assertEqual(run("-i", "sim:flags=0x841", "status", "--record", f).returncode, 1)
        head2, rows = read_csv(f)
        self.assertEqual(head2, head)
        self.assertEqual(len(rows), 2)
        self.assertEqual(dict(zip(head, rows[1]))["abnormal"], "ODV")

    def test_pack_leaves_and_comes_back(self):
        # One pack on a bench: present 1.5 s, silent 2 s, present again (loop), ...
        for name in ("rec.csv", "rec.jsonl"):
            with self.subTest(name):
                f = self.path(name)
                code, out, err = run_for(6.5, "-i", "sim:bench=1,swap=1500ms,gap=2s,loop=1", "--timeout", "50",
                                         "--json", "status", "--watch", "0.2", "--record", f)
                # SIGINT ends the watch; its status is the last reading's (0 or 3).
                self.assertIn(code, (0, 3), err)
                printed = [json.loads(l) for l in out.splitlines()]
                kinds = ["error" if "error" in p else "ok" for p in printed]
                if name.endswith(".csv"):
                    head, rows = read_csv(f)
                    self.assertEqual(head, header(10, 2))
                    recorded = []
                    for row in rows:
                        self.assertEqual(len(row), len(head))
                        d = dict(zip(head, row))
                        recorded.append("error" if d["error"] else "ok")
                        if d["error"]:
                            self.assertEqual(d["error"], "no_answer")
                            self.assertEqual(d["voltage_mv"], "")
                        else:
                            self.assertEqual(d["voltage_mv"], "36423")
                else:
                    with open(f) as fh:
                        lines = [json.loads(l) for l in fh]
                    recorded = ["error" if l["error"] else "ok" for l in lines]
                    for l in lines:
                        self.assertEqual(l["schema"], "rocketctl.record/1")
                        if not l["error"]:
                            self.assertEqual(l["cells_mv"], REFERENCE_CELLS)
                            self.assertEqual(l["flags"], ["D-MOS", "C-MOS"])
                # Every sample printed is a row, in the same order.
                self.assertEqual(recorded, kinds)
                # present, then no answer, then present again
                first_error = kinds.index("error")
                self.assertGreater(first_error, 0)
                self.assertIn("ok", kinds[first_error:], kinds)

    def test_sigkill_leaves_whole_rows(self):
        f = self.path("rec.csv")
        code, _, _ = run_for(2.5, "-i", "sim", "status", "--watch", "0.1", "--record", f, sig=signal.SIGKILL)
        self.assertEqual(code, -signal.SIGKILL)
        with open(f, newline="") as fh:
            text = fh.read()
        complete = text[:text.rfind("\n") + 1]
        rows = list(csv.reader(complete.splitlines()))
        self.assertEqual(rows[0], header(10, 2))
        self.assertGreater(len(rows), 5)
        for row in rows[1:]:
            self.assertEqual(len(row), len(rows[0]))
            self.assertEqual(row[rows[0].index("voltage_mv")], "36423")

    def test_rotation_keeps_five(self):
        f = self.path("rec.jsonl")
        code, out, _ = run_for(5, "-i", "sim", "--json", "status", "--watch", "0.1", "--record", f,
                               "--max-size", "1k")
        printed = len(out.splitlines())
        names = sorted(os.listdir(self.dir))
        self.assertEqual(names, ["rec.jsonl"] + ["rec.jsonl.%d" % k for k in range(1, 6)], names)
        times = []
        for name in ["rec.jsonl.%d" % k for k in range(5, 0, -1)] + ["rec.jsonl"]:
            size = os.path.getsize(self.path(name))
            with open(self.path(name)) as fh:
                lines = [json.loads(l) for l in fh]
            self.assertGreaterEqual(len(lines), 1)
            if len(lines) > 1:
                self.assertLessEqual(size, 1024, name)
            times += [l["time"] for l in lines]
        self.assertEqual(times, sorted(times))
        self.assertLess(len(times), printed)  # the oldest files were removed

    def test_csv_rotation_starts_each_file_with_its_header(self):
        f = self.path("rec.csv")
        run_for(2, "-i", "sim", "status", "--watch", "0.1", "--record", f, "--max-size", "2k")
        self.assertTrue(os.path.exists(f + ".1"))
        for name in (f, f + ".1"):
            head, rows = read_csv(name)
            self.assertEqual(head, header(10, 2))
            self.assertGreaterEqual(len(rows), 1)

    def test_other_columns_are_refused(self):
        f = self.path("rec.csv")
        self.assertEqual(run("-i", "sim:cell-count=8", "status", "--record", f).returncode, 0)
        r = run("-i", "sim", "status", "--record", f)
        self.assertEqual(r.returncode, 2)
        self.assertIn("other columns (8 cells, 2 sensors; this pack has 10 cells, 2 sensors): record to "
                      "another file, or move %s away" % f, r.stderr)
        self.assertEqual(len(read_csv(f)[1]), 1)

    def test_a_half_row_left_by_a_power_cut_stays_apart(self):
        f = self.path("rec.csv")
        self.assertEqual(run("-i", "sim", "status", "--record", f).returncode, 0)
        with open(f, "a") as fh:
            fh.write("2026-11-25T10:00:00,1,RKS")  # the row being written when the power failed
        self.assertEqual(run("-i", "sim", "status", "--record", f).returncode, 0)
        head, rows = read_csv(f)
        self.assertEqual([len(r) for r in rows], [len(head), 3, len(head)])
        self.assertEqual(dict(zip(head, rows[2]))["voltage_mv"], "36423")

    def test_usage_errors(self):
        r = run("-i", "sim", "status", "--record", self.path("rec.txt"))
        self.assertEqual(r.returncode, 2)
        self.assertIn(".csv or .jsonl", r.stderr)
        r = run("-i", "sim", "status", "--max-size", "10M")
        self.assertEqual(r.returncode, 2)
        r = run("-i", "sim", "status", "--record", self.path("rec.csv"), "--max-size", "10X")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(os.listdir(self.dir), [])

    def test_no_answer_row_in_an_existing_file(self):
        f = self.path("rec.csv")
        self.assertEqual(run("-i", "sim", "status", "--record", f).returncode, 0)
        r = run("-i", "sim:standby=1", "--timeout", "20", "status", "--record", f)
        self.assertEqual(r.returncode, 3)
        head, rows = read_csv(f)
        self.assertEqual(len(rows), 2)
        d = dict(zip(head, rows[1]))
        self.assertEqual(d["error"], "no_answer")
        self.assertEqual(d["address"], "1")
        self.assertTrue(d["message"])


if __name__ == "__main__":
    unittest.main()
