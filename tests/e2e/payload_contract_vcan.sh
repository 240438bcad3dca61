#!/bin/sh
# Payload for e2e_contract_vcan, run inside User-Mode Linux by uml.sh (vcan0 up, root):
#  1. the Bus contract suite with SocketCAN on vcan0 (ROCKETCTL_CONTRACT_IFACE=vcan0);
#  2. the SocketCAN checks that need a real kernel (open errors, vcan1 going down, kernel
#     timestamps, error frames, socket overflow);
#  3. can-utils against the contract: `cansend vcan0 123#112233` (11-bit) and
#     `cansend vcan0 18104001#112233` (DLC 3) reach a SocketCanBus as the contract says, and
#     candump sees byte-exact what a SocketCanBus sends.
# Usage: payload_contract_vcan.sh <result-dir>; needs ROCKETCTL_BIN_DIR (the build tree).

set -u
out=$1
bin=${ROCKETCTL_BIN_DIR:?ROCKETCTL_BIN_DIR must name the build tree}
contract=$bin/tests/contract/contract_tests
checks=$bin/tests/e2e/e2e_socketcan_checks
for exe in "$contract" "$checks"; do
  if [ ! -x "$exe" ]; then
    echo "not built: $exe"
    exit 1
  fi
done
failed=""
started=$(date +%s%N)
step() { echo; echo "==== [$(( ($(date +%s%N) - started) / 1000000 )) ms] $*"; }

step "1. Bus contract suite on the hub and on SocketCAN vcan0"
ROCKETCTL_CONTRACT_IFACE=vcan0 "$contract" --durations yes || failed="$failed contract"

step "2. SocketCAN checks on a kernel with CAN"
"$checks" "[uml]" --durations yes || failed="$failed checks"

step "3. cansend and candump against the contract"
candump -L vcan0 > "$out/candump.log" 2>&1 &
dump=$!
# candump is listening once it logs a probe frame.
i=0
until grep -q ' vcan0 7FF#$' "$out/candump.log" 2>/dev/null; do
  i=$((i + 1))
  if [ $i -gt 100 ]; then echo "candump never started"; failed="$failed candump"; break; fi
  cansend vcan0 7FF#
  sleep 0.05
done
ready=$out/external.ready
rm -f "$ready"
ROCKETCTL_E2E_READY=$ready "$checks" "[.external]" > "$out/external.log" 2>&1 &
external=$!
i=0
while [ ! -f "$ready" ] && [ $i -lt 200 ]; do i=$((i + 1)); sleep 0.05; done
cansend vcan0 123#112233
cansend vcan0 18104001#112233
wait $external || failed="$failed external"
cat "$out/external.log"
sleep 0.2
kill $dump
wait $dump 2>/dev/null
for frame in 'vcan0 123#112233' 'vcan0 18104001#112233' 'vcan0 18100140#0102030405060708' \
             'vcan0 18100140#ABCDEF'; do
  if grep -q " $frame\$" "$out/candump.log"; then
    echo "candump saw $frame"
  else
    echo "candump did not see $frame"
    failed="$failed candump"
  fi
done

step "done"
if [ -n "$failed" ]; then
  echo "FAILED:$failed"
  exit 1
fi
echo "all passed"
