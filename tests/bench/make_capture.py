#!/usr/bin/python3
"""Generator for bench_decode.sh: a candump -L capture of N frames of realistic traffic.

Takes the frames of real exchanges with the simulated battery (the --trace files of a `status`
and of a `log dump` of a large log, given as arguments) and repeats them, one exchange after
the other, with timestamps that keep advancing, until N frames are written: the mix of a
technician's session (poll requests and multi-frame answers, ISO-TP/UDS bulk transfers).
TRACE:K repeats that exchange K times in a row each round (a `status --watch`).

usage: make_capture.py N OUT TRACE[:K]...
"""
import re
import sys

LINE = re.compile(r"^\((\d+)\.(\d{6})\) (\S+) (\S+)$")


def main():
    n, out, traces = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    exchanges = []
    for arg in traces:
        path, _, repeat = arg.partition(":")
        frames = []
        with open(path) as f:
            for line in f:
                m = LINE.match(line.strip())
                if m:
                    frames.append((int(m.group(1)) * 1000000 + int(m.group(2)), m.group(4)))
        t0 = frames[0][0]
        exchanges += [[(t - t0, frame) for t, frame in frames]] * int(repeat or 1)
    t = 1764000000000000
    written = 0
    with open(out, "w") as f:
        while written < n:
            for ex in exchanges:
                for dt, frame in ex:
                    if written == n:
                        break
                    us = t + dt
                    f.write("(%d.%06d) can0 %s\n" % (us // 1000000, us % 1000000, frame))
                    written += 1
                t += ex[-1][0] + 50000
    return 0


if __name__ == "__main__":
    sys.exit(main())
