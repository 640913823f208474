#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ (docs/testing.md, "Fuzzing"), outside the test command:
#   scripts/fuzz.sh [SECONDS] [TARGET...]      (default: 600 s each, every target)
# Builds the fuzz preset (clang++, ASan + UBSan + libFuzzer, build/fuzz), then runs each target
# for SECONDS on a work corpus under build/fuzz/work/<target>/ (seeded from fuzz/corpus/<target>/
# and fuzz/regressions/<target>/, so that the repository's corpus is not polluted), with its
# dictionary fuzz/<target>.dict when there is one. A crash leaves its input in
# build/fuzz/crashes/<target>/. Prints one line per target: seconds, executions, exec/s,
# coverage (cov:), features (ft:), crashes. Exit status: 1 when any target crashed.
# Environment: FUZZ_RSS_MB (default 2048), FUZZ_NICE (default 10), FUZZ_JOBS_BUILD (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
all=(http_request api_request command_json snapshot trace yaml)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
rss=${FUZZ_RSS_MB:-2048}
nice_level=${FUZZ_NICE:-10}

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake --preset fuzz "${launcher[@]}" >/dev/null
build_targets=()
for t in "${targets[@]}"; do build_targets+=("fuzz_$t"); done
CMAKE_BUILD_PARALLEL_LEVEL=${FUZZ_JOBS_BUILD:-1} nice -n "$nice_level" cmake --build build/fuzz -j "${FUZZ_JOBS_BUILD:-1}" --target "${build_targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
summary=()
for t in "${targets[@]}"; do
  work=build/fuzz/work/$t
  crashes=build/fuzz/crashes/$t
  mkdir -p "$work" "$crashes"
  seeds=(fuzz/corpus/$t)
  [ -d fuzz/regressions/$t ] && seeds+=(fuzz/regressions/$t)
  dict=()
  [ -f fuzz/$t.dict ] && dict=(-dict=fuzz/$t.dict)
  log=build/fuzz/work/$t.log
  echo "== $t: ${seconds} s (log: $log)"
  start=$(date +%s)
  marker=$(mktemp)  # crashes are counted from here: older artifacts stay, apart
  set +e
  nice -n "$nice_level" build/fuzz/fuzz_$t "$work" "${seeds[@]}" "${dict[@]}" -max_total_time="$seconds" \
    -rss_limit_mb="$rss" -timeout=60 -print_final_stats=1 -artifact_prefix="$crashes/" >"$log" 2>&1
  rc=$?
  set -e
  took=$(( $(date +%s) - start ))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
  n_crash=$(find "$crashes" -type f -newer "$marker" \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
    -o -name 'oom-*' \) | wc -l)
  rm -f "$marker"
  rate=0
  [ -n "$execs" ] && [ "$took" -gt 0 ] && rate=$(( execs / took ))
  line=$(printf '%-13s %5ss  execs %10s  exec/s %6s  cov %6s  ft %7s  crashes %s  rc %s' \
    "$t" "$took" "${execs:-?}" "$rate" "${cov:-?}" "${ft:-?}" "$n_crash" "$rc")
  echo "$line"
  summary+=("$line")
  if [ "$rc" -ne 0 ] || [ "$n_crash" -gt 0 ]; then
    failed=1
    grep -E 'ERROR|FUZZ FINDING|SUMMARY|==[0-9]+==' "$log" | head -20 || true
  fi
done
echo "== summary ($(date -u +%Y-%m-%dT%H:%MZ), ${seconds} s per target)"
printf '%s\n' "${summary[@]}"
exit "$failed"
