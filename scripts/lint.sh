#!/usr/bin/env bash
# `pnpm lint`: check only, writes nothing (docs/adr/0006-lint-and-format.md). Runs every step and fails
# if any failed. `pnpm format` writes what the formatter and the comment wrapper can fix.
set -uo pipefail
cd "$(dirname "$0")/.."
rc=0
echo "== biome: lint rules, import boundaries, process.env, formatting (120 columns)"
pnpm exec biome ci --diagnostic-level=error --max-diagnostics=50 . || rc=1
echo "== lines of at most 120 characters, cited documents exist"
node scripts/lint-text.mjs || rc=1
echo "== knip: unused files, exports and types"
pnpm exec knip || rc=1
exit $rc
