#!/usr/bin/env bash
# Embedded-package smoke test, as a user would meet it: pack @quantdb/sdk and @quantdb/embedded with pnpm
# (each builds first: prepack), check the embedded tarball (publint, attw), install both tarballs with npm
# into a fresh project outside the workspace, and run a script there: history through createEmbedded on a
# temporary data directory, against the replay upstream (real recorded data, offline).
set -euo pipefail
embedded=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$embedded/../.." && pwd)

work=$(mktemp -d /tmp/quantdb-embedded-smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT
# The SDK tarball is only installed here (its own smoke test checks it).
(cd "$root/packages/sdk" && pnpm pack --pack-destination "$work" >/dev/null)
sdk_tarball=$(ls "$work"/quantdb-sdk-*.tgz)
tarball=$(bash "$root/scripts/pack-check.sh" "$embedded" "$work" --exclude-entrypoints package.json)
tar -tzf "$tarball" >"$work/files.txt"
grep -q '^package/dist/migrations/meta/_journal.json$' "$work/files.txt" ||
  { echo "smoke: dist/migrations missing"; exit 1; }

free_port() { node "$root/scripts/free-port.mjs"; }
replay_port=$(free_port)
(cd "$root/packages/replay" && REPLAY_PORT=$replay_port exec node --import tsx src/main.ts >"$work/replay.log" 2>&1) &
replay_pid=$!
trap 'kill "$replay_pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 60); do curl -s -o /dev/null "http://127.0.0.1:$replay_port/" && break; sleep 0.5; done

mkdir -p "$work/project"
cp "$embedded/smoke/check.mjs" "$work/project/"
cd "$work/project"
npm init -y >/dev/null
# swagger-ui-dist's @scarf/scarf: no install analytics from a test.
SCARF_ANALYTICS=false npm install --no-audit --no-fund --loglevel=error "$sdk_tarball" "$tarball" >/dev/null
QUANTDB_SMOKE_REPLAY="http://127.0.0.1:$replay_port" QUANTDB_SMOKE_DATA="$work/embedded-data" node check.mjs
