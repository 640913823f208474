#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests and the demo (issue 15), never Debian's `main`
# cluster on 5432:
#   scripts/pg.sh start DIR   initdb in DIR (once), start it on 127.0.0.1 at a free port, print its URL
#   scripts/pg.sh url DIR     print the URL of the cluster running in DIR
#   scripts/pg.sh stop DIR    stop it (pg_ctl stop -m fast, then the postmaster's pid if need be)
#   scripts/pg.sh restart DIR stop it and start it again on the same port (tests of a restart)
# Trust authentication on loopback and the unix socket in DIR, no password: a cluster for tests,
# which listens on 127.0.0.1 only and dies with its directory. Production: docs/operations.md.
# PostgreSQL refuses to run as root: as root the cluster runs as Debian's `postgres` user (DIR is
# chowned to it); otherwise as the calling user. fsync stays on: appends are durable as in production.
set -euo pipefail

usage() { echo "usage: scripts/pg.sh start|stop|restart|url DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
dir=$(realpath -m "$2")

bin=${HEXA_PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$bin/initdb" ]; then
  echo "pg.sh: no PostgreSQL 15 at $bin (install postgresql-15: scripts/setup.sh)" >&2
  exit 3
fi

# Runs a PostgreSQL program as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# A port nobody listens on now (start retries with another if it was taken meanwhile), drawn
# below the kernel's ephemeral range: a port there can be the local end of any client's
# connection (the tests' own storms hold thousands), and PostgreSQL's bind then fails with
# "Address already in use" though nothing listens on it.
free_port() {
  local p low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  [ "$low" -gt 12000 ] 2>/dev/null || low=32768
  for _ in $(seq 1 100); do
    p=$((10000 + RANDOM % (low - 10000)))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  echo "pg.sh: no free port found" >&2
  exit 1
}

url_of() { echo "postgresql://$(cat "$dir/owner")@127.0.0.1:$(cat "$dir/port")/postgres"; }

stop_cluster() {
  [ -f "$dir/data/postmaster.pid" ] || return 0
  local pid
  pid=$(head -1 "$dir/data/postmaster.pid")
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
}

# Starts the initialised cluster in $dir on port $1.
start_on() {
  # -k DIR: the unix socket beside the data, not in /var/run/postgresql (the system's).
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $1 -k $dir -c fsync=on -c synchronous_commit=on -c max_connections=200" \
    >/dev/null 2>>"$dir/pg_ctl.log"
}

case $cmd in
  restart)
    [ -f "$dir/port" ] || { echo "pg.sh: no cluster started in $dir" >&2; exit 1; }
    stop_cluster
    for try in 1 2 3 4 5; do
      start_on "$(cat "$dir/port")" && break
      [ "$try" -lt 5 ] || { tail -20 "$dir/server.log" >&2; exit 1; }
      sleep 1
    done
    url_of
    ;;
  start)
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
      id postgres >/dev/null 2>&1 || { echo "pg.sh: running as root needs the postgres user (postgresql-15 creates it)" >&2; exit 3; }
      chown postgres: "$dir"
      owner=postgres
    else
      owner=$(id -un)
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir/data" -U "$owner" -A trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    echo "$owner" >"$dir/owner"
    for try in 1 2 3 4 5; do
      port=$(free_port)
      echo "$port" >"$dir/port"
      [ "$(id -u)" -eq 0 ] && chown postgres: "$dir/owner" "$dir/port"
      start_on "$port" && break
      [ "$try" -lt 5 ] || { tail -20 "$dir/server.log" >&2; exit 1; }
    done
    url_of
    ;;
  url)
    [ -f "$dir/port" ] || { echo "pg.sh: no cluster started in $dir" >&2; exit 1; }
    url_of
    ;;
  stop) stop_cluster ;;
  *) usage ;;
esac
