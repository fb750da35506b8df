#!/usr/bin/env bash
# bench/s3: fluxo's S3 source (5,000,000-row CSV and its Parquet) and S3 lake (a ~1 GB batch,
# multipart upload, then a Data Access download with fluxo's RSS sampled) against curl ranged
# downloads of the same objects from the same s3rver, in the same run. See README.md here.
#
#   bench/s3/run.sh
#
# Env: ROWS (5000000), BIG_MB (1024: size of the lake batch's input), PAR (4: curl streams at
#      once), REPS (1), STEPS ("source,lake,download"), OBJECTS ("csv,parquet": the source step's
#      inputs), FLUXO_BIN (use this binary, no build), FLUXO_BEFORE and FLUXO_OTHERS
#      ("label=path,...": more binaries measured the same way, A/B/C),
#      BUILD_DIR (build-bench), OUT (append JSON lines), KEEP=1 (keep the temp dir).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
BIG_MB=${BIG_MB:-1024}
PAR=${PAR:-4}
REPS=${REPS:-1}
STEPS=${STEPS:-source,lake,download}
bench_build
bench_tmp s3
s3_stop() { "$REPO/scripts/test-services/s3rver.sh" stop "$WORK/s3" || true; bench_rm_tmp; }
trap s3_stop EXIT
trap 'exit 130' INT TERM
bench_machine
echo "fluxo: $FLUXO_BIN ($(cd "$REPO" && git rev-parse --short HEAD))"
endpoint=$("$REPO/scripts/test-services/s3rver.sh" start "$WORK/s3" bench)
log "s3rver at $endpoint"
args=(--work "$WORK" --endpoint "$endpoint" --bucket bench --rows "$ROWS" --big-mb "$BIG_MB"
      --par "$PAR" --reps "$REPS" --steps "$STEPS" --objects "${OBJECTS:-csv,parquet}")
[[ -z "${OUT:-}" ]] || args+=(--out "$OUT")
node "$REPO/bench/s3/bench.mjs" "${args[@]}"
