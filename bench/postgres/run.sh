#!/usr/bin/env bash
# fluxo end to end (API -> run -> Parquet zstd in the lake) against `psql \copy ... csv`, on a
# 5,000,000-row PostgreSQL 15 table, in the same run. See README.md in this folder.
#
#   bench/postgres/run.sh          (env: ROWS, REPS, PARS, MAPPING, FLUXO_BIN, BASE_BIN, BUILD_DIR, OUT,
#                                   KEEP; see bench/lib/common.sh and README.md)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

bench_build
bench_tmp postgres
PGDIR=$WORK/pg
cleanup() {
  "$REPO/scripts/test-services/postgres.sh" stop "$PGDIR" || true
  bench_rm_tmp
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_machine
log "starting PostgreSQL 15"
PORT=$("$REPO/scripts/test-services/postgres.sh" start "$PGDIR")
export PGPASSWORD=postgres
PSQL=(psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1)
"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench"

log "loading $ROWS rows with generate_series"
t0=$(date +%s.%N)
"${PSQL[@]}" -d bench <<SQL
CREATE TABLE bench (
  id         bigint PRIMARY KEY,
  account    bigint NOT NULL,
  name       text NOT NULL,
  amount     numeric(12,2) NOT NULL,
  payload    text NOT NULL,          -- 100 characters
  updated_at timestamptz NOT NULL    -- the delta column
);
INSERT INTO bench
SELECT i, (i * 7919) % 1000003, 'customer ' || (i % 100000), ((i * 31) % 10000000) / 100.0,
       md5(i::text) || md5((-i)::text) || md5((i * 2654435761)::text) || left(md5((i # 123456789)::text), 4),
       timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second'
FROM generate_series(1::bigint, ${ROWS}::bigint) AS i;
CREATE INDEX bench_updated_at ON bench (updated_at);
VACUUM ANALYZE bench;
SQL
log "loaded in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-6) s"
read -r HEAP_BYTES TOTAL_BYTES < <("${PSQL[@]}" -d bench -At -F ' ' \
  -c "SELECT pg_relation_size('bench'), pg_total_relation_size('bench')")
echo "table: $ROWS rows, heap $((HEAP_BYTES / 1000000)) MB, with indexes $((TOTAL_BYTES / 1000000)) MB"

COLS="id, account, name, amount, payload, updated_at"
CSV=$WORK/out.csv
CONN="Server=127.0.0.1;Port=$PORT;Database=bench;UID=postgres;Password=postgres"
# Warm-up (not measured): both sides then read a table that is in the page cache.
"${PSQL[@]}" -d bench -c "\\copy (SELECT $COLS FROM bench) TO '$CSV' csv"
CSV_BYTES=$(stat -c %s "$CSV")

# The PostgreSQL side's own limit: the same window as fluxo's run, COPY ... (FORMAT binary) (what
# fluxo reads) to /dev/null, by one backend and by two (the table's blocks in halves by ctid, as
# fluxo's --source-parallelism 2 splits it), so psql does no formatting work and writes nothing.
WINDOW="updated_at >= timestamptz '1970-01-01 00:00:00+00' AND updated_at < timestamptz '2100-01-01 00:00:00+00'"
HALF=$(( (HEAP_BYTES / 8192 + 1) / 2 ))
binary_copy() {  # [FIRST_BLOCK [END_BLOCK]]: the blocks [FIRST, END) only
  local pred=""
  [[ -z "${1:-}" ]] || pred="AND ctid >= '($1,0)'::tid"
  [[ -z "${2:-}" ]] || pred+=" AND ctid < '($2,0)'::tid"
  $PSQL_STR -d bench -c "COPY (SELECT $COLS FROM bench WHERE $WINDOW $pred) TO STDOUT (FORMAT binary)" >/dev/null
}
# time_limit NAME CMD...: wall time and peak RSS of CMD into $RESULTS, as time_peer does.
time_limit() {
  local name=$1; shift
  local tf=$WORK/time.txt wall rss
  /usr/bin/time -f '%e %M' -o "$tf" "$@"
  read -r wall rss <"$tf"
  echo "{\"peer\":\"$name\",\"wallS\":$wall,\"peakRssMiB\":$(echo "scale=1; $rss/1024" | bc),\"bytes\":0,\"lines\":0}" \
    | tee -a "$RESULTS"
}
# fluxo_ingest_as BIN LABEL ARGS...: fluxo_ingest; a run of BASE_BIN (an older binary measured in
# the same run, for before/after ratios) is recorded with the variant "base" ("base_<mapping>").
fluxo_ingest_as() {
  local bin=$1; shift
  if [[ "$bin" == "$FLUXO_BIN_NEW" ]]; then fluxo_ingest "$@"; return; fi
  local line
  line=$(node "$REPO/bench/lib/ingest.mjs" --label "$1" --rows "$ROWS" "${@:2}") \
    || { log "fluxo run $1 (BASE_BIN) failed"; exit 1; }
  node -e 'const o = JSON.parse(process.argv[1]); o.variant = o.variant ? "base_" + o.variant : "base";
    console.log(JSON.stringify(o))' "$line" | tee -a "$RESULTS"
}
FLUXO_BIN_NEW=$FLUXO_BIN
[[ -z "${BASE_BIN:-}" || -x "$BASE_BIN" ]] || { log "BASE_BIN=$BASE_BIN is not executable"; exit 1; }
export -f binary_copy
export WINDOW COLS HALF PSQL_STR="${PSQL[*]}"

for rep in $(seq 1 "$REPS"); do
  log "rep $rep: COPY (FORMAT binary) to /dev/null, 1 and 2 backends"
  time_limit "pg-binary-1" bash -c 'binary_copy'
  time_limit "pg-binary-2" bash -c 'binary_copy 0 "$HALF" & p=$!; binary_copy "$HALF" && wait $p'
  log "rep $rep: psql \\copy"
  time_peer_file "psql-copy-csv" "$CSV" "${PSQL[@]}" -d bench \
    -c "\\copy (SELECT $COLS FROM bench) TO '$CSV' csv" >/dev/null
  lines=$(wc -l <"$CSV")
  [[ "$lines" -eq "$ROWS" ]] || { log "psql wrote $lines lines, expected $ROWS"; exit 1; }
  rm -f "$CSV"
  for par in $PARS; do
    for bin in "$FLUXO_BIN" ${BASE_BIN:-}; do
      tag=""
      [[ "$bin" == "$FLUXO_BIN" ]] || tag=" (BASE_BIN)"
      log "rep $rep: fluxo$tag --source-parallelism $par"
      FLUXO_BIN=$bin fluxo_ingest_as "$bin" "rep$rep" --source postgres --table bench \
        --delta updated_at --conn-string "$CONN" --parallelism "$par" >/dev/null
      for m in ${MAPPING-mapping}; do  # the same flow with a Mapping (bench/postgres/$m.json)
        log "rep $rep: fluxo$tag --source-parallelism $par with Mapping $m"
        FLUXO_BIN=$bin fluxo_ingest_as "$bin" "rep$rep" --source postgres --table bench \
          --delta updated_at --conn-string "$CONN" --parallelism "$par" \
          --mapping "$REPO/bench/postgres/$m.json" >/dev/null
      done
    done
  done
done

echo
echo "PostgreSQL: fluxo (run over the API until success, Parquet zstd, DuckDB-verified) vs psql \\copy csv"
bench_summary "$CSV_BYTES"
if [[ -n "${BASE_BIN:-}" ]]; then  # before/after, same run: medians of wall and of fluxo CPU
  RESULTS_FILE=$RESULTS node --input-type=module -e '
    import fs from "node:fs";
    const ls = fs.readFileSync(process.env.RESULTS_FILE, "utf8").trim().split("\n").map(JSON.parse)
      .filter((l) => !l.peer);
    const med = (xs) => { const s = [...xs].sort((a, b) => a - b), n = s.length;
      return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
    const g = new Map();
    for (const l of ls) { const k = `p=${l.parallelism} ${l.variant ?? ""}`.trim(); (g.get(k) ?? g.set(k, []).get(k)).push(l); }
    const m = (k, f) => med(g.get(k).map(f));
    for (const k of g.keys()) {
      if (k.includes("base")) continue;
      const b = k.replace(/^(p=\d+) ?(.*)$/, (_, p, v) => `${p} ${v ? "base_" + v : "base"}`);
      if (!g.has(b)) continue;
      console.log(`${k}: new/base wall ${(m(k, (l) => l.wallS) / m(b, (l) => l.wallS)).toFixed(3)}, CPU ${(m(k, (l) => l.fluxoCpuS) / m(b, (l) => l.fluxoCpuS)).toFixed(3)}, Parquet ${(g.get(k)[0].parquetBytes / g.get(b)[0].parquetBytes).toFixed(4)}`);
    }
    for (const k of g.keys()) {  // a mapping against Copy only, for each binary
      const mm = k.match(/^(p=\d+) (base_)?(.+)$/);
      if (!mm || mm[3] === "base") continue;
      const c = mm[2] ? `${mm[1]} base` : mm[1];
      if (g.has(c)) console.log(`${k} vs ${c}: wall ${(100 * (m(k, (l) => l.wallS) / m(c, (l) => l.wallS) - 1)).toFixed(1)}%, CPU ${(100 * (m(k, (l) => l.fluxoCpuS) / m(c, (l) => l.fluxoCpuS) - 1)).toFixed(1)}%`);
    }
  '
fi
echo "table heap $((HEAP_BYTES / 1000000)) MB: MB/s of the heap = CSV MB/s x $(echo "scale=3; $HEAP_BYTES / $CSV_BYTES" | bc)"
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
[[ -z "${OUT:-}" ]] || cat "$RESULTS" >>"$OUT"
