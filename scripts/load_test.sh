#!/usr/bin/env bash
# The load test (not part of the test command): the France month's start-ups replayed against a
# live server with real agents running short processes; prints submits/s, submit-to-start
# latency, API p99 under load and peak memory, then checks the invariants. docs/RELIABILITY.md
# records its figures.
#   bash scripts/load_test.sh [SECONDS]     (default 120: the month in two minutes)
#   bash scripts/load_test.sh --soak        (an hour)
#   knobs: HEXA_LOAD_NODES (8), HEXA_LOAD_TENANTS (300), HEXA_LOAD_CLIENTS (8), HEXA_LOAD_SEED (1)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-120}
[ "$seconds" = "--soak" ] && seconds=3600
case "$seconds" in '' | *[!0-9]*) echo "load_test.sh: SECONDS must be a whole number or --soak, not '$1'" >&2; exit 2 ;; esac
bash scripts/build.sh release hexa hexa_server_tests >/dev/null
HEXA_LOAD_SECONDS=$seconds ./build/release/hexa_server_tests --gtest_also_run_disabled_tests \
  --gtest_filter='LoadBench.*' 2>&1 | grep -E '^load:|FAILED|Failure|Expected|Which is|every|acknowledged|ledger|replay'
