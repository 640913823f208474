#!/usr/bin/env bash
# The differential test (tests/sim/differential_test.cc) over many more seeds than the test
# command runs: random traces through the engine and the reference scheduler, every policy
# and placement, every start, preemption and end compared.
#   bash scripts/differential.sh [SEEDS] [FROM]      (default 20000 seeds from seed 1)
# A mismatch prints its seed; replay it alone with
#   HEXA_DIFF_SEED=S ./build/release/hexa_tests --gtest_filter='Differential.*'
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-20000}
from=${2:-1}
bash scripts/build.sh release hexa_tests >/dev/null
HEXA_DIFF_SEEDS=$seeds HEXA_DIFF_FROM=$from ./build/release/hexa_tests --gtest_filter='Differential.RandomTraces*'
