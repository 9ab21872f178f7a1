#!/usr/bin/env bash
# CLI smoke test, as a user would meet the package: build, check it (publint), pack it with pnpm,
# install the tarball with npm into a fresh project outside the workspace, and run `quantdb` there on
# an embedded database (PGlite in a temporary QUANTDB_DATA_DIR): help, migrate, API keys, an AKShare
# CSV import and a Parquet export (no upstream call), status, `serve` answering with the key made by
# `keys create` (data, and /docs with its assets), and replay mode's clear refusal. Nothing here contacts an
# upstream site.
set -euo pipefail
cd "$(dirname "$0")/.."
cli=$(pwd)

pnpm exec tsdown --log-level warn
pnpm exec publint --pack pnpm --strict
work=$(mktemp -d /tmp/quantdb-cli-smoke.XXXXXX)
server_pid=""
cleanup() { [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
pnpm pack --pack-destination "$work" >/dev/null
tarball=$(ls "$work"/quantdb-cli-*.tgz)

# The packed manifest: the bundled bin, no workspace package among the dependencies.
tar -xzf "$tarball" -C "$work" package/package.json
node -e '
  const pkg = require(process.argv[1]);
  const fail = (m) => { console.error(`smoke: packed package.json: ${m}`); process.exit(1); };
  if (pkg.bin?.quantdb !== "./dist/main.js") fail(`bin.quantdb is ${JSON.stringify(pkg.bin)}`);
  const deps = Object.keys(pkg.dependencies ?? {});
  if (deps.some((d) => d.startsWith("@quantdb/"))) fail(`workspace packages among dependencies: ${deps}`);
  const unresolved = Object.values(pkg.dependencies).some((v) => /^(workspace|catalog):/.test(v));
  if (unresolved) fail("unresolved workspace:/catalog: versions");
' "$work/package/package.json"
tar -tzf "$tarball" >"$work/files.txt"
grep -q '^package/README.md$' "$work/files.txt" || { echo "smoke: README.md missing from the tarball"; exit 1; }
! grep -qE '^package/(src|test|bin)/' "$work/files.txt" || { echo "smoke: sources in the tarball"; exit 1; }
grep -q '^package/dist/migrations/meta/_journal.json$' "$work/files.txt" ||
  { echo "smoke: dist/migrations missing from the tarball"; exit 1; }

mkdir -p "$work/project"
cd "$work/project"
npm init -y >/dev/null
# swagger-ui-dist's @scarf/scarf: no install analytics from a test.
SCARF_ANALYTICS=false npm install --no-audit --no-fund --loglevel=error "$tarball" >/dev/null
[ ! -e node_modules/@quantdb/replay ] || { echo "smoke: @quantdb/replay was installed"; exit 1; }

# Only the temporary database: no DATABASE_URL, and no upstream is contacted.
unset DATABASE_URL
export QUANTDB_DATA_DIR="$work/data" QUANTDB_UPSTREAM=live QUANTDB_NOW=2026-11-20T12:00:00Z NO_COLOR=1
export QUANTDB_EASTMONEY_HISTORY_URL=http://127.0.0.1:9 QUANTDB_EASTMONEY_QUOTE_URL=http://127.0.0.1:9 \
  QUANTDB_EASTMONEY_LIST_URL=http://127.0.0.1:9 QUANTDB_EASTMONEY_DATACENTER_URL=http://127.0.0.1:9 \
  QUANTDB_SINA_CALENDAR_URL=http://127.0.0.1:9/klc_td_sh.txt

# run <name> <expected exit code> <command...>: stdout to $work/<name>.out, stderr to $work/<name>.err
run() {
  local name=$1 want=$2 code=0
  shift 2
  "$@" >"$work/$name.out" 2>"$work/$name.err" || code=$?
  if [ "$code" != "$want" ]; then
    echo "smoke: '$*' exited $code (expected $want)"
    echo "--- stdout"; cat "$work/$name.out"; echo "--- stderr"; cat "$work/$name.err"
    exit 1
  fi
}
# check <file> <JavaScript expression over `o`, the file's parsed JSON> <what>
check() {
  node -e '
    const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    if (!eval(process.argv[2])) { console.error(`smoke: ${process.argv[3]}: ${JSON.stringify(o)}`); process.exit(1); }
  ' "$@"
}

run help 0 npx --no-install quantdb --help
for command in serve migrate keys backfill import export status; do
  grep -qE "^  $command\b" "$work/help.out" ||
    { echo "smoke: --help does not list '$command'"; cat "$work/help.out"; exit 1; }
done
run version 0 npx --no-install quantdb --version
grep -qx "0.1.0" "$work/version.out" || { echo "smoke: --version printed $(cat "$work/version.out")"; exit 1; }
echo "smoke: quantdb --help ok"

run migrate 0 npx --no-install quantdb migrate
grep -q "^database migrated: pglite $work/data" "$work/migrate.out" ||
  { echo "smoke: migrate printed $(cat "$work/migrate.out")"; exit 1; }
echo "smoke: quantdb migrate ok"

run create 0 npx --no-install quantdb keys create --name smoke --scope read --json
check "$work/create.out" \
  'o.name === "smoke" && o.scope === "read" && /^qdb_/.test(o.key) &&
   o.key.startsWith(o.prefix) && o.revoked_at === null' \
  "keys create --json"
prefix=$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).prefix' "$work/create.out")
key=$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).key' "$work/create.out")
run list 0 npx --no-install quantdb keys list
grep -qE "smoke +$prefix +read .* active$" "$work/list.out" ||
  { echo "smoke: keys list"; cat "$work/list.out"; exit 1; }
