#!/bin/sh
# Runs inside User-Mode Linux (tests/e2e/uml.sh): `rocketctl doctor` on real SocketCAN, one
# finding per step, each run as text and as --json:
#  1. missing: vcan9 does not exist (20);
#  2. down: vcan1 is created but not set up (21);
#  3. silent bus with no acknowledgement (24): vcan has no ACK, so the real condition, a lone
#     node whose frames nobody acknowledges, is emulated the way a controller reports it: by
#     SocketCAN error frames with CAN_ERR_ACK (can_id 0x20000020 = CAN_ERR_FLAG | CAN_ERR_ACK)
#     put on vcan0 by cansend in a loop; they reach rocketctl's raw socket through its error
#     filter (CAN_RAW_ERR_FILTER), as a real driver's would;
#  4. other traffic but no BMS (25): cangen sends 11-bit frames;
#  5. an asleep pack (26): `rocketctl simulate ... standby=1`;
#  6. another pack at address 2 (25, names 0x02), and the same with --address 2 (0);
#  7. healthy (0), with the round trip; then `status` against an asleep pack points to doctor.
# check_doctor_vcan.py judges what lands in the result dir.
set -u
R=${1:?result dir}
BIN=$ROCKETCTL_BIN_DIR/cmd/rocketctl
cd "$R" || exit 1

# doctor NAME ARGS...: NAME.txt / NAME.json / NAME.rc / NAME.json.rc / NAME.err
doctor() {
  name=$1
  shift
  "$BIN" "$@" doctor > "$name.txt" 2> "$name.err"; echo $? > "$name.rc"
  "$BIN" "$@" --json doctor > "$name.json" 2>> "$name.err"; echo $? > "$name.json.rc"
}

# 1. missing
doctor missing -i vcan9

# 2. down
ip link add dev vcan1 type vcan
doctor down -i vcan1
ip link del dev vcan1

# 3. no acknowledgement, emulated with CAN_ERR_ACK error frames. First: do they arrive at all?
candump -L vcan0,#FFFFFFFF > errframes.log 2> /dev/null &
DUMP=$!
sleep 0.2
cansend vcan0 20000020#0000000000000000 2> cansend.err; echo $? > cansend.rc
sleep 0.2
kill $DUMP; wait $DUMP 2>/dev/null
( while :; do cansend vcan0 20000020#0000000000000000; sleep 0.05; done ) > /dev/null 2>&1 &
NOACK=$!
doctor noack -i vcan0
kill $NOACK; wait $NOACK 2>/dev/null

# 4. traffic from something else, no BMS
cangen vcan0 -I 123 -L 8 -D 1122334455667788 -g 10 > /dev/null 2>&1 &
GEN=$!
sleep 0.1
doctor traffic -i vcan0
kill $GEN; wait $GEN 2>/dev/null

# 5. an asleep pack
"$BIN" simulate -i vcan0 -q -o standby=1 &
SIM=$!
sleep 0.5
doctor asleep -i vcan0
"$BIN" -i vcan0 --timeout 50 status > status_asleep.txt 2> status_asleep.err; echo $? > status_asleep.rc
kill -INT $SIM; wait $SIM

# 6. a pack at another address
"$BIN" simulate -i vcan0 -q --pack-address 2 &
SIM=$!
sleep 0.5
doctor other -i vcan0
doctor other_address2 -i vcan0 --address 2
kill -INT $SIM; wait $SIM

# 7. healthy
"$BIN" simulate -i vcan0 -q &
SIM=$!
sleep 0.5
doctor healthy -i vcan0 -vv
kill -INT $SIM; wait $SIM

/usr/bin/python3 -B "$ROCKETCTL_SOURCE_DIR/tests/e2e/check_doctor_vcan.py" "$R"
