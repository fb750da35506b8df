#!/usr/bin/env node
// The Polars side of bench/csv, in its own process (so its peak RSS and CPU are its own):
//   POLARS_MAX_THREADS=2 node polars_copy.mjs IN.csv OUT.parquet
// Times `pl.scanCSV(IN).sinkParquet(OUT, {compression: 'zstd'}).collect()` (nodejs-polars, installed
// by run.sh in bench/csv/node_modules from bench/csv/package.json; Polars infers the types itself
// and leaves 'YYYY-MM-DD HH:MM:SS' timestamps as text). The row count is made by the caller with
// DuckDB (count, distinct ids, types), not here. Prints one JSON object: seconds and the Polars
// version.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const pl = createRequire(path.join(here, 'package.json'))('nodejs-polars');

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: polars_copy.mjs IN.csv OUT.parquet');
  process.exit(2);
}
if (!process.env.POLARS_MAX_THREADS) {
  console.error('polars_copy.mjs: set POLARS_MAX_THREADS (the bench uses 2)');
  process.exit(2);
}
const t0 = process.hrtime.bigint();
const sink = pl.scanCSV(input).sinkParquet(output, { compression: 'zstd' });
// sinkParquet is lazy in nodejs-polars: nothing is written until the sink is collected.
if (sink && typeof sink.collect === 'function') await sink.collect();
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ seconds: +seconds.toFixed(3), polars: String(pl.version ?? '') }));
