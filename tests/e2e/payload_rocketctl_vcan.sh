#!/bin/sh
# Runs inside User-Mode Linux (tests/e2e/uml.sh) on vcan0: `rocketctl simulate` serves the
# reference battery; `rocketctl status --json`, `cells --json` and `faults` read it while
# candump -L captures the exchange and cansend injects a DLC-3 frame and an 11-bit frame;
# then, with no battery, `status` must give the no-answer status within its timeout.
# Outputs land in the result dir; check_rocketctl_vcan.py judges them.
set -u
R=${1:?result dir}
BIN=$ROCKETCTL_BIN_DIR/cmd/rocketctl
cd "$R" || exit 1

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# 1. A battery on the bus, answering 30 ms after each request so that injected frames land
#    while the tool is waiting for the real answer.
"$BIN" simulate -i vcan0 -o delay=30 > simulate.out 2> simulate.err &
SIM=$!
candump -L vcan0 > capture.log 2> candump.err &
DUMP=$!
sleep 0.5

# Every 2 ms: a PACK answer with DLC 3 (malformed, to be dropped) and an 11-bit frame (not
# this protocol), from two cangen processes.
cangen vcan0 -e -I 18104001 -L 3 -D 112233 -g 2 > inject1.out 2>&1 &
INJECT1=$!
cangen vcan0 -I 123 -L 8 -D 1122334455667788 -g 2 > inject2.out 2>&1 &
INJECT2=$!
sleep 0.3

# A long poll timeout: UML on a busy host can be slow to run the simulator between the
# injected frames; what is checked here is what the tool makes of them, not its speed.
"$BIN" -i vcan0 --timeout 1500 --json status > status.json 2> status.err; echo $? > status.rc
"$BIN" -i vcan0 --timeout 1500 --json cells > cells.json 2> cells.err; echo $? > cells.rc
"$BIN" -i vcan0 --timeout 1500 faults > faults.txt 2> faults.err; echo $? > faults.rc
kill $INJECT1 $INJECT2 2>/dev/null; wait $INJECT1 $INJECT2 2>/dev/null
sleep 0.2
kill $DUMP; wait $DUMP 2>/dev/null

# 2. The time of one `status` on vcan0 with the default simulator (answers after 2 ms).
kill -INT $SIM; wait $SIM; echo $? > simulate.rc
"$BIN" simulate -i vcan0 -q > /dev/null 2>&1 &
SIM=$!
candump -L vcan0 > timing.log 2> /dev/null &
DUMP=$!
sleep 0.5
for i in 1 2 3 4 5; do
  t0=$(now_ms); "$BIN" -i vcan0 status > /dev/null 2>&1; t1=$(now_ms)
  echo $((t1 - t0)) >> status_ms.txt
done
sleep 0.2
kill $DUMP; wait $DUMP 2>/dev/null
kill -INT $SIM; wait $SIM

# 3. No battery on the bus: the no-answer status, within 3 tries of 250 ms (plus start-up).
t0=$(now_ms)
"$BIN" -i vcan0 status > noanswer.out 2> noanswer.err; echo $? > noanswer.rc
t1=$(now_ms)
echo $((t1 - t0)) > noanswer_ms.txt

/usr/bin/python3 -B "$ROCKETCTL_SOURCE_DIR/tests/e2e/check_rocketctl_vcan.py" "$R"
