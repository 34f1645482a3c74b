#!/usr/bin/env bash
# API fuzzing: schemathesis against /api/schema/ as two personas (a district inspector
# and a school staff member), bounded in time. Passes only with zero 5xx responses and
# every response conforming to the schema (status code, content type, body).
# Runs on a throw-away SQLite database with the demo data; never touches another one.
#   FUZZ_MAX_TIME   seconds per persona (default 45)   FUZZ_MAX_EXAMPLES (default 25)
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
.venv/bin/daphne -b 127.0.0.1 -p "$PORT" config.asgi:application >"$WORK/server.log" 2>&1 &
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

status=0
for persona in cq_inspector cqzz_staff; do
  echo "=== schemathesis as $persona ==="
  .venv/bin/schemathesis run "$BASE/api/schema/" \
    --header "Authorization: Token $(token "$persona")" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --exclude-path-regex 'auth/token' \
    --max-examples "${FUZZ_MAX_EXAMPLES:-25}" --max-time "${FUZZ_MAX_TIME:-45}" \
    --seed "${FUZZ_SEED:-20260}" --request-timeout 10 --workers 1 \
    --report junit --report-junit-path "test-artifacts/fuzz-$persona.xml" || status=$?
done
if grep -q "Traceback" "$WORK/server.log"; then
  echo "server errors during fuzzing:"; grep -B2 -A20 "Traceback" "$WORK/server.log" | head -80; status=1
fi
exit $status
