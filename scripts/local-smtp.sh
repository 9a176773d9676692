#!/usr/bin/env bash
# The project's local SMTP server for the demo and manual runs: smtp4dev (the pinned dotnet tool
# Rnwood.Smtp4dev, see .config/dotnet-tools.json), a real SMTP server that keeps what it receives and shows it in a
# web UI. Nothing leaves the machine: it accepts every recipient and relays nowhere.
#
#   scripts/local-smtp.sh          start it (installing the tool on first use) and print the app's settings for it
#   scripts/local-smtp.sh stop     stop it
#   scripts/local-smtp.sh status   say whether it runs
#
# State (ports, pid, log, smtp4dev's own data) lives under .local/smtp4dev (git-ignored). Messages are kept in memory,
# so a restart empties the mailbox. Only the settings go to stdout, as KEY=VALUE lines:
#   Smtp:Host=127.0.0.1  Smtp:Port=<port>  Smtp:Security=None  WebUi=http://127.0.0.1:<port>
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state="$repo/.local/smtp4dev"
mkdir -p "$state/data"
log() { echo "local-smtp: $*" >&2; }

exec 9>"$state/lock"
flock 9

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
running() { [ -s "$state/pid" ] && kill -0 "$(cat "$state/pid")" 2>/dev/null; }
# A port for each of smtp4dev's listeners, chosen once and kept, so the web UI's address stays the same.
pick() {
  local name=$1 port=$2
  if [ ! -s "$state/$name" ]; then
    while ! port_free "$port"; do port=$((port + 1)); done
    echo "$port" > "$state/$name"
  fi
  cat "$state/$name"
}

case "${1:-start}" in
  stop)
    if running; then kill "$(cat "$state/pid")"; log "stopped"; fi
    rm -f "$state/pid"; exit 0 ;;
  status)
    if running; then log "running (pid $(cat "$state/pid"))"; exit 0; fi
    log "not running"; exit 3 ;;
  start) ;;
  *) log "unknown command '$1' (start, stop or status)"; exit 2 ;;
esac

smtp=$(pick smtp-port 2525)
web=$(pick web-port 5080)
imap=$(pick imap-port 1143)
pop3=$(pick pop3-port 1110)

if ! running; then
  (cd "$repo" && dotnet tool restore >/dev/null 9>&-) || { log "dotnet tool restore failed (smtp4dev comes from NuGet)"; exit 1; }
  for p in "$smtp" "$web" "$imap" "$pop3"; do
    port_free "$p" || { log "port $p is taken by another program; delete $state/*-port to choose new ones"; exit 1; }
  done
  log "starting smtp4dev: SMTP on 127.0.0.1:$smtp, web UI on http://127.0.0.1:$web"
  # setsid, 9>&- and its own output: it outlives this script and holds neither the lock nor the caller's output.
  cd "$repo"
  setsid dotnet tool run smtp4dev -- --smtpport="$smtp" --imapport="$imap" --pop3port="$pop3" \
    --bindaddress=127.0.0.1 --disableipv6 --urls="http://127.0.0.1:$web" --db="" --nousersettings \
    --baseappdatapath="$state/data" --hostname=localhost --tlsmode=None \
    > "$state/server.log" 2>&1 9>&- < /dev/null &
  echo $! > "$state/pid"
  for _ in $(seq 1 120); do
    if ! port_free "$smtp" && ! port_free "$web"; then break; fi
    running || { log "smtp4dev exited; its log follows"; tail -n 30 "$state/server.log" >&2; exit 1; }
    sleep 0.5
  done
  port_free "$smtp" && { log "smtp4dev did not open port $smtp within 60 s; its log follows"; tail -n 30 "$state/server.log" >&2; exit 1; }
fi

echo "Smtp:Host=127.0.0.1"
echo "Smtp:Port=$smtp"
echo "Smtp:Security=None"
echo "WebUi=http://127.0.0.1:$web"
