#!/usr/bin/env bash
# `pnpm start`: the whole system on this machine: the API on PORT (default 8000) and the dashboard
# on WEB_PORT (default 3000), which talks to that API. Builds what it needs first. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 NEXT_TELEMETRY_DISABLED=1
api_port=${PORT:-8000}
web_port=${WEB_PORT:-3000}
pnpm exec turbo run build --filter=@quantdb/api --filter=@quantdb/web --output-logs=errors-only

node apps/api/dist/index.mjs &
api_pid=$!
api_url="${QUANTDB_API_URL:-http://127.0.0.1:$api_port}"
(cd apps/web && QUANTDB_API_URL="$api_url" exec node node_modules/next/dist/bin/next start -p "$web_port") &
web_pid=$!
trap 'kill $api_pid $web_pid 2>/dev/null; wait' INT TERM EXIT
echo "[quantdb] dashboard on http://localhost:$web_port (API on http://localhost:$api_port)"
wait -n $api_pid $web_pid
