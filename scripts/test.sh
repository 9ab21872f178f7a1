#!/usr/bin/env bash
# `pnpm test`: every suite, on embedded PGlite and on a real PostgreSQL server (started here when
# DATABASE_URL is not set), then one closing line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 NEXT_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
find packages apps -maxdepth 2 -name test-results.json -delete
# QUANTDB_TEST_REQUIRE_POSTGRES makes a missing server an error instead of a smaller suite.
# At most 3 suites at a time: the suites spawn servers, databases and a browser, and time-sensitive
# checks (rate budgets, breaker cool-downs) hold better on a 2-core machine without 7-way contention.
bash scripts/with-postgres.sh env QUANTDB_TEST_REQUIRE_POSTGRES=1 \
  pnpm exec turbo run test --concurrency=3 --continue --output-logs=new-only --force "$@"
rc=$?
node scripts/test-summary.mjs || rc=1
exit $rc