run list-json 0 npx --no-install quantdb keys list --json
check "$work/list-json.out" \
  'o.length === 1 && o[0].prefix === "'"$prefix"'" && o[0].name === "smoke" && !("key" in o[0])' "keys list --json"
! grep -q "$key" "$work/list.out" "$work/list-json.out" || { echo "smoke: keys list shows the key itself"; exit 1; }
run bad-scope 1 npx --no-install quantdb keys create --name smoke --scope root
grep -q "scope must be read or admin" "$work/bad-scope.err" ||
  { echo "smoke: bad --scope: $(cat "$work/bad-scope.err")"; exit 1; }
echo "smoke: quantdb keys create/list ok"

# AKShare CSV in (csv-parse), Parquet out (apache-arrow + parquet-wasm's WASM), all offline.
run import 0 npx --no-install quantdb import "$cli/test/fixtures/akshare/600519.csv" --adjust qfq
grep -q "600519.SH qfq: 60 bars 2024-02-22 → 2024-05-22 imported" "$work/import.out" ||
  { echo "smoke: import printed $(cat "$work/import.out")"; exit 1; }
run export 0 npx --no-install quantdb export --symbols 600519 --from 2024-02-22 --to 2024-05-22 --adjust qfq \
  --format parquet --out "$work/bars.parquet"
[ "$(head -c 4 "$work/bars.parquet")" = "PAR1" ] || { echo "smoke: export did not write Parquet"; exit 1; }
echo "smoke: quantdb import/export ok"

run status 0 npx --no-install quantdb status --json --no-upstream
check "$work/status.out" \
  'o.database.driver === "pglite" && o.database.bars === 60 && o.database.instruments === 1 &&
   Array.isArray(o.coverage) && o.coverage.length === 1 && Array.isArray(o.job_runs) && Array.isArray(o.upstream)' \
  "status --json"
echo "smoke: quantdb status ok"

# The API server behind `quantdb serve` (bundled too): every endpoint behind a key (QUANTDB_AUTH=all),
# the key made above accepted, the imported bars served from the database without an upstream call.
port=$(node "$cli/../../scripts/free-port.mjs")
QUANTDB_AUTH=all QUANTDB_DAILY_INGEST=off ./node_modules/.bin/quantdb serve --port "$port" --host 127.0.0.1 \
  >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
api() { curl -s -o "$work/$1.json" -w '%{http_code}' "${@:3}" "http://127.0.0.1:$port$2"; }
[ "$(api ready /ready)" = 200 ] || { echo "smoke: serve: /ready"; cat "$work/ready.json" "$work/serve.log"; exit 1; }
history="/api/v1/historical/stock/600519?start_date=2024-02-22&end_date=2024-05-22&adjust=qfq"
[ "$(api anonymous "$history")" = 401 ] ||
  { echo "smoke: serve: history without a key"; cat "$work/anonymous.json"; exit 1; }
[ "$(api history "$history" -H "Authorization: Bearer $key")" = 200 ] ||
  { echo "smoke: serve: history with the key"; cat "$work/history.json" "$work/serve.log"; exit 1; }
check "$work/history.json" \
  'o.data.length === 60 && o.metadata.cache.hit === true && o.metadata.cache.upstream_requests === 0' "serve: history"
# /docs offline: the page names only paths on this server, each served (swagger-ui-dist from the install).
[ "$(api docs /docs -H "Authorization: Bearer $key")" = 200 ] ||
  { echo "smoke: serve: /docs"; cat "$work/docs.json" "$work/serve.log"; exit 1; }
refs=$(grep -oE '(src|href)="[^"]*"' "$work/docs.json" | sed -E 's/^[a-z]+="(.*)"$/\1/')
grep -q '/swagger-ui-bundle\.js$' <<<"$refs" ||
  { echo "smoke: serve: /docs names no bundle"; cat "$work/docs.json"; exit 1; }
for ref in $refs; do
  [[ "$ref" == /[!/]* ]] || { echo "smoke: serve: /docs names $ref, not a path on this server"; exit 1; }
  got=$(curl -s -o "$work/asset" -w '%{http_code} %{content_type}' -H "Authorization: Bearer $key" \
    "http://127.0.0.1:$port$ref")
  [[ "$got" =~ ^200\ (text/css|text/javascript|image/png) && -s "$work/asset" ]] ||
    { echo "smoke: serve: $ref answered $got"; cat "$work/serve.log"; exit 1; }
done
kill "$server_pid"; wait "$server_pid" || true; server_pid=""
echo "smoke: quantdb serve ok"

# Replay mode needs the workspace's private @quantdb/replay: a clear refusal, not a stack trace.
QUANTDB_UPSTREAM=replay run replay 1 \
  npx --no-install quantdb backfill --symbols 600519 --from 2024-01-02 --to 2024-01-31
grep -q "replay mode needs the QuantDB workspace" "$work/replay.err" ||
  { echo "smoke: replay mode: $(cat "$work/replay.err")"; exit 1; }
QUANTDB_UPSTREAM=replay run replay-serve 1 npx --no-install quantdb serve
grep -q "replay mode needs the QuantDB workspace" "$work/replay-serve.err" ||
  { echo "smoke: replay serve: $(cat "$work/replay-serve.err")"; exit 1; }
echo "smoke: replay mode refused clearly"
echo "smoke: CLI package ok"
