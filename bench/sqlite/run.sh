#!/usr/bin/env bash
# fluxo end to end (API -> run -> Parquet zstd in the lake) on a 5,000,000-row SQLite table, with
# the sqlite3 shell's CSV export (`sqlite3 -csv DB "SELECT ..." > file`) as a reference in the same
# run. See README.md in this folder.
#
#   bench/sqlite/run.sh          (env: ROWS, REPS, PARS, FLUXO_BIN, BUILD_DIR, OUT, KEEP; see
#                                 bench/lib/common.sh)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

bench_build
bench_tmp sqlite
trap bench_rm_tmp EXIT
trap 'exit 130' INT TERM

bench_machine
DB=$WORK/src/bench.db
mkdir -p "$WORK/src"
log "generating $ROWS rows with a recursive CTE ($(sqlite3 --version | cut -d' ' -f1))"
t0=$(date +%s.%N)
sqlite3 "$DB" <<SQL >/dev/null
PRAGMA journal_mode = WAL;
CREATE TABLE bench (
  id         INTEGER PRIMARY KEY,
  account    INTEGER NOT NULL,
  name       TEXT NOT NULL,
  amount     NUMERIC(12,2) NOT NULL,   -- fluxo decimal(12,2)
  payload    TEXT NOT NULL,            -- 100 hex characters
  updated_at INTEGER NOT NULL          -- the delta column, epoch seconds
);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ${ROWS})
INSERT INTO bench
SELECT i, (i * 7919) % 1000003, 'customer ' || (i % 100000), ((i * 31) % 10000000) / 100.0,
       lower(hex(randomblob(50))), 1704067200 + i
FROM c;
CREATE INDEX bench_updated_at ON bench (updated_at);
ANALYZE;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
log "generated in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-6) s"
DB_BYTES=$(stat -c %s "$DB")
echo "table: $ROWS rows, database file $((DB_BYTES / 1000000)) MB"

SQL_SELECT="SELECT id, account, name, amount, payload, updated_at FROM bench"
CSV=$WORK/out.csv
# Warm-up (not measured): the database file into the page cache.
sqlite3 -csv "$DB" "$SQL_SELECT" >"$CSV"
CSV_BYTES=$(stat -c %s "$CSV")

for rep in $(seq 1 "$REPS"); do
  log "rep $rep: sqlite3 -csv"
  time_peer "sqlite3-csv" "$CSV" sqlite3 -csv "$DB" "$SQL_SELECT" >/dev/null
  lines=$(wc -l <"$CSV")
  [[ "$lines" -eq "$ROWS" ]] || { log "sqlite3 wrote $lines lines, expected $ROWS"; exit 1; }
  rm -f "$CSV"
  for par in $PARS; do
    log "rep $rep: fluxo --source-parallelism $par"
    fluxo_ingest "rep$rep" --source sqlite --table bench --delta updated_at \
      --path "$DB" --allow-path "$WORK/src" --parallelism "$par" >/dev/null
  done
done

echo
echo "SQLite: fluxo (run over the API until success, Parquet zstd, DuckDB-verified) vs sqlite3 -csv"
bench_summary "$CSV_BYTES"
echo "database file $((DB_BYTES / 1000000)) MB: MB/s of the file = CSV MB/s x $(echo "scale=3; $DB_BYTES / $CSV_BYTES" | bc)"
[[ -z "${OUT:-}" ]] || cat "$RESULTS" >>"$OUT"
