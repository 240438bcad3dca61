"""Commands on several packs (--address all, a list), black-box through the built binary on
the simulated fleet: what each prints for every pack, the worst exit status, the failed
packs named, shared addresses left out, files holding every pack."""
import csv
import io
import json
import os
import subprocess
import tempfile
import unittest

from cli_env import environment

ROCKETCTL = os.environ.get("ROCKETCTL", "rocketctl")


def run(*args, timeout=60):
    return subprocess.run([ROCKETCTL, *args], capture_output=True, text=True, timeout=timeout,
                          env=environment(), stdin=subprocess.DEVNULL)


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class Addresses(unittest.TestCase):
    def test_lists_ranges_and_all_are_accepted(self):
        r = run("-i", "sim:packs=8", "--address", "1,3,5-6", "--json", "status")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([o["address"] for o in json_lines(r.stdout)], [1, 3, 5, 6])
        r = run("-i", "sim:packs=4", "--address", "all", "--json", "status")
        self.assertEqual([o["address"] for o in json_lines(r.stdout)], [1, 2, 3, 4])

    def test_numbers_are_decimal_or_0x(self):
        r = run("-i", "sim:packs=10", "--address", "010", "--json", "status")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json_lines(r.stdout)[0]["address"], 10)
        r = run("-i", "sim:packs=10", "--address", "0x0A", "--json", "status")
        self.assertEqual(json_lines(r.stdout)[0]["address"], 10)

    def test_bad_lists_are_usage_errors(self):
        for value, needle in (("1,", "'' is not a number"), ("5-3", "runs backwards"),
                              ("64", "outside 1-63"), ("al", "'al' is not a number")):
            r = run("-i", "sim", "--address", value, "status")
            self.assertEqual(r.returncode, 2, value)
            self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
            self.assertIn(needle, r.stderr)

    def test_one_pack_commands_refuse_several(self):
        for command in (["flash", "--dry-run", "x.bin"], ["doctor"]):
            r = run("-i", "sim", "--address", "all", *command)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("works on one pack", r.stderr)


class Status(unittest.TestCase):
    def test_a_row_per_pack_and_a_count(self):
        r = run("-i", "sim:packs=3,flags=0x841", "--address", "all", "status")
        self.assertEqual(r.returncode, 1, r.stderr)
        rows = [line for line in r.stdout.splitlines() if line.startswith("0x")]
        self.assertEqual(len(rows), 3)
        self.assertIn("RKS3611A201000125", rows[2])
        self.assertIn("36.423 V", rows[0])
        self.assertIn("ODV", rows[0])
        self.assertIn("3 packs: 0 normal, 3 not normal, 0 not read", r.stdout)

    def test_a_silent_pack_is_a_row_and_the_worst_status(self):
        r = run("-i", "sim:packs=2", "--address", "1-3", "status")
        self.assertEqual(r.returncode, 3)
        self.assertIn("0x03  no answer from BMS 0x03", r.stdout)
        self.assertIn("1 of 3 packs failed (0x03)", r.stderr)
        self.assertEqual(len([l for l in r.stderr.splitlines() if l.startswith("rocketctl:")]), 1)

    def test_json_objects_for_every_pack_and_the_error(self):
        r = run("-i", "sim:packs=2", "--address", "1-3", "--json", "status")
        objects = json_lines(r.stdout)
        self.assertEqual([o.get("address") for o in objects[:3]], [1, 2, 3])
        self.assertEqual(objects[2]["error"]["code"], "no_answer")
        self.assertEqual(objects[-1]["error"]["exit_status"], 3)

    def test_two_packs_on_one_address_are_left_out_and_named(self):
        r = run("-i", "sim:packs=3,duplicate=1", "--address", "all", "status")
        self.assertEqual(r.returncode, 13, r.stdout)
        self.assertIn("0x01  two packs answer from BMS address 0x01", r.stdout)
        self.assertIn("RKS3611A201000125", r.stdout)

    def test_record_writes_a_row_per_pack_with_address_and_serial(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "soak.csv")
            r = run("-i", "sim:packs=3", "--address", "all", "status", "--record", path)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(path, newline="") as f:
                rows = list(csv.DictReader(f))
            self.assertEqual([row["address"] for row in rows], ["1", "2", "3"])
            self.assertEqual(rows[1]["serial"], "RKS3611A201000124")


