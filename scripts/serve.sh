#!/usr/bin/env bash
# Serve Dudao over ASGI (HTTP + websockets) together with the timer scheduler.
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
echo "Dudao on http://$HOST:$PORT/  (demo password: dudao-demo-2026)"
.venv/bin/daphne -b "$HOST" -p "$PORT" config.asgi:application &
pids+=($!)
wait -n "${pids[@]}"
