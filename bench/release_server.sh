#!/usr/bin/env bash
# Sourced by bench/bundle_size.sh and bench/lighthouse.sh (after scripts/db.sh). Starts the
# release build (target/release/gatehouse, target/site) on a fresh database named $1 and a
# free port, and sets:
#   port      the port it listens on
#   register  the bootstrap admin's registration link it printed on its first start
#   bench_pids  processes the EXIT trap stops (append helpers to it)
# The EXIT trap stops them, drops the database and stops a throwaway cluster.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

bench_release_server() {
  bench_db=$1
  gatehouse_pg_start
  psql "$PG_ADMIN_URL" -qX -c "DROP DATABASE IF EXISTS $bench_db WITH (FORCE)" -c "CREATE DATABASE $bench_db"
  port=$(free_port)
  bench_log=$(mktemp)
  GATEHOUSE_ENV=development DATABASE_URL="${PG_ADMIN_URL%/*}/$bench_db" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
    PUBLIC_URL="http://127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site target/release/gatehouse >"$bench_log" 2>&1 &
  bench_pids=("$!")
  trap 'kill "${bench_pids[@]}" 2>/dev/null || true; psql "$PG_ADMIN_URL" -qX -c "DROP DATABASE IF EXISTS $bench_db WITH (FORCE)" >/dev/null; rm -f "$bench_log"; gatehouse_pg_stop' EXIT
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  register=$(grep -o "http://127.0.0.1:$port/register?[^ ]*" "$bench_log" | head -n 1)
}
