#!/usr/bin/env bash
# Runs schemathesis (from PyPI) against the invitations API's own OpenAPI document on a
# running Gatehouse with a fresh database and an API token: every generated request must get
# no 5xx, a documented status code and content type, and a body that matches the schema.
# Usage: scripts/schemathesis.sh [MAX_EXAMPLES]   (default 25 per operation)
# Needs target/debug/gatehouse (scripts/test.sh builds it) and PG_ADMIN_URL (scripts/db.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${1:-25}
# shellcheck source=scripts/db.sh
. scripts/db.sh
# Called from scripts/test.sh, which has chosen (or started) the server already.
if [ -z "${PG_ADMIN_URL:-}" ]; then
  gatehouse_pg_start
fi
db="gatehouse_schemathesis"
psql "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" -c "CREATE DATABASE \"$db\"" >/dev/null
url="${PG_ADMIN_URL%/*}/$db"
port=$(free_port)
GATEHOUSE_ENV=development DATABASE_URL="$url" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  PUBLIC_URL="http://127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site RUST_LOG=warn \
  target/debug/gatehouse >target/schemathesis-server.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; psql "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true; gatehouse_pg_stop' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
# A company with its owner, and an owner-role API token (only its SHA-256 is stored).
token="gh_at_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
hash=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
psql "$url" -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
INSERT INTO organisations (id, name, kind) VALUES ('5c4e3a10-0000-4000-8000-000000000001', 'Schema Co', 'company');
INSERT INTO users (id, email, first_name, last_name, password_hash)
  VALUES ('5c4e3a10-0000-4000-8000-000000000002', 'owner@schema.example', 'Sche', 'Ma', 'unusable');
INSERT INTO memberships (user_id, organisation_id, role)
  VALUES ('5c4e3a10-0000-4000-8000-000000000002', '5c4e3a10-0000-4000-8000-000000000001', 'owner');
INSERT INTO api_tokens (id, organisation_id, name, role, token_hash, created_by, expires_at)
  VALUES (gen_random_uuid(), '5c4e3a10-0000-4000-8000-000000000001', 'schemathesis', 'owner',
          decode('$hash', 'hex'), '5c4e3a10-0000-4000-8000-000000000002', now() + interval '1 day');
SQL
# Business rules (a real email address, a known role) are stricter than JSON Schema can say,
# so "schema-valid request rejected" is not checked; everything about responses is.
python3 -m schemathesis.cli run "http://127.0.0.1:$port/api/openapi.json" \
  -H "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing --max-examples "$examples" --workers 2 --seed 1
