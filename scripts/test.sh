#!/usr/bin/env bash
# Runs every test: unit and integration (cargo test; each integration test starts the real app
# on port 0 against a fresh database of its own), the fuzz targets for a bounded time, then
# end-to-end (Playwright in Debian's
# Chromium against the built app and a fresh database). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --e2e
# shellcheck source=scripts/db.sh
. scripts/db.sh
GATEHOUSE_PG_EXTRA="-c fsync=off -c synchronous_commit=off -c max_connections=300" gatehouse_pg_start
export TEST_PG_ADMIN_URL="$PG_ADMIN_URL"

echo "==> .sqlx/ matches the queries and the migrations"
# Offline builds compile queries against .sqlx/; this regenerates it against a fresh,
# migrated database and fails if anything differs (a stale description or a schema mistake).
scripts/sqlx-prepare.sh --check

echo "==> unit and integration tests"
# Each integration test makes a database of its own; clear those of earlier runs first
# and this run's afterwards (the trap also runs when a test fails).
gatehouse_pg_drop_test_databases
trap 'gatehouse_pg_drop_test_databases; gatehouse_pg_stop' EXIT
# Same RUSTFLAGS as cargo-leptos debug builds, so the two share one set of artifacts.
export RUSTFLAGS="--cfg erase_components"
cargo test --features ssr --no-fail-fast

echo "==> fuzz targets, 20 seconds each"
scripts/fuzz.sh 20

echo "==> end-to-end tests"
unset RUSTFLAGS # cargo-leptos adds --cfg erase_components itself
# --split: the admin pages are lazy routes, whose wasm chunks only a split build makes (a build
# without it does not hydrate); the tests run what is deployed.
cargo leptos build --split
psql "$PG_ADMIN_URL" -q -c 'DROP DATABASE IF EXISTS gatehouse_e2e WITH (FORCE)' >/dev/null
E2E_DATABASE_URL=$(gatehouse_pg_database gatehouse_e2e)
export E2E_DATABASE_URL
npx playwright test --config end2end/playwright.config.ts

echo "==> schemathesis against /api/openapi.json"
scripts/schemathesis.sh 25
