#!/usr/bin/env bash
# Benchmarks of failover (issue 15; not part of the test command): three `hexa serve` replicas
# on a PostgreSQL 15 of scripts/pg.sh (or $HEXA_PG_URL's). docs/PERFORMANCE.md "Failover
# (issue 15)" records their figures.
#   bash scripts/bench_failover.sh     HEXA_BENCH_KILLS (20), HEXA_BENCH_LEASE_S (5),
#                                      HEXA_BENCH_SECONDS (10), HEXA_BENCH_CLIENTS (8)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh release hexa hexa_server_tests >/dev/null
./build/release/hexa_server_tests --gtest_also_run_disabled_tests --gtest_filter='FailoverBench.*' 2>&1 |
  grep -E '^(failover over|follower lag)|FAILED|SKIPPED|Failure'
