"""Black-box tests of `rocketctl flash` against the built-in simulated battery (-i sim).

The simulated pack lives inside the rocketctl process, so each run starts from the reference
battery (firmware 1.4.2, hardware 3, 112 KiB application area) or from the options given.
Images come from tests/tools/fwimage.py.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import fwimage  # noqa: E402

from test_cli import run  # noqa: E402


class Flash(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.tmp = Path(self.dir.name)

    def tearDown(self):
        self.dir.cleanup()

    def image(self, name="new.bin", version="1.5.0", hw=3, size=16 * 1024, hex_format=False, **kw):
        data = fwimage.image_bytes(version, hw, size, info=not kw.pop("no_info", False))
        if hex_format:
            data = fwimage.to_hex(data, **kw)
        path = self.tmp / name
        path.write_bytes(data)
        return str(path)

    def json_lines(self, text):
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def test_update_reports_every_step_and_the_new_version(self):
        r = run("-i", "sim", "--json", "flash", self.image(), "--yes", timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = self.json_lines(r.stdout)
        self.assertEqual(lines[0]["step"], "plan")
        self.assertEqual(lines[0]["from_version"], "1.4.2")
        self.assertEqual(lines[0]["to_version"], "1.5.0")
        self.assertEqual(lines[0]["serial"], "RKS3611A201000123")
        done = [l["step"] for l in lines if l.get("state") == "done"]
        self.assertEqual(done, ["enter_bootloader", "unlock", "check_area", "erase", "download", "transfer",
                                "transfer_exit", "verify", "restart"])
        result = lines[-1]
        self.assertEqual(result["step"], "result")
        self.assertEqual(result["version"], "1.5.0")
        self.assertEqual(result["bytes"], 16 * 1024)
        import zlib
        self.assertEqual(result["image_crc32"], "%08X" % zlib.crc32(Path(self.tmp / "new.bin").read_bytes()))

    def test_intel_hex_image_is_accepted(self):
        r = run("-i", "sim", "flash", self.image("new.hex", hex_format=True), "--yes", timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("now runs version 1.5.0", r.stdout)

    def test_dry_run_changes_nothing(self):
        r = run("-i", "sim", "flash", self.image(), "--dry-run")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("nothing was changed", r.stdout)
        self.assertIn("version 1.4.2", r.stdout)

    def test_wrong_images_are_refused_before_anything_is_erased(self):
        cases = [
            (self.image("hw4.bin", hw=4), "hardware revision"),
            (self.image("big.bin", size=0x1C000 + 16), "larger than"),
            (self.image("noinfo.bin", no_info=True), "info block"),
            (self.image("old.bin", version="1.3.9"), "--allow-downgrade"),
            (self.image("same.bin", version="1.4.2"), "--force"),
            (self.image("bad.hex", hex_format=True, bad_checksum=True), "checksum"),
            (self.image("outside.hex", hex_format=True, outside=True), "outside"),
        ]
        for path, needle in cases:
            with self.subTest(image=Path(path).name):
                r = run("-i", "sim", "--json", "flash", path, "--yes")
                self.assertEqual(r.returncode, 12, r.stderr)
                self.assertIn(needle, r.stderr)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                err = self.json_lines(r.stdout)[-1]["error"]
                self.assertEqual(err["code"], "rejected")
                # Refused before step 2: no step was started.
                self.assertFalse([l for l in self.json_lines(r.stdout) if l.get("state") == "started"])

    def test_downgrade_and_reinstall_need_their_flags(self):
        r = run("-i", "sim", "flash", self.image("old.bin", version="1.3.9"), "--yes", "--allow-downgrade",
                timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("now runs version 1.3.9", r.stdout)
        r = run("-i", "sim", "flash", self.image("same.bin", version="1.4.2"), "--yes", "--force", timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_pack_in_use_or_low_is_refused(self):
        r = run("-i", "sim:current=2000", "flash", self.image(), "--yes")
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertIn("in use", r.stderr)
        r = run("-i", "sim:rsoc=15", "flash", self.image(), "--yes")
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertIn("20 %", r.stderr)

    def test_without_a_terminal_it_needs_yes(self):
        r = run("-i", "sim", "flash", self.image())
        self.assertEqual(r.returncode, 2)
        self.assertIn("--yes", r.stderr)

    def test_another_pack_than_expected_is_left_alone(self):
        r = run("-i", "sim", "flash", self.image(), "--yes", "--expect-serial", "RKS0000")
        self.assertEqual(r.returncode, 10)
        self.assertIn("RKS3611A201000123", r.stderr)

    def test_missing_file_is_a_file_error(self):
        r = run("-i", "sim", "flash", str(self.tmp / "nope.bin"), "--yes")
        self.assertEqual(r.returncode, 8)
        self.assertIn("nope.bin", r.stderr)

    def test_a_pack_waiting_in_its_bootloader_is_recovered(self):
        r = run("-i", "sim:bootloader=1", "--json", "flash", self.image(), "--yes", timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = self.json_lines(r.stdout)
        self.assertTrue(lines[0]["recovery"])
        self.assertIsNone(lines[0]["from_version"])
        self.assertEqual(lines[-1]["version"], "1.5.0")

    def test_a_power_cut_mid_transfer_is_a_lost_pack_with_the_command_to_finish(self):
        r = run("-i", "sim:cut=block/3", "flash", self.image(size=48 * 1024), "--yes", timeout=60)
        self.assertEqual(r.returncode, 9, r.stderr)
        self.assertIn("restarted during the transfer", r.stderr)
        self.assertIn("safe in bootloader mode", r.stderr)
        self.assertIn("flash " + str(self.tmp / "new.bin") + " --yes", r.stderr)

    def test_no_answer_is_exit_3(self):
        r = run("-i", "sim:standby=1", "flash", self.image(), "--yes", timeout=60)
        self.assertEqual(r.returncode, 3, r.stderr)


if __name__ == "__main__":
    unittest.main()
