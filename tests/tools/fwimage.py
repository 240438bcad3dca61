#!/usr/bin/python3
"""Makes firmware images for tests (rockets-can-v1 §8): a flat binary of the application area
with the image info block at 0x200 ("RKTS", hardware revision, major, minor, patch), as raw .bin
or Intel HEX. The payload bytes are a simple deterministic pattern; they mean nothing.

  fwimage.py OUT --version 1.5.0 [--hw 3] [--size 114688] [--hex] [--base 0x08004000]
             [--no-info] [--bad-checksum] [--outside]
"""
import argparse
import sys

INFO_OFFSET = 0x200


def image_bytes(version, hw=3, size=112 * 1024, info=True):
    data = bytearray((i * 131 + 7) & 0xFF for i in range(size))
    if info:
        major, minor, patch = (int(x) for x in version.split("."))
        data[INFO_OFFSET:INFO_OFFSET + 8] = b"RKTS" + bytes([hw, major, minor, patch])
    return bytes(data)


def hex_record(kind, address, payload):
    body = bytes([len(payload), (address >> 8) & 0xFF, address & 0xFF, kind]) + payload
    return ":" + (body + bytes([(-sum(body)) & 0xFF])).hex().upper()


def to_hex(data, base=0x08004000, bad_checksum=False, outside=False):
    lines = []
    upper = None
    for at in range(0, len(data), 16):
        address = base + at
        if address >> 16 != upper:
            upper = address >> 16
            lines.append(hex_record(4, 0, bytes([upper >> 8, upper & 0xFF])))
        lines.append(hex_record(0, address & 0xFFFF, data[at:at + 16]))
    if outside:  # one record below the application area
        lines.insert(1, hex_record(0, (base - 0x100) & 0xFFFF, b"\x00" * 16))
    if bad_checksum:
        line = lines[len(lines) // 2]
        lines[len(lines) // 2] = line[:-2] + "%02X" % ((int(line[-2:], 16) + 1) & 0xFF)
    lines.append(hex_record(5, 0, base.to_bytes(4, "big")))
    lines.append(":00000001FF")
    return ("\n".join(lines) + "\n").encode()


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--version", default="1.5.0")
    p.add_argument("--hw", type=int, default=3)
    p.add_argument("--size", type=lambda s: int(s, 0), default=112 * 1024)
    p.add_argument("--base", type=lambda s: int(s, 0), default=0x08004000)
    p.add_argument("--hex", action="store_true")
    p.add_argument("--no-info", action="store_true")
    p.add_argument("--bad-checksum", action="store_true")
    p.add_argument("--outside", action="store_true")
    a = p.parse_args(argv)
    data = image_bytes(a.version, a.hw, a.size, not a.no_info)
    out = to_hex(data, a.base, a.bad_checksum, a.outside) if a.hex else data
    with open(a.out, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main(sys.argv[1:])
