#!/usr/bin/env bash
# SDK smoke test, as a user would meet the package: check it (publint, attw), pack it with pnpm (which
# builds it first: prepack), install the tarball with npm into a fresh project outside the workspace,
# print what the install added to node_modules (must stay under 5 MB, with no database, scheduler or
# server package), and run a script there against a QuantDB API on the replay upstream.
set -euo pipefail
sdk=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$sdk/../.." && pwd)

work=$(mktemp -d /tmp/quantdb-sdk-smoke.XXXXXX)
api_pid=""
cleanup() { [ -n "$api_pid" ] && kill "$api_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
tarball=$(bash "$root/scripts/pack-check.sh" "$sdk" "$work")

# The API, as a user would run it, on the replay upstream (real recorded data, offline).
free_port() { node "$root/scripts/free-port.mjs"; }
port=$(free_port); replay_port=$(free_port)
(cd "$root" && pnpm exec turbo run build --filter=@quantdb/api --output-logs=errors-only >/dev/null)
QUANTDB_UPSTREAM=replay QUANTDB_REPLAY_PORT=$replay_port QUANTDB_DATA_DIR="$work/api-data" PORT=$port HOST=127.0.0.1 \
  node "$root/apps/api/dist/index.mjs" >"$work/api.log" 2>&1 &
api_pid=$!
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done

mkdir -p "$work/project"
cp "$sdk/smoke/check.mjs" "$work/project/"
cd "$work/project"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$tarball" >/dev/null
# No database, scheduler or server package may come with the remote client.
node "$root/scripts/install-size.mjs" node_modules 5 \
  @electric-sql/pglite drizzle-orm pg postgres pg-boss croner hono @hono/node-server prom-client pino
QUANTDB_SMOKE_API="http://127.0.0.1:$port" node check.mjs
