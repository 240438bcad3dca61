#!/bin/sh
# Benchmark (not a test): `rocketctl decode` against can-utils' `log2long` on the same
# 1 000 000-frame candump capture, in the same run: frames per second and peak memory (RSS).
# The capture repeats real exchanges with the simulated battery: 150 `status` readings (as
# `status --watch` makes them) and one `log dump` of 2000 records, about as many poll frames
# as ISO-TP/UDS bulk frames (see make_capture.py).
#
#   tests/bench/bench_decode.sh [BUILD_DIR] [FRAMES]     (default: build, 1000000)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-build}
N=${2:-1000000}
BIN=$BUILD/cmd/rocketctl
TIME=/usr/bin/time
command -v log2long > /dev/null || { echo "log2long not found: apt-get install can-utils"; exit 77; }
[ -x $TIME ] || { echo "/usr/bin/time not found: apt-get install time"; exit 77; }
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT

"$BIN" -i sim --trace "$DIR/status.log" status > /dev/null
"$BIN" -i sim:log=2000 --trace "$DIR/dump.log" log dump > /dev/null
/usr/bin/python3 "$HERE/make_capture.py" "$N" "$DIR/capture.log" "$DIR/status.log:150" "$DIR/dump.log"
frames=$(wc -l < "$DIR/capture.log")
bytes=$(wc -c < "$DIR/capture.log")
echo "capture: $frames frames, $bytes bytes, $(grep -c ' 18DA' "$DIR/capture.log") of them diagnostic"

# Warm the page cache, then time each twice and keep the faster run.
cat "$DIR/capture.log" > /dev/null
run() {  # name command...: prints "seconds peak-KiB" of the faster of two runs
  best=""
  for i in 1 2; do
    $TIME -f '%e %M' -o "$DIR/time" "$@" < "$DIR/capture.log" > /dev/null
    r=$(cat "$DIR/time")
    if [ -z "$best" ] || [ "$(echo "$r $best" | awk '{print ($1 < $3)}')" = 1 ]; then best=$r; fi
  done
  echo "$best"
}
dec=$(run "$BIN" decode -)
json=$(run "$BIN" --json decode -)
l2l=$(run log2long)
lines=$("$BIN" decode - < "$DIR/capture.log" | wc -l)
printf '%-26s %10s %14s %12s\n' "program" "seconds" "frames/s" "peak RSS"
for row in "rocketctl decode:$dec" "rocketctl --json decode:$json" "log2long:$l2l"; do
  name=${row%%:*}; set -- ${row#*:}
  printf '%-26s %10s %14s %9s KiB\n' "$name" "$1" "$(awk -v n="$frames" -v s="$1" 'BEGIN{ if (s > 0) printf "%.0f", n / s; else print "inf" }')" "$2"
done
echo "rocketctl decode printed $lines messages for $frames frames"
