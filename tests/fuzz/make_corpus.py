#!/usr/bin/python3
"""Writes the seed corpus of the fuzz targets (tests/fuzz/corpus/<target>/) from their sources:
the worked frames of rockets-can-v1 §10 (tests/wireshark/worked_frames.log holds them as a
candump log), proto/rockets.dbc and tests/data/dbc, and small firmware images made with
tests/tools/fwimage.py. The binary seeds follow the input layout each target's header comment
describes. Run it after changing a layout; the files it writes are committed.

  tests/fuzz/make_corpus.py
"""
import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
import fwimage  # noqa: E402

WORKED_LOG = os.path.join(ROOT, "tests", "wireshark", "worked_frames.log")


def worked_frames():
    """(id, data bytes) of every frame of the §10 worked frames, in order."""
    out = []
    with open(WORKED_LOG) as f:
        for line in f:
            frame = line.split()[2]
            ident, data = frame.split("#")
            out.append((int(ident, 16), bytes.fromhex(data)))
    return out


def write(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def copy(target, name, source):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    shutil.copyfile(source, os.path.join(folder, name))


# Lines other tools write (can/candump.hpp): standard id, remote, DLC suffix, separators,
# direction flag, CR LF, an error frame (bus-off) and a CAN FD line (refused).
OTHER_LINES = """\
(1700000000.123456) can0 123#DEADBEEF
(1700000000.1) vcan0 7FF#R
(1700000000.200000) can0 18104001#R8
(1700000000.300000) can0 18104001#00008E47FFFFFFF8_C
(1700000000.400000) can0 18104001#00.00.8E.47.FF.FF.FF.F8 R
(1700000000.500000) can1 123# T\r
(1700000000.600000) can0 20000040#0000000000000000
(1700000000.700000) can0 20000004#0004000000000000
(1700000000.800000) can0 18104001##1DEADBEEF
"""


def candump():
    copy("fuzz_candump", "worked_frames.log", WORKED_LOG)
    write("fuzz_candump", "other_tools.log", OTHER_LINES)
    copy("fuzz_decode", "worked_frames.log", WORKED_LOG)
    write("fuzz_decode", "other_tools.log", OTHER_LINES)
    # A CELL VOLTAGES answer with a frame lost, then the next request: an incomplete message;
    # and an ISO-TP reception cut by a new first frame.
    frames = worked_frames()
    lines = []
    t = 0
    for ident, data in frames:
        if data[:1] == b"\x03" and ident == 0x18144001:
            continue
        t += 1000
        lines.append("(%d.%06d) can0 %08X#%s" % (1700000000 + t // 1000000, t % 1000000, ident, data.hex().upper()))
    lines.insert(12, "(1700000001.000000) can0 18DA4001#100C62F1A0002A07")
    write("fuzz_decode", "lost_frames.log", "\n".join(lines) + "\n")


def dbc():
    copy("fuzz_dbc", "rockets.dbc", os.path.join(ROOT, "proto", "rockets.dbc"))
    for name in ("full.dbc", "malformed_length.dbc"):
        copy("fuzz_dbc", name, os.path.join(ROOT, "tests", "data", "dbc", name))
        copy("fuzz_frame_map", name, os.path.join(ROOT, "tests", "data", "dbc", name))
    copy("fuzz_frame_map", "rockets.dbc", os.path.join(ROOT, "proto", "rockets.dbc"))


def ihex():
    small = fwimage.image_bytes("1.5.0", hw=3, size=0x220)
    write("fuzz_ihex", "small.hex", fwimage.to_hex(small))
    write("fuzz_ihex", "small_crlf.hex", fwimage.to_hex(small).replace(b"\n", b"\r\n"))
    write("fuzz_ihex", "bad_checksum.hex", fwimage.to_hex(small, bad_checksum=True))
    write("fuzz_ihex", "outside.hex", fwimage.to_hex(small, outside=True))
    write("fuzz_ihex", "no_info.hex", fwimage.to_hex(fwimage.image_bytes("1.5.0", size=0x40, info=False)))
    # Extended segment address (02) and start segment address (03), a gap, blank line + text
    # after EOF (lenient only).
    rec = fwimage.hex_record
    seg = [rec(2, 0, bytes([0x08, 0x00])), rec(0, 0x4000, bytes(range(16))),
           rec(0, 0x4100, b"\xAA" * 4), rec(3, 0, bytes([0, 0, 0x40, 0])), ":00000001FF", "", "junk"]
    write("fuzz_ihex", "segments.hex", "\n".join(seg) + "\n")


def poll():
    # cells, sensors, then 13-byte frames: id (bit 31 standard, 30 remote), DLC, 8 bytes.
    seed = bytes([10, 2])
    for ident, data in worked_frames():
        if ident >> 16 == 0x18DA:
            continue
        seed += struct.pack(">IB", ident, len(data)) + data
    write("fuzz_poll", "worked_frames.bin", seed)


def poll_client():
    # Operations (fuzz_poll_client.cpp): op byte, then per request a reply count and replies
    # of flags (DLC | 0x10 NAK | 0x20 late | 0x40 other BMS) + 8 bytes. The §10 answers to
    # CONNECT, PACK, CELL VOLTAGES (frames out of order) and IDENTITY; then SET CLOCK refused
    # with NAK 0x05 (no session), CONNECT again, and the SET CLOCK answer.
    frames = {}
    for ident, data in worked_frames():
        frames.setdefault(ident, []).append(data)

    def rep(data, flags=8):
        return bytes([flags]) + data

    session = bytes([0, 1]) + rep(frames[0x18014001][0])
    session += bytes([2, 1]) + rep(frames[0x18104001][0])
    volts = frames[0x18144001]
    session += bytes([6, 4]) + rep(volts[0]) + rep(volts[3]) + rep(volts[1]) + rep(volts[2])
    session += bytes([1, 3]) + b"".join(rep(d) for d in frames[0x18024001])
    write("fuzz_poll_client", "worked_session.bin", session)
    nak = bytes([12, 1]) + rep(bytes([0x20, 0x05, 0, 0, 0, 0, 0, 0]), 0x18)
    nak += bytes([1]) + rep(frames[0x18014001][0]) + bytes([1]) + rep(frames[0x18200140][0])
    write("fuzz_poll_client", "nak_no_session.bin", nak)


def isotp():
    # block size, STmin, then operations (fuzz_isotp.cpp): 0x00 frame (flags = DLC), 0x80|n
    # time n × 25 ms, 0xC0 send length u16.
    def frame(data, flags=8):
        return bytes([0x00, flags]) + bytes(data)
    sf = frame([0x03, 0x22, 0xF1, 0xA0, 0xCC, 0xCC, 0xCC, 0xCC])
    write("fuzz_isotp", "single_frame.bin", bytes([0x20, 0x00]) + sf)
    # A 20-byte request received in a first frame and two consecutive frames.
    ff = frame([0x10, 0x14, 0x31, 0x01, 0xFF, 0x00, 0x08, 0x00])
    cf1 = frame([0x21, 0x40, 0x00, 0x00, 0x01, 0xC0, 0x00, 0x00])
    cf2 = frame([0x22, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xCC])
    write("fuzz_isotp", "multi_frame.bin", bytes([0x02, 0x05]) + ff + bytes([0x81]) + cf1 + cf2)
    # The worked F1A0 answer sent (12 bytes): first frame, the tool's FC CTS, the CF.
    fc = frame([0x30, 0x00, 0x00, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC])
    write("fuzz_isotp", "send_worked.bin", bytes([0x20, 0x00, 0xC0, 0x00, 0x0C]) + bytes([0x81]) + fc)
    # A 100-byte send: WAIT, WAIT, CTS with BS 2 and STmin 5 ms, time, CTS; then an N_Bs timeout.
    wait = frame([0x31, 0x00, 0x00, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC])
    cts = frame([0x30, 0x02, 0x05, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC])
    write("fuzz_isotp", "send_wait.bin", bytes([0x00, 0x00, 0xC0, 0x00, 100]) + wait + wait + cts +
          bytes([0x81, 0x81]) + cts + bytes([0xBF, 0xBF]))
    # A first frame in the escape form announcing 5000 bytes (answered with FC OVERFLOW).
    write("fuzz_isotp", "escape_overflow.bin", bytes([0, 0]) + frame([0x10, 0x00, 0x00, 0x00, 0x13, 0x88, 1, 2]))


def reply(data, after=0, more=False):
    """One served reply (fuzz_link.hpp): header, length, bytes."""
    return bytes([after | (0x04 if more else 0), len(data)]) + bytes(data)


F1A0 = [0x62, 0xF1, 0xA0, 0x00, 0x2A, 0x07, 0xD0, 0x10, 0x40, 0x00, 0x00, 0x00]
WORKED_RECORD = bytes.fromhex("271DDCE8010710540" "0C8109B10061F61".replace(" ", ""))


def uds():
    # ops byte: high nibble picks the first call (fuzz_uds.cpp), low nibble how many follow.
    write("fuzz_uds", "read_did.bin", bytes([0x20]) + reply(F1A0))
    write("fuzz_uds", "unlock.bin", bytes([0x30]) + reply([0x67, 0x01, 0x11, 0x22, 0x33, 0x44]) +
          reply([0x67, 0x02]))
    write("fuzz_uds", "pending.bin", bytes([0x40]) + reply([0x7F, 0x31, 0x78], more=True) +
          reply([0x71, 0x01, 0xFF, 0x00, 0x00], after=1))
    write("fuzz_uds", "download.bin", bytes([0x50]) + reply([0x74, 0x20, 0x0F, 0xFF]))
    write("fuzz_uds", "negative.bin", bytes([0x00]) + reply([0x7F, 0x10, 0x22]))
    write("fuzz_uds", "lost_then_late.bin", bytes([0x71]) + reply([0x76, 0x01], after=2) +
          reply([0x76, 0x01]) + reply([0x77]))


def event_log():
    write("fuzz_event_log", "worked_record.bin", WORKED_RECORD)
    records = WORKED_RECORD + WORKED_RECORD[:4] + bytes([0x10, 0xFF]) + WORKED_RECORD[6:]
    layout = [0x62, 0xF1, 0xA0, 0x00, 0x02, 0x07, 0xD0, 0x10, 0x40, 0x00, 0x00, 0x00]
    upload = (reply(layout) + reply([0x75, 0x20, 0x0F, 0xFF]) + reply([0x76, 0x01] + list(records)) +
              reply([0x77]))
    write("fuzz_event_log", "upload_two_records.bin", upload)
    # Upload refused with 0x22 (an abandoned transfer), session change, upload in two blocks.
    upload2 = (reply(layout) + reply([0x7F, 0x35, 0x22]) + reply([0x50, 0x01, 0x00, 0x32, 0x01, 0xF4]) +
               reply([0x75, 0x10, 0x12]) + reply([0x76, 0x01] + list(records[:16])) +
               reply([0x76, 0x02] + list(records[16:])) + reply([0x77]))
    write("fuzz_event_log", "upload_retry.bin", upload2)


def text_inputs():
    copy("fuzz_limits", "limits.example.toml", os.path.join(ROOT, "docs", "limits.example.toml"))
    write("fuzz_limits", "flags.toml", '[flags]\nclear = ["OV", "2nd-OT"]\nset = ["D-MOS", "c_mos"]\n'
          '[firmware]\nminimum = "1.4.0"\n[serial]\npattern = "RKS3611A2*"\n'
          '[shell]\nmin_kohm = 500\nnot_measured = "pass"\n')
    # Catalogue: the shipped one only (28 KB: the largest seed, and the only valid shape).
    copy("fuzz_catalogue", "faults.json", os.path.join(ROOT, "proto", "faults.json"))
    # Option strings of the README's Interfaces section and sim/options.hpp.
    for i, text in enumerate([
            "bitrate=250000,cells=3600/3650/3700,flags=0x841,current=-1200,clock=2026-01-01T00:00:00",
            "packs=3,drift=10", "addresses=2/5,duplicate=1", "bench=3,swap=2s,gap=500ms,loop=1",
            "shell=NULL,log=2000,bs=8,stmin=0xF5,maxblock=258,cut=erase_started/2,link=noack",
            "lose=1,corrupt=2,resetblock=3,bootloader=1,standby=1,delay=20,sensors=21.1/21.2,mos=22.7"]):
        write("fuzz_sim_options", "options%d.txt" % (i + 1), text)
    for i, text in enumerate(["can0", "socketcan:vcan0", "ecan", "ecan:1:1", "ecan:0:0:usbcan-i",
                              "sim", "sim:packs=2,bitrate=250000"]):
        write("fuzz_interface_name", "name%d.txt" % (i + 1), text)


def link_messages():
    # RTM_NEWLINK for can0 (as tests/unit/test_can_socketcan.cpp builds them): kind "can" with
    # bit timing, state and error counters; kind "vcan" without data.
    def attr(kind, payload):
        length = 4 + len(payload)
        return struct.pack("=HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)

    def message(kind, data):
        info = attr(1, kind.encode() + b"\0")  # IFLA_INFO_KIND
        if data:
            info += attr(2 | 0x8000, data)  # IFLA_INFO_DATA | NLA_F_NESTED
        attrs = attr(3, b"can0\0") + attr(18 | 0x8000, info)  # IFLA_IFNAME, IFLA_LINKINFO
        body = struct.pack("=BBHiII", 0, 0, 280, 3, 0x41, 0) + attrs  # ifinfomsg
        return struct.pack("=IHHII", 16 + len(body), 16, 0, 1, 0) + body  # nlmsghdr, RTM_NEWLINK

    bittiming = struct.pack("=8I", 250000, 0, 0, 0, 0, 0, 0, 0)
    data = attr(1, bittiming) + attr(4, struct.pack("=I", 1)) + attr(8, struct.pack("=HH", 96, 3))
    write("fuzz_link_message", "can0_warning.bin", message("can", data))
    write("fuzz_link_message", "vcan0.bin", message("vcan", b""))


def main():
    candump()
    dbc()
    ihex()
    poll()
    poll_client()
    isotp()
    uds()
    event_log()
    text_inputs()
    link_messages()


if __name__ == "__main__":
    main()
