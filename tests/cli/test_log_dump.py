"""Black-box tests of `rocketctl log dump` against the built-in simulated battery.

Run by ctest with ROCKETCTL=<path to the binary> and Debian's /usr/bin/python3 (openpyxl from
python3-openpyxl). The expected records are computed here independently of rocketctl's
renderers: from the raw diagnostic frames that `-vv` traces (ISO-TP reassembled and the
16-byte records of rockets-can-v1 §7 decoded in Python), and from the worked record of §10.
Every saved format (xlsx, csv, json) is read back with a real reader and compared record by
record; interrupted and killed dumps must leave no file at the target path.
"""
import csv
import datetime
import json
import os
import re
import signal
import struct
import subprocess
import tempfile
import threading
import unittest

import openpyxl

from cli_env import environment

ROCKETCTL = os.environ.get("ROCKETCTL", "rocketctl")
EPOCH = datetime.datetime(2000, 1, 1)
BMS_TO_TOOL = "18DA4001"  # §6: the BMS's diagnostic identifier towards tool 0x40

# §10: 27 1D DC E8 01 07 10 54 00 C8 10 9B 10 06 1F 61
WORKED = {
    "time": "2020-10-17T16:48:40", "event_code": 0x01, "flag": 7, "voltage_mv": 41800,
    "current_ma": 2000, "max_cell_mv": 4251, "min_cell_mv": 4102, "max_temperature_c": 31,
    "rsoc_pct": 97,
}
EVENT_WORDS = {
    0x01: "protection / error raised", 0x02: "protection / error released",
    0x10: "power on / reset", 0x11: "entered standby", 0x12: "woke up", 0x13: "clock set",
    0x14: "charge started", 0x15: "charge ended", 0x16: "firmware updated",
}
FIELDS = ("time", "event_code", "flag", "voltage_mv", "current_ma", "max_cell_mv", "min_cell_mv",
          "max_temperature_c", "rsoc_pct")
CSV_HEADER = ["number", "time", "event", "flag", "flag_name", "pack_voltage_v", "current_a",
              "max_cell_v", "min_cell_v", "max_temp_c", "rsoc_pct"]
SHEET_HEADER = ["#", "Time", "Event", "Flag", "Flag name", "Pack V", "Current A", "Max cell V",
                "Min cell V", "Max °C", "RSOC %"]


def run(*args, timeout=120, cwd=None):
    return subprocess.run([ROCKETCTL, *args], capture_output=True, text=True, timeout=timeout,
                          env=environment(), stdin=subprocess.DEVNULL, cwd=cwd)


def event_words(code):
    return EVENT_WORDS.get(code, "unknown event 0x%02X" % code)


def decode_record(b):
    """§7: one 16-byte big-endian record."""
    t, code, flag, v, i, vmax, vmin, temp, rsoc = struct.unpack(">IBBHhHHbB", b)
    return {
        "time": (EPOCH + datetime.timedelta(seconds=t)).isoformat(), "event_code": code,
        "flag": None if flag == 0xFF else flag, "voltage_mv": v * 10, "current_ma": i * 10,
        "max_cell_mv": vmax, "min_cell_mv": vmin, "max_temperature_c": temp, "rsoc_pct": rsoc,
    }


def records_from_trace(stderr):
    """The records as they crossed the bus: the BMS's ISO-TP frames in the -vv trace,
    reassembled (§6), the TransferData responses (76 counter data) concatenated and cut into
    16-byte records. Also the record count of DID F1A0."""
    messages, current, need = [], None, 0
    for line in stderr.splitlines():
        m = re.match(r"<-\s+" + BMS_TO_TOOL + r"#([0-9A-Fa-f ]+)$", line.strip())
        if not m:
            continue
        data = bytes.fromhex(m.group(1).replace(" ", ""))
        pci = data[0] >> 4
        if pci == 0:
            messages.append(data[1:1 + (data[0] & 0x0F)])
        elif pci == 1:
            need = (data[0] & 0x0F) << 8 | data[1]
            current = bytearray(data[2:8])
        elif pci == 2 and current is not None:
            current += data[1:8]
            if len(current) >= need:
                messages.append(bytes(current[:need]))
                current = None
    count = None
    upload = bytearray()
    for msg in messages:
        if msg[:3] == b"\x62\xF1\xA0":
            count = struct.unpack(">H", msg[3:5])[0]
        elif msg[:1] == b"\x76":
            upload += msg[2:]
    assert len(upload) % 16 == 0, len(upload)
    return count, [decode_record(bytes(upload[k:k + 16])) for k in range(0, len(upload), 16)]


