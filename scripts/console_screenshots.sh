#!/usr/bin/env bash
# Retakes the console's screenshots in docs/images/ (docs/console.md): a France-like demo cloud
# on this machine (scripts/console_demo.yaml: Paris, Marseille and Mulhouse, start-ups on credits,
# a training programme's learners), real jobs through the CLI, a node drained and one never up,
# then each page at 1400 px wide in headless Chromium (tests/browser/screenshots.mjs).
#   bash scripts/console_screenshots.sh [path/to/hexa]
set -euo pipefail
cd "$(dirname "$0")/.."
hexa=$(realpath "${1:-./build/release/hexa}")
[ -d tests/browser/node_modules/puppeteer-core ] || { echo "run scripts/setup.sh first (npm ci in tests/browser)"; exit 1; }
state=$(mktemp -d /tmp/hexa-console-XXXXXX)
chmod 755 "$state"
up_pid=
cleanup() {
  if [ -n "$up_pid" ] && kill -0 "$up_pid" 2>/dev/null; then
    kill -INT "$up_pid"
    wait "$up_pid" || true
  fi
  rm -rf "$state"
}
trap cleanup EXIT

# 7 nodes, 6 agents: the last Mulhouse node never comes up (an alert on the overview).
"$hexa" up --config scripts/console_demo.yaml --state "$state/cloud" --listen 127.0.0.1:0 --agents 6 \
  --history-every-s 5 --stop-grace-s 2 >"$state/up.out" 2>&1 &
up_pid=$!
for _ in $(seq 1 300); do
  grep -q "Hexagone is up" "$state/up.out" 2>/dev/null && break
  kill -0 "$up_pid" 2>/dev/null || { cat "$state/up.out"; exit 1; }
  sleep 0.1
done
export HEXA_SERVER; HEXA_SERVER=$(cat "$state/cloud/server.url")
export HEXA_TOKEN_FILE="$state/cloud/admin.token"
unset HEXA_TOKEN
for t in startup-0001 startup-0001-vision startup-0002 startup-0003 genIAles-2025-10 a-vous-l-ia; do
  "$hexa" token create --role member --tenant "$t" >"$state/$t.token"
done
"$hexa" token create --role operator >"$state/operator.token"
as() { local t=$1; shift; HEXA_TOKEN_FILE="$state/$t.token" "$hexa" "$@"; }
# A budget that the first short job crosses: its alerts show on the overview.
curl -sf -o /dev/null -H "Authorization: Bearer $(cat "$state/cloud/admin.token")" -d '{"limit_micro": 2000, "alerts_pct": [50, 80, 100]}' \
  "$HEXA_SERVER/v1/tenants/startup-0002/budget"

train='for i in $(seq 1 600); do echo "step $((i*50)) loss $(awk "BEGIN{printf \"%.3f\", 3.2/(1+$i/40)}") tokens/s 412000"; sleep 1; done'
pretrain=$(as startup-0001 submit --name llm-pretrain --gpus 16 --time 4h -- sh -c "$train")
as startup-0001 submit --name finetune-7b --gpus 8 --time 2h -- sleep 3600 >/dev/null
as startup-0001-vision submit --name detector --gpus 4 --time 1h -- sleep 3600 >/dev/null
as startup-0002 submit --name eval --gpus 2 --time 10m -- sh -c 'echo accuracy 0.87; sleep 2' >/dev/null
as startup-0002 submit --name crash --gpus 1 --time 10m -- sh -c 'echo CUDA out of memory >&2; exit 3' >/dev/null
as startup-0002 submit --name rag-index --gpus 4 --time 2h -- sleep 3600 >/dev/null
as startup-0003 submit --name sweep --gpus 8 --time 1h -- sleep 3600 >/dev/null
for i in 1 2 3 4; do as genIAles-2025-10 submit --name "lab-0$i" --gpus 1 --time 1h -- sleep 3600 >/dev/null; done
as a-vous-l-ia submit --name intro-lab --gpus 1 --time 30m -- sleep 3600 >/dev/null
sleep 4
as startup-0002 submit --name big-train --gpus 16 --time 8h -- sleep 3600 >/dev/null
as startup-0003 submit --name sweep-2 --gpus 8 --time 1h -- sleep 3600 >/dev/null
old=$(as startup-0003 submit --name abandoned --gpus 8 --time 1h -- sleep 3600)
as startup-0003 cancel "$old" >/dev/null
node=$("$hexa" nodes | awk 'NR>1 && /marseille/ {print $1; exit}')
HEXA_TOKEN_FILE="$state/operator.token" "$hexa" nodes drain "$node" --reason "DIMM swap" --deadline 2h >/dev/null
echo "demo cloud at $HEXA_SERVER; letting it run 40 s for the utilisation history"
sleep 40

HEXA_URL=$HEXA_SERVER HEXA_ADMIN_TOKEN=$(cat "$state/cloud/admin.token") HEXA_OPERATOR_TOKEN=$(cat "$state/operator.token") \
  HEXA_MEMBER_TOKEN=$(cat "$state/startup-0001.token") HEXA_JOB=$pretrain HEXA_SHOTS=docs/images \
  node tests/browser/screenshots.mjs
