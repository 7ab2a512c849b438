#!/usr/bin/env bash
# G1b for several builds at once: `/healthz` through Gatehouse's whole middleware stack, for
# each Gatehouse binary given, side by side with the same route on bare axum
# (bench/baseline), in one run. Each server is pinned to core 1 in turn and wrk to core 0;
# the servers alternate ROUNDS times, and it prints each round and each binary's median
# ratio to the baseline. Used to measure one middleware change against the build before it
# (docs/PERFORMANCE.md, G1b). Not part of the test command.
#
# Usage: bench/edge.sh BIN [BIN...]
#   BIN  a Gatehouse release binary (scripts/release.sh makes target/release/gatehouse; copy
#        it aside before building the next change); all of them serve target/site.
# Environment: ROUNDS (default 5), SECONDS_EACH (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: bench/edge.sh BIN [BIN...]" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
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
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
mkdir -p target/bench
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
