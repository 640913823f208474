#!/usr/bin/env bash
# Benchmarks (not part of the test command). Prints the figures docs/PERFORMANCE.md records.
#   bash scripts/bench.sh            traces from $HEXA_TRACES or ../shared/traces
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
bash scripts/build.sh release >/dev/null
hexa=./build/release/hexa
traces=${HEXA_TRACES:-../shared/traces}
out=$(mktemp -d)

field() { sed -n "s/^  \"$2\": \\([^,]*\\),\$/\\1/p" "$1"; }

echo "== ITP cluster04 (15,802 jobs) on 80x8"
if [ -f "$traces/itp/cluster04.csv" ]; then
  printf '%-9s %8s %12s %10s %12s\n' policy wall_s avg_jct_h events preemptions
  for p in fifo backfill srtf las fair; do
    $hexa simulate --trace "$traces/itp/cluster04.csv" --format itp --cluster 80x8 --policy "$p" \
      --report-json "$out/$p.json" -q >/dev/null
    printf '%-9s %8s %12.2f %10s %12s\n' "$p" "$(field "$out/$p.json" wall_s)" \
      "$(echo "$(field "$out/$p.json" avg_jct_s) / 3600" | bc -l)" \
      "$(field "$out/$p.json" events)" "$(field "$out/$p.json" preemptions)"
  done
else
  echo "skipped: $traces/itp/cluster04.csv not found (set HEXA_TRACES)"
fi

echo "== France scenario (27,048 GPUs, 2,500 start-ups + 38,862 learners, 30 days)"
printf '%-9s %8s %10s %12s %12s\n' policy wall_s events events_per_s utilization
for p in fair backfill las; do
  $hexa simulate scenarios/france-2025.yaml --policy "$p" --report-json "$out/fr-$p.json" -q >/dev/null
  w=$(field "$out/fr-$p.json" wall_s); e=$(field "$out/fr-$p.json" events)
  printf '%-9s %8s %10s %12.0f %12s\n' "$p" "$w" "$e" "$(echo "$e / $w" | bc -l)" "$(field "$out/fr-$p.json" utilization)"
done

echo "== France with the ledger on and off (fair)"
# on: the scenario as shipped (tiered grants: some start-ups run out); ample: the same with
# grants nobody exhausts and no budgets, so the schedule is the one of off and the difference
# is the ledger's own cost.
sed -e 's/tiers_credits: \[.*\]/tiers_credits: [1000000000]/' -e '/^  budgets:/,/hard: true}/d' \
  scenarios/france-2025.yaml >"$out/ample.yaml"
printf '%-7s %8s %9s %10s %12s %14s\n' money wall_s finished events utilization gpu_hours
for m in on ample off; do
  case $m in
    on) args=(scenarios/france-2025.yaml) ;;
    ample) args=("$out/ample.yaml") ;;
    off) args=(scenarios/france-2025.yaml --no-credits) ;;
  esac
  $hexa simulate "${args[@]}" --report-json "$out/m-$m.json" -q >/dev/null
  printf '%-7s %8s %9s %10s %12s %14s\n' "$m" "$(field "$out/m-$m.json" wall_s)" "$(field "$out/m-$m.json" finished)" \
    "$(field "$out/m-$m.json" events)" "$(field "$out/m-$m.json" utilization)" "$(field "$out/m-$m.json" gpu_hours)"
done

echo "== placement and scheduling pass (Google Benchmark)"
./build/release/hexa_bench --benchmark_counters_tabular=true
rm -rf "$out"
