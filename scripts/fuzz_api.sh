#!/usr/bin/env bash
# API fuzzing: schemathesis against /api/schema/ as two personas (a district inspector
# and a school staff member), bounded in time. Passes only with zero 5xx responses and
# every response conforming to the schema (status code, content type, body).
# Two runs per persona: the examples, coverage and fuzzing phases (each operation alone), then the
# stateful phase, which follows the schema's OpenAPI links (inspections/api/schema_hooks.py: a list's
# first row or a create's answer → its detail → its actions) with the ids the server really answered.
# Runs on a throw-away SQLite database with the demo data; never touches another one.
#   FUZZ_MAX_TIME   seconds per persona, phases 1-3 (default 30)   FUZZ_MAX_EXAMPLES (default 25)
#   FUZZ_STATEFUL_TIME  seconds per persona, stateful (default 20)
#   FUZZ_PORT       loopback port (default 8765)        FUZZ_SEED (default 20260)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT=${FUZZ_PORT:-8765}
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d)
export DUDAO_DEMO=1 SQLITE_PATH="$WORK/fuzz.sqlite3" MEDIA_ROOT="$WORK/media" AXES_ENABLED=false
unset DATABASE_URL REDIS_URL DJANGO_SETTINGS_MODULE

$PY manage.py migrate --noinput -v0
$PY manage.py load_demo
# daphne without Twisted's own form parsing (scripts/daphne_raw_bodies.py: it answered a malformed
# multipart body with a bare 400 before the application saw it)
$PY scripts/daphne_raw_bodies.py -b 127.0.0.1 -p "$PORT" config.asgi:application >"$WORK/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do
  $PY -c "import urllib.request as u; u.urlopen('$BASE/accounts/login/', timeout=1)" 2>/dev/null && break
  sleep 0.2
done

token() {
  $PY - "$BASE" "$1" <<'PY'
import json, sys, urllib.parse, urllib.request
base, user = sys.argv[1], sys.argv[2]
data = urllib.parse.urlencode({"username": user, "password": "dudao-demo-2026"}).encode()
print(json.load(urllib.request.urlopen(base + "/api/v1/auth/token/", data=data, timeout=10))["token"])
PY
}

fuzz() {  # persona, phases, seconds, report name
  .venv/bin/schemathesis run "$BASE/api/schema/" \
    --header "Authorization: Token $(token "$1")" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --exclude-path-regex 'auth/token' --phases "$2" \
    --max-examples "${FUZZ_MAX_EXAMPLES:-25}" --max-time "$3" \
    --seed "${FUZZ_SEED:-20260}" --request-timeout 10 --workers 1 \
    --report junit --report-junit-path "test-artifacts/fuzz-$4.xml"
}

status=0
for persona in cq_inspector cqzz_staff; do
  echo "=== schemathesis as $persona: examples, coverage, fuzzing ==="
  fuzz "$persona" examples,coverage,fuzzing "${FUZZ_MAX_TIME:-30}" "$persona" || status=$?
  echo "=== schemathesis as $persona: stateful (OpenAPI links) ==="
  started=$SECONDS
  fuzz "$persona" stateful "${FUZZ_STATEFUL_TIME:-20}" "$persona-stateful" || status=$?
  echo "stateful phase as $persona: $((SECONDS - started)) s"
done
if grep -q "Traceback" "$WORK/server.log"; then
  echo "server errors during fuzzing:"; grep -B2 -A20 "Traceback" "$WORK/server.log" | head -80; status=1
fi
exit $status
