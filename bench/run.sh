#!/usr/bin/env bash
# Invitation benchmarks (issue 9): builds Gatehouse in release, seeds a database of its own
# (100,000 invitations in one organisation), starts the server pinned to one core and the
# load generator on the other, and prints the table of docs/PERFORMANCE.md. Not part of the
# test command. Usage: bench/run.sh [--no-build] (--no-build: measure target/release/gatehouse
# as it is).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/db.sh
. scripts/db.sh
gatehouse_pg_start
export RUSTFLAGS="--cfg erase_components"
if [ "${1:-}" != "--no-build" ]; then
  echo "==> building the release server" >&2
  cargo build --release --features ssr --bin gatehouse >&2
fi
db=gatehouse_bench
psql "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
url="${PG_ADMIN_URL%/*}/$db"
port=$(free_port)
pin_server=(); pin_client=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then pin_server=(taskset -c 1); pin_client=(taskset -c 0); fi
GATEHOUSE_ENV=development DATABASE_URL="$url" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  PUBLIC_URL="http://127.0.0.1:$port" RUST_LOG=warn,gatehouse::invitations::service::bulk=info GATEHOUSE_OUTBOX_RATE_PER_SECOND=10000 \
  GATEHOUSE_PENDING_INVITATION_QUOTA=10000000 GATEHOUSE_BULK_DAILY_QUOTA=100000 \
  "${pin_server[@]}" target/release/gatehouse >target/bench-server.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; gatehouse_pg_stop' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

echo "==> seeding 100,000 invitations" >&2
list_org=b0000000-0000-4000-8000-000000000001
copy_org=b0000000-0000-4000-8000-000000000003
admin=b0000000-0000-4000-8000-0000000000aa
token="gh_at_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
hash=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
psql "$url" -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO organisations (id, name, kind) VALUES
  ('$list_org', 'List Co', 'company'), ('$copy_org', 'Copy Co', 'company');
-- Argon2id (m=19456, t=2, p=1) of "cedar meadow lantern 27", the fixture of end2end/: the
-- analytics benchmark signs in with it.
INSERT INTO users (id, email, first_name, last_name, password_hash)
  VALUES ('$admin', 'admin@bench.example', 'Bench', 'Admin',
          '\$argon2id\$v=19\$m=19456,t=2,p=1\$Z2F0ZWhvdXNlLWUyZS1maXh0dXJl\$fOceg8Ol91FrLmUVN3IyErLv9js6DRVieMH6kpsqpXI');
INSERT INTO memberships (user_id, organisation_id, role)
  SELECT u.id, p.id, 'admin' FROM users u, organisations p WHERE p.kind = 'platform' AND u.id = '$admin';
INSERT INTO api_tokens (id, organisation_id, name, role, token_hash, created_by, expires_at)
  SELECT gen_random_uuid(), p.id, 'bench', 'admin', decode('$hash', 'hex'), '$admin', now() + interval '1 day'
    FROM organisations p WHERE p.kind = 'platform';
INSERT INTO invitations (id, organisation_id, email, first_name, last_name, role, token_hash,
                         expires_at, created_at)
  SELECT gen_random_uuid(), '$list_org', 'person' || g || '@example' || (g % 97) || '.org', 'Seed',
         'Person', 'member', sha256(g::text::bytea), now() + interval '7 days',
         now() - make_interval(secs => g)
    FROM generate_series(1, 100000) g;
ANALYZE;
SQL
# The platform admin's token lists every organisation; the list benchmark filters nothing,
# so point it at one organisation by making the token's maker a member of List Co instead.
psql "$url" -q -c "UPDATE api_tokens SET organisation_id = '$list_org';
                   INSERT INTO memberships (user_id, organisation_id, role) VALUES ('$admin', '$list_org', 'admin');
                   DELETE FROM memberships m USING organisations p
                    WHERE m.user_id = '$admin' AND p.id = m.organisation_id AND p.kind = 'platform';"
echo "==> measuring" >&2
BENCH_ADMIN_EMAIL=admin@bench.example BENCH_ADMIN_PASSWORD='cedar meadow lantern 27' \
  BENCH_PORT=$port BENCH_TOKEN=$token BENCH_DATABASE_URL=$url BENCH_LIST_ORG=$list_org \
  BENCH_COPY_ORG=$copy_org \
  "${pin_client[@]}" python3 bench/invitations.py
