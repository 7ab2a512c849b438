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
# Development keys for invite codes, made once and kept, so codes survive restarts.
secrets=target/dev-secrets.env
if [ ! -f "$secrets" ]; then
  mkdir -p target
  umask 077
  {
    echo "export GATEHOUSE_CODE_LOOKUP_KEY=\"\${GATEHOUSE_CODE_LOOKUP_KEY:-$(head -c 32 /dev/urandom | base64)}\""
    echo "export GATEHOUSE_ENCRYPTION_KEYS=\"\${GATEHOUSE_ENCRYPTION_KEYS:-dev1:$(head -c 32 /dev/urandom | base64)}\""
  } > "$secrets"
fi
# Values already in the environment win.
# shellcheck source=/dev/null
. "$secrets"
echo "==> building (debug profile; argon2 is optimised even there)"
# --split: the admin pages are lazy routes (src/app/lazy.rs); a build without it does not hydrate.
cargo leptos build --split
export LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
# The binary defaults to production; this script runs a development server.
export GATEHOUSE_ENV="${GATEHOUSE_ENV:-development}"
export PUBLIC_URL="${PUBLIC_URL:-http://$LEPTOS_SITE_ADDR}"
echo "==> Gatehouse on $PUBLIC_URL (Ctrl-C to stop)"
target/debug/gatehouse "$@" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; gatehouse_pg_stop' EXIT INT TERM
wait $server
