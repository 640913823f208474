#!/usr/bin/env bash
# Do two builds of hexa give the same simulation results? The speed work's check (docs/PERFORMANCE.md,
# issue 16): writes the JSON reports of the France month as shipped, under backfill and las, of its
# 3-day cut, and of ITP cluster04 under the six policies, for each binary, with wall_s removed
# and keys sorted, then compares them byte for byte. Traces from $HEXA_TRACES (default
# ../shared/traces beside the checkout; never copied).
#   scripts/same_reports.sh BEFORE_HEXA AFTER_HEXA        QUICK=1: cluster04 and the 3-day cut only
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { echo "usage: scripts/same_reports.sh BEFORE_HEXA AFTER_HEXA" >&2; exit 2; }
traces=${HEXA_TRACES:-$(cd .. && pwd)/shared/traces}
trace=$traces/itp/cluster04.csv
[ -f "$trace" ] || { echo "missing $trace (set HEXA_TRACES)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

report() {  # BIN OUT ARGS...: one report, wall_s removed, keys sorted
  local bin=$1 out=$2; shift 2
  "$bin" simulate "$@" -q --report-json "$out" >/dev/null
  python3 - "$out" <<'PY'
import json, sys
def strip(o):
    if isinstance(o, dict):
        o.pop("wall_s", None)
        for v in o.values(): strip(v)
    elif isinstance(o, list):
        for v in o: strip(v)
d = json.load(open(sys.argv[1])); strip(d)
json.dump(d, open(sys.argv[1], "w"), sort_keys=True)
PY
}

reports() {  # BIN DIR
  mkdir -p "$2"
  for p in fifo backfill las srtf fair ftf; do
    report "$1" "$2/c04-$p.json" --trace "$trace" --format itp --cluster 80x8 --policy "$p"
  done
  local s=scenarios/france-2025.yaml
  report "$1" "$2/fr3d.json" "$s" --set learners.days=3 --set workload.startups.days=3
  [ -n "${QUICK:-}" ] && return
  report "$1" "$2/fr.json" "$s"
  for p in backfill las; do report "$1" "$2/fr-$p.json" "$s" --policy "$p"; done
}

reports "$1" "$tmp/before"
reports "$2" "$tmp/after"
if diff -rq "$tmp/before" "$tmp/after"; then
  echo "same: $(ls "$tmp/after" | wc -l) reports byte-identical (wall_s aside)"
else
  echo "DIFFERENT: the reports above differ" >&2; exit 1
fi
