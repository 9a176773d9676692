#!/usr/bin/env bash
# The project's private PostgreSQL cluster for development, tests, the CLI and CI.
#
#   scripts/local-postgres.sh          start it (creating it on first use) and print its connection string
#   scripts/local-postgres.sh stop     stop it
#   scripts/local-postgres.sh status   say whether it runs
#   scripts/local-postgres.sh restart [fast|immediate]   restart it (the reliability suite's fault injection)
#   scripts/local-postgres.sh reload   re-read its configuration (after ALTER SYSTEM)
#
# BILLING_PG_CLUSTER=<name> selects another cluster of the same kind under .local/postgres-<name> (the reliability
# suite restarts and exhausts its own, so the other tests' shared cluster is never disturbed).
#
# Finds PostgreSQL (>= 13) binaries, installing Debian's package when there are none, creates a cluster
# under .local/postgres (git-ignored) on a free loopback port with a generated password, and starts it without
# any system service. Safe to run again and concurrently: a second run reuses the cluster. Only the connection
# string goes to stdout; progress goes to stderr.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state="$repo/.local/postgres${BILLING_PG_CLUSTER:+-$BILLING_PG_CLUSTER}"
mkdir -p "$state"
chmod 755 "$repo/.local" "$state"
log() { echo "local-postgres: $*" >&2; }

exec 9>"$state/lock"
flock 9

find_bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  if command -v pg_config >/dev/null 2>&1; then
    dir=$(pg_config --bindir)
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  fi
  return 1
}

bindir=$(find_bindir) || {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "no PostgreSQL found; installing Debian's postgresql package"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
    bindir=$(find_bindir) || { log "PostgreSQL was installed but initdb was not found"; exit 1; }
  else
    log "PostgreSQL binaries (initdb, pg_ctl) not found: install PostgreSQL 13 or newer, e.g. 'apt-get install postgresql'"
    exit 1
  fi
}

# initdb refuses to run as root, so as root the cluster belongs to the 'postgres' user.
run() { "$@"; }
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  run() { (cd / && runuser -u postgres -- "$@"); }
fi

data="$state/data"
if [ ! -e "$data" ]; then
  # The cluster's owner must reach the folder. If a parent is private (e.g. a CI clone under a mktemp
  # folder), keep the data beside it in /var/tmp and link it here.
  if run test -x "$state" 2>/dev/null; then
    mkdir -p "$data"
  else
    outside="/var/tmp/billing-postgres-$(printf '%s' "$state" | sha256sum | cut -c1-12)" # one per cluster
    mkdir -p "$outside"
    ln -sfn "$outside" "$data"
    log "the repository is not reachable by the postgres user; data lives in $outside"
  fi
fi
# From here on, the real folder: the postgres user may not be able to follow the link through the repository.
data=$(readlink -f "$data")
[ "$(id -u)" = 0 ] && chown postgres: "$data"
chmod 700 "$data"

if [ ! -s "$state/password" ]; then
  (umask 077; head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32 > "$state/password")
fi
password=$(cat "$state/password")

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ ! -s "$state/port" ]; then
  port=$([ -n "${BILLING_PG_CLUSTER:-}" ] && echo 56432 || echo 55432) # named clusters apart from the shared ones
  while ! port_free "$port"; do port=$((port + 1)); done
  echo "$port" > "$state/port"
fi
port=$(cat "$state/port")

case "${1:-start}" in
  stop)
    [ -f "$data/PG_VERSION" ] && run "$bindir/pg_ctl" -D "$data" -m fast stop >&2 || true
    exit 0 ;;
  status)
    run "$bindir/pg_ctl" -D "$data" status >&2; exit $? ;;
  restart)
    # 9>&-: as for start, the server must not inherit the lock.
    run "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -m "${2:-fast}" -w -t 60 restart >/dev/null 9>&-
    exit $? ;;
  reload)
    run "$bindir/pg_ctl" -D "$data" reload >/dev/null; exit $? ;;
  start) ;;
  *) log "unknown command '$1' (start, stop, status, restart or reload)"; exit 2 ;;
esac

if [ ! -f "$data/PG_VERSION" ]; then
  log "creating a cluster in $data ($("$bindir/postgres" --version))"
  pwfile=$(mktemp)
  printf '%s\n' "$password" > "$pwfile"
  chmod 644 "$pwfile"
  run "$bindir/initdb" -D "$data" -U billing --pwfile="$pwfile" --auth=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  cat >> "$data/postgresql.conf" <<CONF

# Added by scripts/local-postgres.sh: loopback only, no Unix socket, room for parallel tests.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
max_connections = 300
shared_buffers = 256MB
log_min_messages = warning
CONF
fi

if ! run "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
  if ! port_free "$port"; then
    log "port $port is taken by another program; delete $state/port to choose a new one"
    exit 1
  fi
  log "starting PostgreSQL on 127.0.0.1:$port"
  # 9>&-: the server must not inherit the lock, or the next run would wait for it forever.
  run "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null 9>&- || {
    log "PostgreSQL did not start; its log follows"; tail -n 30 "$data/server.log" >&2; exit 1; }
fi

export PGPASSWORD="$password"
psql=("$bindir/psql" -h 127.0.0.1 -p "$port" -U billing -d postgres -v ON_ERROR_STOP=1 -qtA)
if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'billing'")" != 1 ]; then
  "${psql[@]}" -c "CREATE DATABASE billing" >/dev/null
fi

echo "Host=127.0.0.1;Port=$port;Database=billing;Username=billing;Password=$password"
