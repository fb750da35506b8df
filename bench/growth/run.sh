#!/usr/bin/env bash
# bench/growth (issue 17 item 5): the same run at two sizes, 5,000,000 and 25,000,000 rows, for
# PostgreSQL, CSV and JSON Lines. It runs bench/postgres, bench/csv and bench/json once per size
# (REPS=1, --source-parallelism as each benchmark's default) and prints, per source, the time ratio
# (25M time / 5M time / 5: 1.00 means time in proportion) next to the peer's in the same run (psql
# \copy, DuckDB: the machine's own drift), and fluxo's peak RSS at both sizes. The bar: within 10%
# of proportional, peak RSS under 300 MiB at both sizes.
#
#   bench/growth/run.sh     env: SIZES ("5000000 25000000"), SOURCES ("postgres csv jsonl"),
#                           FLUXO_BIN (else built by the benchmarks), OUT (append the summary rows),
#                           COLD=1 (csv, jsonl: the input is dropped from the page cache before
#                           each fluxo run, at both sizes, so neither size reads from memory)
# Disk: the 25M inputs are about 5 GB (CSV), 7.4 GB (JSON Lines) and 5 GB (the PostgreSQL heap);
# each benchmark removes its temp dir before the next starts.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SIZES=${SIZES:-"5000000 25000000"}
SOURCES=${SOURCES:-"postgres csv jsonl"}
RES=$(mktemp -d "${TMPDIR:-/tmp}/fluxo-bench-growth.XXXXXX")
trap 'rm -rf "$RES"' EXIT
log() { echo "[growth $(date +%H:%M:%S)] $*" >&2; }

for rows in $SIZES; do
  for src in $SOURCES; do
    log "$src, $rows rows (load $(cut -d' ' -f1 /proc/loadavg))"
    out=$RES/$src-$rows.jsonl
    case $src in
      postgres) ROWS=$rows REPS=1 PARS=1 MAPPING="" OUT=$out "$REPO/bench/postgres/run.sh" >&2 ;;
      csv) ROWS=$rows REPS=1 MODES=declared SPLIT_FILES=0 POLARS_THREADS=0 OUT=$out "$REPO/bench/csv/run.sh" >&2 ;;
      jsonl) ROWS=$rows REPS=1 MODES=inferred OUT=$out "$REPO/bench/json/run.sh" >&2 ;;
      *) echo "unknown source $src" >&2; exit 2 ;;
    esac
  done
done

RES=$RES SIZES=$SIZES SOURCES=$SOURCES node --input-type=module -e '
  import fs from "node:fs";
  const sizes = process.env.SIZES.split(" ").filter(Boolean).map(Number);
  const [small, big] = [sizes[0], sizes[sizes.length - 1]], k = big / small;
  const read = (src, rows) => fs.readFileSync(`${process.env.RES}/${src}-${rows}.jsonl`, "utf8")
    .trim().split("\n").filter(Boolean).map(JSON.parse);
  // A fluxo line has a source (bench/lib/ingest.mjs) or a "what" naming fluxo (bench/csv).
  const isFluxo = (l) => l.source !== undefined || (l.what ?? "").startsWith("fluxo");
  // The peer: psql \copy for PostgreSQL (bench/postgres also times binary COPY), DuckDB otherwise.
  const pick = (ls, fluxo) => (fluxo ? ls.find(isFluxo)
    : ls.find((l) => l.peer === "psql-copy-csv") ?? ls.find((l) => !isFluxo(l)));
  console.log(`| source | fluxo ${small / 1e6}M s | fluxo ${big / 1e6}M s | fluxo time ratio | peer time ratio | fluxo CPU ratio | user / sys CPU ratio | peak RSS ${small / 1e6}M / ${big / 1e6}M MiB | bar |`);
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---|");
  let ok = true;
  for (const src of process.env.SOURCES.split(" ").filter(Boolean)) {
    const [a, b] = [read(src, small), read(src, big)];
    const [fa, fb, pa, pb] = [pick(a, true), pick(b, true), pick(a, false), pick(b, false)];
    const ratio = fb.wallS / fa.wallS / k, peer = pb.wallS / pa.wallS / k, cpu = fb.fluxoCpuS / fa.fluxoCpuS / k;
    // User and kernel CPU apart (bench/csv and bench/json report them): kernel time grows when
    // the big input no longer stays in the page cache.
    const us = fa.fluxoUserS !== undefined && fb.fluxoUserS !== undefined
      ? `${(fb.fluxoUserS / fa.fluxoUserS / k).toFixed(3)} / ${(fb.fluxoSysS / fa.fluxoSysS / k).toFixed(3)}` : "";
    const met = ratio <= 1.1 && fa.peakRssMiB < 300 && fb.peakRssMiB < 300;
    ok &&= met;
    console.log(`| ${src} | ${fa.wallS.toFixed(2)} | ${fb.wallS.toFixed(2)} | ${ratio.toFixed(3)} | ${peer.toFixed(3)} | ${cpu.toFixed(3)} | ${us} | ${fa.peakRssMiB} / ${fb.peakRssMiB} | ${met ? "met" : "NOT met"} |`);
  }
  console.log(`time ratio = (${big / 1e6}M s / ${small / 1e6}M s) / ${k}: 1.000 is time in proportion to rows; the bar is <= 1.10 with peak RSS < 300 MiB; the CPU ratio (fluxo process CPU s, the same way) is the one to trust on a loaded machine`);
  if (process.env.OUT) fs.appendFileSync(process.env.OUT, JSON.stringify({ sizes, ok }) + "\n");
'
