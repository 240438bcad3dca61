#!/bin/sh
# Runs inside User-Mode Linux (tests/e2e/uml.sh) on vcan0: 16 packs served by one
# `rocketctl simulate --packs 16`, and scan, status, settime and check on every pack at once,
# each with a candump -L of the bus. check_fleet_vcan.py judges the values, and from the
# captures the protocol's rule for many packs: one request outstanding per BMS, several BMSs
# in flight at once.
set -u
R=${1:?result dir}
BIN=$ROCKETCTL_BIN_DIR/cmd/rocketctl
cd "$R" || exit 1
printf '[cells]\ncount = 10\nmin_mv = 3000\nmax_mv = 3650\n[pack]\nmin_mv = 30000\n' > limits.toml

"$BIN" simulate -i vcan0 --packs 16 -q &
SIM=$!
sleep 0.5

# run NAME ARGS...: the command with a capture of the bus beside it, its stdout, stderr, exit
# status and wall time (ms).
run() {
  name=$1
  shift
  candump -L vcan0 > "$name.log" 2> /dev/null &
  DUMP=$!
  sleep 0.2
  start=$(date +%s%N)
  "$BIN" -i vcan0 --trace "$name.trace" "$@" > "$name.out" 2> "$name.err"
  echo $? > "$name.rc"
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 )) > "$name.ms"
  sleep 0.2
  kill $DUMP
  wait $DUMP 2> /dev/null
}

run scan --json scan
run status --json --address all status
run settime --json --address all settime --at 2030-01-01T00:00:00
run check --json --address all check --limits limits.toml --junit "$R/check.xml"
run list --json --address 3,5-7 status

kill -INT $SIM
wait $SIM
/usr/bin/python3 -B "$ROCKETCTL_SOURCE_DIR/tests/e2e/check_fleet_vcan.py" "$R"
