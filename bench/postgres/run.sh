#!/usr/bin/env bash
# fluxo end to end (API -> run -> Parquet zstd in the lake) against `psql \copy ... csv`, on a
# 5,000,000-row PostgreSQL 15 table, in the same run. See README.md in this folder.
#
#   bench/postgres/run.sh          (env: ROWS, REPS, PARS, MAPPING, FLUXO_BIN, BUILD_DIR, OUT, KEEP; see
#                                   bench/lib/common.sh)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

bench_build
bench_tmp postgres
PGDIR=$WORK/pg
cleanup() {
  "$REPO/scripts/test-services/postgres.sh" stop "$PGDIR" || true
  bench_rm_tmp
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_machine
log "starting PostgreSQL 15"
PORT=$("$REPO/scripts/test-services/postgres.sh" start "$PGDIR")
export PGPASSWORD=postgres
PSQL=(psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1)
"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench"

log "loading $ROWS rows with generate_series"
t0=$(date +%s.%N)
"${PSQL[@]}" -d bench <<SQL
CREATE TABLE bench (
  id         bigint PRIMARY KEY,
  account    bigint NOT NULL,
  name       text NOT NULL,
  amount     numeric(12,2) NOT NULL,
  payload    text NOT NULL,          -- 100 characters
  updated_at timestamptz NOT NULL    -- the delta column
);
INSERT INTO bench
SELECT i, (i * 7919) % 1000003, 'customer ' || (i % 100000), ((i * 31) % 10000000) / 100.0,
       md5(i::text) || md5((-i)::text) || md5((i * 2654435761)::text) || left(md5((i # 123456789)::text), 4),
       timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second'
FROM generate_series(1::bigint, ${ROWS}::bigint) AS i;
CREATE INDEX bench_updated_at ON bench (updated_at);
VACUUM ANALYZE bench;
SQL
log "loaded in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-6) s"
read -r HEAP_BYTES TOTAL_BYTES < <("${PSQL[@]}" -d bench -At -F ' ' \
  -c "SELECT pg_relation_size('bench'), pg_total_relation_size('bench')")
echo "table: $ROWS rows, heap $((HEAP_BYTES / 1000000)) MB, with indexes $((TOTAL_BYTES / 1000000)) MB"

COLS="id, account, name, amount, payload, updated_at"
CSV=$WORK/out.csv
CONN="Server=127.0.0.1;Port=$PORT;Database=bench;UID=postgres;Password=postgres"
# Warm-up (not measured): both sides then read a table that is in the page cache.
"${PSQL[@]}" -d bench -c "\\copy (SELECT $COLS FROM bench) TO '$CSV' csv"
CSV_BYTES=$(stat -c %s "$CSV")

for rep in $(seq 1 "$REPS"); do
  log "rep $rep: psql \\copy"
  time_peer_file "psql-copy-csv" "$CSV" "${PSQL[@]}" -d bench \
    -c "\\copy (SELECT $COLS FROM bench) TO '$CSV' csv" >/dev/null
  lines=$(wc -l <"$CSV")
  [[ "$lines" -eq "$ROWS" ]] || { log "psql wrote $lines lines, expected $ROWS"; exit 1; }
  rm -f "$CSV"
  for par in $PARS; do
    log "rep $rep: fluxo --source-parallelism $par"
    fluxo_ingest "rep$rep" --source postgres --table bench --delta updated_at \
      --conn-string "$CONN" --parallelism "$par" >/dev/null
    for m in ${MAPPING-mapping}; do  # the same flow with a Mapping (bench/postgres/$m.json)
      log "rep $rep: fluxo --source-parallelism $par with Mapping $m"
      fluxo_ingest "rep$rep" --source postgres --table bench --delta updated_at \
        --conn-string "$CONN" --parallelism "$par" --mapping "$REPO/bench/postgres/$m.json" >/dev/null
    done
  done
done

echo
echo "PostgreSQL: fluxo (run over the API until success, Parquet zstd, DuckDB-verified) vs psql \\copy csv"
bench_summary "$CSV_BYTES"
echo "table heap $((HEAP_BYTES / 1000000)) MB: MB/s of the heap = CSV MB/s x $(echo "scale=3; $HEAP_BYTES / $CSV_BYTES" | bc)"
[[ -z "${OUT:-}" ]] || cat "$RESULTS" >>"$OUT"
