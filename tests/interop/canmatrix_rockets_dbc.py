#!/usr/bin/python3
"""Loads proto/rockets.dbc with canmatrix (Debian: python3-canmatrix), an independent DBC
reader, and checks the frame map against rockets-can-v1: every message with its identifier,
sender, size and signal count, the multiplexed ones, the start values of reserved bytes, and
some worked frames of section 10 decoded by canmatrix's own codec.

Usage: canmatrix_rockets_dbc.py <path/to/rockets.dbc>
Exit status 0 = pass, 1 = fail (also when canmatrix cannot be imported: CI installs it).
"""
import contextlib
import io
import sys
from decimal import Decimal

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


def main(path):
    try:
        import canmatrix.formats
    except ImportError as e:
        print("FAIL: cannot import canmatrix (apt-get install python3-canmatrix): %s" % e)
        return 1

    captured = io.StringIO()
    with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
        db = canmatrix.formats.loadp_flat(path)
    # canmatrix reports lines it cannot read on stdout and carries on.
    check("error" not in captured.getvalue().lower(),
          "canmatrix reported: %s" % captured.getvalue().strip())

    # name: (identifier, sender, signal count, multiplexed)
    expected = {
        "CONNECT_REQ": (0x18010140, "TOOL", 1, False),
        "CONNECT_RSP": (0x18014001, "BMS", 8, False),
        "IDENTITY_REQ": (0x18020140, "TOOL", 0, False),
        "IDENTITY_RSP": (0x18024001, "BMS", 22, True),
        "PACK_REQ": (0x18100140, "TOOL", 0, False),
        "PACK_RSP": (0x18104001, "BMS", 2, False),
        "CAPACITY_REQ": (0x18110140, "TOOL", 0, False),
        "CAPACITY_RSP": (0x18114001, "BMS", 4, False),
        "TEMP_SUMMARY_REQ": (0x18120140, "TOOL", 0, False),
        "TEMP_SUMMARY_RSP": (0x18124001, "BMS", 5, False),
        "CELL_SUMMARY_REQ": (0x18130140, "TOOL", 0, False),
        "CELL_SUMMARY_RSP": (0x18134001, "BMS", 6, False),
        "CELL_VOLTAGES_REQ": (0x18140140, "TOOL", 0, False),
        "CELL_VOLTAGES_RSP": (0x18144001, "BMS", 35, True),
        "TEMPERATURES_REQ": (0x18150140, "TOOL", 0, False),
        "TEMPERATURES_RSP": (0x18154001, "BMS", 20, True),
        "STATUS_REQ": (0x18160140, "TOOL", 0, False),
        "STATUS_RSP": (0x18164001, "BMS", 28, False),
        "CYCLES_REQ": (0x18170140, "TOOL", 0, False),
        "CYCLES_RSP": (0x18174001, "BMS", 3, False),
        "CLOCK_REQ": (0x18180140, "TOOL", 0, False),
        "CLOCK_RSP": (0x18184001, "BMS", 7, False),
        "SHELL_RESISTANCE_REQ": (0x18190140, "TOOL", 0, False),
        "SHELL_RESISTANCE_RSP": (0x18194001, "BMS", 3, False),
        "SET_CLOCK_REQ": (0x18200140, "TOOL", 6, False),
        "SET_CLOCK_RSP": (0x18204001, "BMS", 7, False),
        "SLEEP_REQ": (0x18210140, "TOOL", 1, False),
        "SLEEP_RSP": (0x18214001, "BMS", 2, False),
        "NAK_RSP": (0x187F4001, "BMS", 2, False),
    }
    check(len(db.frames) == len(expected),
          "%d messages, expected %d" % (len(db.frames), len(expected)))
    check(sorted(e.name for e in db.ecus) == ["BMS", "TOOL"],
          "nodes %s" % [e.name for e in db.ecus])
    for name, (ident, sender, count, multiplexed) in expected.items():
        frame = db.frame_by_name(name)
        if frame is None:
            failures.append("message %s missing" % name)
            continue
        check(frame.arbitration_id.id == ident, "%s: id 0x%X" % (name, frame.arbitration_id.id))
        check(frame.arbitration_id.extended, "%s: not extended" % name)
        check(frame.size == 8, "%s: dlc %d" % (name, frame.size))
        check(frame.transmitters == [sender], "%s: sender %s" % (name, frame.transmitters))
        check(len(frame.signals) == count, "%s: %d signals, expected %d"
              % (name, len(frame.signals), count))
        check(bool(frame.is_multiplexed) == multiplexed, "%s: multiplexed %s"
              % (name, frame.is_multiplexed))
        check(bool(frame.comment), "%s: no comment" % name)
        for s in frame.signals:
            check(not s.is_little_endian, "%s.%s: not big-endian" % (name, s.name))

    cells = db.frame_by_name("CELL_VOLTAGES_RSP")
    if cells is not None:
        mux = [s for s in cells.signals if s.multiplex == "Multiplexor"]
        check([s.name for s in mux] == ["FrameNumber"], "CELL_VOLTAGES_RSP multiplexor %s" % mux)
        cv33 = cells.signal_by_name("CellVoltage33")
        check(cv33 is not None and cv33.multiplex == 11, "CellVoltage33 not in m11")

    # Reserved bytes: start values (raw) as the reference sends them.
    for name, value in [("CAPACITY_RSP", 255), ("CYCLES_RSP", 4294967295),
                        ("CLOCK_RSP", 65535), ("SLEEP_RSP", 72057594037927935)]:
        frame = db.frame_by_name(name)
        reserved = frame.signal_by_name("Reserved") if frame is not None else None
        check(reserved is not None and
              Decimal(reserved.attributes.get("GenSigStartValue", "-1")) == value,
              "%s.Reserved start value" % name)

    # Worked frames (section 10), decoded by canmatrix: name -> (bytes, {signal: physical}).
    worked = [
        ("PACK_RSP", "00 00 8E 47 FF FF FF F8", {"PackVoltage": "36.423", "PackCurrent": "-0.008"}),
        ("CAPACITY_RSP", "28 00 12 7C 00 2D 50 FF",
         {"RSOC": "40", "RemainingCapacity": "4732", "FullChargeCapacity": "11600"}),
        ("TEMP_SUMMARY_RSP", "00 D4 00 D3 00 E3 02 01",
         {"HighestTemperature": "21.2", "LowestTemperature": "21.1", "MosTemperature": "22.7",
          "HighestSensor": "2", "LowestSensor": "1"}),
        ("CELL_VOLTAGES_RSP", "02 0E 3C 0E 3A 0E 3B FF",
         {"FrameNumber": "2", "CellVoltage4": "3.644", "CellVoltage5": "3.642",
          "CellVoltage6": "3.643"}),
        ("STATUS_RSP", "00 00 00 41 00 00 00 00",
         {"Flag_D_MOS": "1", "Flag_C_MOS": "1", "Flag_UV": "0", "Flag_OV": "0",
          "BalancingCells": "0"}),
        ("CLOCK_RSP", "14 0A 11 10 30 28 FF FF",
         {"Year": "2020", "Month": "10", "Day": "17", "Hour": "16", "Minute": "48",
          "Second": "40"}),
    ]
    for name, data, values in worked:
        frame = db.frame_by_name(name)
        if frame is None:
            continue
        try:
            decoded = frame.decode(bytes.fromhex(data.replace(" ", "")))
        except Exception as e:  # canmatrix raises various types
            failures.append("%s: decode failed: %s" % (name, e))
            continue
        for signal, physical in values.items():
            got = decoded[signal].phys_value if signal in decoded else None
            check(got is not None and Decimal(str(got)) == Decimal(physical),
                  "%s.%s decoded as %s, expected %s" % (name, signal, got, physical))

    for f in failures:
        print("FAIL: " + f)
    print("%s: %d messages checked, %d failures" % (path, len(expected), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
