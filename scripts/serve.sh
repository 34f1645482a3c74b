#!/usr/bin/env bash
# Serve Dudao over ASGI (HTTP + websockets) together with the timer scheduler.
# Prints the address and a first user to sign in as once the server really accepts connections.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${1:-127.0.0.1}
PORT=${2:-8000}
PY=.venv/bin/python
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
if $PY manage.py help run_timers >/dev/null 2>&1; then
  $PY manage.py run_timers --interval 30 &
  pids+=($!)
fi
echo "Starting Dudao (daphne on $HOST:$PORT) ..."
# daphne without Twisted's own form parsing (scripts/daphne_raw_bodies.py says why), as deployed
.venv/bin/python scripts/daphne_raw_bodies.py -b "$HOST" -p "$PORT" config.asgi:application &
server=$!
pids+=($server)

probe=$HOST
case "$probe" in 0.0.0.0|"::"|"") probe=127.0.0.1 ;; esac
up=""
for _ in $(seq 300); do  # up to 60 s
  if ! kill -0 "$server" 2>/dev/null; then
    echo "daphne exited before listening on $HOST:$PORT (is the port taken?)" >&2
    exit 1
  fi
  if $PY -c "import urllib.request as u, sys; u.urlopen('http://$probe:$PORT/accounts/login/', timeout=1)" 2>/dev/null; then
    up=1
    break
  fi
  sleep 0.2
done
if [ -n "$up" ]; then
  echo
  echo "  Dudao is up:  http://$probe:$PORT/"
  echo "  Sign in as:   cq_inspector / dudao-demo-2026   (a district inspector; every demo user: README.md, docs/DEMO.md)"
  echo "  Stop with Ctrl-C."
  echo
else
  echo "daphne has not answered on http://$probe:$PORT/ within 60 s; still waiting for it" >&2
fi
wait -n "${pids[@]}"
