#!/usr/bin/env bash
# Benchmarks of the live server (not part of the test command); docs/PERFORMANCE.md records
# their figures. Each starts its own server on a free loopback port.
#   bash scripts/bench_server.sh        HEXA_BENCH_SECONDS, HEXA_BENCH_CLIENTS, HEXA_BENCH_POLICY,
#                                       HEXA_BENCH_AGENTS, HEXA_BENCH_ROUNDS
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
bash scripts/build.sh release hexa hexa_server_tests >/dev/null
./build/release/hexa_server_tests --gtest_also_run_disabled_tests --gtest_filter='ServerBench.*:NodeBench.*' 2>&1 |
  grep -E '^(durable|submit to|restart with|last snapshot|heartbeats|agent killed)|FAILED'
