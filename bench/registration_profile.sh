#!/usr/bin/env bash
# Where a registration's CPU goes (issue 13, G6): the release server pinned to core 1, fresh
# invitations registered as bench/pages.sh's G6 sends them (`wrk -t1 -c4`, bench/post.lua, on
# core 0), and `perf record -g` of the server for 15 s; prints the rate and the shares of the
# server's samples by where they fall (Argon2id, zxcvbn, the kernel, the rest).
# Needs the release build (scripts/release.sh), wrk and perf. Not part of the test command.
#
# Usage: bench/registration_profile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/db.sh
. scripts/db.sh
# shellcheck source=bench/seed.sh
. bench/seed.sh
for tool in wrk perf taskset; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install wrk linux-perf util-linux)" >&2; exit 1; }
done
gatehouse_pg_start
db=gatehouse_registration_profile
psql "$PG_ADMIN_URL" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
url="${PG_ADMIN_URL%/*}/$db"
port=$(free_port)
out=target/bench/registration-profile
mkdir -p "$out"
GATEHOUSE_ENV=development DATABASE_URL="$url" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  LEPTOS_SITE_ROOT=target/site PUBLIC_URL="http://127.0.0.1:$port" \
  taskset -c 1 target/release/gatehouse >"$out/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true
      psql "$PG_ADMIN_URL" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
      gatehouse_pg_stop' EXIT
for _ in $(seq 1 150); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null

# The invitations and form bodies of bench/pages.sh.
bench_seed_invitations "$url" 5000
bench_register_bodies "$url" 1 1000 >"$out/warm-up.txt"
bench_register_bodies "$url" 1001 5000 >"$out/bodies.txt"
register() {
  BENCH_BODIES="$1" BENCH_POST_PATH=/rpc/registration/complete \
    taskset -c 0 wrk -t1 -c4 -d"$2"s -s bench/post.lua "http://127.0.0.1:$port/rpc/registration/complete"
}
register "$out/warm-up.txt" 3 >/dev/null
register "$out/bodies.txt" 22 >"$out/wrk.txt" &
load=$!
sleep 3
perf record -F 997 -g -o "$out/perf.data" -p "$server" -- sleep 15 2>"$out/perf-record.log"
wait "$load"
grep -E "Requests/sec|answers" "$out/wrk.txt"
perf report -i "$out/perf.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null \
  | python3 -c '
import re, sys
shares = {}
samples = 0
for line in sys.stdin:
    if line.startswith("# Samples:"):
        samples = line.split()[2]
    m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[.\]\s+(.*)", line)
    if not m:
        continue
    share, dso, symbol = float(m.group(1)), m.group(2), m.group(3)
    if "argon2" in symbol or "password_hash" in symbol or "blake2" in symbol.lower():
        where = "Argon2id"
    elif "zxcvbn" in symbol:
        where = "zxcvbn"
    elif "kernel" in dso:
        where = "kernel"
    else:
        where = "the rest (" + dso + ")"
    shares[where] = shares.get(where, 0) + share
print(f"{samples} samples of the server in 15 s at 997 Hz (a saturated core gives about 14,955)")
for where, share in sorted(shares.items(), key=lambda kv: -kv[1]):
    print(f"{share:6.2f} %  {where}")
'
