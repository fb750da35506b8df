// DuckDB for tests that live outside tests/node (ESM resolves packages from the importing file's
// folder, so they import this module instead of '@duckdb/node-api').
import { DuckDBInstance } from '@duckdb/node-api';

let con;

// Runs `sql` and returns the rows as plain JS objects (BIGINT as BigInt).
export async function query(sql) {
  if (!con) {
    const instance = await DuckDBInstance.create(':memory:');
    con = await instance.connect();
  }
  const reader = await con.runAndReadAll(sql);
  return reader.getRowObjectsJS();
}

// A SQL string literal.
export function lit(s) {
  return `'${String(s).replaceAll("'", "''")}'`;
}
