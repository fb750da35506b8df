// Reads back with DuckDB the nested Parquet files of parquet_nested_gen (one test per shape) and
// checks every row against the same functions of the row number the generator uses.
// usage: node parquet_nested_readback.mjs PATH/TO/parquet_nested_gen
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { query, lit } from '../../node/duckdb.mjs';

const ROWS = 20000;
const dir = mkdtempSync(join(tmpdir(), 'fluxo-nested-'));
execFileSync(process.argv[2], [dir], { stdio: 'inherit' });
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const file = (name) => lit(join(dir, `${name}.parquet`));
const rows = async (name) => query(`SELECT * FROM read_parquet(${file(name)}) ORDER BY id`);
const types = async (name) => Object.fromEntries(
  (await query(`DESCRIBE SELECT * FROM read_parquet(${file(name)})`)).map((c) => [c.column_name, c.column_type]));
const range = (n) => Array.from({ length: n }, (_, j) => j);

test('struct: optional structs at two levels, members interleaved in the batch', async () => {
  assert.deepEqual(await types('struct_levels'), {
    person: 'STRUCT("name" STRUCT("first" VARCHAR, "last" VARCHAR), age BIGINT)',
    id: 'BIGINT',
    loyalty: 'STRUCT(points BIGINT)',
  });
  const got = await rows('struct_levels');
  assert.equal(got.length, ROWS);
  for (const r of got) {
    const i = Number(r.id);
    const k = i % 5;
    const want = k === 0 ? null : {
      name: k === 1 ? null : { first: `f${i}`, last: k >= 3 ? `l${i}` : null },
      age: BigInt(i % 90),
    };
    assert.deepEqual(r.person, want, `row ${i}`);
    assert.deepEqual(r.loyalty, i % 7 === 0 ? null : { points: BigInt(i * 3) }, `row ${i}`);
  }
  // Dotted paths address the members, as the schema's paths do.
  const [c] = await query(`SELECT count(person.name.first) AS f, count(person.name) AS n,
    count(person) AS p FROM read_parquet(${file('struct_levels')})`);
  assert.deepEqual([c.f, c.n, c.p].map(Number), [ROWS * 3 / 5, ROWS * 3 / 5, ROWS * 4 / 5]);
});

test('list of primitives: strings with null elements, integers, a list inside a struct', async () => {
  assert.deepEqual(await types('list_primitives'), {
    id: 'BIGINT', tags: 'VARCHAR[]', scores: 'BIGINT[]',
    profile: 'STRUCT("name" VARCHAR, codes BIGINT[])',
  });
  const got = await rows('list_primitives');
  assert.equal(got.length, ROWS);
  for (const r of got) {
    const i = Number(r.id);
    assert.deepEqual(r.tags, range(i % 4).map((j) => (j % 3 === 2 ? null : `t${i}_${j}`)), `row ${i}`);
    assert.deepEqual(r.scores, range(i % 3).map((j) => BigInt(i * 10 + j)), `row ${i}`);
    assert.deepEqual(r.profile, { name: i % 2 === 0 ? `p${i}` : null, codes: [BigInt(i), BigInt(-i)] });
  }
});

test('null list: a null list is NULL, not an empty list', async () => {
  const got = await rows('null_list');
  assert.equal(got.length, ROWS);
  for (const r of got) {
    const i = Number(r.id);
    assert.deepEqual(r.tags, i % 3 === 0 ? null : [`a${i}`], `row ${i}`);
  }
});

test('empty list: an empty list is [], distinct from NULL', async () => {
  const got = await rows('empty_list');
  for (const r of got) {
    const i = Number(r.id);
    const want = i % 6 === 1 ? null : i % 2 === 0 ? [] : [`e${i}`, 'f'];
    assert.deepEqual(r.tags, want, `row ${i}`);
  }
  const [c] = await query(`SELECT count(*) FILTER (WHERE len(tags) = 0) AS empty,
    count(*) FILTER (WHERE tags IS NULL) AS nulls FROM read_parquet(${file('empty_list')})`);
  assert.deepEqual([Number(c.empty), Number(c.nulls)], [ROWS / 2, Math.ceil((ROWS - 1) / 6)]);
});

test('shared members: a field mapped twice into one struct, and into another', async () => {
  assert.deepEqual(await types('shared_members'), {
    id: 'BIGINT', p: 'STRUCT("name" VARCHAR, alias VARCHAR)', ids: 'STRUCT(id BIGINT)',
    q: 'STRUCT("name" VARCHAR)',
  });
  const got = await rows('shared_members');
  assert.equal(got.length, ROWS);
  for (const r of got) {
    const i = Number(r.id);
    const name = i % 9 === 0 ? null : `n${i % 500}`;
    assert.deepEqual(r.p, name === null ? null : { name, alias: name }, `row ${i}`);
    assert.deepEqual(r.ids, { id: BigInt(i) }, `row ${i}`);
    assert.deepEqual(r.q, name === null ? null : { name }, `row ${i}`);
  }
});
