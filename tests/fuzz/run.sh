#!/bin/bash
# Runs the libFuzzer targets of a ROCKETCTL_FUZZ build (./build.sh fuzz and campaign.sh call it).
#
#   run.sh regress BUILD_DIR
#       every target once over each file of tests/fuzz/corpus/<target>/ and
#       tests/fuzz/regressions/<target>/ (cheap, deterministic): a fixed finding that comes
#       back, or a seed that now crashes, fails here.
#   run.sh fuzz BUILD_DIR SECONDS WORK_DIR [JOBS]
#       each target for SECONDS (-max_total_time), JOBS targets at a time (default 1), its
#       corpus in WORK_DIR/<target>/: the seeds are copied there first (libFuzzer writes new
#       inputs into its first corpus directory; never into tests/), and a corpus already there
#       (a campaign's) is kept and grown. Prints one line per target and fails if any crashed,
#       leaked, ran out of memory or timed out, naming the input that did it.
# Targets: every fuzz_* program in BUILD_DIR/tests/fuzz. FUZZ_TARGETS="fuzz_dbc fuzz_poll"
# restricts the list.
set -u
here=$(cd "$(dirname "$0")" && pwd)
mode=${1:?usage: run.sh regress|fuzz BUILD_DIR [SECONDS WORK_DIR [JOBS]]}
build=$(cd "${2:?build dir}" && pwd)
bin_dir="$build/tests/fuzz"

targets=${FUZZ_TARGETS:-$(cd "$bin_dir" && ls fuzz_* 2>/dev/null | grep -v '\.' | sort)}
[ -n "$targets" ] || { echo "run.sh: no fuzz_* programs in $bin_dir" >&2; exit 1; }

# The options every run shares: an input that takes over 5 s or 1 GB is a finding.
common="-timeout=5 -rss_limit_mb=1024"
# ASan: a leak is a finding too (libFuzzer checks for leaks after inputs that allocate).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"

regress() {
  status=0
  for t in $targets; do
    files=$(find "$here/corpus/$t" "$here/regressions/$t" -type f 2>/dev/null | sort)
    if [ -z "$files" ]; then
      printf '%-22s no seeds\n' "$t"
      continue
    fi
    n=$(echo "$files" | wc -l)
    log="$build/fuzz-regress-$t.log"
    # Files as arguments: each is run once, nothing is written anywhere.
    # shellcheck disable=SC2086
    if "$bin_dir/$t" $common $files > "$log" 2>&1; then
      printf '%-22s %4d inputs ok\n' "$t" "$n"
    else
      printf '%-22s FAILED on one of %d inputs (log: %s)\n' "$t" "$n" "$log"
      grep -E "^Running: |ERROR|invariant broken" "$log" | tail -5
      status=1
    fi
  done
  return $status
}

# One timed run: prints "target seconds executions exec/s corpus-files corpus-bytes cov ft
# status artifact".
fuzz_one() {
  t=$1 seconds=$2 work=$3
  corpus="$work/$t"
  out="$work/artifacts/$t"
  mkdir -p "$corpus" "$out"
  [ -d "$here/corpus/$t" ] && cp -n "$here/corpus/$t"/* "$corpus"/ 2>/dev/null
  [ -d "$here/regressions/$t" ] && cp -n "$here/regressions/$t"/* "$corpus"/ 2>/dev/null
  dict=""
  [ -f "$here/corpus/$t.dict" ] && dict="-dict=$here/corpus/$t.dict"
  log="$work/$t.log"
  start=$(date +%s)
  # shellcheck disable=SC2086
  "$bin_dir/$t" $common $dict -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$out/" "$corpus" > "$log" 2>&1
  rc=$?
  took=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  files=$(find "$corpus" -type f | wc -l)
  bytes=$(du -sb "$corpus" | cut -f1)
  artifact=$(ls "$out" 2>/dev/null | head -1)
  if [ $rc -eq 0 ]; then verdict=ok; else verdict=FAILED; fi
  echo "$t $took ${execs:-0} ${rate:-0} $files $bytes ${cov:-?} ${ft:-?} $verdict ${artifact:+$out/$artifact}"
}

fuzz() {
  seconds=${1:?seconds} work=${2:?work dir} jobs=${3:-1}
  mkdir -p "$work"
  results="$work/results.txt"
  : > "$results"
  running=0
  for t in $targets; do
    fuzz_one "$t" "$seconds" "$work" >> "$results" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
      wait -n
      running=$((running - 1))
    fi
  done
  wait
  status=0
  printf '%-22s %7s %12s %8s %14s %6s %7s  %s\n' target seconds executions exec/s corpus cov ft result
  sort "$results" | while read -r t took execs rate files bytes cov ft verdict artifact; do
    printf '%-22s %7s %12s %8s %14s %6s %7s  %s\n' "$t" "$took" "$execs" "$rate" \
      "$files/${bytes}b" "$cov" "$ft" "$verdict"
  done
  while read -r t took execs rate files bytes cov ft verdict artifact; do
    [ "$verdict" = ok ] && continue
    status=1
    echo "run.sh: $t failed; input: ${artifact:-none saved}; log: $work/$t.log" >&2
    grep -E "ERROR: |invariant broken|SUMMARY" "$work/$t.log" | head -5 >&2
    echo "  reproduce: $bin_dir/$t ${artifact:-<input>}" >&2
  done < "$results"
  return $status
}

case "$mode" in
  regress) regress ;;
  fuzz) shift 2; fuzz "$@" ;;
  *) echo "usage: run.sh regress|fuzz BUILD_DIR [SECONDS WORK_DIR [JOBS]]" >&2; exit 2 ;;
esac
