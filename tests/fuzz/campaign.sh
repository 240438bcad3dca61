#!/bin/bash
# A longer fuzzing campaign than CI's: every target for a while, the grown corpus kept in
# build-fuzz/campaign/<target>/ (outside the tree) so that the next campaign starts from it.
#
#   tests/fuzz/campaign.sh [DURATION] [JOBS]
#
# DURATION per target: seconds ("600"), minutes ("10m") or hours ("1h"); default 10m. JOBS
# targets run at a time (default 1; each takes one core). Builds build-fuzz first (as
# `./build.sh fuzz` does) unless FUZZ_NO_BUILD=1. Prints a table: target, seconds, executions,
# exec/s, corpus (files/bytes), coverage (cov: edges, ft: features), result; the figures go in
# the README's "Fuzzing" section. A finding: fix it, copy the input to
# tests/fuzz/regressions/<target>/, and add a unit test (tests/fuzz/corpus/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10m}
jobs=${2:-1}
case "$duration" in
  *h) seconds=$(( ${duration%h} * 3600 )) ;;
  *m) seconds=$(( ${duration%m} * 60 )) ;;
  *s) seconds=${duration%s} ;;
  *) seconds=$duration ;;
esac
build=build-fuzz
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
  launcher=""
  command -v ccache > /dev/null && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
    -DROCKETCTL_FUZZ=ON $launcher > "$build.configure.log"
  cmake --build "$build"
fi
echo "campaign: $seconds s per target, $jobs at a time, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)"
tests/fuzz/run.sh fuzz "$build" "$seconds" "$build/campaign" "$jobs"
