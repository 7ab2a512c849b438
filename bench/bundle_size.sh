#!/usr/bin/env bash
# What a browser downloads for the static bundle (issue 13, G4): each file of target/site/pkg
# as served with no compression, gzip and brotli, with the time the server took. Uses the
# build that is there (`cargo leptos build` for debug, `--release` for release); builds the
# debug one if there is none. Not part of the test command. Usage: bench/bundle_size.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/db.sh
. scripts/db.sh
gatehouse_pg_start
[ -f target/site/pkg/gatehouse.wasm ] || (unset RUSTFLAGS; cargo leptos build >&2)
bin=target/debug/gatehouse
[ -x target/release/gatehouse ] && [ target/release/gatehouse -nt "$bin" ] && bin=target/release/gatehouse
db=gatehouse_bench_bundle
psql "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
GATEHOUSE_ENV=development DATABASE_URL="${PG_ADMIN_URL%/*}/$db" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  PUBLIC_URL="http://127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site RUST_LOG=warn "$bin" >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; psql "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; gatehouse_pg_stop' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
echo "server: $bin"
echo "| file | identity | gzip | brotli |"
echo "| --- | --- | --- | --- |"
for f in gatehouse.wasm gatehouse.js gatehouse.css; do
  row="| $f"
  for enc in identity gzip br; do
    row="$row | $(curl -s -o /dev/null -w '%{size_download} B, %{time_total} s' -H "Accept-Encoding: $enc" "http://127.0.0.1:$port/pkg/$f")"
  done
  echo "$row |"
done
