#!/usr/bin/env bash
# `pnpm format`, and the one-off reformat of the whole repository to 120 columns: run it on main once
# the branches in flight have landed, commit the result alone, and fix by hand what it prints as left
# (string literals, URLs and comments after code are never broken automatically).
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm exec biome format --write --max-diagnostics=0 .
# Code files Biome formats (generated ones excluded, as in biome.jsonc); comments over 120 columns rewrapped.
git ls-files --cached --others --exclude-standard -- '*.ts' '*.tsx' '*.mts' '*.cts' '*.js' '*.mjs' '*.cjs' |
  grep -vE '(^|/)fixtures/|^packages/core/src/calendar/data/' |
  grep -vE '^(packages/sdk/src/(openapi\.d|markets\.generated)\.ts|apps/web/next-env\.d\.ts)$' |
  xargs node scripts/wrap-comments.mjs >/dev/null
# Comment wrapping can leave a JSX comment or a block that the formatter would lay out again.
pnpm exec biome format --write --max-diagnostics=0 . >/dev/null
node scripts/lint-text.mjs || echo "format-all: the lines above need a person"
