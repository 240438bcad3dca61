#!/bin/sh
# Runs inside User-Mode Linux (tests/e2e/uml.sh) on vcan0, for issue 4:
#  1. two packs on one bus: `scan --json` and `settime --all --json`;
#  2. a bench of three packs with drifted clocks: `settime --auto --count 3 --report`;
#  3. the same bench killed with SIGKILL after its second pack: every CSV row complete;
#  4. `sleep --yes`, then `status` gets no answer.
# check_settime_vcan.py judges what lands in the result dir.
set -u
R=${1:?result dir}
BIN=$ROCKETCTL_BIN_DIR/cmd/rocketctl
cd "$R" || exit 1

# 1. two packs
"$BIN" simulate -i vcan0 --packs 2 -q &
SIM=$!
sleep 0.5
"$BIN" -i vcan0 --json scan > scan.json 2> scan.err; echo $? > scan.rc
"$BIN" -i vcan0 --json settime --all > settime_all.json 2> settime_all.err; echo $? > settime_all.rc
kill -INT $SIM; wait $SIM

# 2. a bench of three packs, each present for 2 s
candump -L vcan0 > bench.log 2> /dev/null &
DUMP=$!
"$BIN" simulate -i vcan0 --bench 3 --swap-every 2s -q &
SIM=$!
"$BIN" -i vcan0 settime --auto --count 3 --report bench.csv > bench.out 2> bench.err; echo $? > bench.rc
kill -INT $SIM; wait $SIM
kill $DUMP; wait $DUMP 2>/dev/null

# 3. killed with SIGKILL once the second pack's row is in the report
"$BIN" simulate -i vcan0 --bench 3 --swap-every 2s -q &
SIM=$!
"$BIN" -i vcan0 settime --auto --report killed.csv > killed.out 2> killed.err &
BENCH=$!
i=0
while [ $i -lt 300 ]; do
  rows=$(grep -c . killed.csv 2>/dev/null || echo 0)
  [ "$rows" -ge 3 ] && break   # header + two packs
  sleep 0.05
  i=$((i + 1))
done
kill -KILL $BENCH; wait $BENCH 2>/dev/null
kill -INT $SIM; wait $SIM

# 4. sleep, then silence
"$BIN" simulate -i vcan0 -q &
SIM=$!
sleep 0.5
"$BIN" -i vcan0 sleep --yes > sleep.out 2> sleep.err; echo $? > sleep.rc
"$BIN" -i vcan0 status > after_sleep.out 2> after_sleep.err; echo $? > after_sleep.rc
kill -INT $SIM; wait $SIM

/usr/bin/python3 -B "$ROCKETCTL_SOURCE_DIR/tests/e2e/check_settime_vcan.py" "$R"
