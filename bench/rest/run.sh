#!/usr/bin/env bash
# fluxo paging a local REST API (bench/rest/server.mjs, RECORDS records of 10 fields) into the lake
# through the Generic REST API spec, against curl fetching the same pages, in the same run. See
# README.md in this folder.
#
#   bench/rest/run.sh     (env: RECORDS (1000000), PAGE (10000), REPS (3), FLUXO_BIN, BUILD_DIR)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

bench_build
bench_machine
exec node "$REPO/bench/rest/bench.mjs"
