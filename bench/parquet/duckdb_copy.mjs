// The DuckDB side of bench/parquet:
//   node duckdb_copy.mjs IN.csv|IN.parquet OUT.parquet [codec] [mode] [threads]
// mode "csv"     : COPY (SELECT * FROM read_csv(...)) TO OUT (parse + encode, as one statement)
// mode "table"   : loads the CSV into an in-memory table first (not timed), then times
//                  COPY table TO OUT (encode only)
// mode "parquet" : COPY (SELECT * FROM read_parquet(IN)) TO OUT (the source step, source.mjs)
// threads: SET threads=N (default: DuckDB's own, the number of cores)
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'tests', 'node', 'package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');

const [input, output, codec = 'zstd', mode = 'csv', threadsArg] = process.argv.slice(2);
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
if (threadsArg) await con.run(`SET threads=${Number(threadsArg)}`);
const columns = `{'id': 'BIGINT', 'user_id': 'BIGINT', 'qty': 'INTEGER', 'price': 'DECIMAL(12,2)',
  'amount': 'DECIMAL(18,4)', 'score': 'DOUBLE', 'created_at': 'TIMESTAMPTZ', 'day': 'DATE',
  'country': 'VARCHAR', 'status': 'VARCHAR', 'email': 'VARCHAR', 'comment': 'VARCHAR'}`;
const src = `read_csv('${input}', header = true, columns = ${columns})`;
const [{ threads }] = (await con.runAndReadAll(`SELECT current_setting('threads') AS threads`)).getRowObjectsJS();
let from = mode === 'parquet' ? `(SELECT * FROM read_parquet('${input}'))` : `(SELECT * FROM ${src})`;
if (mode === 'table') {
  await con.run(`CREATE TABLE t AS SELECT * FROM ${src}`);
  from = 't';
}
const t0 = process.hrtime.bigint();
await con.run(`COPY ${from} TO '${output}' (FORMAT parquet, COMPRESSION ${codec})`);
const s = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`duckdb mode=${mode} threads=${threads} seconds=${s.toFixed(3)}`);
