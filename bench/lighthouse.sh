#!/usr/bin/env bash
# G8 (issue 13): Lighthouse 12.2.3 (npm; mobile defaults, simulated throttling) in Debian's
# Chromium on the registration and join pages of the release build, each beside the same
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
gatehouse_pg_start
db=gatehouse_bench_lighthouse
psql "$PG_ADMIN_URL" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
GATEHOUSE_ENV=development DATABASE_URL="${PG_ADMIN_URL%/*}/$db" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  PUBLIC_URL="http://127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site target/release/gatehouse >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; psql "$PG_ADMIN_URL" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; rm -f "$log"; gatehouse_pg_stop' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
bare=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 bench/noscript_proxy.py "$bare" "http://127.0.0.1:$port" &
proxy=$!
trap 'kill "$server" "$proxy" 2>/dev/null || true; psql "$PG_ADMIN_URL" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; rm -f "$log"; gatehouse_pg_stop' EXIT
register=$(grep -o "http://127.0.0.1:$port/register?[^ ]*" "$log" | head -n 1)
flags="--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync"
out=target/bench/lighthouse-reports
mkdir -p "$out"
run() { # name url
  CHROME_PATH=/usr/bin/chromium "$lh/node_modules/.bin/lighthouse" "$2" --quiet --output=json \
    --output-path="$out/$1.json" --only-categories=performance,accessibility \
    --chrome-flags="$flags" >/dev/null 2>&1
}
for page in register join; do
  path=${register#http://127.0.0.1:$port}
  [ "$page" = join ] && path=/join
  run "$page" "http://127.0.0.1:$port$path"
  run "$page-noscript" "http://127.0.0.1:$bare$path"
done
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
print("| page | performance | accessibility | LCP | LCP without scripts | LCP ratio | transferred | verdict (G8: ≥ 95, ≥ 95, ≤ 1.1×) |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for page in ("register", "join"):
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
