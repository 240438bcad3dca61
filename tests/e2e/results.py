"""What every check_*_vcan.py shares: the result dir the payload filled (argv[1]), reading
what it left there, one `ok`/`FAIL` line a check, and the exit status at the end."""
import sys
from pathlib import Path

R = Path(sys.argv[1])
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def read(name):
    """The text of a file in the result dir; "" when the payload did not write it."""
    p = R / name
    return p.read_text() if p.exists() else ""


def rc(name):
    """The exit status a payload saved in `name`; -1 when it is missing."""
    return int(read(name).strip() or -1)


def finish():
    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)
