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
# shellcheck source=bench/release_server.sh
. bench/release_server.sh
bench_release_server gatehouse_bench_lighthouse
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
