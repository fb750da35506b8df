#!/usr/bin/env bash
# bench/csv: a 5,000,000-row (~1 GB) CSV from a local folder into a zstd Parquet dataset, end to end
# through fluxo's API, against DuckDB `COPY (SELECT * FROM read_csv(..)) TO .. (FORMAT parquet,
# COMPRESSION zstd)` with 2 threads, in the same run. See README.md in this folder.
#
#   bench/csv/run.sh
#
# Env: ROWS (5000000), REPS (2), MODES ("inferred,declared"), DUCKDB_THREADS (2),
#      POLARS_THREADS (2: POLARS_MAX_THREADS of the Polars peer; 0: no Polars run),
#      COLD=1 (drop the input from the page cache before each fluxo run instead of warming it),
#      SPLIT_FILES (2: also run on the rows cut into 2 files, 2 splits; 0: off),
#      FLUXO_BEFORE (a second fluxo binary run in every rep too, for an A/B of two builds),
#      BUILD_DIR (build-csvbench; fluxo is built/brought up to date there unless FLUXO_BIN is set),
#      FLUXO_BIN (use this binary, no build), OUT (also append the JSON result lines to this file),
#      KEEP=1 (keep the temp dir, with the generated CSV, for a later run: WORK=that dir reuses it).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ROWS=${ROWS:-5000000}
REPS=${REPS:-2}
MODES=${MODES:-inferred,declared}
DUCKDB_THREADS=${DUCKDB_THREADS:-2}
POLARS_THREADS=${POLARS_THREADS:-2}
SPLIT_FILES=${SPLIT_FILES:-2}
FORMAT=${FORMAT:-csv}          # jsonl: bench/json/run.sh
PARALLELISM=${PARALLELISM:-0}  # fluxo --source-parallelism (0: not set)
BUILD_DIR=${BUILD_DIR:-$REPO/build-csvbench}
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR=$REPO/$BUILD_DIR
log() { echo "[$FORMAT $(date +%H:%M:%S)] $*" >&2; }

if [[ -n "${FLUXO_BIN:-}" ]]; then
  [[ -x "$FLUXO_BIN" ]] || { echo "FLUXO_BIN=$FLUXO_BIN is not executable" >&2; exit 1; }
else
  log "building fluxo (Release) in $BUILD_DIR"
  [[ -f "$BUILD_DIR/CMakeCache.txt" ]] \
    || cmake -S "$REPO" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" --target fluxo -j"$(nproc)" >/dev/null
  export FLUXO_BIN=$BUILD_DIR/fluxo
fi
[[ -d "$REPO/tests/node/node_modules/@duckdb/node-api" ]] \
  || (cd "$REPO/tests/node" && npm install --no-audit --no-fund >/dev/null)
# The Polars peer (CSV only): nodejs-polars and its binding, pinned in bench/csv/package.json (npm
# does not install the optional platform package by itself), from the npm registry into
# bench/csv/node_modules; not part of what `make test` installs.
if [[ "$FORMAT" == csv && "$POLARS_THREADS" != 0 ]]; then
  [[ -d "$REPO/bench/csv/node_modules/nodejs-polars-linux-x64-gnu" ]] \
    || (cd "$REPO/bench/csv" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi

# The temp dir (the CSV, DuckDB's output, fluxo data dirs) is removed at exit unless KEEP=1, or
# unless WORK named an existing dir to reuse.
if [[ -n "${WORK:-}" ]]; then
  mkdir -p "$WORK"
  OWN_WORK=0
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/fluxo-bench-$FORMAT.XXXXXX")
  OWN_WORK=1
fi
cleanup() {
  if [[ "$OWN_WORK" == 1 && "${KEEP:-0}" != 1 ]]; then rm -rf "$WORK"; else log "kept $WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
echo "machine: $(nproc) cores ($cpu), $(free -g | awk '/^Mem:/{print $2}') GiB RAM, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "fluxo: $FLUXO_BIN ($(cd "$REPO" && git rev-parse --short HEAD)$(cd "$REPO" && git diff --quiet -- src || echo ', with uncommitted changes in src/'))"
args=(--work "$WORK" --rows "$ROWS" --reps "$REPS" --modes "$MODES" --duckdb-threads "$DUCKDB_THREADS"
      --polars-threads "$POLARS_THREADS"
      --split-files "$SPLIT_FILES" --format "$FORMAT" --parallelism "$PARALLELISM")
[[ -z "${OUT:-}" ]] || args+=(--out "$OUT")
[[ "${COLD:-0}" != 1 ]] || args+=(--cold)
node "$REPO/bench/csv/bench.mjs" "${args[@]}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