def reference(iface):
    """(document from --json, records decoded from the wire) for one dump."""
    r = run("-i", iface, "--json", "-vv", "log", "dump")
    assert r.returncode == 0, r.stderr[-2000:]
    doc = json.loads(r.stdout)
    count, wire = records_from_trace(r.stderr)
    assert count == len(wire), (count, len(wire))
    return doc, wire


class Dir:
    def __enter__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="rocketctl-log-")
        return self.tmp.name

    def __exit__(self, *exc):
        self.tmp.cleanup()


class Reference(unittest.TestCase):
    """The default simulated log (42 records, §11) on stdout, against the wire."""

    @classmethod
    def setUpClass(cls):
        cls.doc, cls.wire = reference("sim")

    def test_json_matches_the_wire_record_by_record(self):
        doc, wire = self.doc, self.wire
        self.assertEqual(doc["schema"], "rocketctl.log/1")
        self.assertEqual(doc["serial"], "RKS3611A201000123")
        self.assertEqual(doc["firmware"], "1.4.2")
        self.assertRegex(doc["read_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
        self.assertEqual(doc["count"], 42)
        self.assertEqual(doc["capacity"], 2000)
        self.assertEqual(len(wire), 42)
        self.assertEqual(len(doc["records"]), 42)
        for n, (got, want) in enumerate(zip(doc["records"], wire), start=1):
            self.assertEqual(got["number"], n)
            self.assertEqual({k: got[k] for k in FIELDS}, want, f"record {n}")
            self.assertEqual(got["event_name"], event_words(want["event_code"]))
            self.assertEqual(got["time_s"],
                             (datetime.datetime.fromisoformat(want["time"]) - EPOCH).total_seconds())

    def test_the_worked_record_is_in_the_log(self):
        found = [r for r in self.doc["records"] if r["time"] == WORKED["time"]]
        self.assertEqual(len(found), 1, "the §10 worked record")
        r = found[0]
        self.assertEqual({k: r[k] for k in FIELDS}, WORKED)
        self.assertEqual((r["event"], r["flag_light"], r["flag_name"]),
                         ("raised", "OV", "Cell over-voltage protection"))
        self.assertIn(WORKED, self.wire)

    def test_table_shows_every_record(self):
        r = run("-i", "sim", "log", "dump")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")  # no progress bar without a terminal
        lines = r.stdout.splitlines()
        self.assertIn("Event log of pack RKS3611A201000123", lines[0])
        self.assertIn("42 records (capacity 2000)", lines[1])
        header = lines[3]
        for word in ("#", "Time", "Event", "Flag", "Pack V", "Current A", "Max cell V",
                     "Min cell V", "Max °C", "RSOC %"):
            self.assertIn(word, header)
        rows = lines[4:]
        self.assertEqual(len(rows), 42)
        worked = [l for l in rows if "2020-10-17 16:48:40" in l]
        self.assertEqual(len(worked), 1)
        self.assertRegex(worked[0], r"protection / error raised\s+OV Cell over-voltage protection\s+"
                         r"41\.80\s+2\.00\s+4\.251\s+4\.102\s+31\s+97$")

    def test_italian_flag_names(self):
        r = run("-i", "sim", "--lang", "it", "log", "dump")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("OV Protezione da sovratensione di cella", r.stdout)


def check_xlsx(test, path, doc, wire):
    book = openpyxl.load_workbook(path)
    test.assertEqual(book.sheetnames, ["Event log", "Pack"])
    sheet = book["Event log"]
    rows = list(sheet.iter_rows(values_only=True))
    test.assertEqual(list(rows[0]), SHEET_HEADER)
    test.assertTrue(all(cell.font.b for cell in sheet[1]), "bold header")
    test.assertEqual(sheet.freeze_panes, "A2")
    test.assertEqual(sheet.auto_filter.ref, "A1:K%d" % (len(wire) + 1))
    test.assertGreater(sheet.column_dimensions["C"].width, 20)  # the event in words fits
    test.assertEqual(len(rows) - 1, len(wire))
    for n, (row, want) in enumerate(zip(rows[1:], wire), start=1):
        number, when, event, light, name, v, a, vmax, vmin, temp, rsoc = row
        test.assertEqual(number, n)
        test.assertIsInstance(when, datetime.datetime, "a real date-time cell")
        test.assertEqual(when.isoformat(), want["time"])
        test.assertEqual(event, event_words(want["event_code"]))
        if want["flag"] is None:
            test.assertIsNone(light)
        else:
            test.assertEqual(light, doc["records"][n - 1]["flag_light"])
            test.assertEqual(name, doc["records"][n - 1]["flag_name"])
        for value in (v, a, vmax, vmin, temp, rsoc):
            test.assertIsInstance(value, (int, float), "numbers as numbers")
        test.assertEqual(round(v * 1000), want["voltage_mv"])
        test.assertEqual(round(a * 1000), want["current_ma"])
        test.assertEqual(round(vmax * 1000), want["max_cell_mv"])
        test.assertEqual(round(vmin * 1000), want["min_cell_mv"])
        test.assertEqual(temp, want["max_temperature_c"])
        test.assertEqual(rsoc, want["rsoc_pct"])
    pack = {r[0]: r[1] for r in book["Pack"].iter_rows(values_only=True)}
    test.assertEqual(pack["Serial"], "RKS3611A201000123")
    test.assertEqual(pack["Firmware"], "1.4.2")
    test.assertIsInstance(pack["Read at"], datetime.datetime)
    test.assertEqual(pack["Records in the log"], len(wire))
    test.assertEqual(pack["Log capacity"], 2000)


def check_csv(test, path, doc, wire):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    test.assertEqual(rows[0], CSV_HEADER)
    test.assertEqual(len(rows) - 1, len(wire))
    for n, (row, want) in enumerate(zip(rows[1:], wire), start=1):
        test.assertEqual(row[0], str(n))
        test.assertEqual(row[1], want["time"])
        test.assertEqual(row[2], event_words(want["event_code"]))
        test.assertEqual(row[3], doc["records"][n - 1]["flag_light"] or "")
        test.assertEqual(row[4], doc["records"][n - 1]["flag_name"] or "")
        test.assertEqual(round(float(row[5]) * 1000), want["voltage_mv"])
        test.assertEqual(round(float(row[6]) * 1000), want["current_ma"])
        test.assertEqual(round(float(row[7]) * 1000), want["max_cell_mv"])
        test.assertEqual(round(float(row[8]) * 1000), want["min_cell_mv"])
        test.assertEqual(int(row[9]), want["max_temperature_c"])
        test.assertEqual(int(row[10]), want["rsoc_pct"])
        for cell in row[2:5]:
            test.assertFalse(cell[:1] in ("=", "+", "-", "@"), cell)


def check_json(test, path, doc, wire):
    with open(path, encoding="utf-8") as f:
        saved = json.load(f)
    test.assertEqual(saved["schema"], "rocketctl.log/1")
    test.assertEqual(saved["serial"], "RKS3611A201000123")
    test.assertEqual(saved["count"], len(wire))
    test.assertEqual([{k: r[k] for k in FIELDS} for r in saved["records"]], wire)
    test.assertEqual(saved["records"], doc["records"])


CHECKS = {"xlsx": check_xlsx, "csv": check_csv, "json": check_json}


class Files(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.doc, cls.wire = reference("sim")

    def test_each_format_read_back_record_by_record(self):
        for fmt, check in CHECKS.items():
            with self.subTest(format=fmt), Dir() as d:
                target = os.path.join(d, "pack." + fmt)
                r = run("-i", "sim", "log", "dump", "-o", target)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("Saved 42 records of pack RKS3611A201000123 to " + target, r.stdout)
                check(self, target, self.doc, self.wire)
                self.assertEqual(os.listdir(d), ["pack." + fmt])  # no temporary file left

    def test_format_option_beats_the_name(self):
        with Dir() as d:
            target = os.path.join(d, "log.txt")
            r = run("-i", "sim", "log", "dump", "-o", target, "--format", "csv")
            self.assertEqual(r.returncode, 0, r.stderr)
            check_csv(self, target, self.doc, self.wire)

    def test_json_flag_with_a_file_prints_the_document_and_the_file(self):
        with Dir() as d:
            target = os.path.join(d, "log.xlsx")
            r = run("-i", "sim", "--json", "log", "dump", "-o", target)
            self.assertEqual(r.returncode, 0, r.stderr)
            out = json.loads(r.stdout)
            self.assertEqual((out["file"], out["format"]), (target, "xlsx"))
            self.assertEqual(out["records"], self.doc["records"])

    def test_csv_on_stdout(self):
        r = run("-i", "sim", "log", "dump", "--format", "csv")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = list(csv.reader(r.stdout.splitlines()))
        self.assertEqual(rows[0], CSV_HEADER)
        self.assertEqual(len(rows), 43)

    def test_since_filters_by_bms_time(self):
        cut = "2020-10-17T16:48:40"
        want = [(n, w) for n, w in enumerate(self.wire, start=1) if w["time"] >= cut]
        self.assertTrue(0 < len(want) < len(self.wire), "the cut falls inside the log")
        r = run("-i", "sim", "--json", "log", "dump", "--since", cut)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["since"], cut)
        self.assertEqual(doc["count"], 42)
        self.assertEqual([(r["number"], {k: r[k] for k in FIELDS}) for r in doc["records"]], want)
        # A date alone means from its midnight.
        r = run("-i", "sim", "--json", "log", "dump", "--since", "2020-10-18")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["records"],
                         [x for x in self.doc["records"] if x["time"] >= "2020-10-18"])


class EmptyLog(unittest.TestCase):
    def test_every_format_has_its_headers(self):
        with Dir() as d:
            for fmt in ("xlsx", "csv", "json"):
                target = os.path.join(d, "empty." + fmt)
                r = run("-i", "sim:log=0", "log", "dump", "-o", target)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("Saved 0 records", r.stdout)
            book = openpyxl.load_workbook(os.path.join(d, "empty.xlsx"))
            rows = list(book["Event log"].iter_rows(values_only=True))
            self.assertEqual(rows, [tuple(SHEET_HEADER)])
            with open(os.path.join(d, "empty.csv"), newline="") as f:
                self.assertEqual(list(csv.reader(f)), [CSV_HEADER])
            with open(os.path.join(d, "empty.json")) as f:
                doc = json.load(f)
            self.assertEqual((doc["count"], doc["records"]), (0, []))
        r = run("-i", "sim:log=0", "log", "dump")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("The event log is empty.", r.stdout)


class Usage(unittest.TestCase):
    def test_an_existing_file_needs_force(self):
        with Dir() as d:
            target = os.path.join(d, "log.csv")
            with open(target, "w") as f:
                f.write("keep me\n")
            r = run("-i", "sim", "log", "dump", "-o", target)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(target + " exists: add --force to replace it", r.stderr)
            with open(target) as f:
                self.assertEqual(f.read(), "keep me\n")
            r = run("-i", "sim", "log", "dump", "-o", target, "--force")
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(target) as f:
                self.assertEqual(next(csv.reader(f)), CSV_HEADER)
            self.assertEqual(os.listdir(d), ["log.csv"])

    def test_bad_command_lines_are_usage_errors(self):
        with Dir() as d:
            for args, needle in (
                (["-o", os.path.join(d, "log.txt")], "cannot tell the format"),
                (["-o", os.path.join(d, "log")], "cannot tell the format"),
                (["--format", "xlsx"], "add -o FILE.xlsx"),
                (["--format", "pdf"], "--format"),
                (["--since", "2020-02-30"], "--since 2020-02-30"),
                (["--since", "yesterday"], "--since yesterday"),
                (["--force"], "--force goes with -o"),
            ):
                with self.subTest(args=args):
                    r = run("-i", "sim", "log", "dump", *args)
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertIn(needle, r.stderr)
                    self.assertEqual(os.listdir(d), [])
        r = run("-i", "sim", "log")
        self.assertEqual(r.returncode, 2)

    def test_unwritable_folder_is_a_file_error_before_reading(self):
        r = run("-i", "sim", "-vv", "log", "dump", "-o", "/nonexistent-folder/log.xlsx")
        self.assertEqual(r.returncode, 8, r.stderr)
        self.assertIn("/nonexistent-folder/log.xlsx", r.stderr)
        self.assertNotIn(BMS_TO_TOOL, r.stderr)  # nothing was read

    def test_no_answer_leaves_no_file(self):
        with Dir() as d:
            r = run("-i", "sim:standby=1", "--timeout", "20", "log", "dump", "-o",
                    os.path.join(d, "log.csv"))
            self.assertEqual(r.returncode, 3, r.stderr)
            self.assertEqual(os.listdir(d), [])


# A log that takes a few seconds to upload on a paced 250 kbit/s bus.
SLOW = "sim:log=2000,bitrate=250000"


class Interrupted(unittest.TestCase):
    """Ctrl-C and SIGKILL at several points of a dump: never a file at the target path, and
    after Ctrl-C not even a temporary one. The points are counted in frames of the upload
    seen in the -vv trace, not in wall-clock time."""

    def dump_until(self, d, fmt, frames, sig, after=0.0):
        """Starts a dump to d/log.<fmt>, sends `sig` once `frames` upload frames have come
        (None: once RequestTransferExit is answered, i.e. the read is over; `after` seconds
        later, to fall while the file is written) and returns (exit status, target, the
        folder's names)."""
        target = os.path.join(d, "log." + fmt)
        p = subprocess.Popen([ROCKETCTL, "-i", SLOW, "-vv", "log", "dump", "-o", target],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             env=environment(), stdin=subprocess.DEVNULL)
        seen, sent = 0, False
        for line in p.stderr:
            if sent:
                continue  # keep draining so the process never blocks on a full pipe
            if ("<- " + BMS_TO_TOOL + "#") not in line:
                continue
            payload = line.split("#", 1)[1].strip().replace(" ", "")
            if payload[:1] == "2":
                seen += 1
            end = payload[:4] == "0177"  # RequestTransferExit answered: the read is over
            if (frames is not None and seen >= frames) or (frames is None and end):
                if after:
                    threading.Timer(after, p.send_signal, [sig]).start()
                else:
                    p.send_signal(sig)
                sent = True
        rc = p.wait(timeout=120)
        p.stderr.close()
        self.assertTrue(sent, "the signal was sent")
        return rc, target, sorted(os.listdir(d))

    # Where the signal falls: after so many upload frames, or (None) after the read, plus a
    # delay that lands it while the file is written or after it is renamed.
    POINTS = (("xlsx", 1, 0), ("csv", 700, 0), ("json", 3000, 0), ("xlsx", None, 0),
              ("xlsx", None, 0.02), ("json", None, 0.05), ("xlsx", None, 0.1))

    def test_ctrl_c_leaves_no_file_and_no_temporary(self):
        for fmt, frames, after in self.POINTS:
            with self.subTest(format=fmt, frames=frames, after=after), Dir() as d:
                rc, target, names = self.dump_until(d, fmt, frames, signal.SIGINT, after)
                if rc == 0:  # the signal came after the rename: a complete file
                    self.assertIsNone(frames)
                    self.assertEqual(names, [os.path.basename(target)])
                    CHECK_WHOLE[fmt](target)
                    continue
                self.assertEqual(rc, 130)
                self.assertEqual(names, [], "nothing at all after Ctrl-C")

    def test_sigkill_never_leaves_a_partial_file(self):
        for fmt, frames, after in self.POINTS + (("csv", 1500, 0), ("csv", None, 0.03)):
            with self.subTest(format=fmt, frames=frames, after=after), Dir() as d:
                rc, target, names = self.dump_until(d, fmt, frames, signal.SIGKILL, after)
                if rc == 0:  # finished before the signal: the file is whole
                    self.assertIsNone(frames)
                    CHECK_WHOLE[fmt](target)
                    continue
                self.assertEqual(rc, -signal.SIGKILL)
                if os.path.basename(target) in names:
                    # Killed after the rename, before the process ended: the file is whole.
                    self.assertIsNone(frames)
                    CHECK_WHOLE[fmt](target)
                    names.remove(os.path.basename(target))
                for n in names:  # at most the hidden temporary file
                    self.assertRegex(n, r"^\.log\.%s\.[A-Za-z0-9]{6}$" % fmt)


def whole_xlsx(path):
    assert len(list(openpyxl.load_workbook(path)["Event log"].iter_rows())) == 2001


def whole_csv(path):
    with open(path, newline="") as f:
        assert len(list(csv.reader(f))) == 2001


def whole_json(path):
    with open(path) as f:
        assert len(json.load(f)["records"]) == 2000


CHECK_WHOLE = {"xlsx": whole_xlsx, "csv": whole_csv, "json": whole_json}


class SlowLogIsWhole(unittest.TestCase):
    def test_two_thousand_records_on_a_paced_bus(self):
        with Dir() as d:
            target = os.path.join(d, "log.json")
            r = run("-i", SLOW, "log", "dump", "-o", target, timeout=300)
            self.assertEqual(r.returncode, 0, r.stderr)
            whole_json(target)


if __name__ == "__main__":
    unittest.main()
