// Writes the Parquet files tests/unit/connectors/files/parquet_reader_test.cc reads: one table of every DuckDB type the
// reader maps (NULLs, unicode, decimals, timestamps before 1970) in every codec, with data pages
// v1 and v2 (v2 also brings DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, BYTE_STREAM_SPLIT), and
// one file with a nested column. The values are functions of the row number i, so the C++ test
// computes what it expects. Usage: node make_parquet_inputs.mjs OUTDIR
import { DuckDBInstance } from '@duckdb/node-api';

const out = process.argv[2];
if (!out) {
  console.error('usage: node make_parquet_inputs.mjs OUTDIR');
  process.exit(2);
}
const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
const run = (sql) => con.run(sql);

await run(`SET TimeZone = 'UTC'`);
await run(`SET threads = 1`);
await run(`CREATE TABLE t AS SELECT
  i::BIGINT AS id,
  CASE WHEN i % 7 = 0 THEN NULL ELSE i % 3 = 0 END AS b,
  (i % 200 - 100)::TINYINT AS ti,
  ((i * 7) % 60000 - 30000)::SMALLINT AS si,
  CASE WHEN i % 11 = 0 THEN NULL ELSE (i * 37 - 50000)::INTEGER END AS n,
  CASE WHEN i % 13 = 0 THEN NULL ELSE i * 1000000007 - 5000000000000 END AS l,
  (i % 256)::UTINYINT AS ut,
  (4000000000 + i)::UINTEGER AS ui,
  (18000000000000000000::UBIGINT + i::UBIGINT) AS ub,
  (i * 0.5)::FLOAT AS f,
  CASE WHEN i % 17 = 0 THEN NULL ELSE i / 4.0 - 100 END::DOUBLE AS d,
  ((i % 1000 - 500)::DECIMAL(4,0) / 10)::DECIMAL(4,1) AS dec1,
  ((i * 1234567 - 1000000000)::DECIMAL(18,0) / 1000)::DECIMAL(15,3) AS dec2,
  CAST((i - 1500)::VARCHAR || '1234567890123456.0123456789' AS DECIMAL(38,10)) AS dec3,
  CASE WHEN i % 9 = 0 THEN NULL ELSE 'row ' || i || ' é✓🙂' END AS str,
  ['alpha', 'beta', 'gamma'][i % 3 + 1] AS dict,
  ('b' || i)::BLOB AS bl,
  (DATE '1969-12-25' + (i - 1000)::INTEGER) AS dt,
  make_timestamp(i * 1000003 - 2000000000) AS ts,
  make_timestamp(i * 1000003 - 2000000000)::TIMESTAMPTZ AS tstz,
  make_timestamp(i * 7000000 - 2000000000000)::TIMESTAMP_MS AS ts_ms,
  make_timestamp(i * 1000003 - 2000000000)::TIMESTAMP_NS AS ts_ns,
  (TIME '00:00:00' + to_microseconds(i * 1234567)) AS tm,
  ('00000000-0000-4000-8000-' || lpad(i::VARCHAR, 12, '0'))::UUID AS uu,
  CAST(['x', 'y'][i % 2 + 1] AS ENUM('x', 'y')) AS en
FROM range(3000) r(i)`);

for (const codec of ['zstd', 'snappy', 'gzip', 'uncompressed']) {
  for (const version of ['v1', 'v2']) {
    await run(`COPY t TO '${out}/duckdb_${codec}_${version}.parquet'
               (FORMAT parquet, COMPRESSION ${codec}, PARQUET_VERSION ${version},
                ROW_GROUP_SIZE 2048)`);
  }
}
await run(`COPY (SELECT i AS id, {'a': i, 'b': 'x'} AS st FROM range(10) r(i))
           TO '${out}/duckdb_nested.parquet' (FORMAT parquet)`);
await run(`COPY (SELECT i AS id, [i, i + 1] AS li FROM range(10) r(i))
           TO '${out}/duckdb_list.parquet' (FORMAT parquet)`);
console.log('ok');
