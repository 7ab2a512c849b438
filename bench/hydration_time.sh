#!/usr/bin/env bash
# Time to interactive of the public pages on a slow phone, for two release builds side by side
# (bench/hydration_time.mjs: Lighthouse's mobile throttling in Debian's Chromium, the time
# until the page has hydrated, with its requests and bytes on the wire). Compares builds that
# split the wasm differently (issue 13, G4): the page that downloads fewer bytes in more
# requests is not always the one ready first. Not part of the test command.
#
# Usage: bench/hydration_time.sh [--runs N] A_DIR B_DIR
#   Each DIR holds a release build: `gatehouse` (the binary) and `site/` (its target/site).
#   Example: cp -a target/release/gatehouse target/site /tmp/a, after each scripts/release.sh
#   (-a keeps the times: a .gz or .br copy older than its file is not served, see src/assets.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=5
[ "${1:-}" = "--runs" ] && { runs=$2; shift 2; }
[ $# = 2 ] || { sed -n 2,11p "$0" >&2; exit 2; }
# shellcheck source=scripts/db.sh
. scripts/db.sh
# shellcheck source=bench/release_server.sh
. bench/release_server.sh
bench_release_server gatehouse_bench_hydration_a "$1"
a_base="http://127.0.0.1:$port" a_register=$register
bench_release_server gatehouse_bench_hydration_b "$2"
b_base="http://127.0.0.1:$port" b_register=$register

node bench/hydration_time.mjs "$runs" \
  "a /register=$a_register" "b /register=$b_register" \
  "a /login=$a_base/login" "b /login=$b_base/login" \
  "a /join=$a_base/join" "b /join=$b_base/join" |
  python3 -c '
import json, statistics, sys
rows = {r["label"]: r for r in map(json.loads, sys.stdin)}
print(f"Time until hydrated, median of '"$runs"' alternating runs (A: '"$1"', B: '"$2"'):")
print()
print("| page | A | B | B / A | requests A, B | on the wire A, B |")
print("| --- | --- | --- | --- | --- | --- |")
for page in ("/register", "/login", "/join"):
    a, b = rows["a " + page], rows["b " + page]
    ma, mb = statistics.median(a["ms"]), statistics.median(b["ms"])
    (qa, qb), (ka, kb) = ((x["requests"] for x in (a, b)), (x["bytes"] / 1024 for x in (a, b)))
    print(f"| {page} | {ma / 1000:.2f} s | {mb / 1000:.2f} s | {mb / ma:.2f}× | "
          f"{qa}, {qb} | {ka:,.0f} KiB, {kb:,.0f} KiB |")
print()
print("Reproduce with: bench/hydration_time.sh A_DIR B_DIR")
'
