// Reads back with DuckDB the Parquet files that fluxo writes (tests/unit/formats/parquet_writegen.cc)
// and checks: row counts, logical types (DESCRIBE, parquet_schema), every value (small cases) or a
// checksum of every value (1,000,000 rows), statistics in parquet_metadata(), row groups skipped by
// a filter, dictionary fallback, codecs, several files, 0-row files.
//
// usage: node parquet_readback.mjs PATH/TO/parquet_writegen
// Hermetic: writes into a fresh temp dir, removed at the end (kept on failure when
// FLUXO_KEEP_TMP=1).
import { DuckDBInstance } from '@duckdb/node-api';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const writegen = process.argv[2];
if (!writegen) {
  console.error('usage: node parquet_readback.mjs PATH/TO/parquet_writegen');
  process.exit(2);
}

let failures = 0;
let checks = 0;
function check(cond, what) {
  checks++;
  if (!cond) {
    failures++;
    console.error(`FAIL: ${what}`);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'fluxo-parquet-'));
const t0 = Date.now();
execFileSync(writegen, [dir], { stdio: 'inherit' });
console.log(`writegen: ${Date.now() - t0} ms`);
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));

const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
async function rows(sql) {
  const reader = await con.runAndReadAll(sql);
  return reader.getRowObjectsJS();
}
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const ident = (s) => `"${s.replaceAll('"', '""')}"`;
const fileList = (c) => `[${c.files.map(q).join(', ')}]`;
const scan = (c) => `read_parquet(${fileList(c)})`;

// TypeId numbers from record_batch.h.
const T = { bool: 0, i32: 1, i64: 2, f64: 3, dec: 4, str: 5, bin: 6, date: 7, ts: 8 };

// SQL rendering a column like parquet_writegen's Canonical().
function canonicalExpr(col) {
  const c = ident(col.name);
  switch (col.type) {
    case T.f64: return c;  // compared as numbers
    case T.str: return c;
    case T.bin: return `hex(${c})`;
    case T.date: return `(${c} - DATE '1970-01-01')::VARCHAR`;
    case T.ts: return `epoch_us(${c})::VARCHAR`;
    default: return `${c}::VARCHAR`;
  }
}

function sameDouble(actual, expected) {
  const e = Number(expected);
  if (Number.isNaN(e)) return Number.isNaN(actual);
  return Object.is(actual, e);
}

// The f(value) of the round-trip checksum (see parquet_writegen.cc RoundTrip).
function checksumExpr(col) {
  const c = ident(col.name);
  let f;
  switch (col.type) {
    case T.bool: f = `${c}::INT::HUGEINT`; break;
    case T.f64: f = `(${c} * 1048576)::BIGINT::HUGEINT`; break;
    case T.dec: f = `replace(${c}::VARCHAR, '.', '')::HUGEINT`; break;
    case T.str:
    case T.bin: f = `('0x' || substr(md5(${c}), 1, 15))::BIGINT::HUGEINT`; break;
    case T.date: f = `(${c} - DATE '1970-01-01')::HUGEINT`; break;
    case T.ts: f = `epoch_us(${c})::HUGEINT`; break;
    default: f = `${c}::HUGEINT`;
  }
  return `sum((${f} % 1000000007) * ((id % 65521) + 1))::VARCHAR`;
}

// Rows DuckDB's scan operator reads for `SELECT count(*) ... WHERE cond` (from its profiler).
async function rowsScanned(c, cond) {
  const out = join(dir, 'profile.json');
  rmSync(out, { force: true });
  await con.run(`PRAGMA enable_profiling='json'`);
  await con.run(`SET profiling_output=${q(out)}`);
  await con.run(`PRAGMA profiling_mode='detailed'`);
  await rows(`SELECT count(*) FROM ${scan(c)} WHERE ${cond}`);
  await con.run(`PRAGMA disable_profiling`);
  const profile = JSON.parse(readFileSync(out, 'utf8'));
  let scanned = 0;
  const walk = (node) => {
    if (/TABLE_SCAN/.test(node.operator_type ?? '')) scanned += node.operator_rows_scanned ?? 0;
    for (const child of node.children ?? []) walk(child);
  };
  walk(profile);
  return scanned;
}

