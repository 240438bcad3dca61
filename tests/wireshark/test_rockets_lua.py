"""tshark (Debian's Wireshark 4.0) with proto/rockets.lua: the worked frames of the protocol
reference (§10) decoded to the reference's values, a live `status` exchange of the simulated
battery, the UDS services of a `log dump` handed to Wireshark's own ISO 15765 and UDS
dissectors, and the install rule putting the file where Wireshark looks for global Lua plugins.

Traces are candump log files (`(sec.usec) iface ID#DATA`), which tshark 4.0 reads directly:
tests/wireshark/worked_frames.log (§10 by hand), and `rocketctl --trace FILE` of the simulated
battery.
tshark runs as whoever runs ctest (root in CI): Debian's init.lua lets Lua run for root
(run_user_scripts_when_superuser), and the script is loaded with -X lua_script:, so no plugin
folder is needed. HOME points to an empty folder: no personal preferences interfere.

Environment: ROCKETCTL (the binary), ROCKETCTL_SOURCE_DIR, CMAKE_COMMAND.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SOURCE = Path(os.environ.get("ROCKETCTL_SOURCE_DIR", Path(__file__).resolve().parents[2]))
LUA = SOURCE / "proto" / "rockets.lua"
WORKED = Path(__file__).resolve().parent / "worked_frames.log"
ROCKETCTL = os.environ.get("ROCKETCTL", "rocketctl")
TSHARK = shutil.which("tshark")
if TSHARK is None:
    # ctest's skip code: with CI=true build.sh counts a skipped test as a failure.
    print("tshark is not installed (Debian package tshark): skipped")
    sys.exit(77)
# The diagnostic channel 0x18DA0000-0x18DAFFFF to ISO 15765, its payload to UDS (Wireshark 4.0
# binds ISO 15765 to extended ids only through this preference).
ISOTP_OPTIONS = ["-o", "iso15765.can.extended_ids:416940032-417005567", "-d", "iso15765.subdissector,uds"]


def tshark(trace, *args, home):
    r = subprocess.run([TSHARK, "-n", "-X", f"lua_script:{LUA}", *ISOTP_OPTIONS, "-r", str(trace), *args],
                       capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": home})
    if r.returncode != 0 or "Lua Error" in r.stdout + r.stderr:
        raise AssertionError(f"tshark failed ({r.returncode}): {r.stderr}\n{r.stdout[-2000:]}")
    return r.stdout


def fields(trace, names, home, display_filter=None):
    """One dict per frame: field -> value as tshark prints it ('' when absent)."""
    args = ["-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=;"]
    for n in names:
        args += ["-e", n]
    if display_filter:
        args += ["-Y", display_filter]
    out = tshark(trace, *args, home=home)
    return [dict(zip(names, line.split("|"))) for line in out.splitlines()]


def trace_of(*args, path):
    """A candump log of `rocketctl ARGS` on the simulated battery, written by the tool itself
    with --trace FILE. Returns the number of frames."""
    r = subprocess.run([ROCKETCTL, "-i", "sim", "--trace", str(path), *args], capture_output=True,
                       text=True, timeout=120, stdin=subprocess.DEVNULL)
    if r.returncode != 0 or not Path(path).exists():
        raise AssertionError(f"rocketctl --trace {path} {' '.join(args)}: exit {r.returncode}: {r.stderr}")
    return sum(1 for line in Path(path).read_text().splitlines() if "#" in line)


class Dissector(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.home = self.dir.name

    def tearDown(self):
        self.dir.cleanup()

    def test_worked_frames_decode_to_the_reference_values(self):
        names = ["rockets.cmd", "rockets.kind", "rockets.src", "rockets.dst", "rockets.frame",
                 "rockets.connect.cells", "rockets.connect.sensors", "rockets.connect.hardware",
                 "rockets.connect.firmware", "rockets.connect.mode", "rockets.identity.part",
                 "rockets.pack.voltage", "rockets.pack.current", "rockets.capacity.rsoc",
                 "rockets.capacity.remaining", "rockets.capacity.full", "rockets.temp.highest",
                 "rockets.temp.highest_sensor", "rockets.temp.lowest", "rockets.temp.lowest_sensor",
                 "rockets.temp.mos", "rockets.cells.highest", "rockets.cells.highest_cell",
                 "rockets.cells.lowest", "rockets.cells.lowest_cell", "rockets.cells.count",
                 "rockets.cells.diff_mv", "rockets.cell", "rockets.cell.voltage", "rockets.sensor",
                 "rockets.sensor.temperature", "rockets.status.word", "rockets.status.on",
                 "rockets.status.normal", "rockets.status.d_mos", "rockets.status.odv",
                 "rockets.status.balancing", "rockets.cycles.count", "rockets.cycles.luchg",
                 "rockets.clock", "rockets.shell.positive", "rockets.shell.negative",
                 "rockets.sleep.guard", "rockets.nak.command", "rockets.nak.reason", "_ws.col.Info"]
        rows = fields(WORKED, names, self.home)
        self.assertEqual(len(rows), 26)
        f = lambda i: rows[i - 1]  # noqa: E731  (frame numbers of worked_frames.log)
        # CONNECT: "10 cells, 2 sensors, hw 3, fw 1.4.2, application"
        self.assertEqual((f(1)["rockets.cmd"], f(1)["rockets.kind"], f(1)["rockets.src"], f(1)["rockets.dst"]),
                         ("0x01", "request", "0x40", "0x01"))
        c = f(2)
        self.assertEqual((c["rockets.kind"], c["rockets.connect.cells"], c["rockets.connect.sensors"],
                          c["rockets.connect.hardware"], c["rockets.connect.firmware"], c["rockets.connect.mode"]),
                         ("response", "10", "2", "3", "1.4.2", "0"))
        # IDENTITY: serial RKS3611A201000123
        self.assertEqual("".join(f(i)["rockets.identity.part"] for i in (3, 4, 5)), "RKS3611A201000123")
        # PACK: 36.423 V, -0.008 A
        self.assertEqual((float(f(6)["rockets.pack.voltage"]), float(f(6)["rockets.pack.current"])), (36.423, -0.008))
        # CAPACITY: 40 %, 4732 mAh, 11600 mAh
        self.assertEqual((f(7)["rockets.capacity.rsoc"], f(7)["rockets.capacity.remaining"],
                          f(7)["rockets.capacity.full"]), ("40", "4732", "11600"))
        # TEMP SUMMARY: 21.2 (sensor 2), 21.1 (sensor 1), MOS 22.7 °C
        t = f(8)
        self.assertEqual((float(t["rockets.temp.highest"]), t["rockets.temp.highest_sensor"],
                          float(t["rockets.temp.lowest"]), t["rockets.temp.lowest_sensor"],
                          float(t["rockets.temp.mos"])), (21.2, "2", 21.1, "1", 22.7))
        # CELL SUMMARY: max 3.644 V #4, min 3.641 V #3, 10 cells
        s = f(9)
        self.assertEqual((float(s["rockets.cells.highest"]), s["rockets.cells.highest_cell"],
                          float(s["rockets.cells.lowest"]), s["rockets.cells.lowest_cell"],
                          s["rockets.cells.count"], s["rockets.cells.diff_mv"]),
                         (3.644, "4", 3.641, "3", "10", "3"))
        # CELL VOLTS: the ten cells of §11, slots past the count left out
        cells, volts = [], []
        for i in (10, 11, 12, 13):
            cells += f(i)["rockets.cell"].split(";")
            volts += [float(v) for v in f(i)["rockets.cell.voltage"].split(";")]
        self.assertEqual(cells, [str(n) for n in range(1, 11)])
        self.assertEqual(volts, [3.642, 3.643, 3.641, 3.644, 3.642, 3.643, 3.642, 3.641, 3.643, 3.642])
        # TEMPERATURES: 21.1, 21.2 °C
        self.assertEqual(f(14)["rockets.sensor"], "1;2")
        self.assertEqual([float(v) for v in f(14)["rockets.sensor.temperature"].split(";")], [21.1, 21.2])
        # STATUS: D-MOS, C-MOS on; no balancing
        st = f(15)
        self.assertEqual((st["rockets.status.word"], st["rockets.status.on"], st["rockets.status.d_mos"],
                          st["rockets.status.odv"], st["rockets.status.balancing"]),
                         ("0x00000041", "D-MOS, C-MOS", "1", "0", "0x00000000"))
        self.assertIn(st["rockets.status.normal"], ("1", "True"))
        # CYCLES: 0 cycles, L-UCHG 95 h
        self.assertEqual((f(16)["rockets.cycles.count"], f(16)["rockets.cycles.luchg"]), ("0", "95"))
        # CLOCK: 2020-10-17 16:48:40
        self.assertEqual(f(17)["rockets.clock"], "2020-10-17 16:48:40")
        # SHELL: not measured
        self.assertEqual((f(18)["rockets.shell.positive"], f(18)["rockets.shell.negative"]), ("65535", "65535"))
        self.assertIn("not measured (NULL)", f(18)["_ws.col.Info"])
        # SET CLOCK, SLEEP requests
        self.assertEqual((f(19)["rockets.kind"], f(19)["rockets.clock"]), ("request", "2026-11-24 10:00:00"))
        self.assertEqual((f(20)["rockets.cmd"], f(20)["rockets.sleep.guard"]), ("0x21", "0xa55a"))
        # NAK: SET CLOCK refused: invalid parameter
        n = f(22)
        self.assertEqual((n["rockets.cmd"], n["rockets.nak.command"], n["rockets.nak.reason"]), ("0x7f", "0x20", "0x02"))
        self.assertIn("SET CLOCK refused: invalid parameter (0x02)", n["_ws.col.Info"])
        # The diagnostic channel is not ours
        for i in range(23, 27):
            self.assertEqual(f(i)["rockets.cmd"], "", f"frame {i}")

    def test_info_column_reads_like_the_reference(self):
        out = tshark(WORKED, "-T", "fields", "-e", "_ws.col.Info", home=self.home).splitlines()
        self.assertEqual(out[1], "CONNECT response 0x01->0x40: 10 cells, 2 sensors, hw 3, fw 1.4.2, application")
        self.assertEqual(out[5], "PACK response 0x01->0x40: 36.423 V, -0.008 A")
        self.assertEqual(out[6], "CAPACITY response 0x01->0x40: 40 %, 4732 mAh, 11600 mAh")
        self.assertEqual(out[7], "TEMPERATURE SUMMARY response 0x01->0x40: 21.2 (sensor 2), 21.1 (sensor 1), MOS 22.7 °C")
        self.assertEqual(out[8], "CELL SUMMARY response 0x01->0x40: max 3.644 V #4, min 3.641 V #3, 10 cells")
        self.assertEqual(out[14], "STATUS response 0x01->0x40: 0x00000041 on: D-MOS, C-MOS; no balancing")
        self.assertEqual(out[15], "CYCLES response 0x01->0x40: 0 cycles, L-UCHG 95 h")
        self.assertEqual(out[16], "CLOCK response 0x01->0x40: 2020-10-17 16:48:40")

    def test_every_status_flag_by_name(self):
        trace = Path(self.home) / "flags.log"
        trace.write_text("(1.000000) can0 18164001#07FFFFFE00000003\n")
        text = tshark(trace, "-V", home=self.home)
        for name in ("UV", "DOC", "DOL", "SC", "PF", "C-MOS", "OV", "COC", "TOV", "TUV", "ODV", "DOT",
                     "DUT", "COT", "CUT", "MOS-OT", "LR", "P-MOS", "E2-E", "AFE-E", "RTC-E", "2nd-OT",
                     "2nd-OV", "D-MOS-E", "C-MOS-E", "P-MOS-E"):
            self.assertRegex(text, rf"= {re.escape(name)}: [^\n]*: True", name)
        self.assertRegex(text, r"= D-MOS: discharge MOSFET on: False")

    def test_live_status_exchange_of_the_simulated_battery(self):
        trace = Path(self.home) / "status.log"
        self.assertGreater(trace_of("status", path=trace), 10)
        rows = fields(trace, ["rockets.cmd", "rockets.kind", "rockets.pack.voltage", "rockets.capacity.rsoc",
                              "rockets.status.on", "rockets.connect.firmware"], self.home)
        kinds = {(r["rockets.cmd"], r["rockets.kind"]) for r in rows}
        for cmd in ("0x01", "0x02", "0x10", "0x11", "0x12", "0x13", "0x14", "0x15", "0x16", "0x17", "0x18", "0x19"):
            self.assertIn((cmd, "request"), kinds)
            self.assertIn((cmd, "response"), kinds)
        values = {k: v for r in rows for k, v in r.items() if v and k not in ("rockets.cmd", "rockets.kind")}
        self.assertEqual(float(values["rockets.pack.voltage"]), 36.423)
        self.assertEqual(values["rockets.capacity.rsoc"], "40")
        self.assertEqual(values["rockets.status.on"], "D-MOS, C-MOS")
        self.assertEqual(values["rockets.connect.firmware"], "1.4.2")

    def test_log_dump_uds_services_go_to_wiresharks_isotp_and_uds(self):
        trace = Path(self.home) / "logdump.log"
        self.assertGreater(trace_of("log", "dump", path=trace), 10)
        rows = fields(trace, ["can.id", "rockets.cmd", "iso15765.message_type", "uds.sid", "uds.reply",
                              "_ws.col.Protocol", "_ws.col.Info"], self.home, display_filter="uds")
        info = "\n".join(r["_ws.col.Info"] for r in rows)
        for service in ("Read Data By Identifier", "Request Upload", "Transfer Data", "Request Transfer Exit"):
            self.assertIn(service, info)
        sids = {int(r["uds.sid"], 16) for r in rows if r["uds.sid"]}
        self.assertTrue({0x22, 0x35, 0x36, 0x37} <= sids, sids)
        self.assertTrue(all(r["rockets.cmd"] == "" for r in rows), "0x18DA.. frames are not claimed by rockets")
        self.assertTrue(all(r["_ws.col.Protocol"] == "UDS" for r in rows))

    def test_per_user_plugin_folder_loads_it_without_options(self):
        plugins = Path(self.home) / ".local" / "lib" / "wireshark" / "plugins"
        plugins.mkdir(parents=True)
        shutil.copy(LUA, plugins / "rockets.lua")
        r = subprocess.run([TSHARK, "-n", "-r", str(WORKED), "-T", "fields", "-e", "rockets.pack.voltage",
                            "-Y", "rockets.cmd == 0x10"], capture_output=True, text=True, timeout=120,
                           env={**os.environ, "HOME": self.home})
        self.assertEqual(r.stdout.strip(), "36.423", r.stderr)

    def test_installed_where_wireshark_looks_for_global_lua_plugins(self):
        folders = subprocess.run([TSHARK, "-G", "folders"], capture_output=True, text=True,
                                 env={**os.environ, "HOME": self.home}).stdout
        m = re.search(r"^Global Lua Plugins:\s*(\S+)", folders, re.M)
        self.assertIsNotNone(m, folders)
        cmake = os.environ.get("CMAKE_COMMAND", "cmake")
        project = Path(self.home) / "project"
        project.mkdir()
        (project / "CMakeLists.txt").write_text(
            "cmake_minimum_required(VERSION 3.25)\nproject(probe C)\n"
            f"add_subdirectory({SOURCE / 'proto'} proto)\n")
        build = Path(self.home) / "build"
        subprocess.run([cmake, "-S", str(project), "-B", str(build), "-DCMAKE_INSTALL_PREFIX=/usr"],
                       check=True, capture_output=True)
        dest = Path(self.home) / "dest"
        subprocess.run([cmake, "--install", str(build), "--component", "wireshark"], check=True,
                       capture_output=True, env={**os.environ, "DESTDIR": str(dest)})
        installed = dest / m.group(1).lstrip("/") / "rockets.lua"
        self.assertTrue(installed.is_file(), f"{installed} (found: {list(dest.rglob('*.lua'))})")
        self.assertEqual(installed.read_bytes(), LUA.read_bytes())


if __name__ == "__main__":
    unittest.main()
