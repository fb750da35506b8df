# bench/api helpers (sourced by run.sh and writers.sh, and by bench/soak/run.sh): start and stop
# one `fluxo serve` on a chosen metastore, and a throwaway PostgreSQL for the postgres case.
#   pg_up DIR                 starts PostgreSQL 15 (scripts/test-services/postgres.sh) in DIR with
#                             fsync, synchronous_commit and full_page_writes ON (the test service
#                             turns them off; a bench against SQLite's synchronous=FULL must not).
#   pg_url NAME               creates database NAME on it and prints its URL
#   fluxo_up BIN DATA METASTORE [ARGS...]
#                             starts BIN serve --data DATA (METASTORE: sqlite or a URL) with ARGS,
#                             waits for its address; sets FLUXO_PID and BASE
#   fluxo_down                stops it (SIGTERM, then waits)
#   pg_down                   stops PostgreSQL
# The caller removes its own dirs.
BENCH_API_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PG_DIR=""
PG_PORT=""
FLUXO_PID=""
BASE=""

pg_up() {
  PG_DIR="$1"
  PG_PORT="$(PG_OPTS="-c fsync=on -c synchronous_commit=on -c full_page_writes=on -c max_connections=200" \
    "$BENCH_API_ROOT/scripts/test-services/postgres.sh" start "$PG_DIR")"
}

pg_url() {
  /usr/lib/postgresql/15/bin/psql -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -q -c "CREATE DATABASE $1" >/dev/null
  echo "postgresql://postgres:postgres@127.0.0.1:$PG_PORT/$1"
}

pg_down() {
  [ -n "$PG_DIR" ] && "$BENCH_API_ROOT/scripts/test-services/postgres.sh" stop "$PG_DIR" || true
  PG_DIR=""
}

fluxo_up() {
  local bin="$1" data="$2" metastore="$3"
  shift 3
  local extra=()
  [ "$metastore" != sqlite ] && extra=(--metastore "$metastore")
  mkdir -p "$data"
  "$bin" serve --listen 127.0.0.1:0 --data "$data" "${extra[@]}" "$@" \
    >"$data/server.out" 2>"$data/server.log" &
  FLUXO_PID=$!
  BASE=""
  for _ in $(seq 1 300); do
    BASE="$(sed -n 's/.*listening \(http:\/\/[^ ]*\).*/\1/p' "$data/server.out" | head -1)"
    [ -n "$BASE" ] && return 0
    kill -0 "$FLUXO_PID" 2>/dev/null || { cat "$data/server.log" >&2; return 1; }
    sleep 0.1
  done
  echo "fluxo did not start" >&2
  return 1
}

fluxo_down() {
  if [ -n "$FLUXO_PID" ]; then
    kill "$FLUXO_PID" 2>/dev/null || true
    wait "$FLUXO_PID" 2>/dev/null || true
  fi
  FLUXO_PID=""
}
