#!/usr/bin/env bash
# bench/parquet: fluxo's Parquet writer against DuckDB on the same 10M-row CSV (see README.md).
# usage: bench/parquet/run.sh [ROWS]   (env: BUILD_DIR, default build; WORK_DIR, default a temp dir)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
ROWS="${1:-10000000}"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
WORK_DIR="${WORK_DIR:-$(mktemp -d /tmp/fluxo-bench-parquet.XXXXXX)}"
BENCH="$BUILD_DIR/tests/unit/formats/parquet_bench"

cmake --build "$BUILD_DIR" --target parquet_bench -j"${JOBS:-2}" >/dev/null
cd "$WORK_DIR"
echo "work dir: $WORK_DIR, rows: $ROWS"
[ -f data.csv ] || "$BENCH" gen data.csv "$ROWS"
CSV_BYTES=$(stat -c %s data.csv)

peak() { grep "Maximum resident" "$1" | awk '{print $6}'; }

/usr/bin/time -v "$BENCH" encode data.csv fluxo.parquet zstd 2>fluxo.time | tee fluxo.out
/usr/bin/time -v node "$ROOT/bench/parquet/duckdb_copy.mjs" data.csv duck.parquet zstd csv 2>duck.time | tee duck.out
/usr/bin/time -v node "$ROOT/bench/parquet/duckdb_copy.mjs" data.csv duck_table.parquet zstd table 2>duck_table.time | tee duck_table.out

F_ENC=$(sed -n 's/.*encode_s=\([0-9.]*\).*/\1/p' fluxo.out)
F_TOT=$(sed -n 's/.*total_s=\([0-9.]*\).*/\1/p' fluxo.out)
D_CSV=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' duck.out)
D_TAB=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' duck_table.out)
F_SIZE=$(stat -c %s fluxo.parquet)
D_SIZE=$(stat -c %s duck.parquet)
awk -v rows="$ROWS" -v csv="$CSV_BYTES" -v fe="$F_ENC" -v ft="$F_TOT" -v dc="$D_CSV" -v dt="$D_TAB" \
    -v fs="$F_SIZE" -v ds="$D_SIZE" -v fr="$(peak fluxo.time)" -v dr="$(peak duck.time)" \
    -v dtr="$(peak duck_table.time)" 'BEGIN {
  printf "\n%-44s %8s %12s %9s %10s\n", "", "seconds", "rows/s", "CSV MB/s", "peak RSS";
  printf "%-44s %8.2f %12.0f %9.1f %7.0f MB\n", "fluxo encode only (1 thread)", fe, rows/fe, csv/1e6/fe, fr/1024;
  printf "%-44s %8.2f %12.0f %9.1f %7.0f MB\n", "fluxo CSV parse + encode (1 thread)", ft, rows/ft, csv/1e6/ft, fr/1024;
  printf "%-44s %8.2f %12.0f %9.1f %7.0f MB\n", "DuckDB COPY read_csv -> parquet", dc, rows/dc, csv/1e6/dc, dr/1024;
  printf "%-44s %8.2f %12.0f %9.1f %7.0f MB\n", "DuckDB COPY table -> parquet (encode only)", dt, rows/dt, csv/1e6/dt, dtr/1024;
  printf "\nspeed ratio fluxo/DuckDB: parse+encode vs COPY from CSV %.2fx, encode vs COPY from table %.2fx\n", dc/ft, dt/fe;
  printf "file size: fluxo %.1f MB, DuckDB %.1f MB, ratio %.3f\n", fs/1e6, ds/1e6, fs/ds;
}'