for (const c of manifest.cases) {
  const name = c.name;
  console.log(`case ${name}: ${c.files.length} file(s), ${c.rows} rows`);

  // Row counts, per file and in total.
  const [{ n }] = await rows(`SELECT count(*)::BIGINT AS n FROM ${scan(c)}`);
  check(Number(n) === c.rows, `${name}: row count ${n} != ${c.rows}`);
  for (let i = 0; i < c.files.length; i++) {
    const [{ m }] = await rows(`SELECT count(*)::BIGINT AS m FROM read_parquet(${q(c.files[i])})`);
    check(Number(m) === c.file_rows[i], `${name}: file ${i} has ${m} rows, manifest ${c.file_rows[i]}`);
  }
  if (c.min_files) check(c.files.length >= c.min_files, `${name}: ${c.files.length} files < ${c.min_files}`);

  // Logical types and nullability.
  const desc = await rows(`DESCRIBE SELECT * FROM ${scan(c)}`);
  check(desc.length === c.columns.length, `${name}: ${desc.length} columns`);
  for (let i = 0; i < c.columns.length; i++) {
    const col = c.columns[i];
    check(desc[i]?.column_name === col.name, `${name}: column ${i} named ${desc[i]?.column_name}`);
    check(desc[i]?.column_type === col.duckdb_type,
      `${name}.${col.name}: DuckDB type ${desc[i]?.column_type}, expected ${col.duckdb_type}`);
  }
  const pschema = await rows(
    `SELECT name, repetition_type, converted_type, logical_type FROM parquet_schema(${q(c.files[0])})`);
  for (const col of c.columns) {
    const el = pschema.find((e) => e.name === col.name);
    check(el && el.repetition_type === (col.nullable ? 'OPTIONAL' : 'REQUIRED'),
      `${name}.${col.name}: repetition ${el?.repetition_type}`);
    if (col.type === T.ts) {
      check(el && /isAdjustedToUTC=1/.test(el.logical_type) && /MICROS/.test(el.logical_type),
        `${name}.${col.name}: timestamp logical type ${el?.logical_type}`);
    }
    if (col.type === T.str) {
      check(el && el.converted_type === 'UTF8', `${name}.${col.name}: string converted type`);
    }
  }

  // Every value.
  if (c.expected) {
    const expected = JSON.parse(readFileSync(c.expected, 'utf8'));
    const sql = `SELECT ${c.columns.map((col, k) => `${canonicalExpr(col)} AS c${k}`).join(', ')}
                 FROM ${scan(c)} ORDER BY "id"`;
    const got = await rows(sql);
    check(got.length === expected.length, `${name}: read ${got.length} rows, expected ${expected.length}`);
    let bad = 0;
    for (let r = 0; r < Math.min(got.length, expected.length); r++) {
      for (let k = 0; k < c.columns.length; k++) {
        const col = c.columns[k];
        const a = got[r][`c${k}`];
        const e = expected[r][k];
        let ok;
        if (e === null) ok = a === null;
        else if (col.type === T.f64) ok = a !== null && sameDouble(a, e);
        else ok = a === e;
        if (!ok && bad++ < 5) {
          const show = (v) => (typeof v === 'string' && v.length > 80 ? `${v.slice(0, 80)}...(${v.length})` : v);
          console.error(`  ${name} row ${r} ${col.name}: got ${show(a)} expected ${show(e)}`);
        }
      }
    }
    check(bad === 0, `${name}: ${bad} values differ`);
  }

  // Round-trip checksums.
  if (c.checksums) {
    const exprs = c.columns.map((col) =>
      `${checksumExpr(col)} AS ${ident('sum_' + col.name)}, count(${ident(col.name)})::BIGINT AS ${ident('nn_' + col.name)}`);
    const [got] = await rows(`SELECT ${exprs.join(', ')} FROM ${scan(c)}`);
    for (const col of c.columns) {
      check(got['sum_' + col.name] === c.checksums[col.name],
        `${name}.${col.name}: checksum ${got['sum_' + col.name]} != ${c.checksums[col.name]}`);
      check(Number(got['nn_' + col.name]) === c.nonnull[col.name],
        `${name}.${col.name}: ${got['nn_' + col.name]} non-null values != ${c.nonnull[col.name]}`);
    }
  }

  if (c.rows === 0) continue;

  // Metadata: codec, row groups, statistics present on every column chunk that has values.
  const meta = await rows(`SELECT file_name, row_group_id, row_group_num_rows, path_in_schema, compression,
      encodings, stats_min_value, stats_max_value, stats_null_count
      FROM parquet_metadata(${fileList(c)})`);
  const rowGroups = new Set(meta.map((m) => `${m.file_name}#${m.row_group_id}`));
  if (c.min_row_groups) {
    check(rowGroups.size >= c.min_row_groups, `${name}: ${rowGroups.size} row groups < ${c.min_row_groups}`);
  }
  if (c.codec) {
    const want = { none: 'UNCOMPRESSED', snappy: 'SNAPPY', gzip: 'GZIP', zstd: 'ZSTD' }[c.codec];
    check(meta.every((m) => m.compression === want), `${name}: compression is not ${want}`);
  }
  for (const m of meta) {
    const col = c.columns.find((x) => x.name === m.path_in_schema);
    check(m.stats_null_count !== null, `${name}.${m.path_in_schema} rg ${m.row_group_id}: no null_count`);
    const allNull = m.stats_null_count !== null && Number(m.stats_null_count) === Number(m.row_group_num_rows);
    if (!allNull && col && col.type !== T.f64) {
      check(m.stats_min_value !== null && m.stats_max_value !== null,
        `${name}.${m.path_in_schema} rg ${m.row_group_id}: min/max missing`);
    }
  }
  if (c.expect_fallback) {
    for (const colName of Object.keys(c.expect_fallback)) {
      const chunks = meta.filter((m) => m.path_in_schema === colName);
      check(chunks.some((m) => /RLE_DICTIONARY/.test(m.encodings) && /PLAIN/.test(m.encodings)),
        `${name}.${colName}: no chunk with both RLE_DICTIONARY and PLAIN (${chunks.map((m) => m.encodings)})`);
    }
  }
  if (c.expect_delta) {
    for (const colName of Object.keys(c.expect_delta)) {
      const chunks = meta.filter((m) => m.path_in_schema === colName);
      check(chunks.filter((m) => Number(m.row_group_num_rows) >= 40000)
        .every((m) => /DELTA_BINARY_PACKED/.test(m.encodings)),
        `${name}.${colName}: not delta encoded (${chunks.map((m) => m.encodings)})`);
    }
  }
  if (c.expect_dictionary_only) {
    for (const colName of Object.keys(c.expect_dictionary_only)) {
      const chunks = meta.filter((m) => m.path_in_schema === colName);
      check(chunks.every((m) => /RLE_DICTIONARY/.test(m.encodings)),
        `${name}.${colName}: not dictionary encoded (${chunks.map((m) => m.encodings)})`);
    }
  }

  // Statistics are right and used: per row group, id's min/max are the group's id range, and a
  // selective filter on id makes DuckDB skip the other row groups.
  if (c.stats_column) {
    const sc = c.stats_column;
    const idStats = meta.filter((m) => m.path_in_schema === sc);
    let start = 0;
    for (const m of idStats.sort((a, b) => Number(a.row_group_id) - Number(b.row_group_id))) {
      const end = start + Number(m.row_group_num_rows) - 1;
      check(m.stats_min_value === String(start) && m.stats_max_value === String(end),
        `${name}: rg ${m.row_group_id} ${sc} stats ${m.stats_min_value}..${m.stats_max_value}, expected ${start}..${end}`);
      start = end + 1;
    }
    // DuckDB's profiler counts rows scanned per file, not per row group: an out-of-range filter
    // must scan nothing (the footer statistics alone answer it) while an in-range one scans.
    const outOfRange = await rowsScanned(c, `${ident(sc)} = ${c.rows + 1000}`);
    const inRange = await rowsScanned(c, `${ident(sc)} < 100`);
    check(outOfRange === 0 && inRange > 0,
      `${name}: out-of-range filter on ${sc} scanned ${outOfRange} rows (in range: ${inRange})`);
    console.log(`  ${sc} out of range: DuckDB scanned ${outOfRange} rows (in range: ${inRange})`);
  }
}

console.log(`${checks} checks, ${failures} failures`);
if (failures === 0 || process.env.FLUXO_KEEP_TMP !== '1') rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
process.exit(failures === 0 ? 0 : 1);
