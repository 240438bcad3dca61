"""Judges what payload_diag_vcan.sh left in its result dir (run inside UML)."""
import csv
import json
import zlib

from results import R, check, finish, rc, read


# 1. the event log: 42 records at start (§11), the worked record among them; the same in every format
check(rc("log.rc") == 0, f"log dump --json exit 0 ({read('log.err').strip()})")
log = json.loads(read("log.json") or "{}")
records = log.get("records", [])
check(len(records) == 42, f"42 records in the JSON dump (got {len(records)})")
check(log.get("serial") == "RKS3611A201000123", "the dump names the pack's serial")
check(rc("log_csv.rc") == 0, f"log dump -o log.csv exit 0 ({read('log_csv.err').strip()})")
rows = list(csv.DictReader(read("log.csv").splitlines()))
check(len(rows) == 42, f"42 rows in log.csv (got {len(rows)})")
check(rc("log_xlsx.rc") == 0, f"log dump -o log.xlsx exit 0 ({read('log_xlsx.err').strip()})")
try:
    import openpyxl
    wb = openpyxl.load_workbook(R / "log.xlsx")
    sheet = wb.worksheets[0]
    check(sheet.max_row == 43, f"log.xlsx: header + 42 rows (got {sheet.max_row})")
except Exception as e:  # noqa: BLE001 - any failure to read it is the finding
    check(False, f"log.xlsx readable by openpyxl: {e}")

# 2. the flash: every step done, the right CRC, the new version
check(rc("flash.rc") == 0, f"flash exit 0 ({read('flash.err').strip()[-300:]})")
lines = [json.loads(l) for l in read("flash.json").splitlines() if l.strip()]
done = [l["step"] for l in lines if l.get("state") == "done"]
check(done == ["enter_bootloader", "unlock", "check_area", "erase", "download", "transfer", "transfer_exit",
               "verify", "restart"], f"every step of §8 done in order ({done})")
result = lines[-1] if lines else {}
image = (R / "new.bin").read_bytes() if (R / "new.bin").exists() else b""
check(result.get("image_crc32") == "%08X" % zlib.crc32(image), "the CRC-32 verified is the image's")
check(result.get("bytes") == 114688, "112 KiB sent")
start, end = (float(x) for x in (read("flash.time").split() or ["0", "0"]))
print(f"info flash of 112 KiB over vcan0 took {end - start:.1f} s (wall, including the BMS's erase and restarts)")

# The frames on the wire: the image went over ISO-TP on 0x18DA0140, padded to 8 bytes.
diag = [l for l in read("diag.log").splitlines() if " 18DA0140#" in l]
check(len(diag) > 114688 // 7, f"candump saw the image's consecutive frames ({len(diag)} frames tool->BMS)")
check(all(len(l.split("#")[1]) == 16 for l in diag), "every diagnostic frame has 8 data bytes")

# 3. status shows it
check(rc("status.rc") == 0, f"status exit 0 ({read('status.err').strip()})")
status = json.loads(read("status.json") or "{}")
check("1.5.0" in json.dumps(status), "status shows firmware 1.5.0")

# 4. the full log
check(rc("log2000.rc") == 0, f"log dump of 2000 records exit 0 ({read('log2000.err').strip()})")
full = json.loads(read("log2000.json") or "{}").get("records", [])
check(len(full) == 2000, f"2000 records read (got {len(full)})")
check([r.get("number") for r in full] == list(range(1, 2001)), "numbered 1..2000 in order")

finish()
