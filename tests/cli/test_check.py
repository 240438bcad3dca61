"""Black-box tests of `rocketctl check --limits FILE` against the built-in simulated battery.

Run by ctest with ROCKETCTL=<path to the binary> and Debian's /usr/bin/python3. The JUnit
file is read back with two real parsers, python3's xml.etree and python3-junitparser (the
package CI systems' conventions are modelled on), and checked test case by test case against
what the simulated battery was set up with (rockets-can-v1 §11 reference values, sim: keys).
"""
import json
import os
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ET

import junitparser

from cli_env import environment

ROCKETCTL = os.environ.get("ROCKETCTL", "rocketctl")
HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "docs", "limits.example.toml")
ALL_LIMITS = ["cell_count", "cell_voltage", "max_diff_voltage", "pack_voltage", "cell_temperature",
              "mos_temperature", "rsoc", "clock_drift", "shell_resistance", "flags_clear",
              "flags_set", "firmware", "serial"]
SERIAL = "RKS3611A201000123"  # §11


def run(*args, timeout=120):
    return subprocess.run([ROCKETCTL, *args], capture_output=True, text=True, timeout=timeout,
                          env=environment(), stdin=subprocess.DEVNULL)


def junit_cases(path):
    """{suite name: {case name: (kind or None, message)}} with xml.etree; also checks the
    counts each <testsuite> and <testsuites> declares against the cases it holds."""
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites", root.tag
    out, total, total_failures, total_errors = {}, 0, 0, 0
    for suite in root.findall("testsuite"):
        cases = {}
        failures = errors = 0
        for case in suite.findall("testcase"):
            kind, message = None, None
            for tag in ("failure", "error"):
                el = case.find(tag)
                if el is not None:
                    kind, message = tag, el.get("message")
                    failures += tag == "failure"
                    errors += tag == "error"
            cases[case.get("name")] = (kind, message)
        assert int(suite.get("tests")) == len(cases), (suite.get("tests"), len(cases))
        assert int(suite.get("failures")) == failures
        assert int(suite.get("errors")) == errors
        total += len(cases)
        total_failures += failures
        total_errors += errors
        out[suite.get("name")] = cases
    assert int(root.get("tests")) == total
    assert int(root.get("failures")) == total_failures
    assert int(root.get("errors")) == total_errors
    return out


def properties(path, suite_name):
    root = ET.parse(path).getroot()
    for suite in root.findall("testsuite"):
        if suite.get("name") == suite_name:
            return {p.get("name"): p.get("value") for p in suite.find("properties").findall("property")}
    raise AssertionError("no suite " + suite_name)


class CheckTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def limits(self, text):
        path = os.path.join(self.dir, "rig.toml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_example_passes_the_reference_battery(self):
        xml = os.path.join(self.dir, "report.xml")
        r = run("-i", "sim:clock=now", "check", "--limits", EXAMPLE, "--junit", xml)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lines = [l for l in r.stdout.splitlines() if l.startswith("  ")]
        self.assertEqual([l.split()[0] for l in lines], ALL_LIMITS)
        self.assertTrue(all(l.rstrip().endswith("PASS") for l in lines), r.stdout)
        self.assertIn("PASS: all 13 limits met", r.stdout)
        cases = junit_cases(xml)
        self.assertEqual(list(cases), [SERIAL])
        self.assertEqual(list(cases[SERIAL]), ALL_LIMITS)
        self.assertTrue(all(kind is None for kind, _ in cases[SERIAL].values()))
        props = properties(xml, SERIAL)
        self.assertEqual(props["serial"], SERIAL)
        self.assertEqual(props["firmware"], "1.4.2")
        self.assertEqual(props["hardware_revision"], "3")
        self.assertEqual(props["samples"], "1")
        # junitparser reads the same document the same way.
        doc = junitparser.JUnitXml.fromfile(xml)
        suites = list(doc)
        self.assertEqual(len(suites), 1)
        self.assertEqual(suites[0].name, SERIAL)
        self.assertEqual(suites[0].tests, 13)
        self.assertEqual(suites[0].failures, 0)
        self.assertTrue(all(case.is_passed for case in suites[0]))

    def test_failures_are_reported_case_by_case(self):
        # cells 3600/3750/3700 (3 cells, diff 150 mV, one above 3650, pack 11050 mV: the sum),
        # ODV set, MOS 75.5 °C, RSOC 20 %, clock 2020 (the default: years behind).
        xml = os.path.join(self.dir, "report.xml")
        sim = "sim:cells=3600/3750/3700,flags=0x841,mos=75.5,rsoc=20"
        r = run("-i", sim, "check", "--limits", EXAMPLE, "--junit", xml)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        expected = {
            "cell_count": "3", "cell_voltage": "3600 mV (#1) to 3750 mV (#2)",
            "max_diff_voltage": "150 mV", "pack_voltage": "11050 mV", "mos_temperature": "75.5 °C", "rsoc": "20 %",
            "flags_clear": "ODV set",
        }
        cases = junit_cases(xml)[SERIAL]
        failing = {name for name, (kind, _) in cases.items() if kind == "failure"}
        self.assertEqual(failing, set(expected) | {"clock_drift"})
        for name, measured in expected.items():
            self.assertTrue(cases[name][1].startswith("measured %s, expected " % measured), cases[name])
        self.assertIn("BMS behind", cases["clock_drift"][1])
        self.assertEqual(cases["max_diff_voltage"][1], "measured 150 mV, expected <= 100 mV")
        self.assertEqual(cases["cell_count"][1], "measured 3, expected 10")
        self.assertIn("FAIL: 8 of 13 limits failed", r.stdout)
        doc = junitparser.JUnitXml.fromfile(xml)
        suite = list(doc)[0]
        self.assertEqual(suite.failures, 8)
        for case in suite:
            if case.name in failing:
                self.assertFalse(case.is_passed)
                self.assertIsInstance(case.result[0], junitparser.Failure)
                self.assertIn("expected", case.result[0].message)

    def test_json(self):
        r = run("-i", "sim:clock=now,flags=0x841", "--json", "check", "--limits", EXAMPLE)
        self.assertEqual(r.returncode, 1, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 1)
        j = json.loads(lines[0])
        self.assertEqual(j["schema"], "rocketctl.check/1")
        self.assertEqual(j["serial"], SERIAL)
        self.assertFalse(j["pass"])
        self.assertEqual(j["failed"], 1)
        self.assertEqual([x["name"] for x in j["results"]], ALL_LIMITS)
        bad = [x for x in j["results"] if not x["pass"]]
        self.assertEqual(bad, [{"name": "flags_clear", "measured": "ODV set",
                                "limit": "clear: " + " ".join(
                                    ["UV", "DOC", "DOL", "SC", "PF", "OV", "COC", "TOV", "TUV", "ODV",
                                     "DOT", "DUT", "COT", "CUT", "MOS-OT", "E2-E", "AFE-E", "RTC-E",
                                     "2nd-OT", "2nd-OV", "D-MOS-E", "C-MOS-E", "P-MOS-E"]),
                                "pass": False}])

    def test_all_packs_one_suite_each(self):
        # packs=2: pack k's clock k x 37 s ahead of now; the limit is 60 s.
        xml = os.path.join(self.dir, "report.xml")
        r = run("-i", "sim:packs=2,clock=now", "check", "--all", "--limits", EXAMPLE, "--junit", xml)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("1 of 2 packs pass", r.stdout)
        cases = junit_cases(xml)
        self.assertEqual(list(cases), [SERIAL, "RKS3611A201000124"])
        self.assertTrue(all(kind is None for kind, _ in cases[SERIAL].values()))
        second = cases["RKS3611A201000124"]
        self.assertEqual({n for n, (k, _) in second.items() if k}, {"clock_drift"})
        self.assertRegex(second["clock_drift"][1], r"^measured \+7[345] s \(BMS ahead\), expected <= 60 s either way$")
        self.assertEqual(properties(xml, "RKS3611A201000124")["address"], "2")
        self.assertEqual(len(list(junitparser.JUnitXml.fromfile(xml))), 2)

    def test_samples_take_the_worst(self):
        xml = os.path.join(self.dir, "report.xml")
        r = run("-i", "sim:clock=now", "check", "--limits", EXAMPLE, "--samples", "3", "--interval", "0.2",
                "--junit", xml)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("3 samples", r.stdout)
        self.assertEqual(properties(xml, SERIAL)["samples"], "3")

    def test_unreadable_pack_gives_its_status_and_an_error_case(self):
        xml = os.path.join(self.dir, "report.xml")
        r = run("-i", "sim:standby=1", "--timeout", "20", "check", "--limits", EXAMPLE, "--junit", xml)
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("no answer", r.stderr)
        root = ET.parse(xml).getroot()
        suite = root.find("testsuite")
        self.assertEqual(suite.get("name"), "BMS 0x01")
        self.assertEqual(suite.get("errors"), "1")
        case = suite.find("testcase")
        self.assertEqual(case.get("name"), "read")
        self.assertEqual(case.find("error").get("type"), "no_answer")
        doc = list(junitparser.JUnitXml.fromfile(xml))[0]
        self.assertIsInstance(list(doc)[0].result[0], junitparser.Error)

    def test_junit_is_replaced_each_run(self):
        xml = os.path.join(self.dir, "report.xml")
        with open(xml, "w") as f:
            f.write("old")
        r = run("-i", "sim:clock=now", "check", "--limits", EXAMPLE, "--junit", xml)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(list(junit_cases(xml)), [SERIAL])
        self.assertEqual(sorted(os.listdir(self.dir)), ["report.xml"])  # no temporary left

    def test_limits_file_errors(self):
        path = self.limits("[cells]\ncount = 10\n\n[rsoc]\nmin_pct = 90\nmax_pct = 80\n")
        r = run("-i", "sim", "check", "--limits", path)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.strip(), "rocketctl: %s:5: rsoc: min_pct 90 is above max_pct 80 %%: no value "
                         "can pass" % path)
        path = self.limits("[cells]\ncolor = \"red\"\n")
        r = run("-i", "sim", "check", "--limits", path)
        self.assertEqual(r.returncode, 2)
        self.assertIn("%s:2: unknown key cells.color" % path, r.stderr)
        r = run("-i", "sim", "check", "--limits", os.path.join(self.dir, "missing.toml"))
        self.assertEqual(r.returncode, 8)
        r = run("-i", "sim", "check")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--limits", r.stderr)

    def test_exit_status_follows_the_limits(self):
        path = self.limits("[cells]\nmax_diff_mv = 2\n")
        self.assertEqual(run("-i", "sim", "check", "--limits", path).returncode, 1)  # 3 mV
        path = self.limits("[cells]\nmax_diff_mv = 3\n")
        self.assertEqual(run("-i", "sim", "check", "--limits", path).returncode, 0)


if __name__ == "__main__":
    unittest.main()
