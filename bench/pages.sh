#!/usr/bin/env bash
# Page benchmarks of issue 13, each beside its baseline in the same run: builds Gatehouse and
# the bare axum + maud baseline (bench/baseline) in release, seeds a database of their own
# (100,000 invitations in one organisation, with known tokens, and its owner signed in), starts
# both servers pinned to core 1 and runs wrk pinned to core 0, alternating Gatehouse and the
# baseline, and prints the table of docs/PERFORMANCE.md. Not part of the test command.
#
# Usage: bench/pages.sh [--smoke] [--no-build]
#   --smoke     1 alternation of 1 s with 1,000 invitations: only that the harness still works.
#   --no-build  measure the release binaries that are there.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/db.sh
. scripts/db.sh
# shellcheck source=bench/seed.sh
. bench/seed.sh
smoke=0 build=1
for arg in "$@"; do
  case "$arg" in
    --smoke) smoke=1 ;;
    --no-build) build=0 ;;
    *) echo "unknown option $arg" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
gatehouse_pg_start
if [ "$build" = 1 ]; then
  echo "==> building Gatehouse (the release build to deploy) and the baseline in release" >&2
  scripts/release.sh >&2
  # The baseline shares the target directory and the flags, so it reuses the crates both
  # build alike.
  (unset RUSTFLAGS; CARGO_TARGET_DIR="$(pwd)/target" cargo build --release \
     --manifest-path bench/baseline/Cargo.toml >&2)
fi

db=gatehouse_pages_bench
psql "$PG_ADMIN_URL" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
url="${PG_ADMIN_URL%/*}/$db"
gh_port=$(free_port)
base_port=$(free_port)
pin_server=(); pin_client=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then pin_server=(taskset -c 1); pin_client=(taskset -c 0); fi
mkdir -p target/bench
# Gatehouse as a deployment runs it: its default log filter, the release
# build, development mode only for the keys and the mailbox it makes up itself.
GATEHOUSE_ENV=development DATABASE_URL="$url" LEPTOS_SITE_ADDR="127.0.0.1:$gh_port" \
  LEPTOS_SITE_ROOT=target/site PUBLIC_URL="http://127.0.0.1:$gh_port" \
  "${pin_server[@]}" target/release/gatehouse >target/bench/gatehouse.log 2>&1 &
gh=$!
trap 'kill "$gh" "${base:-}" 2>/dev/null || true; gatehouse_pg_stop' EXIT
for _ in $(seq 1 150); do curl -fsS "http://127.0.0.1:$gh_port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "http://127.0.0.1:$gh_port/healthz" >/dev/null

echo "==> seeding" >&2
rows=100000
[ "$smoke" = 1 ] && rows=1000
bench_seed_invitations "$url" "$rows"
org=$bench_org
psql "$url" -qXAt -c "SELECT '/register?token=' || encode(sha256(('bench-' || g)::bytea), 'hex')
                             || '&org=$org' FROM generate_series(1, least($rows, 10000)) g" \
  >target/bench/register-paths.txt
# G6 spends invitations 50,001 and on (G1 only looks at 1 to 10,000).
bench_register_bodies "$url" "least($rows / 2 + 1, 50001)" "$rows" \
  >target/bench/register-bodies.txt

# G2 and G3: the company's owner signs in 16 times (16 sessions, so that 32 connections do not
# all queue on one session row, which every request saves), with the password of end2end/'s
# fixture (Argon2id, m=19456, t=2, p=1, of "cedar meadow lantern 27").
owner=c0000000-0000-4000-8000-0000000000aa
psql "$url" -qX -v ON_ERROR_STOP=1 <<SQL
INSERT INTO users (id, email, first_name, last_name, password_hash)
  VALUES ('$owner', 'owner@bench.example', 'Bench', 'Owner',
          '\$argon2id\$v=19\$m=19456,t=2,p=1\$Z2F0ZWhvdXNlLWUyZS1maXh0dXJl\$fOceg8Ol91FrLmUVN3IyErLv9js6DRVieMH6kpsqpXI');
INSERT INTO memberships (user_id, organisation_id, role) VALUES ('$owner', '$org', 'owner');
SQL
: >target/bench/cookies.txt
for _ in $(seq 1 16); do
  curl -fsS -o /dev/null -D - -X POST "http://127.0.0.1:$gh_port/rpc/auth/sign-in" \
       -H 'sec-fetch-site: same-origin' -H "Origin: http://127.0.0.1:$gh_port" \
       --data-urlencode 'email=owner@bench.example' --data-urlencode 'password=cedar meadow lantern 27' \
    | sed -n 's/^set-cookie: \(gatehouse=[^;]*\).*/\1/Ip' >>target/bench/cookies.txt
done
[ "$(wc -l <target/bench/cookies.txt)" = 16 ] || { echo "signing in for G2 failed" >&2; exit 1; }
# Page 1,000 of the pending invitations at 50 a page starts after row 49,950 (G3).
psql "$url" -qXAt -c "SELECT (extract(epoch FROM created_at) * 1000000)::bigint || '.' || id
                        FROM invitations WHERE status = 'pending' AND expires_at > now()
                       ORDER BY created_at DESC, id DESC OFFSET $(( smoke ? 49 : 49949 )) LIMIT 1" \
  >target/bench/page-1000-cursor.txt

DATABASE_URL="$url" BASELINE_ADDR="127.0.0.1:$base_port" \
  "${pin_server[@]}" target/release/gatehouse-baseline >target/bench/baseline.log 2>&1 &
base=$!
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$base_port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

echo "==> measuring" >&2
BENCH_SMOKE=$smoke BENCH_GATEHOUSE="http://127.0.0.1:$gh_port" \
  BENCH_BASELINE="http://127.0.0.1:$base_port" BENCH_PIN="${pin_client[*]}" BENCH_GATEHOUSE_PID=$gh \
  BENCH_PIN_SERVER="${pin_server[*]}" BENCH_BASELINE_BIN=target/release/gatehouse-baseline \
  python3 bench/pages.py
