#!/usr/bin/env bash
# Quick start: installs what is needed, builds the hexa binary (not the tests), simulates a month
# of the French AI cloud, then runs a short live demo: a real cloud on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release hexa
./build/release/hexa simulate scenarios/france-2025.yaml --report-json build/france-2025.json
echo "Full report: build/france-2025.json"
bash scripts/demo_live.sh ./build/release/hexa
