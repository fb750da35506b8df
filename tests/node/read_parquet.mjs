// Prints the rows of a Parquet file as JSON Lines, read by DuckDB (an independent reader), for
// tests that check fluxo's output row by row.
//
// usage: node read_parquet.mjs FILE [ORDER_BY_COLUMN]
// Line 1: {"columns": [{"name": ..., "type": DuckDB type}, ...]}; then one object per row whose
// values are DuckDB's VARCHAR rendering of each value (BLOBs as lower-case hex, TIMESTAMP WITH
// TIME ZONE in UTC), or null.
import { DuckDBInstance } from '@duckdb/node-api';

const [file, orderBy] = process.argv.slice(2);
if (!file) {
  console.error('usage: node read_parquet.mjs FILE [ORDER_BY_COLUMN]');
  process.exit(2);
}
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const ident = (s) => `"${s.replaceAll('"', '""')}"`;
const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
try {
  await con.run(`SET TimeZone = 'UTC'`);
} catch {
  // Without ICU, TIMESTAMP WITH TIME ZONE is rendered in UTC anyway.
}
const scan = `read_parquet(${q(file)})`;
const desc = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${scan}`)).getRowObjectsJS();
const columns = desc.map((d) => ({ name: d.column_name, type: d.column_type }));
console.log(JSON.stringify({ columns }));
const exprs = columns.map((c) =>
  c.type === 'BLOB' ? `lower(hex(${ident(c.name)})) AS ${ident(c.name)}`
                    : `CAST(${ident(c.name)} AS VARCHAR) AS ${ident(c.name)}`);
const order = orderBy ? ` ORDER BY ${ident(orderBy)}` : '';
const rows = (await con.runAndReadAll(`SELECT ${exprs.join(', ')} FROM ${scan}${order}`))
  .getRowObjectsJS();
for (const r of rows) console.log(JSON.stringify(r));
