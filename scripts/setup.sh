#!/usr/bin/env bash
# Installs every Debian package that Hexagone's build, tests and benchmarks need.
# Idempotent and non-interactive: safe to run on every Quick start and in CI.
set -euo pipefail

packages=(
  build-essential g++ clang libclang-rt-14-dev cmake ninja-build pkg-config
  libgtest-dev libgmock-dev libbenchmark-dev
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libfmt-dev
  libboost-dev libsqlite3-dev libssl-dev  # the live control plane: Asio/Beast, the journal, token hashes, TLS
  openssl  # tests/net/test_certs.h makes the TLS tests' CA and certificates with the openssl command
  bc  # scripts/bench.sh
  chromium  # tests/apps/report_html_test.cc opens the HTML report headless; the console's browser test
  nodejs  # the console's browser test drives Chromium with puppeteer-core (tests/browser/)
  prometheus  # promtool: tests/e2e/metrics_test.cc lints /metrics and deploy/prometheus.yml
  postgresql-15 libpq-dev  # hexa serve --db: the journal in PostgreSQL; scripts/pg.sh starts a throwaway cluster for the tests
)

# npm: Debian's package, unless the machine's Node.js has its own (NodeSource's nodejs bundles
# npm, and Debian's npm package cannot be installed beside it).
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
else
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "setup: ${#missing[@]} of ${#packages[@]} packages to install: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  echo "setup: [1/2] apt-get update: refreshing the package lists (up to a minute or two)..."
  $SUDO apt-get update -qq
  echo "setup: [2/2] apt-get install: downloading and unpacking ${#missing[@]} packages with their dependencies (several minutes on a fresh machine; quiet until done)..."
  # Nothing installed here is a service to run (prometheus is wanted for promtool alone, and
  # postgresql-15 for scripts/pg.sh's own clusters, never Debian's `main` on 5432): keep
  # invoke-rc.d from starting one, unless the machine has its own policy.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod 755 "$policy"
    trap '$SUDO rm -f "$policy"' EXIT  # even when the install fails
  fi
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "setup: done, ${#missing[@]} packages installed"
fi

# The browser test's npm packages, exactly as package-lock.json says (no browser download:
# puppeteer-core drives the Debian chromium). Only when the lock changed since the last install.
browser="$(dirname "$0")/../tests/browser"
if [ ! -f "$browser/node_modules/.package-lock.json" ] || [ "$browser/package-lock.json" -nt "$browser/node_modules/.package-lock.json" ]; then
  echo "setup: npm ci in tests/browser"
  (cd "$browser" && npm ci --no-audit --no-fund --loglevel=error)
else
  echo "setup: tests/browser's npm packages already installed"
fi
