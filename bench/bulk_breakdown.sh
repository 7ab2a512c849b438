#!/usr/bin/env bash
# Where B1's time goes, in SQL alone (no server): the statements one bulk import of 10,000
# rows runs (store the job with its rows as one document; write the invitations, their audit
# events and their outbox messages; record the chunk on the job), timed one by one beside
# `\copy` of the same number of invitation rows, then run as one transaction of 10,000 rows
# against two concurrent ones of 5,000, and once more with foreign-key checks switched off
# (session_replication_role = replica) to show what the per-row checks cost.
# Not part of the test command. Usage: bench/bulk_breakdown.sh [rows]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/db.sh
. scripts/db.sh
gatehouse_pg_start
rows=${1:-10000}
db=gatehouse_bench_breakdown
psql "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
url="${PG_ADMIN_URL%/*}/$db"
trap 'psql "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; gatehouse_pg_stop' EXIT
for f in migrations/*.sql; do psql "$url" -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null; done
org=b0000000-0000-4000-8000-000000000003
user=b0000000-0000-4000-8000-0000000000aa
token=b0000000-0000-4000-8000-0000000000ab
psql "$url" -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO organisations (id, name, kind) VALUES ('$org', 'Bench Co', 'company');
INSERT INTO users (id, email, first_name, last_name, password_hash)
  VALUES ('$user', 'admin@bench.example', 'Bench', 'Admin', 'unusable');
INSERT INTO api_tokens (id, organisation_id, name, role, token_hash, created_by, expires_at)
  VALUES ('$token', '$org', 'bench', 'admin', sha256('bench'), '$user', now() + interval '1 day');
-- 100,000 invitations already there, as in bench/run.sh.
INSERT INTO invitations (id, organisation_id, email, first_name, last_name, role, token_hash,
                         expires_at, created_at)
  SELECT gen_random_uuid(), '$org', 'person' || g || '@example' || (g % 97) || '.org', 'Seed',
         'Person', 'member', sha256(g::text::bytea), now() + interval '7 days',
         now() - make_interval(secs => g)
    FROM generate_series(1, 100000) g;
ANALYZE;
SQL

# One import of $2 rows numbered from $3, as job $1: the statements of a chunk, each timed.
chunk_sql() {
  local job=$1 n=$2 from=$3
  cat <<SQL
CREATE TEMP TABLE doc AS
  SELECT convert_to(jsonb_agg(jsonb_build_array(g, 'bulk' || g || '@bench.example', 'Bulk',
                                                'Row' || g, 'member', NULL, NULL, NULL, NULL,
                                                NULL, NULL))::text, 'UTF8') AS rows
    FROM generate_series($from, $from + $n - 1) g;
\\timing on
\\echo job and its rows
INSERT INTO bulk_imports (id, organisation_id, created_by, total_rows, processed_rows, status,
                          rows)
  SELECT '$job', '$org', '$user', $n, 0, 'running', rows FROM doc;
BEGIN;
CREATE TEMP TABLE todo ON COMMIT DROP AS
  SELECT gen_random_uuid() AS id, g FROM generate_series($from, $from + $n - 1) g;
\\echo invitations
INSERT INTO invitations (id, organisation_id, email, first_name, last_name, role, inviter_id,
                         token_hash, expires_at, last_sent_at, bulk_import_id)
  SELECT id, '$org', 'bulk' || g || '@bench.example', 'Bulk', 'Row' || g, 'member', '$user',
         sha256(('bulk' || g)::bytea), now() + interval '7 days', now(), '$job' FROM todo;
\\echo audit events
INSERT INTO audit_events (organisation_id, subject_type, subject_id, action, actor_kind,
                          actor_api_token_id, detail)
  SELECT '$org', 'invitation', id, 'created', 'api_token', '$token',
         jsonb_build_object('email', 'bulk' || g || '@bench.example', 'role', 'member') FROM todo;
\\echo outbox messages
INSERT INTO email_outbox (recipient, subject, text_body, html_body, invitation_id, template_kind,
                          render_at_send)
  SELECT 'bulk' || g || '@bench.example', '', '', '', id, 'invitation', true FROM todo;
\\echo the chunk on the job
UPDATE bulk_imports SET chunks_done = array_append(chunks_done, 0), processed_rows = $n,
                        created_rows = $n, status = 'done', finished_at = now()
 WHERE id = '$job';
COMMIT;
DROP TABLE doc;
SQL
}

# Seconds (3 decimals) that a command takes.
seconds() {
  local s e
  s=$(date +%s%N)
  "$@" >/dev/null
  e=$(date +%s%N)
  printf '%d.%03d' $(((e - s) / 1000000000)) $((((e - s) / 1000000) % 1000))
}

psql "$url" -q -c "CREATE EXTENSION IF NOT EXISTS pgcrypto"
csv=$(mktemp)
python3 - "$rows" "$org" >"$csv" <<'PY'
import os, sys, uuid
n, org = int(sys.argv[1]), sys.argv[2]
for i in range(n):
    print(f"{uuid.uuid4()},{org},copy{i}@bench.example,Copy,Row{i},member,\\x{os.urandom(32).hex()},2030-01-01T00:00:00Z")
PY
copy=$(seconds psql "$url" -qX -c "\\copy invitations (id, organisation_id, email, first_name, last_name, role, token_hash, expires_at) FROM '$csv' CSV")
rm -f "$csv"

echo "==> one transaction of $rows rows, statement by statement" >&2
chunk_sql c0000000-0000-4000-8000-000000000001 "$rows" 1000001 | psql "$url" -qX -v ON_ERROR_STOP=1 |
  awk '/^[a-z]/ { name = $0; want = 1; next }
       /^Time:/ && want { printf "| %s | %.0f ms |\n", name, $2; want = 0 }' >/tmp/gatehouse-breakdown.$$
one=$(seconds bash -c "$(declare -f chunk_sql); org=$org user=$user token=$token; chunk_sql c0000000-0000-4000-8000-000000000002 $rows 2000001 | psql '$url' -qX -v ON_ERROR_STOP=1")
half=$((rows / 2))
two=$(seconds bash -c "$(declare -f chunk_sql); org=$org user=$user token=$token
  chunk_sql c0000000-0000-4000-8000-000000000003 $half 3000001 | psql '$url' -qX -v ON_ERROR_STOP=1 &
  chunk_sql c0000000-0000-4000-8000-000000000004 $half 4000001 | psql '$url' -qX -v ON_ERROR_STOP=1; wait")
nofk=$(seconds bash -c "$(declare -f chunk_sql); org=$org user=$user token=$token
  { echo 'SET session_replication_role = replica;'; chunk_sql c0000000-0000-4000-8000-000000000005 $rows 5000001; } | psql '$url' -qX -v ON_ERROR_STOP=1")

echo "| statement ($rows rows) | time |"
echo "| --- | --- |"
cat /tmp/gatehouse-breakdown.$$
rm -f /tmp/gatehouse-breakdown.$$
echo
echo "| run | seconds | × psql \\copy |"
echo "| --- | --- | --- |"
for pair in "psql \\copy of $rows invitation rows:$copy" "every statement, one transaction:$one" \
            "every statement, two concurrent transactions of $half:$two" \
            "every statement, one transaction, no foreign-key checks:$nofk"; do
  name=${pair%:*} secs=${pair##*:}
  echo "| $name | $secs | $(python3 -c "print(f'{$secs / $copy:.2f}')") |"
done
