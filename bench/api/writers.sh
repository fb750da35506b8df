#!/usr/bin/env bash
# bench/api/writers.sh: fairness of writes. WRITERS keep-alive connections each POST /dataSets
# back to back (closed loop, wrk -t2) for DURATION s against a fresh server; reports mean, p50,
# p99, max and the ratio p99/mean per binary and metastore, REPS times, interleaved (rep 1 of
# every binary and store, then rep 2, ...) so that every ratio of one rep is of the same machine
# state. Target (issue 16): p99 <= 3x the mean at 200 writers.
# usage: bench/api/writers.sh
# env: BINS ("label=path ...", default "current=$BUILD_DIR/fluxo", built), METASTORES ("sqlite";
#      "sqlite postgres" adds a PostgreSQL 15 with fsync on), WRITERS (200), DURATION (20),
#      REPS (3), HTTP_THREADS (2), KEEP_WORK=1.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-apibench}"
WRITERS="${WRITERS:-200}"
DURATION="${DURATION:-20}"
REPS="${REPS:-3}"
HTTP_THREADS="${HTTP_THREADS:-2}"
METASTORES="${METASTORES:-sqlite}"
source "$HERE/server.sh"

if [ -z "${BINS:-}" ]; then
  [ -f "$BUILD_DIR/CMakeCache.txt" ] || cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" --target fluxo -j2 >/dev/null
  BINS="current=$BUILD_DIR/fluxo"
fi

WORK="$(mktemp -d /tmp/fluxo-bench-writers.XXXXXX)"
cleanup() {
  fluxo_down
  pg_down
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "writers: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
case " $METASTORES " in *" postgres "*) pg_up "$WORK/pg" ;; esac

echo "writers: $(nproc) cores, loadavg $(cut -d' ' -f1-3 /proc/loadavg); $WRITERS writers x ${DURATION} s," \
     "$REPS reps, --http-threads $HTTP_THREADS, stores: $METASTORES"
: >"$WORK/results.txt"
n=0
for rep in $(seq 1 "$REPS"); do
  for store in $METASTORES; do
    for entry in $BINS; do
      label="${entry%%=*}" bin="${entry#*=}"
      n=$((n + 1))
      data="$WORK/d$n"
      url=sqlite
      [ "$store" = postgres ] && url="$(pg_url "bench_w$n")"
      fluxo_up "$bin" "$data" "$url" --no-engine --http-threads "$HTTP_THREADS"
      node "$HERE/seed.mjs" "$BASE" "$data" 0 0 1 "$data" >/dev/null
      line="$(BENCH_MODE=dataset BENCH_RATE=0 BENCH_THREADS=2 BENCH_DIR="$data" \
        wrk -t2 -c"$WRITERS" -d"${DURATION}s" --timeout 10s -s "$HERE/wrk.lua" "$BASE" | grep '^RESULT')"
      fluxo_down
      echo "$line" | awk -v rep="$rep" -v store="$store" -v label="$label" -v ld="$(cut -d' ' -f1 /proc/loadavg)" '{
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        printf "rep=%s store=%s bin=%s rate=%.0f mean_ms=%.1f p50_ms=%.1f p99_ms=%.1f max_ms=%.1f ratio=%.2f errors=%d non2xx=%d load=%s\n",
          rep, store, label, v["rate"], v["mean_ms"], v["p50_ms"], v["p99_ms"], v["max_ms"],
          v["p99_ms"] / v["mean_ms"], v["errors"], v["non2xx"], ld }' | tee -a "$WORK/results.txt"
      rm -rf "$data"
    done
  done
done
echo
echo "writers: per store and binary, one value per rep (p99/mean <= 3 is the target)"
awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
       k = v["store"] " " v["bin"]; r[k] = r[k] " " v["ratio"]; p[k] = p[k] " " v["p99_ms"]; m[k] = m[k] " " v["mean_ms"] }
     END { for (k in r) printf "%-24s ratio p99/mean:%s | p99 ms:%s | mean ms:%s\n", k, r[k], p[k], m[k] }' \
  "$WORK/results.txt" | sort
