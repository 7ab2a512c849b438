#!/usr/bin/env bash
# G1b for several builds at once: `/healthz` through Gatehouse's whole middleware stack, for
# each Gatehouse binary given, side by side with the same route on bare axum
# (bench/baseline), in one run. Each server is pinned to core 1 in turn and wrk to core 0;
# the servers alternate ROUNDS times, and it prints each round and each binary's median
# ratio to the baseline. Used to measure one middleware change against the build before it
# (docs/PERFORMANCE.md, G1b). Not part of the test command.
#
# With --instructions it counts instead of timing: user-space instructions per `/healthz`
# request, by valgrind's callgrind. A count repeats within about 1 % whatever else the machine
# is doing, so it shows a middleware change of a few percent that wrk's noise on a shared
# machine hides. It does not count the kernel's share (the socket writes), nor time. Each
# server starts under callgrind, is warmed up with 3 s of `wrk -c4`, has its counters zeroed,
# takes 10 s of `wrk -c4`, and is dumped.
#
# Usage: bench/edge.sh [--instructions] BIN [BIN...]
#   BIN  a Gatehouse release binary (scripts/release.sh makes target/release/gatehouse; copy
#        it aside before building the next change); all of them serve target/site.
# Environment: ROUNDS (default 5), SECONDS_EACH (default 5), for the timed runs.
set -euo pipefail
cd "$(dirname "$0")/.."
instructions=0
if [ "${1:-}" = --instructions ]; then instructions=1; shift; fi
[ $# -ge 1 ] || { echo "usage: bench/edge.sh [--instructions] BIN [BIN...]" >&2; exit 2; }
tools=(wrk)
[ "$instructions" = 1 ] && tools+=(valgrind callgrind_control callgrind_annotate)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (Debian: wrk, valgrind)" >&2; exit 1; }
done
# shellcheck source=scripts/db.sh
. scripts/db.sh
gatehouse_pg_start
rounds=${ROUNDS:-5} seconds=${SECONDS_EACH:-5}
if [ ! -x target/release/gatehouse-baseline ]; then
  (unset RUSTFLAGS; CARGO_TARGET_DIR="$(pwd)/target" cargo build --release \
     --manifest-path bench/baseline/Cargo.toml >&2)
fi
db=gatehouse_edge_bench
psql "$PG_ADMIN_URL" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
url="${PG_ADMIN_URL%/*}/$db"
pin_server=(); pin_client=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then pin_server=(taskset -c 1); pin_client=(taskset -c 0); fi
mkdir -p target/bench

if [ "$instructions" = 1 ]; then
  # Counted one server at a time, unpinned (callgrind runs the program on one thread).
  work=$(mktemp -d)
  pid=
  trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"; gatehouse_pg_stop' EXIT

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
  exit 0
fi

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; gatehouse_pg_stop' EXIT

names=() ports=()
for bin in "$@" baseline; do
  port=$(free_port)
  if [ "$bin" = baseline ]; then
    DATABASE_URL="$url" BASELINE_ADDR="127.0.0.1:$port" \
      "${pin_server[@]}" target/release/gatehouse-baseline >target/bench/edge-baseline.log 2>&1 &
  else
    # As bench/pages.sh runs it: the default log filter, development mode only for the keys.
    GATEHOUSE_ENV=development DATABASE_URL="$url" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
      LEPTOS_SITE_ROOT=target/site PUBLIC_URL="http://127.0.0.1:$port" \
      "${pin_server[@]}" "$bin" >"target/bench/edge-$(basename "$bin").log" 2>&1 &
  fi
  pids+=($!)
  names+=("$bin") ports+=("$port")
  for _ in $(seq 1 150); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null
done

rps() { "${pin_client[@]}" wrk -t1 -c32 -d"${seconds}s" "http://127.0.0.1:$1/healthz" \
          | awk '/^Requests\/sec/ {print $2}'; }
declare -A all
for r in $(seq 1 "$rounds"); do
  line="round $r:"
  for i in "${!names[@]}"; do
    v=$(rps "${ports[$i]}")
    all[$i]="${all[$i]:-} $v"
    line="$line $(basename "${names[$i]}") $v"
  done
  echo "$line"
done
base=${#names[@]}; base=$((base - 1))
python3 - "$base" "${names[@]}" <<PY
import statistics, sys
base = int(sys.argv[1]); names = sys.argv[2:]
runs = {$(for i in "${!names[@]}"; do printf '%s: [%s], ' "$i" "$(echo "${all[$i]}" | xargs | tr ' ' ',')"; done)}
b = runs[base]
print(f"| build | req/s (median of {len(b)}) | ratio to bare axum (median of rounds) |")
print("| --- | --- | --- |")
for i, name in enumerate(names):
    ratios = [a / c for a, c in zip(runs[i], b)]
    print(f"| {name} | {statistics.median(runs[i]):,.0f} | {statistics.median(ratios):.2f}x |")
PY
