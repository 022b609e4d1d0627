#!/usr/bin/env bash
# Peak and current resident memory of one registry worker after each kind of request,
# driven by wrk with 8 connections for 6 s each (docs/performance.md, memory).
# Usage: bench/memory_under_load.sh var/bench/registry-1000000.db [port]
set -euo pipefail
DB=${1:?a registry SQLite file}
PORT=${2:-8765}
BIN=$(dirname "$0")/../.venv/bin
REGISTRY_DATABASE_URL=sqlite:///$DB "$BIN/registry" serve --workers 1 --port "$PORT" \
  >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; pkill -f "port $PORT" 2>/dev/null || true' EXIT
until curl -s "localhost:$PORT/healthz" | grep -q '"program":[0-9]'; do sleep 1; done
memory() {
  for pid in $(pgrep -f "registry serve --workers 1 --port $PORT"); do
    grep -E "VmHWM|VmRSS" "/proc/$pid/status" | tr -s ' \t\n' ' '
  done
}
echo "started: $(memory)"
IDS=$(mktemp)
LUA=$(mktemp --suffix .lua)
sqlite3 "$DB" "SELECT id FROM programs ORDER BY random() LIMIT 3000" | python3 -c "
import sys, uuid
print('\n'.join('/api/v1/programs/' + str(uuid.UUID(line.strip())) for line in sys.stdin))" \
  >"$IDS"
cat >"$LUA" <<LUA
local paths = {}
for line in io.lines("$IDS") do paths[#paths + 1] = line end
local i = 0
request = function() i = i % #paths + 1; return wrk.format("GET", paths[i]) end
LUA
wrk -t1 -c8 -d6s -s "$LUA" "http://127.0.0.1:$PORT" | grep "Requests/sec"
echo "details: $(memory)"
LIST="/api/v1/programs?setting=family&interviewed=false&limit=50"
for path in "$LIST" "$LIST&offset=5000" "/api/v1/programs?q=%E7%95%99%E5%AE%88&limit=50" \
  "/api/v1/programs?q=teacher&limit=50" "/api/v1/programs?q=%E6%AD%A3%E5%BF%B5&limit=50" \
  "/api/v1/programs/facets?setting=family&interviewed=false&facet=target_group&facet=setting"; do
  wrk -t1 -c8 -d6s "http://127.0.0.1:$PORT$path" | grep "Requests/sec"
  echo "$path: $(memory)"
done
