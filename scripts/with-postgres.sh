#!/usr/bin/env bash
# Run a command with DATABASE_URL pointing at a PostgreSQL server.
# Uses DATABASE_URL if it is already set; otherwise starts a throwaway PostgreSQL (15+) on a free
# loopback port, installing Debian's server package first if none is on the machine, and stops and
# removes it when the command ends.
set -euo pipefail

if [ -n "${DATABASE_URL:-}" ]; then exec "$@"; fi

find_pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
PGBIN=$(find_pgbin)
if [ -z "$PGBIN" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "with-postgres: installing PostgreSQL server (Debian package)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null && apt-get install -y -q postgresql >/dev/null
    PGBIN=$(find_pgbin)
  fi
fi
if [ -z "$PGBIN" ]; then
  echo "with-postgres: no PostgreSQL server found; install one or set DATABASE_URL" >&2
  exit 1
fi

PGTMP=$(mktemp -d /tmp/quantdb-pg.XXXXXX)
RUN=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$PGTMP"
  RUN=(runuser -u postgres --)   # initdb refuses to run as root
fi
PGPORT=$(node "$(dirname "$0")/free-port.mjs")
cleanup() {
  "${RUN[@]}" "$PGBIN/pg_ctl" -D "$PGTMP/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PGTMP"
}
trap cleanup EXIT
# A throwaway server: durability off for speed.
PGFAST="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
"${RUN[@]}" "$PGBIN/initdb" -D "$PGTMP/data" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
"${RUN[@]}" "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGTMP -c max_connections=200 $PGFAST" \
  start >/dev/null
"$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -qc 'create database quantdb_test' >/dev/null
export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/quantdb_test"
echo "with-postgres: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT" >&2
set +e
"$@"
rc=$?
exit $rc
