#!/usr/bin/env bash
# Measures `talksocial generate` at full size on both databases and writes the figures to
# docs/generator-figures.json (docs/server/generator.md quotes them):
#   SQLite:     SQLITE_ACCOUNTS (10000) x FRIENDS (100) = 1 million friend entries
#   PostgreSQL: PG_ACCOUNTS (100000) x FRIENDS (100)    = 10 million, on a throwaway cluster
# Not part of `make test` (it takes minutes). `make generate-figures` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
out=${OUTPUT:-docs/generator-figures.json}
friends=${FRIENDS:-100}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "${SKIP_SQLITE:-0}" != 1 ]; then
  "$py" scripts/measure_generator.py --label sqlite --database "sqlite:///$tmp/world.db" \
    --accounts "${SQLITE_ACCOUNTS:-10000}" --friends-per-account "$friends" --output "$out"
  rm -f "$tmp"/world.db*
fi
if [ "${SKIP_POSTGRES:-0}" != 1 ]; then
  bash scripts/with-postgres.sh bash -c '"$0" scripts/measure_generator.py --label postgresql \
    --database "$TALKSOCIAL_TEST_POSTGRES_URL" --accounts "$1" --friends-per-account "$2" \
    --output "$3"' "$py" "${PG_ACCOUNTS:-100000}" "$friends" "$out"
fi
