#!/usr/bin/env bash
# bench/soak: DURATION s (default 600) of mixed API load at RATE req/s (default 40) against one
# `fluxo serve` with its engine on, a small run executing every RUN_EVERY s; reports errors, p50/p99
# per route, the server's RSS every SAMPLE s and "last minute vs second minute" RSS (the bar: no
# error, last minute within 10% of the second). See README.md.
# usage: bench/soak/run.sh             (from anywhere; removes everything it starts and writes)
# env: DURATION (600), RATE (40), SAMPLE (10), RUN_EVERY (2), RUN_FLOWS (4), INFLIGHT (16),
#      MAX_REQUESTS (RATE*DURATION), SOURCE (csv | postgres: the runs' source), ROWS (rows per
#      run, 2000), METASTORE (sqlite | postgres), HTTP_THREADS (2), WORKERS (2), FLUXO_BIN (default
#      $BUILD_DIR/fluxo, built), BUILD_DIR (build-apibench, Release), OUT (append the result as one
#      JSON line), KEEP_WORK=1 (keep the temp dir), FLUXO_ENV ("K=V ..." for the server's environment).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-apibench}"
SOURCE="${SOURCE:-csv}"
METASTORE="${METASTORE:-sqlite}"
ROWS="${ROWS:-2000}"
HTTP_THREADS="${HTTP_THREADS:-2}"
WORKERS="${WORKERS:-2}"
source "$ROOT/bench/api/server.sh"

for tool in node cmake; do
  command -v "$tool" >/dev/null || { echo "bench/soak: $tool is required" >&2; exit 1; }
done
if [ -z "${FLUXO_BIN:-}" ]; then
  [ -f "$BUILD_DIR/CMakeCache.txt" ] || cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" --target fluxo -j2 >/dev/null
  FLUXO_BIN="$BUILD_DIR/fluxo"
fi

WORK="$(mktemp -d /tmp/fluxo-bench-soak.XXXXXX)"
cleanup() {
  fluxo_down
  pg_down
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "bench/soak: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "bench/soak: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)," \
     "loadavg $(cut -d' ' -f1-3 /proc/loadavg); ${DURATION:-600} s at ${RATE:-40} req/s, runs from $SOURCE" \
     "every ${RUN_EVERY:-2} s ($ROWS rows), metastore $METASTORE, binary $FLUXO_BIN"

case "$SOURCE $METASTORE" in *postgres*) pg_up "$WORK/pg" ;; esac

# The runs' source: CSV files modified at a fixed instant (inside every run's window), or a
# PostgreSQL table whose rows are all updated in 2024.
MTIME=1700000000
mkdir -p "$WORK/src"
if [ "$SOURCE" = csv ]; then
  for f in a b; do
    awk -v n="$((ROWS / 2))" -v f="$f" 'BEGIN { print "id,amount,label";
      for (i = 0; i < n; i++) printf "%d,%.2f,\"label %s %d\"\n", i, i * 0.25, f, i }' >"$WORK/src/$f.csv"
    touch -d "@$MTIME" "$WORK/src/$f.csv"
  done
  SOURCE_JSON="{\"kind\":\"csv\",\"root\":\"$WORK/src\",\"mtime\":$MTIME}"
elif [ "$SOURCE" = postgres ]; then
  pg_url soak_src >/dev/null
  /usr/lib/postgresql/15/bin/psql -h "$PG_DIR" -p "$PG_PORT" -U postgres -d soak_src -v ON_ERROR_STOP=1 -q -c \
    "CREATE TABLE events AS SELECT i AS id, i * 0.25 AS amount, 'label ' || i AS label,
       timestamp '2024-01-01' + i * interval '1 minute' AS updated_at FROM generate_series(1, $ROWS) i" >/dev/null
  SOURCE_JSON="{\"kind\":\"postgres\",\"table\":\"events\",\"conn\":\"Server=127.0.0.1;Port=$PG_PORT;Database=soak_src;UID=postgres;Password=postgres\"}"
else
  echo "bench/soak: SOURCE must be csv or postgres" >&2
  exit 2
fi

url=sqlite
[ "$METASTORE" = postgres ] && url="$(pg_url soak_meta)"
# FLUXO_ENV: extra environment of the server only (e.g. MALLOC_ARENA_MAX=2 for an A/B).
if [ -n "${FLUXO_ENV:-}" ]; then
  # shellcheck disable=SC2086
  export ${FLUXO_ENV}
fi
fluxo_up "$FLUXO_BIN" "$WORK/data" "$url" --allow-path "$WORK/src" --workers "$WORKERS" \
  --http-threads "$HTTP_THREADS"
echo "bench/soak: fluxo pid $FLUXO_PID at $BASE"

set +e
node "$HERE/load.mjs" "$BASE" "$WORK/data" "$FLUXO_PID" "$SOURCE_JSON"
rc=$?
set -e
kill -0 "$FLUXO_PID" 2>/dev/null || { echo "bench/soak: fluxo died" >&2; tail -20 "$WORK/data/server.log" >&2; rc=1; }
echo "bench/soak: server log $(grep -c ' error ' "$WORK/data/server.log" || true) error lines;" \
     "metastore $(du -sh "$WORK/data" | cut -f1); loadavg at the end $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$rc"
