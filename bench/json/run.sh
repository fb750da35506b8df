#!/usr/bin/env bash
# bench/json: a 5,000,000-row (~1.45 GB) JSON Lines file from a local folder into a zstd Parquet
# dataset, end to end through fluxo's API with --source-parallelism 2 (2 byte ranges of the one
# file), against DuckDB `COPY (SELECT * FROM read_json(..)) TO .. (FORMAT parquet, COMPRESSION
# zstd)` with 2 threads, in the same run. See README.md in this folder.
#
#   bench/json/run.sh
#
# It is bench/csv/run.sh (the same driver, build, knobs and output) with FORMAT=jsonl, the input
# made by bench/json/gen.mjs. Env: ROWS (5000000), REPS (2), MODES ("inferred"; "inferred,declared"
# adds declared columns), FORMAT (jsonl; jsonarray: the same rows as one JSON array, data.json, cut
# into byte ranges between elements), DUCKDB_THREADS (2), PARALLELISM (2: fluxo --source-parallelism),
# FLUXO_BEFORE, BUILD_DIR, FLUXO_BIN, OUT, KEEP, WORK: as in bench/csv/run.sh.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export FORMAT=${FORMAT:-jsonl} MODES=${MODES:-inferred} PARALLELISM=${PARALLELISM:-2} SPLIT_FILES=0
exec "$REPO/bench/csv/run.sh"
