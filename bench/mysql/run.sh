#!/usr/bin/env bash
# fluxo end to end (API -> run -> Parquet zstd in the lake) against the `mariadb` client
# (`mariadb -e "SELECT ..." > file`, with and without --quick), on a 5,000,000-row MariaDB table,
# in the same run. See README.md in this folder.
#
#   bench/mysql/run.sh          (env: ROWS, REPS, PARS, FLUXO_BIN, BUILD_DIR, OUT, KEEP; see
#                                bench/lib/common.sh)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

bench_build
bench_tmp mysql
MYDIR=$WORK/my
cleanup() {
  "$REPO/scripts/test-services/mariadb.sh" stop "$MYDIR" || true
  bench_rm_tmp
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_machine
log "starting MariaDB ($(mariadbd --version | sed 's/.*Ver //'))"
PORT=$("$REPO/scripts/test-services/mariadb.sh" start "$MYDIR")
M=(mariadb --no-defaults -h 127.0.0.1 -P "$PORT" -ufluxo -pfluxo-pw)
# mariadb.sh starts with a 256 MB buffer pool; the table (~1 GB) must fit, as PostgreSQL's does in
# the page cache (InnoDB reads with O_DIRECT, so the OS cache does not help it).
"${M[@]}" -e "SET GLOBAL innodb_buffer_pool_size = 2147483648; CREATE DATABASE bench"

log "loading $ROWS rows from seq_1_to_$ROWS"
t0=$(date +%s.%N)
"${M[@]}" bench <<SQL
CREATE TABLE bench (
  id         BIGINT PRIMARY KEY,
  account    BIGINT NOT NULL,
  name       VARCHAR(64) NOT NULL,
  amount     DECIMAL(12,2) NOT NULL,
  payload    VARCHAR(100) NOT NULL,    -- 100 characters
  updated_at TIMESTAMP(6) NOT NULL,    -- the delta column (UTC, as timestamptz)
  KEY bench_updated_at (updated_at)
) ENGINE=InnoDB;
SET time_zone = '+00:00';
INSERT INTO bench
SELECT seq, (seq * 7919) % 1000003, CONCAT('customer ', seq % 100000), ((seq * 31) % 10000000) / 100.0,
       CONCAT(MD5(seq), MD5(-seq), MD5(seq * 2654435761), LEFT(MD5(seq ^ 123456789), 4)),
       TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND
FROM seq_1_to_${ROWS};
ANALYZE TABLE bench;
SQL
log "loaded in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-6) s"
read -r DATA_BYTES INDEX_BYTES < <("${M[@]}" -N -B -e \
  "SELECT data_length, index_length FROM information_schema.tables WHERE table_schema='bench' AND table_name='bench'")
echo "table: $ROWS rows, InnoDB data $((DATA_BYTES / 1000000)) MB, indexes $((INDEX_BYTES / 1000000)) MB"

SQL_SELECT="SELECT id, account, name, amount, payload, updated_at FROM bench"
TSV=$WORK/out.tsv
CONN="Server=127.0.0.1;Port=$PORT;Database=bench;UID=fluxo;Password=fluxo-pw"
# Warm-up (not measured): the whole table into the buffer pool.
"${M[@]}" --quick bench -e "$SQL_SELECT" >"$TSV"
TSV_BYTES=$(stat -c %s "$TSV")

for rep in $(seq 1 "$REPS"); do
  log "rep $rep: mariadb -e (default: the client buffers the whole result)"
  time_peer "mariadb-e" "$TSV" "${M[@]}" bench -e "$SQL_SELECT" >/dev/null
  log "rep $rep: mariadb --quick -e (streams row by row)"
  time_peer "mariadb-quick" "$TSV" "${M[@]}" --quick bench -e "$SQL_SELECT" >/dev/null
  lines=$(wc -l <"$TSV")
  [[ "$lines" -eq $((ROWS + 1)) ]] || { log "mariadb wrote $lines lines, expected $ROWS + header"; exit 1; }
  rm -f "$TSV"
  for par in $PARS; do
    log "rep $rep: fluxo --source-parallelism $par"
    fluxo_ingest "rep$rep" --source mysql --table bench --delta updated_at \
      --conn-string "$CONN" --parallelism "$par" >/dev/null
  done
done

echo
echo "MariaDB: fluxo (run over the API until success, Parquet zstd, DuckDB-verified) vs the mariadb client"
bench_summary "$TSV_BYTES"
echo "InnoDB data $((DATA_BYTES / 1000000)) MB: MB/s of the table data = TSV MB/s x $(echo "scale=3; $DATA_BYTES / $TSV_BYTES" | bc)"
[[ -z "${OUT:-}" ]] || cat "$RESULTS" >>"$OUT"
