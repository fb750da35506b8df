# Shared helpers of bench/postgres, bench/mysql and bench/sqlite (sourced, not run).
#
# Environment understood by every run.sh:
#   ROWS      table size (default 5000000)
#   REPS      repetitions of each measurement (default 3)
#   PARS      fluxo --source-parallelism values to try (default "1 2")
#   FLUXO_BIN the fluxo binary; default: $BUILD_DIR/fluxo, built when missing
#   BUILD_DIR default build-bench (Release); the binary is built there when missing
#   OUT       also append every result (one JSON object a line) to this file
#   KEEP=1    keep the temp dir (servers are still stopped)

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ROWS=${ROWS:-5000000}
REPS=${REPS:-3}
PARS=${PARS:-"1 2"}
BUILD_DIR=${BUILD_DIR:-$REPO/build-bench}
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR=$REPO/$BUILD_DIR

log() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }

# Builds fluxo (Release) in $BUILD_DIR unless FLUXO_BIN names an existing binary.
bench_build() {
  if [[ -n "${FLUXO_BIN:-}" ]]; then
    [[ -x "$FLUXO_BIN" ]] || { echo "FLUXO_BIN=$FLUXO_BIN is not executable" >&2; exit 1; }
  else
    if [[ ! -x "$BUILD_DIR/fluxo" ]]; then
      log "building fluxo (Release) in $BUILD_DIR"
      cmake -S "$REPO" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
      cmake --build "$BUILD_DIR" --target fluxo -j"$(nproc)" >/dev/null
    fi
    export FLUXO_BIN=$BUILD_DIR/fluxo
  fi
  [[ -d "$REPO/tests/node/node_modules/@duckdb/node-api" ]] \
    || (cd "$REPO/tests/node" && npm install --no-audit --no-fund >/dev/null)
}

# A temp dir for this run, removed at exit (after the caller's own cleanup).
bench_tmp() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/fluxo-bench-$1.XXXXXX")
  RESULTS=$WORK/results.jsonl
  : >"$RESULTS"
}

