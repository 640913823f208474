#!/usr/bin/env bash
# Benchmarks of the live server (not part of the test command); docs/PERFORMANCE.md records
# their figures. Each starts its own server on a free loopback port.
#   bash scripts/bench_server.sh        HEXA_BENCH_SECONDS, HEXA_BENCH_CLIENTS, HEXA_BENCH_POLICY,
#                                       HEXA_BENCH_AGENTS, HEXA_BENCH_ROUNDS
# The durable submits are measured twice: the journal in SQLite, then in PostgreSQL (a cluster
# of scripts/pg.sh, or $HEXA_PG_URL's; skipped without PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
bash scripts/build.sh release hexa hexa_server_tests >/dev/null
./build/release/hexa_server_tests --gtest_also_run_disabled_tests --gtest_filter='ServerBench.*:NodeBench.*' 2>&1 |
  grep -E '^(durable|submit to|restart with|last snapshot|heartbeats|agent killed)|FAILED'
HEXA_BENCH_DB=postgresql ./build/release/hexa_server_tests --gtest_also_run_disabled_tests \
  --gtest_filter='ServerBench.DISABLED_DurableSubmitsFrom64Clients' 2>&1 | grep -E '^durable|FAILED|SKIPPED' || true
