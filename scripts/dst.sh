#!/usr/bin/env bash
# The deterministic simulation (tests/dst/, docs/testing.md) over many seeds, beyond the 10,000
# of the test command: chunks of seeds run one after the other, each chunk on every core.
#   bash scripts/dst.sh [N] [FIRST]     (default 1,000,000 seeds from 1)
# A failing seed is printed with its last lines; HEXA_DST_SEED=S replays it with every line:
#   HEXA_DST_SEED=S ./build/release/hexa_dst_tests --gtest_filter=Dst.ManySeeds
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
first=${2:-1}
chunk=${DST_CHUNK:-50000}
bash scripts/build.sh release hexa_dst_tests >/dev/null
failed=0
for ((at = first; at < first + n; at += chunk)); do
  size=$((first + n - at < chunk ? first + n - at : chunk))
  log="/tmp/hexa-dst-$at.log"
  if HEXA_DST_SEEDS=$size HEXA_DST_FIRST=$at ./build/release/hexa_dst_tests --gtest_filter=Dst.ManySeeds >"$log" 2>&1; then
    echo "seeds $at..$((at + size - 1)): ok ($(grep -o '[0-9.]* seeds/s' "$log" | head -1))"
  else
    echo "seeds $at..$((at + size - 1)): FAILED (log: $log); failing seeds:"
    grep -o 'HEXA_DST_SEED=[0-9]*' "$log" | sort -u | sed 's/^/  /'
    failed=$((failed + 1))
  fi
done
echo "$n seeds from $first: $failed chunk(s) failed"
[ "$failed" -eq 0 ]
