#!/usr/bin/env bash
# Pack a publishable package as npm would get it and check the tarball, for the smoke tests:
#   scripts/pack-check.sh <package dir> <destination dir> [more attw options]
# pnpm pack (which builds first: prepack) into the destination, publint on pnpm's pack (strict), attw on the tarball
# (ESM-only profile). The checks' reports go to stderr; stdout is the tarball's path alone.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: scripts/pack-check.sh <package dir> <destination dir> [attw options]" >&2
  exit 2
fi
package=$1
destination=$2
shift 2
cd "$package"
tarball=$(pnpm pack --pack-destination "$destination" | tail -n 1)
case $tarball in /*) ;; *) tarball="$destination/$(basename "$tarball")" ;; esac
[ -f "$tarball" ] || { echo "pack-check: no tarball from pnpm pack in $package" >&2; exit 1; }
pnpm exec publint --pack pnpm --strict >&2
pnpm exec attw "$tarball" --profile esm-only --format table-flipped "$@" >&2
echo "$tarball"
