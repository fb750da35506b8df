#!/usr/bin/env bash
# bench/api: POST /runs and GET /runs?property=flowId==X&limit=100 with wrk against a metastore
# holding 100,000 runs over 1,000 flows, at a fixed rate, sampling the server's RSS (see README.md).
# usage: bench/api/run.sh            (from anywhere; everything it starts and writes is removed)
# env: FLUXO_BIN (a built binary) or BUILD_DIR (default build-apibench, Release), FLOWS (1000), RUNS_PER_FLOW (100),
#      SEED_CONCURRENCY (16), RATE (500), DURATION (60), CONNECTIONS (16), WRK_THREADS (1),
#      HTTP_THREADS (fluxo --http-threads, 2), SAMPLE_SECONDS (5), SATURATE_SECONDS (15; 0 skips
#      the closed-loop maximum-throughput runs), METASTORES ("sqlite"; "sqlite postgres" measures
#      both, one after the other, PostgreSQL 15 started here with fsync on), KEEP_WORK=1 (keep the
#      temp dir and logs).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/bench/api"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-apibench}"
FLOWS="${FLOWS:-1000}"
RUNS_PER_FLOW="${RUNS_PER_FLOW:-100}"
SEED_CONCURRENCY="${SEED_CONCURRENCY:-16}"
RATE="${RATE:-500}"
DURATION="${DURATION:-60}"
CONNECTIONS="${CONNECTIONS:-16}"
WRK_THREADS="${WRK_THREADS:-1}"
HTTP_THREADS="${HTTP_THREADS:-2}"
SAMPLE_SECONDS="${SAMPLE_SECONDS:-5}"
SATURATE_SECONDS="${SATURATE_SECONDS:-15}"
METASTORES="${METASTORES:-sqlite}"
source "$HERE/server.sh"

for tool in wrk node cmake; do
  command -v "$tool" >/dev/null || { echo "bench/api: $tool is required" >&2; exit 1; }
done

WORK="$(mktemp -d /tmp/fluxo-bench-api.XXXXXX)"
SAMPLER_PID=""
cleanup() {
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
  fluxo_down
  pg_down
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "bench/api: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Build (Release) only the server binary, unless FLUXO_BIN names one.
if [ -n "${FLUXO_BIN:-}" ]; then
  FLUXO="$FLUXO_BIN"
else
  if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  cmake --build "$BUILD_DIR" --target fluxo -j"${JOBS:-2}" >/dev/null
  FLUXO="$BUILD_DIR/fluxo"
fi

echo "bench/api: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)," \
     "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)," \
     "node $(node --version); loadavg $(cut -d' ' -f1-3 /proc/loadavg); stores: $METASTORES; work dir $WORK"

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$FLUXO_PID/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$FLUXO_PID/stat"; }
# Whole-machine busy and total ticks (the machine is shared: other work shows up here).
machine_ticks() { awk '/^cpu / {t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, t}' /proc/stat; }
TCK="$(getconf CLK_TCK)"

# Percentiles of the server-side time the access log records (handler time, no queueing).
server_ms() {  # server_ms FROM_LINE METHOD
  tail -n +"$1" "$DATA/server.log" | awk -v m="$2" '$4 == "access" && $5 == m && $6 ~ /\/runs$/ {
      sub(/ms$/, "", $9); print $9 }' | sort -n |
    awk '{a[NR] = $1} END { if (NR == 0) { print "server-side: no access lines"; exit }
      printf "server-side (access log, handler only): n=%d p50=%.1fms p99=%.1fms max=%.1fms\n",
        NR, a[int(NR * 0.5) + 1], a[int(NR * 0.99) + 1], a[NR] }'
}

