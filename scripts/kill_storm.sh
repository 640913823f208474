#!/usr/bin/env bash
# The restart test with many more kill -9 points than the test command runs (20): a submit
# storm from 4 clients, the server killed at random moments and started again; then every
# acknowledged submit is there once, and the state equals a fresh replay of the journal.
#   bash scripts/kill_storm.sh [KILLS]   (default 500; about 1 s per kill)
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-500}
bash scripts/build.sh release hexa hexa_server_tests >/dev/null
HEXA_KILLS=$kills ./build/release/hexa_server_tests \
  --gtest_filter='Restart.KillNineDuringASubmitStormLosesNothingAndDoublesNothing' --gtest_brief=0
