#!/usr/bin/env node
// The DuckDB side of bench/csv and bench/json, in its own process (so its peak RSS is its own):
//   node duckdb_copy.mjs IN.csv|IN.jsonl OUT.parquet [threads]
// Times `COPY (SELECT * FROM read_csv(IN)) TO OUT (FORMAT parquet, COMPRESSION zstd)` (read_json
// for a .jsonl input) with
// `SET threads=N` (default 2), then counts the rows of OUT (not timed). Prints one JSON object.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const duckPath = createRequire(path.join(repo, 'tests/node/package.json')).resolve('@duckdb/node-api');
const { DuckDBInstance } = await import(pathToFileURL(duckPath).href);
const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;

const [input, output, threads = '2'] = process.argv.slice(2);
const con = await (await DuckDBInstance.create(':memory:')).connect();
await con.run(`SET threads=${Number(threads)}`);
const t0 = process.hrtime.bigint();
const reader = /\.jsonl?$/.test(input) ? 'read_json' : 'read_csv';
await con.run(`COPY (SELECT * FROM ${reader}(${lit(input)})) TO ${lit(output)} (FORMAT parquet, COMPRESSION zstd)`);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const [r] = (await con.runAndReadAll(
  `SELECT count(*) AS n, count(DISTINCT id) AS d FROM read_parquet(${lit(output)})`)).getRowObjectsJS();
const types = (await con.runAndReadAll(
  `SELECT string_agg(column_name || ' ' || column_type, ', ') AS t FROM (DESCRIBE SELECT * FROM read_parquet(${lit(output)}))`,
)).getRowObjectsJS()[0].t;
console.log(JSON.stringify({ seconds: +seconds.toFixed(3), rows: Number(r.n), distinctIds: Number(r.d), types }));
