#!/usr/bin/env bash
# The web console's API calls with 100,000 jobs in the system (tests/e2e/console_bench_test.cc;
# not part of the test command); docs/PERFORMANCE.md records its figures.
#   bash scripts/bench_console.sh        HEXA_BENCH_JOBS (100000), HEXA_BENCH_REPS (30)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
bash scripts/build.sh release hexa hexa_server_tests >/dev/null
./build/release/hexa_server_tests --gtest_also_run_disabled_tests --gtest_filter='ConsoleBench.*' 2>&1 |
  grep -E '^(console bench|page|overview|jobs|job|tenants|credits|nodes) |FAILED|Failure'