# One wrk run: bench MODE RATE SECONDS; prints wrk's RESULT line, RSS samples and server CPU.
bench() {
  local mode="$1" rate="$2" secs="$3"
  local from cpu0 cpu1 t0 t1 m0 m1
  from=$(( $(wc -l <"$DATA/server.log") + 1 ))
  echo
  echo "== $STORE $mode: rate $([ "$rate" = 0 ] && echo 'unlimited (closed loop)' || echo "$rate req/s")," \
       "${secs} s, $CONNECTIONS connections, $WRK_THREADS wrk thread(s)"
  (
    start=$(date +%s.%N)
    while kill -0 "$FLUXO_PID" 2>/dev/null; do
      printf '%5.0f s  %7d kB\n' "$(echo "$(date +%s.%N) - $start" | bc)" "$(rss_kb)"
      sleep "$SAMPLE_SECONDS"
    done
  ) >"$DATA/rss-$mode-$rate.txt" &
  SAMPLER_PID=$!
  cpu0=$(cpu_ticks); t0=$(date +%s.%N); m0=$(machine_ticks)
  BENCH_MODE="$mode" BENCH_RATE="$rate" BENCH_THREADS="$WRK_THREADS" BENCH_DIR="$DATA" \
    wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${secs}s" --timeout 10s -s "$HERE/wrk.lua" "$BASE" \
    >"$DATA/wrk-$mode-$rate.txt"
  cpu1=$(cpu_ticks); t1=$(date +%s.%N); m1=$(machine_ticks)
  sleep 0.2
  kill "$SAMPLER_PID" 2>/dev/null || true
  wait "$SAMPLER_PID" 2>/dev/null || true
  SAMPLER_PID=""
  printf '%5s    %s\n' "end" "$(rss_kb) kB" >>"$DATA/rss-$mode-$rate.txt"
  grep '^RESULT' "$DATA/wrk-$mode-$rate.txt" || cat "$DATA/wrk-$mode-$rate.txt"
  server_ms "$from" "$([ "$mode" = create ] && echo POST || echo GET)"
  echo "server CPU: $(echo "scale=0; 100 * ($cpu1 - $cpu0) / $TCK / ($t1 - $t0)" | bc)% of one core;" \
       "whole machine busy: $(echo "$m0 $m1" | awk '{printf "%.0f", 100 * ($3 - $1) / ($4 - $2)}')% of" \
       "$(nproc) cores (server + wrk + anything else running); loadavg now $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "server RSS (kB) every ${SAMPLE_SECONDS} s:" $(awk '{print $(NF-1)}' "$DATA/rss-$mode-$rate.txt")
}

n=0
for STORE in $METASTORES; do
  n=$((n + 1))
  DATA="$WORK/d$n"
  url=sqlite
  if [ "$STORE" = postgres ]; then
    [ -n "$PG_DIR" ] || pg_up "$WORK/pg"
    url="$(pg_url "bench_api$n")"
  fi
  # API only: no worker executes the runs, so they stay `scheduled`.
  fluxo_up "$FLUXO" "$DATA" "$url" --no-engine --http-threads "$HTTP_THREADS"
  echo
  echo "bench/api: metastore $STORE; fluxo pid $FLUXO_PID at $BASE (--no-engine --http-threads $HTTP_THREADS)"
  # 1. Seed over the API.
  node "$HERE/seed.mjs" "$BASE" "$DATA" "$FLOWS" "$RUNS_PER_FLOW" "$SEED_CONCURRENCY" "$DATA" \
    | grep -v '^seed: [0-9]*/' || true
  [ -s "$DATA/flows.txt" ] || { echo "bench/api: seeding failed" >&2; exit 1; }
  if [ "$STORE" = sqlite ]; then
    echo "bench/api: metastore $(du -sh "$DATA/meta.db" | cut -f1) on disk after seeding"
  else
    # Statistics, as pgbench does after its load: right after a bulk seed autovacuum has not
    # analyzed the table yet (naptime 1 min), and with no statistics the planner reads a flow's
    # runs through entities_by_name and filters every run of the sandbox (213 ms for 100 of
    # 20,000 runs) instead of entities_by_flow (5.9 ms), as checked with EXPLAIN ANALYZE.
    /usr/lib/postgresql/15/bin/psql -h "$PG_DIR" -p "$PG_PORT" -U postgres -d "bench_api$n" -qc "ANALYZE"
    echo "bench/api: metastore $(/usr/lib/postgresql/15/bin/psql -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -Atc \
      "SELECT pg_size_pretty(pg_database_size('bench_api$n'))") on disk after seeding"
  fi
  bench list "$RATE" "$DURATION"
  bench create "$RATE" "$DURATION"
  if [ "$SATURATE_SECONDS" != 0 ]; then
    bench list 0 "$SATURATE_SECONDS"
    bench create 0 "$SATURATE_SECONDS"
  fi
  fluxo_down
  [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$DATA"
done
echo
echo "bench/api: targets at $RATE req/s: list p99 < 20 ms, create p99 < 10 ms, RSS flat"
