#!/usr/bin/env bash
# G1b in instructions rather than seconds: user-space instructions per `/healthz` request for
# each Gatehouse binary given and for bare axum (bench/baseline), counted by valgrind's
# callgrind. A count repeats within about 1 % whatever else the machine is doing, so it shows
# a middleware change of a few percent that wrk's noise on a shared machine hides
# (bench/edge.sh). It does not count the kernel's share (the socket writes), nor time.
# Each server starts under callgrind, is warmed up with 3 s of `wrk -c4`, has its counters
# zeroed, takes 10 s of `wrk -c4`, and is dumped. Not part of the test command.
#
# Usage: bench/edge_instructions.sh BIN [BIN...]   (Gatehouse release binaries)
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: bench/edge_instructions.sh BIN [BIN...]" >&2; exit 2; }
for tool in wrk valgrind callgrind_control callgrind_annotate; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (Debian: wrk, valgrind)" >&2; exit 1; }
done
# shellcheck source=scripts/db.sh
. scripts/db.sh
gatehouse_pg_start
if [ ! -x target/release/gatehouse-baseline ]; then
  (unset RUSTFLAGS; CARGO_TARGET_DIR="$(pwd)/target" cargo build --release \
     --manifest-path bench/baseline/Cargo.toml >&2)
fi
db=gatehouse_edge_bench
psql "$PG_ADMIN_URL" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
url="${PG_ADMIN_URL%/*}/$db"
work=$(mktemp -d)
pid=
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"; gatehouse_pg_stop' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

count() { # count NAME BIN: prints "NAME requests instructions per-request"
  local name=$1 bin=$2 port out reqs ir
  port=$(free_port)
  out="$work/$name"
  mkdir -p "$out"
  DATABASE_URL="$url" BASELINE_ADDR="127.0.0.1:$port" GATEHOUSE_ENV=development \
    LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site PUBLIC_URL="http://127.0.0.1:$port" \
    valgrind --tool=callgrind --callgrind-out-file="$out/cg.%p" "$bin" >"$out/log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.3; done
  wrk -t1 -c4 -d3s "http://127.0.0.1:$port/healthz" >/dev/null
  callgrind_control -z "$pid" >/dev/null 2>&1
  wrk -t1 -c4 -d10s "http://127.0.0.1:$port/healthz" >"$out/wrk"
  callgrind_control -d "$pid" >/dev/null 2>&1
  sleep 1
  kill "$pid"; wait "$pid" 2>/dev/null || true
  reqs=$(awk '/requests in/ {print $1}' "$out/wrk")
  ir=$(callgrind_annotate "$(ls "$out"/cg.*.1)" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
  echo "| $name | $reqs | $ir | $((ir / reqs)) |"
}

echo "| build | requests counted | instructions | per request |"
echo "| --- | --- | --- | --- |"
for bin in "$@"; do count "$bin" "$bin"; done
count "bare axum (bench/baseline)" target/release/gatehouse-baseline