class Changes(unittest.TestCase):
    def test_settime_every_pack_keeps_the_old_flag(self):
        for how in (["--address", "all", "settime"], ["settime", "--all"]):
            r = run("-i", "sim:packs=3", "--json", *how, "--at", "2026-11-24T10:00:00")
            self.assertEqual(r.returncode, 0, r.stderr)
            objects = json_lines(r.stdout)
            self.assertEqual([o["address"] for o in objects], [1, 2, 3])
            self.assertTrue(all(o["verified"] for o in objects))

    def test_settime_never_writes_to_a_shared_address(self):
        r = run("-i", "sim:duplicate=1", "settime", "--at", "2026-11-24T10:00:00")
        self.assertEqual(r.returncode, 13, r.stdout)
        self.assertIn("two packs answer from BMS address 0x01", r.stderr)

    def test_sleep_lists_asks_once_and_names_a_pack_in_use(self):
        r = run("-i", "sim:packs=2", "--address", "all", "sleep")
        self.assertEqual(r.returncode, 2)  # no terminal, no --yes
        r = run("-i", "sim:packs=2,current=1200", "--address", "all", "sleep", "--yes")
        self.assertEqual(r.returncode, 5)
        self.assertIn("in use", r.stdout)
        self.assertIn("2 of 2 packs failed (0x01, 0x02)", r.stderr)
        r = run("-i", "sim:packs=3", "--address", "all", "--json", "sleep", "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([o["address"] for o in json_lines(r.stdout)], [1, 2, 3])


class SharedAddress(unittest.TestCase):
    """Two packs on one address (sim:duplicate=1, another serial): every form where a second,
    different answer can be seen refuses with one line and exit 13; scan warns (exit 1). (cells
    and faults read nothing that differs between the two: both answer the same bytes.)"""

    def test_every_command_refuses_a_shared_address(self):
        with tempfile.TemporaryDirectory() as d:
            image = os.path.join(d, "new.bin")
            subprocess.run(["/usr/bin/python3", os.path.join(os.path.dirname(__file__), "..", "tools", "fwimage.py"),
                            "--version", "1.5.0", image], check=True)
            limits = os.path.join(d, "l.toml")
            with open(limits, "w") as f:
                f.write("[cells]\ncount = 10\n")
            for args in (["settime", "--at", "2030-01-01T00:00:00"], ["check", "--limits", limits], ["status"],
                         ["flash", "--dry-run", image], ["settime", "--all"],
                         ["check", "--all", "--limits", limits], ["sleep", "--yes"]):
                r = run("-i", "sim:duplicate=1", *args)
                self.assertEqual(r.returncode, 13, (args, r.stdout, r.stderr))
                lines = [l for l in r.stderr.splitlines() if l.startswith("rocketctl:")]
                self.assertEqual(len(lines), 1, (args, r.stderr))
                self.assertIn("two packs answer from BMS address 0x01", lines[0])

    def test_scan_warns(self):
        r = run("-i", "sim:duplicate=1", "scan")
        self.assertEqual(r.returncode, 1)
        self.assertIn("two packs answer from address 0x01", r.stdout)


class Check(unittest.TestCase):
    LIMITS = os.path.join(os.environ.get("ROCKETCTL_SOURCE_DIR", "../.."), "docs", "limits.example.toml")

    def test_one_junit_suite_per_pack(self):
        with tempfile.TemporaryDirectory() as d:
            junit = os.path.join(d, "r.xml")
            limits = os.path.join(d, "l.toml")
            with open(limits, "w") as f:
                f.write("[cells]\ncount = 10\n")
            r = run("-i", "sim:packs=3", "--address", "all", "check", "--limits", limits,
                    "--samples", "2", "--interval", "0.2", "--junit", junit)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("3 of 3 packs pass", r.stdout)
            with open(junit) as f:
                self.assertEqual(f.read().count("<testsuite "), 3)


class LogDump(unittest.TestCase):
    def test_one_workbook_a_sheet_per_serial_and_a_summary(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "logs.xlsx")
            r = run("-i", "sim:packs=2", "--address", "1-3", "log", "dump", "-o", path)
            self.assertEqual(r.returncode, 3)  # pack 3 does not answer; the others are saved
            self.assertIn("Saved 84 records of 2 packs", r.stdout)
            check = subprocess.run(
                ["/usr/bin/python3", "-c",
                 "import openpyxl,sys; b=openpyxl.load_workbook(sys.argv[1]);"
                 "print(b.sheetnames); s=b['Summary'];"
                 "print([c.value for c in s[4]][7])", path],
                capture_output=True, text=True)
            self.assertEqual(check.returncode, 0, check.stderr)
            self.assertIn("['Summary', 'RKS3611A201000123', 'RKS3611A201000124']", check.stdout)
            self.assertIn("not read: no answer from BMS 0x03", check.stdout)

    def test_csv_has_serial_and_address_columns(self):
        r = run("-i", "sim:packs=2", "--address", "all", "log", "dump", "--format", "csv")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = list(csv.DictReader(io.StringIO(r.stdout)))
        self.assertEqual(len(rows), 84)
        self.assertEqual({row["serial"] for row in rows}, {"RKS3611A201000123", "RKS3611A201000124"})
        self.assertEqual(rows[-1]["address"], "2")


if __name__ == "__main__":
    unittest.main()