bench_rm_tmp() {
  if [[ "${KEEP:-0}" == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}

# The machine, for the record.
bench_machine() {
  local cpu
  cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
  echo "machine: $(nproc) cores ($cpu), $(free -g | awk '/^Mem:/{print $2}') GiB RAM, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# time_peer NAME OUTFILE CMD...: runs CMD (its stdout goes to OUTFILE) under /usr/bin/time and
# appends {"peer":NAME,"wallS":..,"peakRssMiB":..,"bytes":..,"lines":..} to $RESULTS.
time_peer() {
  local name=$1 out=$2; shift 2
  local tf=$WORK/time.txt
  rm -f "$out"
  /usr/bin/time -f '%e %M' -o "$tf" "$@" >"$out"
  local wall rss bytes lines
  read -r wall rss <"$tf"
  bytes=$(stat -c %s "$out")
  lines=$(wc -l <"$out")
  echo "{\"peer\":\"$name\",\"wallS\":$wall,\"peakRssMiB\":$(echo "scale=1; $rss/1024" | bc),\"bytes\":$bytes,\"lines\":$lines}" \
    | tee -a "$RESULTS"
}

# time_peer_file NAME OUTFILE CMD...: as time_peer, for a command that writes OUTFILE itself.
time_peer_file() {
  local name=$1 out=$2; shift 2
  local tf=$WORK/time.txt
  rm -f "$out"
  /usr/bin/time -f '%e %M' -o "$tf" "$@" >/dev/null
  local wall rss bytes lines
  read -r wall rss <"$tf"
  bytes=$(stat -c %s "$out")
  lines=$(wc -l <"$out")
  echo "{\"peer\":\"$name\",\"wallS\":$wall,\"peakRssMiB\":$(echo "scale=1; $rss/1024" | bc),\"bytes\":$bytes,\"lines\":$lines}" \
    | tee -a "$RESULTS"
}

# fluxo_ingest LABEL ARGS...: one end-to-end run through the API (bench/lib/ingest.mjs); the
# result line goes to $RESULTS. Fails the script when the run fails or the counts are wrong.
fluxo_ingest() {
  local label=$1; shift
  node "$REPO/bench/lib/ingest.mjs" --label "$label" --rows "$ROWS" "$@" | tee -a "$RESULTS"
  [[ ${PIPESTATUS[0]} -eq 0 ]] || { log "fluxo run $label failed"; exit 1; }
}

# Prints the summary table of $RESULTS: the best and median wall time of each peer and of fluxo per
# --source-parallelism, rows/s and MB/s (of the median), peak RSS, and the ratio of speeds
# fluxo/peer (peer median time / fluxo median time; > 1: fluxo faster) against every peer.
# $1: the peer's output size in bytes (MB/s of both sides are of this size).
bench_summary() {
  RESULTS_FILE=$RESULTS OUT_BYTES=$1 ROWS=$ROWS node --input-type=module -e '
    import fs from "node:fs";
    const lines = fs.readFileSync(process.env.RESULTS_FILE, "utf8").trim().split("\n").filter(Boolean).map(JSON.parse);
    const rows = Number(process.env.ROWS), mb = Number(process.env.OUT_BYTES) / 1e6;
    const med = (xs) => { const s = [...xs].sort((a, b) => a - b); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
    const fmt = (n) => Math.round(n).toLocaleString("en-US");
    const groups = new Map();
    for (const l of lines) {
      const k = l.peer ?? `fluxo p=${l.parallelism}${l.variant ? " " + l.variant : ""}`;
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(l);
    }
    const peers = [...groups.keys()].filter((k) => !k.startsWith("fluxo"));
    const pm = Object.fromEntries(peers.map((k) => [k, med(groups.get(k).map((l) => l.wallS))]));
    console.log(`rows ${fmt(rows)}; MB/s are of the peer output size (${mb.toFixed(1)} MB) for every line`);
    console.log(`| what | runs (s) | best s | median s | rows/s | MB/s | peak RSS MiB | ${peers.map((p) => `fluxo/${p}`).join(" | ")} |`);
    console.log(`|---|---|---:|---:|---:|---:|---:|${peers.map(() => "---:").join("|")}|`);
    const order = [...peers, ...[...groups.keys()].filter((k) => k.startsWith("fluxo")).sort()];
    for (const k of order) {
      const ls = groups.get(k);
      const m = med(ls.map((l) => l.wallS));
      const ratios = peers.map((p) => (k.startsWith("fluxo") ? (pm[p] / m).toFixed(2) : "")).join(" | ");
      console.log(`| ${k} | ${ls.map((l) => l.wallS.toFixed(2)).join(", ")} | ${Math.min(...ls.map((l) => l.wallS)).toFixed(2)} | ${m.toFixed(2)} | ${fmt(rows / m)} | ${(mb / m).toFixed(1)} | ${Math.max(...ls.map((l) => l.peakRssMiB))} | ${ratios} |`);
    }
    for (const [k, ls] of groups) {  // a variant (e.g. a Mapping) against the same flow without it
      const base = k.replace(/ [a-z_]+$/, "");
      if (!k.startsWith("fluxo") || base === k || !groups.has(base)) continue;
      const m = med(ls.map((l) => l.wallS)), b = med(groups.get(base).map((l) => l.wallS));
      console.log(`${k}: median ${m.toFixed(2)} s vs ${b.toFixed(2)} s without: ${(100 * (m / b - 1)).toFixed(1)}% more time`);
    }
    for (const [k, ls] of groups) {
      if (!k.startsWith("fluxo")) continue;
      console.log(`${k}: engine time (startedAtUTC..completedAtUTC) ${ls.map((l) => l.engineS).join(", ")} s; fluxo CPU ${ls.map((l) => l.fluxoCpuS).join(", ")} s; Parquet ${(ls[0].parquetBytes / 1e6).toFixed(1)} MB in ${ls[0].files} file(s), codec ${ls[0].codecs}; rows ${ls[0].rows}, distinct ids ${ls[0].distinctIds}`);
    }
  '
}
