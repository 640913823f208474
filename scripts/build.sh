#!/usr/bin/env bash
# Configures and builds one CMake preset (release by default), every target or the ones named:
#   scripts/build.sh [debug|release|asan] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-release}
shift || true
cmake --preset "$preset" >/dev/null
if [ $# -gt 0 ]; then
  cmake --build --preset "$preset" --target "$@"
else
  cmake --build --preset "$preset"
fi
