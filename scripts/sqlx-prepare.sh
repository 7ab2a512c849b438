#!/usr/bin/env bash
# Regenerates `.sqlx/`, the query descriptions sqlx's `query!` macros compile from offline
# (SQLX_OFFLINE=true in .cargo/config.toml), without sqlx-cli: it makes a throwaway database,
# applies ./migrations with psql, builds once with the macros online (they write one
# query-<hash>.json per query into SQLX_OFFLINE_DIR), and drops the database.
# Usage: scripts/sqlx-prepare.sh [--check]
#   --check  writes into a temporary directory instead and fails if `.sqlx/` differs.
# The PostgreSQL server is chosen like scripts/run.sh does (see scripts/db.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/db.sh
. scripts/db.sh
# Called from scripts/test.sh, which has chosen (or started) the server already.
if [ -z "${PG_ADMIN_URL:-}" ]; then
  gatehouse_pg_start
fi

check=false
[ "${1:-}" = "--check" ] && check=true

db="gatehouse_sqlx_prepare_$$"
out=$(mktemp -d)
cleanup() {
  psql "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$out"
  gatehouse_pg_stop
}
trap cleanup EXIT

psql "$PG_ADMIN_URL" -q -c "CREATE DATABASE \"$db\"" >/dev/null
url="${PG_ADMIN_URL%/*}/$db"
for f in migrations/*.sql; do
  psql "$url" -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null
done

# Touching the crate root makes cargo expand every macro again. Same RUSTFLAGS as
# scripts/test.sh, so the build shares its artifacts.
touch src/lib.rs
RUSTFLAGS="${RUSTFLAGS:---cfg erase_components}" DATABASE_URL="$url" SQLX_OFFLINE=false \
  SQLX_OFFLINE_DIR="$out" cargo build --features ssr --lib --tests

if $check; then
  if ! diff -r .sqlx "$out" >/dev/null; then
    diff -r .sqlx "$out" | head -n 20 >&2 || true
    echo ".sqlx/ is out of date: run scripts/sqlx-prepare.sh and commit .sqlx/" >&2
    exit 1
  fi
  echo ".sqlx/ is up to date ($(ls "$out" | wc -l) queries)"
else
  rm -rf .sqlx
  mkdir .sqlx
  cp "$out"/query-*.json .sqlx/
  echo "wrote $(ls .sqlx | wc -l) query descriptions to .sqlx/"
fi
