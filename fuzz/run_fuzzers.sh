#!/usr/bin/env bash
# Runs every fuzz target for a fixed time and prints executions and crashes per target.
#   fuzz/run_fuzzers.sh BUILD_DIR SECONDS [target ...]
# Each target starts from a scratch copy of its seed corpus (fuzz/corpus/<target>/), so the
# corpus in the repository is never modified. Crash, leak, timeout and OOM inputs are written
# to BUILD_DIR/artifacts/<target>/; logs to BUILD_DIR/logs/<target>.log.
# Exit status 1 when any target crashed or violated an invariant.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$1"
seconds="$2"
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(qps_reader solver derivatives)

declare -A extra=(
  [qps_reader]="-max_len=8192 -dict=$here/qps.dict"
  [solver]="-max_len=1024"
  [derivatives]="-max_len=1024"
)

status=0
summary=()
for t in "${targets[@]}"; do
  bin="$build/bin/fuzz_$t"
  if [ ! -x "$bin" ]; then echo "fuzz: $bin not built" >&2; exit 2; fi
  work="$build/corpus/$t"
  artifacts="$build/artifacts/$t"
  log="$build/logs/$t.log"
  rm -rf "$work" "$artifacts"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  cp "$here/corpus/$t"/* "$work"/ 2>/dev/null || true
  echo "fuzz: $t for ${seconds}s ..."
  # shellcheck disable=SC2086
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions="$here/ubsan.supp" \
    "$bin" "$work" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" ${extra[$t]} > "$log" 2>&1
  rc=$?
  # libFuzzer ends with "Done N runs in S second(s)" and, with -print_final_stats, the line
  # "stat::number_of_executed_units: N" (also printed after a crash).
  execs=$(grep -E '^stat::number_of_executed_units:' "$log" | tail -1 | awk '{print $2}')
  [ -n "$execs" ] || execs=$(grep -E '^Done [0-9]+ runs' "$log" | tail -1 | awk '{print $2}')
  [ -n "$execs" ] || execs="?"
  crashes=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -1 | grep -oE 'cov: [0-9]+' | awk '{print $2}')
  line=$(printf '%-12s executions %10s  crashes %d  coverage %s  exit %d' "$t" "$execs" "$crashes" "${cov:-?}" "$rc")
  summary+=("$line")
  if [ "$crashes" -ne 0 ] || [ "$rc" -ne 0 ]; then
    status=1
    echo "fuzz: $t FAILED; see $log and $artifacts/" >&2
    grep -E 'INVARIANT VIOLATED|ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error' "$log" | head -5 >&2
  fi
done
echo "fuzz summary (${seconds}s per target):"
printf '  %s\n' "${summary[@]}"
exit $status
