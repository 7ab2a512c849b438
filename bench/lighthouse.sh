#!/usr/bin/env bash
# G8 (issue 13): Lighthouse 12.2.3 (npm; mobile defaults, simulated throttling) in Debian's
# Chromium on the registration, join and credential-invitation pages of the release build, each beside the same
# page served without its scripts (bench/noscript_proxy.py; its LCP is the baseline). Not
# part of the test command.
#
# Usage: bench/lighthouse.sh [--no-build]   (--no-build: use the release build that is there)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/db.sh
. scripts/db.sh
[ "${1:-}" = "--no-build" ] || scripts/release.sh >&2
lh=target/bench/lighthouse
[ -x "$lh/node_modules/.bin/lighthouse" ] || npm install --prefix "$lh" --no-audit --no-fund -E lighthouse@12.2.3 >&2
# shellcheck source=bench/release_server.sh
. bench/release_server.sh
bench_release_server gatehouse_bench_lighthouse
# A partner with an open credential invitation (token: hex of SHA-256("lighthouse"); the table
# keeps SHA-256 of its 32 raw bytes, as Gatehouse does).
psql "${PG_ADMIN_URL%/*}/$bench_db" -qX -v ON_ERROR_STOP=1 <<'SQL'
INSERT INTO organisations (id, name, kind) VALUES ('c0000000-0000-4000-8000-00000000000a', 'Lighthouse Co', 'company');
INSERT INTO users (id, email, first_name, last_name, password_hash)
  VALUES ('c0000000-0000-4000-8000-00000000000b', 'manager@lighthouse.example', 'Lena', 'Manager', '!');
INSERT INTO integration_providers (id, name, environments)
  VALUES ('c0000000-0000-4000-8000-00000000000c', 'Tidewater Payments', ARRAY['sandbox']);
INSERT INTO partners (id, organisation_id, name, legal_basis, agreement_document_id, provider_id,
                      environment, contacts, scopes, status, created_by)
  VALUES ('c0000000-0000-4000-8000-00000000000d', 'c0000000-0000-4000-8000-00000000000a',
          'Tidewater', 'Contract', 'AGR-1', 'c0000000-0000-4000-8000-00000000000c', 'sandbox',
          '[{"name": "Tom Lead", "email": "lead@tidewater.example"}]', '{partner:ping}', 'active',
          'c0000000-0000-4000-8000-00000000000b');
INSERT INTO credential_invitations (id, partner_id, provider_id, environment, recipient_email,
                                    token_hash, expires_at, created_by)
  VALUES ('c0000000-0000-4000-8000-00000000000e', 'c0000000-0000-4000-8000-00000000000d',
          'c0000000-0000-4000-8000-00000000000c', 'sandbox', 'lead@tidewater.example',
          sha256(sha256('lighthouse'::bytea)), now() + interval '7 days',
          'c0000000-0000-4000-8000-00000000000b');
SQL
credential="/integrations/credential-invite/$(psql "${PG_ADMIN_URL%/*}/$bench_db" -qXAt -c "SELECT encode(sha256('lighthouse'::bytea), 'hex')")"
curl -fsS -o /dev/null "http://127.0.0.1:$port$credential" || { echo "the credential-invitation page does not open" >&2; exit 1; }
bare=$(free_port)
python3 bench/noscript_proxy.py "$bare" "http://127.0.0.1:$port" &
bench_pids+=("$!")
flags="--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync"
out=target/bench/lighthouse-reports
mkdir -p "$out"
run() { # name url
  CHROME_PATH=/usr/bin/chromium "$lh/node_modules/.bin/lighthouse" "$2" --quiet --output=json \
    --output-path="$out/$1.json" --only-categories=performance,accessibility \
    --chrome-flags="$flags" >/dev/null 2>&1
}
for page in register join credential-invite; do
  path=${register#http://127.0.0.1:$port}
  [ "$page" = join ] && path=/join
  [ "$page" = credential-invite ] && path=$credential
  run "$page" "http://127.0.0.1:$port$path"
  run "$page-noscript" "http://127.0.0.1:$bare$path"
done
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
print("| page | performance | accessibility | LCP | LCP without scripts | LCP ratio | transferred | verdict (G8: ≥ 95, ≥ 95, ≤ 1.1×) |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for page in ("register", "join", "credential-invite"):
    r = json.load(open(f"{out}/{page}.json"))
    b = json.load(open(f"{out}/{page}-noscript.json"))
    perf = round(r["categories"]["performance"]["score"] * 100)
    a11y = round(r["categories"]["accessibility"]["score"] * 100)
    lcp = r["audits"]["largest-contentful-paint"]["numericValue"]
    lcp0 = b["audits"]["largest-contentful-paint"]["numericValue"]
    kib = r["audits"]["total-byte-weight"]["numericValue"] / 1024
    ok = perf >= 95 and a11y >= 95 and lcp <= 1.1 * lcp0
    print(f"| /{page} | {perf} | {a11y} | {lcp / 1000:.2f} s | {lcp0 / 1000:.2f} s | {lcp / lcp0:.2f}× | {kib:,.0f} KiB | {'pass' if ok else 'falls short'} |")
print()
print("Reproduce with: bench/lighthouse.sh")
PY
