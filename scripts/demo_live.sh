#!/usr/bin/env bash
# The Quick start's live demo: a cloud on this machine (hexa up: a server on SQLite and two
# agents), two tenants with grants, a handful of real jobs through the CLI (one cancelled, one
# over its time limit), the queue, a tenant's credits and statement; then everything stopped.
#   bash scripts/demo_live.sh [path/to/hexa]
set -euo pipefail
cd "$(dirname "$0")/.."
hexa=${1:-./build/release/hexa}
state=$(mktemp -d /tmp/hexa-demo-XXXXXX)
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

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

echo "== live demo: hexa up with 2 agents of 4 GPUs (state in $state)"
"$hexa" up --state "$state" --listen 127.0.0.1:0 --agents 2 --gpus-per-agent 4 --stop-grace-s 2 >"$state/up.out" 2>&1 &
up_pid=$!
for _ in $(seq 1 300); do
  grep -q "Hexagone is up" "$state/up.out" 2>/dev/null && break
  kill -0 "$up_pid" 2>/dev/null || { cat "$state/up.out"; exit 1; }
  sleep 0.1
done
cat "$state/up.out"
export HEXA_SERVER; HEXA_SERVER=$(cat "$state/server.url")
export HEXA_TOKEN_FILE="$state/admin.token"
unset HEXA_TOKEN

step hexa tenant add acme; "$hexa" tenant add acme >/dev/null
step hexa tenant add ada-school --kind programme; "$hexa" tenant add ada-school --kind programme >/dev/null
step hexa grant add --tenant acme --credits 100; "$hexa" grant add --tenant acme --credits 100 >/dev/null
step hexa grant add --tenant ada-school --credits 20; "$hexa" grant add --tenant ada-school --credits 20 >/dev/null
"$hexa" token create --role member --tenant acme >"$state/acme.token"
"$hexa" token create --role member --tenant ada-school >"$state/ada.token"

as_acme() { HEXA_TOKEN_FILE="$state/acme.token" "$hexa" "$@"; }
as_ada() { HEXA_TOKEN_FILE="$state/ada.token" "$hexa" "$@"; }

step "hexa submit --gpus 4 --time 5m --name train -- sh -c '...'  (as acme)"
train=$(as_acme submit --gpus 4 --time 5m --name train -- sh -c 'echo "training on GPUs $CUDA_VISIBLE_DEVICES of $(hostname)"; sleep 2; echo "epoch 1 done"')
echo "$train"
step "hexa submit --gpus 2 --time 10m --name idle -- sleep 600  (to be cancelled)"
idle=$(as_acme submit --gpus 2 --time 10m --name idle -- sleep 600); echo "$idle"
step "hexa submit --gpus 1 --time 3s --name overtime -- sleep 60  (over its time limit)"
over=$(as_acme submit --gpus 1 --time 3s --name overtime -- sleep 60); echo "$over"
step "hexa submit --gpus 1 --time 2m --name lab -- sh -c 'nvidia-smi -L || ...'  (as ada-school)"
lab=$(as_ada submit --gpus 1 --time 2m --name lab -- sh -c 'nvidia-smi -L 2>/dev/null || echo "no NVIDIA driver here: GPU ids $CUDA_VISIBLE_DEVICES"'); echo "$lab"
sleep 1
step hexa queue --all; "$hexa" queue --all
step hexa cancel "$idle"; as_acme cancel "$idle"

state_of() { "$hexa" show "$1" --json | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p'; }
for _ in $(seq 1 200); do
  s1=$(state_of "$train"); s2=$(state_of "$over"); s3=$(state_of "$lab")
  case "$s1$s2$s3" in *pending*|*running*) sleep 0.1 ;; *) break ;; esac
done
step hexa logs "$train"; as_acme logs "$train"
step hexa logs "$lab"; as_ada logs "$lab"
step hexa queue --all; "$hexa" queue --all
step hexa show "$over"; as_acme show "$over"
step hexa credits --tenant acme; as_acme credits --tenant acme
step hexa statement --tenant acme; as_acme statement --tenant acme
step "Ctrl-C (hexa up stops its agents, then the server)"
kill -INT "$up_pid"
wait "$up_pid" || true
up_pid=
tail -n 2 "$state/up.out"
