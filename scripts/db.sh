#!/usr/bin/env bash
# Sourced by run.sh, test.sh, schemathesis.sh and the bench/ scripts. Decides which
# PostgreSQL server to use and exports PG_ADMIN_URL (a URL to its `postgres` database):
#   1. DATABASE_URL if set (its server; the database named in it is used as is by run.sh);
#   2. otherwise a server on 127.0.0.1:5432 if one answers;
#   3. otherwise a throwaway cluster under target/pg, started here and stopped on exit.
# Also `free_port`: prints a TCP port on 127.0.0.1 that nothing listens on now, for the servers
# the test and bench scripts start.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

gatehouse_pg_start() {
  if [ -n "${DATABASE_URL:-}" ]; then
    PG_ADMIN_URL="${DATABASE_URL%/*}/postgres"
    export PG_ADMIN_URL
    return
  fi
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    PG_ADMIN_URL="postgres://postgres@127.0.0.1:5432/postgres"
    export PG_ADMIN_URL
    return
  fi
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bindir" ] || { echo "PostgreSQL is not installed: apt-get install postgresql" >&2; exit 1; }
  local dir port=55432
  dir="$(pwd)/target/pg"
  local as=()
  if [ "$(id -u)" = 0 ]; then as=(runuser -u postgres --); fi
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    echo "==> starting a throwaway PostgreSQL cluster in $dir"
    "${as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >/dev/null
  fi
  "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 ${GATEHOUSE_PG_EXTRA:-}" start >/dev/null
  GATEHOUSE_PG_STOP=("${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop)
  trap 'gatehouse_pg_stop' EXIT
  PG_ADMIN_URL="postgres://postgres@127.0.0.1:$port/postgres"
  export PG_ADMIN_URL
}

gatehouse_pg_stop() {
  if [ -n "${GATEHOUSE_PG_STOP+x}" ]; then
    "${GATEHOUSE_PG_STOP[@]}" >/dev/null 2>&1 || true
  fi
}

# Creates database $1 on the chosen server if it does not exist; prints its URL.
gatehouse_pg_database() {
  local name=$1
  if ! psql "$PG_ADMIN_URL" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
    psql "$PG_ADMIN_URL" -q -c "CREATE DATABASE \"$name\"" >/dev/null
  fi
  echo "${PG_ADMIN_URL%/*}/$name"
}

# Drops the databases integration tests made (gatehouse_it_*), e.g. from earlier runs.
gatehouse_pg_drop_test_databases() {
  local db
  for db in $(psql "$PG_ADMIN_URL" -tAc "SELECT datname FROM pg_database WHERE datname LIKE 'gatehouse\_it\_%'"); do
    psql "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
  done
}
