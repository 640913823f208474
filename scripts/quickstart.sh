#!/usr/bin/env bash
# Quick start: installs what is needed, builds, and simulates a month of the French AI cloud.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release
./build/release/hexa simulate scenarios/france-2025.yaml --report-json build/france-2025.json
echo "Full report: build/france-2025.json"
