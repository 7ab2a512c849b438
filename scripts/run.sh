#!/usr/bin/env bash
# Builds and serves Gatehouse at http://127.0.0.1:3000 with embedded defaults: the database
# from DATABASE_URL, else a local PostgreSQL, else a throwaway cluster; without SMTP_URL,
# emails go to the dev mailbox at /dev/mailbox. Ctrl-C stops it (and the throwaway cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# shellcheck source=scripts/db.sh
. scripts/db.sh
gatehouse_pg_start
if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(gatehouse_pg_database gatehouse)
  export DATABASE_URL
fi
echo "==> building (debug profile; argon2 is optimised even there)"
cargo leptos build
export LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
export PUBLIC_URL="${PUBLIC_URL:-http://$LEPTOS_SITE_ADDR}"
echo "==> Gatehouse on $PUBLIC_URL (Ctrl-C to stop)"
target/debug/gatehouse "$@" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; gatehouse_pg_stop' EXIT INT TERM
wait $server
