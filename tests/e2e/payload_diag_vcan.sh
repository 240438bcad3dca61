#!/bin/sh
# Runs inside User-Mode Linux (tests/e2e/uml.sh) on vcan0, for issue 5, against
# `rocketctl simulate` on the same kernel CAN stack (candump records the whole conversation):
#  1. `log dump` of the pack's event log to JSON on stdout and to log.csv / log.xlsx;
#  2. `flash` of a 112 KiB image (version 1.5.0), progress as JSON lines;
#  3. `status --json` afterwards shows the new version;
#  4. `log dump` of a full log of 2000 records.
# check_diag_vcan.py judges what lands in the result dir.
set -u
R=${1:?result dir}
BIN=$ROCKETCTL_BIN_DIR/cmd/rocketctl
cd "$R" || exit 1

candump -L -r 16777216 vcan0 > diag.log 2> /dev/null &
DUMP=$!
"$BIN" simulate -i vcan0 -q &
SIM=$!
sleep 0.5

# 1. the event log
"$BIN" -i vcan0 --json log dump > log.json 2> log.err; echo $? > log.rc
"$BIN" -i vcan0 log dump -o log.csv 2> log_csv.err; echo $? > log_csv.rc
"$BIN" -i vcan0 log dump -o log.xlsx 2> log_xlsx.err; echo $? > log_xlsx.rc

# 2. a 112 KiB image
/usr/bin/python3 "$ROCKETCTL_SOURCE_DIR/tests/tools/fwimage.py" new.bin --version 1.5.0 --size 114688
start=$(date +%s.%N)
"$BIN" -i vcan0 --json flash new.bin --yes > flash.json 2> flash.err; echo $? > flash.rc
end=$(date +%s.%N)
echo "$start $end" > flash.time

# 3. what the pack runs now
"$BIN" -i vcan0 --json status > status.json 2> status.err; echo $? > status.rc

kill -INT $SIM; wait $SIM
kill $DUMP; wait $DUMP 2>/dev/null

# 4. a full log (2000 records: 32,000 bytes in 4095-byte blocks of 585 frames each)
"$BIN" simulate -i vcan0 -q -o log=2000 &
SIM=$!
sleep 0.5
"$BIN" -i vcan0 --json log dump > log2000.json 2> log2000.err; echo $? > log2000.rc
kill -INT $SIM; wait $SIM

/usr/bin/python3 -B "$ROCKETCTL_SOURCE_DIR/tests/e2e/check_diag_vcan.py" "$R"
