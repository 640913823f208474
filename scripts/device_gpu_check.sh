#!/usr/bin/env bash
# On a real GPU machine: GPU discovery through NVML, end to end. Builds hexa, prints what
# `hexa agent --list-gpus` finds, writes a one-node cloud for it (a sliced block with the MIG
# profiles found when MIG is on), runs `hexa up` with one agent that discovers its GPUs
# (--discover-gpus: hexa agent --gpus auto), submits `nvidia-smi -L` (on a slice when MIG is
# on), waits for it and prints its output. Exits non-zero on any failure.
#   scripts/device_gpu_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-8} scripts/build.sh release hexa >/dev/null
hexa=$PWD/build/release/hexa
state=$(mktemp -d /tmp/hexa-gpu-check-XXXXXX)
chmod 755 "$state"
up_pid=
cleanup() {
  if [ -n "$up_pid" ] && kill -0 "$up_pid" 2>/dev/null; then kill -INT "$up_pid"; wait "$up_pid" || true; fi
}
trap cleanup EXIT

echo "== hexa agent --list-gpus"
"$hexa" agent --list-gpus | tee "$state/gpus.txt"
read -r _ gpus _ type < <(tail -n 1 "$state/gpus.txt")  # "--gpus N --gpu-type T"

# MIG on: a sliced block, and a slice profile per MIG profile found ("  MIG 1g.18gb at slots 0..0, ...").
slices=none profiles="" slice=""
if grep -q '^  MIG ' "$state/gpus.txt"; then
  slices=mig
  profiles=$(awk '/^  MIG /{split($5, s, "\\.\\."); sub(",", "", s[2]); c = $2; sub("g\\..*", "", c);
               if (!seen[$2]++) printf "  - {name: %s, compute: %d, memory: %d}\n", $2, c, s[2] - s[1] + 1}' "$state/gpus.txt")
  profiles="slice_profiles:
$profiles"
  slice=$(awk '/^  MIG /{print $2; exit}' "$state/gpus.txt")
fi
cat >"$state/cloud.yaml" <<YAML
name: gpu-check
cluster:
  sites:
    - name: here
      blocks:
        - {nodes: 1, gpus_per_node: $gpus, gpu_type: $type, slices: $slices, name: node}
$(sed 's/^/  /' <<<"$profiles")
scheduler: {policy: backfill}
credits:
  prices:
    - {gpu_type: $type, credits_per_gpu_hour: 1}
YAML
echo "== cloud.yaml"; cat "$state/cloud.yaml"

echo "== hexa up --agents 1 --discover-gpus"
"$hexa" up --config "$state/cloud.yaml" --state "$state" --listen 127.0.0.1:0 --agents 1 --discover-gpus \
  >"$state/up.out" 2>&1 &
up_pid=$!
for _ in $(seq 1 600); do
  grep -q "Hexagone is up" "$state/up.out" 2>/dev/null && break
  kill -0 "$up_pid" 2>/dev/null || { cat "$state/up.out"; exit 1; }
  sleep 0.1
done
export HEXA_SERVER HEXA_TOKEN_FILE="$state/admin.token"
HEXA_SERVER=$(cat "$state/server.url")
"$hexa" tenant add check >/dev/null
"$hexa" grant add --tenant check --credits 10 >/dev/null

if [ -n "$slice" ]; then
  job=$("$hexa" submit --tenant check --gpus 1 --slice "$slice" --time 2m -- sh -c 'echo "CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES"; nvidia-smi -L')
else
  job=$("$hexa" submit --tenant check --gpus 1 --time 2m -- sh -c 'echo "CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES"; nvidia-smi -L')
fi
echo "== job $job: nvidia-smi -L"
state_of() { "$hexa" show "$1" --json | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p'; }
s=pending
for _ in $(seq 1 600); do
  s=$(state_of "$job")
  case "$s" in pending|running) sleep 0.2 ;; *) break ;; esac
done
"$hexa" logs "$job"
echo "== job $job: $s"
[ "$s" = finished ] || { "$hexa" logs "$job" --stderr; "$hexa" show "$job"; tail -n 20 "$state/agents/"*.log; exit 1; }
