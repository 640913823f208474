#!/usr/bin/env bash
# The chaos property test (tests/e2e/chaos_test.cc) over many seeds, longer than in the test
# command: crashes, partitions, freezes and server crashes against real agents.
#   bash scripts/chaos.sh [RUNS] [SECONDS_EACH]      (default 10 runs of 25 s)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
secs=${2:-25}
bash scripts/build.sh release hexa hexa_server_tests >/dev/null
failed=0
for i in $(seq 1 "$runs"); do
  seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
  if HEXA_CHAOS_SEED=$seed HEXA_CHAOS_SECONDS=$secs ./build/release/hexa_server_tests --gtest_filter='Chaos.*' \
      >"/tmp/hexa-chaos-$seed.log" 2>&1; then
    echo "seed $seed: ok ($(grep -o '[0-9]* jobs' "/tmp/hexa-chaos-$seed.log" | head -1))"
  else
    echo "seed $seed: FAILED (log: /tmp/hexa-chaos-$seed.log)"
    failed=$((failed + 1))
  fi
done
echo "$runs runs, $failed failed"
[ "$failed" -eq 0 ]
