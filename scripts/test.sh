#!/usr/bin/env bash
# Every test: installs what is needed, then builds and runs the suite twice, in the release
# build and under AddressSanitizer + UndefinedBehaviorSanitizer. Benchmarks are not run here
# (scripts/bench.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

echo "== sanitizer build (asan + ubsan)"
bash scripts/build.sh asan
ctest --preset asan -j2 --timeout 300

echo "== release build"
bash scripts/build.sh release
ctest --preset release -j2 --timeout 300
