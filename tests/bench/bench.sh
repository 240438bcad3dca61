#!/bin/sh
# Benchmarks (not tests): prints the tables the README's "Performance" section shows.
#   1. bench_cli: the rocketctl binary end to end (--fleet: the commands on 1 to 63 packs, on
#      a quiet bus and at 40 % foreign traffic, and status of 63 packs at every window) against -i sim:bitrate=250000 (the in-process
#      hub paced like a 250 kbit/s bus): wall, CPU, exact wire time and their ratio, where the
#      rest of the time goes (start-up to the first frame, the BMS's waits, the tool's
#      turnaround, exit), peak RSS; and start-up against a plain program on the same libraries.
#   2. bench_diag: the same log dump and flash through the library alone, in-process.
#   3. bench_decode.sh: `rocketctl decode` of a 1 000 000-frame capture against can-utils' log2long.
# Run it on an otherwise idle machine: the figures are wall-clock times.
#
#   tests/bench/bench.sh [BUILD_DIR] [RUNS]       (default: build, 5)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-build}
RUNS=${2:-5}
for program in cmd/rocketctl tests/bench/bench_cli tests/bench/bench_baseline tests/bench/bench_diag; do
  [ -x "$BUILD/$program" ] || { echo "bench.sh: $BUILD/$program is missing: build first (./build.sh build)"; exit 2; }
done
echo "== rocketctl $("$BUILD/cmd/rocketctl" --version | cut -d' ' -f2), $(git -C "$HERE" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
"$BUILD/tests/bench/bench_cli" "$BUILD/cmd/rocketctl" "$BUILD/tests/bench/bench_baseline" --runs "$RUNS"
echo
echo "== many packs (--address all; settime --all, check --all), and the window"
"$BUILD/tests/bench/bench_cli" "$BUILD/cmd/rocketctl" "$BUILD/tests/bench/bench_baseline" --fleet --runs "$RUNS"
echo
echo "== the library alone, in-process"
"$BUILD/tests/bench/bench_diag"
echo
echo "== decode"
sh "$HERE/bench_decode.sh" "$BUILD"
