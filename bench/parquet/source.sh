#!/usr/bin/env bash
# bench/parquet source step: a 5,000,000-row Parquet file (DuckDB's zstd, 41 row groups) from a
# local folder through fluxo's API at --source-parallelism 1 and 2, against DuckDB read_parquet ->
# Parquet zstd COPY with 2 threads, in the same run. See README.md ("Parquet source").
#
#   bench/parquet/source.sh
#
# Env: ROWS (5000000), REPS (2), PARS ("1,2"), DUCKDB_THREADS (2), BUILD_DIR (build: fluxo is
#      built there unless FLUXO_BIN is set), FLUXO_BIN, FLUXO_BEFORE (a second binary in every
#      rep, A/B), OUT (append JSON lines), WORK (reuse this dir and its input; default a temp dir,
#      removed at exit unless KEEP=1).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
if [[ -z "${FLUXO_BIN:-}" ]]; then
  cmake --build "$BUILD_DIR" --target fluxo -j"${JOBS:-2}" >/dev/null
  export FLUXO_BIN=$BUILD_DIR/fluxo
fi
if [[ -n "${WORK:-}" ]]; then
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/fluxo-bench-pqsrc.XXXXXX")
  [[ "${KEEP:-0}" == 1 ]] || trap 'rm -rf "$WORK"' EXIT
fi
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); fluxo $FLUXO_BIN ($(cd "$REPO" && git rev-parse --short HEAD))"
args=(--work "$WORK" --rows "${ROWS:-5000000}" --reps "${REPS:-2}" --pars "${PARS:-1,2}"
      --duckdb-threads "${DUCKDB_THREADS:-2}")
[[ -z "${OUT:-}" ]] || args+=(--out "$OUT")
node "$REPO/bench/parquet/source.mjs" "${args[@]}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
