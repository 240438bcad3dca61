#!/bin/sh
# Runs inside User-Mode Linux (tests/e2e/uml.sh) on vcan0, for issue 6 ("Traces"), against
# `rocketctl simulate` on the same kernel CAN stack:
#  1. candump -L captures a `status` and a `log dump` exchange, each also traced by the tool
#     itself with --trace (kernel receive timestamps);
#  2. `rocketctl decode` explains the candump capture (text and --json) and the --trace files;
#  3. with the battery gone, each --trace file is replayed onto vcan0 by canplayer while
#     candump -L records it again.
# check_trace_vcan.py judges what lands in the result dir.
set -u
R=${1:?result dir}
BIN=$ROCKETCTL_BIN_DIR/cmd/rocketctl
cd "$R" || exit 1

# 1. the exchanges
candump -L vcan0 > capture.log 2> candump.err &
DUMP=$!
"$BIN" simulate -i vcan0 -q &
SIM=$!
sleep 0.5
"$BIN" -i vcan0 --trace status_trace.log --json status > status.json 2> status.err; echo $? > status.rc
"$BIN" -i vcan0 --trace dump_trace.log --json log dump > log.json 2> log.err; echo $? > log.rc
sleep 0.2
kill -INT $SIM; wait $SIM
kill $DUMP; wait $DUMP 2>/dev/null

# 2. decode
"$BIN" decode capture.log > capture.txt 2> decode.err; echo $? > decode.rc
"$BIN" --json decode capture.log > capture.json 2> decode_json.err; echo $? > decode_json.rc
"$BIN" decode status_trace.log > status_trace.txt 2> decode_trace.err; echo $? > decode_trace.rc

# 3. replay each --trace file onto the (now quiet) bus, captured again
for t in status dump; do
  candump -L vcan0 > replay_$t.log 2> /dev/null &
  DUMP=$!
  sleep 0.3
  canplayer vcan0=vcan0 -I ${t}_trace.log > canplayer_$t.out 2>&1; echo $? > canplayer_$t.rc
  sleep 0.3
  kill $DUMP; wait $DUMP 2>/dev/null
done

/usr/bin/python3 -B "$ROCKETCTL_SOURCE_DIR/tests/e2e/check_trace_vcan.py" "$R"
