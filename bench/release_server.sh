#!/usr/bin/env bash
# Sourced by bench/bundle_size.sh, bench/lighthouse.sh and bench/hydration_time.sh (after
# scripts/db.sh). `bench_release_server DB [DIR]` starts a release build on a fresh database
# named DB and a free port: by default the one in target/ (target/release/gatehouse serving
# target/site), else the one in DIR (DIR/gatehouse serving DIR/site). It sets:
#   bench_db  DB
#   port      the port it listens on
#   register  the bootstrap admin's registration link it printed on its first start
#   bench_pids  processes the EXIT trap stops (append helpers to it)
# Call it more than once for several servers. The EXIT trap stops them all, drops their
# databases and stops a throwaway cluster. `free_port` comes from scripts/db.sh.

bench_pids=()
bench_dbs=()
bench_logs=()
bench_cleanup() {
  kill "${bench_pids[@]}" 2>/dev/null || true
  local db
  for db in "${bench_dbs[@]}"; do
    psql "$PG_ADMIN_URL" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  done
  rm -f "${bench_logs[@]}"
  gatehouse_pg_stop
}

bench_release_server() {
  bench_db=$1
  local bin=target/release/gatehouse site=target/site log
  [ -n "${2:-}" ] && { bin=$2/gatehouse; site=$2/site; }
  [ ${#bench_dbs[@]} = 0 ] && { gatehouse_pg_start; trap bench_cleanup EXIT; }
  psql "$PG_ADMIN_URL" -qX -c "DROP DATABASE IF EXISTS $bench_db WITH (FORCE)" -c "CREATE DATABASE $bench_db"
  bench_dbs+=("$bench_db")
  port=$(free_port)
  log=$(mktemp)
  bench_logs+=("$log")
  GATEHOUSE_ENV=development DATABASE_URL="${PG_ADMIN_URL%/*}/$bench_db" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
    PUBLIC_URL="http://127.0.0.1:$port" LEPTOS_SITE_ROOT="$site" "$bin" >"$log" 2>&1 &
  bench_pids+=("$!")
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  register=$(grep -o "http://127.0.0.1:$port/register?[^ ]*" "$log" | head -n 1)
  [ -n "$register" ] || { echo "the server ($bin) printed no registration link" >&2; exit 1; }
}
