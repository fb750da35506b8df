// Data Prep end to end, replaying AEP's tutorial chain: a target schema -> a dataset with
// schemaRef -> a mapping set with attribute and expression mappings -> a flow with Copy and
// Mapping -> POST /runs; DuckDB reads the landed
// Parquet and checks every calculated value over all rows. Bad mappings get 400s that point at
// the mapping, the field and the column; a run with 1% unconvertible values succeeds under a 5%
// threshold with those rows in row_errors; the flow applies the version it names. From CSV and
// JSON Lines files, every row error names the file and line of its source row.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FLOW, CATALOG, EXPORT, SPEC, startFluxo, tempDir, runCli } from './lib/fluxo.mjs';
import { sqlite } from './lib/sqlite.mjs';
import { SQLITE_SPEC, createRun, waitRun, batchIdOf } from './lib/flows.mjs';
import { query, lit } from '../node/duckdb.mjs';

const CONV = '/data/foundation/conversion';
const REGISTRY = '/data/foundation/schemaregistry';
let schemaId;
const SCHEMA = {
  title: 'Person', type: 'object', description: 'the target of the customers table',
  properties: {
    person: { type: 'object', properties: {
      id: { type: 'integer' }, firstName: { type: 'string' }, lastName: { type: 'string' },
      fullName: { type: 'string' }, agePlusOne: { type: 'integer' }, age: { type: 'integer' },
      idText: { type: 'string' } } },
    cents: { type: 'integer' }, hash: { type: 'string' },
    signupDate: { type: 'string', format: 'date' }, tier: { type: 'string' },
    x: { type: 'string' },
    _tenant: { type: 'object', properties: {
      loyalty: { type: 'object', properties: { points: { type: 'integer' } } },
      tags: { type: 'array', items: { type: 'string' } } } },
  },
};
const ROWS = 10000;
const BASE = 1700000000;
let fx, api, dir, db;

before(async () => {
  dir = tempDir('fluxo-dataprep-');
  fx = await startFluxo(['--allow-path', dir]);
  api = await fx.client();
  const schema = await api.post(`${REGISTRY}/tenant/schemas`, SCHEMA);
  assert.equal(schema.status, 201, schema.text);
  schemaId = schema.body['$id'];
  db = path.join(dir, 'crm.db');
  // Row i: first 'f<i>', last 'l<i>', age '<i % 90>' except every id % 100 == 7 ('n/a': 1% that
  // to_integer cannot convert), price i * 0.25, signup 'dd/MM/2024', tags (JSON text) by i % 4:
  // null, [], ["t<i>"], ["t<i>", "u", null].
  sqlite(db, `
    CREATE TABLE customers (id INTEGER PRIMARY KEY, updated_at INTEGER NOT NULL, first TEXT,
                            last TEXT, age TEXT, price REAL, signup TEXT, tags TEXT);
    WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < ${ROWS - 1})
    INSERT INTO customers SELECT x, ${BASE} + x, 'f' || x, 'l' || x,
      CASE WHEN x % 100 = 7 THEN 'n/a' ELSE CAST(x % 90 AS TEXT) END, x * 0.25,
      printf('%02d/%02d/2024', x % 28 + 1, x % 12 + 1),
      CASE x % 4 WHEN 0 THEN NULL WHEN 1 THEN '[]' WHEN 2 THEN '["t' || x || '"]'
                 ELSE '["t' || x || '", "u", null]' END FROM c;`);
});
after(async () => { await fx.stop(); });

const MAPPINGS = [
  { sourceType: 'ATTRIBUTE', source: 'id', destination: 'person.id' },
  { sourceType: 'ATTRIBUTE', source: 'first', destination: 'person.firstName' },
  { sourceType: 'EXPRESSION', source: 'upper(last)', destination: 'person.lastName' },
  { sourceType: 'EXPRESSION', source: "concat(first, ' ', last)", destination: 'person.fullName' },
  { sourceType: 'EXPRESSION', source: 'to_integer(age) + 1', destination: 'person.agePlusOne' },
  { sourceType: 'EXPRESSION', source: 'round(price * 100)', destination: 'cents' },
  { sourceType: 'EXPRESSION', source: 'md5(first)', destination: 'hash' },
  { sourceType: 'EXPRESSION', source: "to_date(signup, 'dd/MM/yyyy')", destination: 'signupDate' },
  { sourceType: 'EXPRESSION', source: "iif(price > 50, 'high', 'low')", destination: 'tier' },
  // Cast to the schema's types: a text column into an integer field, an integer into a string.
  { sourceType: 'ATTRIBUTE', source: 'age', destination: 'person.age' },
  { sourceType: 'ATTRIBUTE', source: 'id', destination: 'person.idText' },
  // Nested groups two levels down, and an array of strings from JSON text.
  { sourceType: 'EXPRESSION', source: 'round(price * 4)', destination: '_tenant.loyalty.points' },
  { sourceType: 'ATTRIBUTE', source: 'tags', destination: '_tenant.tags' },
];

async function createMappingSet(mappings, extra = {}) {
  return api.post(`${CONV}/mappingSets?validate=true`, {
    name: 'customers to person', outputSchema: { schemaRef: { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' } },
    mappings, ...extra,
  });
}

async function flowResources() {
  const conn = await api.post(`${FLOW}/connections`, {
    name: 'crm', connectionSpec: { id: SQLITE_SPEC, version: '1.0' },
    auth: { specName: 'Database File', params: { path: db } },
  });
  assert.equal(conn.status, 201, conn.text);
  const src = await api.post(`${FLOW}/sourceConnections`, {
    name: 'customers', baseConnectionId: conn.body.id, connectionSpec: { id: SQLITE_SPEC, version: '1.0' },
    data: { format: 'tabular' }, params: { tableName: 'customers' },
  });
  assert.equal(src.status, 201, src.text);
  const ds = await api.post(`${CATALOG}/dataSets`, { name: `people ${Math.random()}`,
    schemaRef: { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' } });
  assert.equal(ds.status, 201, ds.text);
  const dataSetId = ds.body[0].split('/').pop();
  const tgt = await api.post(`${FLOW}/targetConnections`, {
    name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' },
    params: { dataSetId },
  });
  assert.equal(tgt.status, 201, tgt.text);
  return { src: src.body.id, tgt: tgt.body.id, dataSetId };
}

function flowBody(r, transformations, options) {
  return {
    name: 'customers flow', flowSpec: { id: SPEC.crmToAep, version: '1.0' },
    sourceConnectionIds: [r.src], targetConnectionIds: [r.tgt],
    scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' },
    transformations, options,
  };
}

const mappingT = (id, version) => ({ name: 'Mapping', params: { mappingId: id, mappingVersion: version } });

test('mapping set API: create, get, versions, mappings, list, preview, functions', async () => {
  const created = await createMappingSet(MAPPINGS);
  assert.equal(created.status, 200, created.text);
  assert.equal(created.body.version, 0);
  const id = created.body.id;
  const got = await api.get(`${CONV}/mappingSets/${id}`);
  assert.equal(got.status, 200, got.text);
  assert.equal(got.body.mappings.length, MAPPINGS.length);
  assert.equal(got.body.mappings[2].source, 'upper(last)');
  assert.equal(got.body.mappings[9].destinationType, 'integer');  // filled from the schema
  assert.deepEqual(got.body.outputSchema.schemaRef.id, schemaId);

  const put = await api.call('PUT', `${CONV}/mappingSets/${id}`, { body: { name: 'customers to person', mappings: MAPPINGS.slice(0, 2) } });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.body.version, 1);
  assert.equal((await api.get(`${CONV}/mappingSets/${id}`)).body.mappings.length, 2);
  assert.equal((await api.get(`${CONV}/mappingSets/${id}?version=0`)).body.mappings.length, MAPPINGS.length);
  assert.equal((await api.get(`${CONV}/mappingSets/${id}?version=7`)).status, 404);
  const ms = await api.get(`${CONV}/mappingSets/${id}/mappings?version=0`);
  assert.equal(ms.body.length, MAPPINGS.length);
  const one = await api.get(`${CONV}/mappingSets/${id}/mappings/${ms.body[3].id}?version=0`);
  assert.equal(one.body.destination, 'person.fullName');
  assert.equal((await api.get(`${CONV}/mappingSets/${id}/mappings/nope`)).status, 404);

  const list = await api.get(`${CONV}/mappingSets?limit=1&start=0&name=${encodeURIComponent('customers to person')}&orderBy=-createdDate`);
  assert.equal(list.status, 200, list.text);
  assert.equal(list.body.data.length, 1);
  assert.equal((await api.get(`${CONV}/mappingSets?limit=10&orderBy=name`)).status, 400);
  assert.equal((await api.get(`${CONV}/mappingSets?limit=10&expandSchema=true`)).status, 400);
  assert.equal((await api.get(`${CONV}/mappingSets?bogus=1`)).status, 400);

  // Another sandbox does not see it.
  assert.equal((await runCli(['sandboxes', 'create', '--org', fx.creds.org_id, 'dev', '--data', fx.dataDir])).code, 0);
  const other = await fx.client(fx.creds, 'dev');
  assert.equal((await other.get(`${CONV}/mappingSets/${id}`)).status, 404);
  assert.equal((await other.get(`${CONV}/mappingSets`)).body.data.length, 0);
  assert.equal((await other.get(`${REGISTRY}/tenant/schemas/${encodeURIComponent(schemaId)}`)).status, 404);

  const preview = await api.post(`${CONV}/mappingSets/preview`, {
    mappingSet: { outputSchema: { schemaRef: { id: schemaId } }, mappings: MAPPINGS },
    data: [{ id: 1, first: 'ann', last: 'lee', age: '41', price: 80, signup: '31/01/2024', tags: ['a', null] },
           { id: 2, first: 'bo', last: 'ng', age: 'x', price: 1.5, signup: '01/02/2024', tags: [] }],
  });
  assert.equal(preview.status, 200, preview.text);
  assert.deepEqual(preview.body.data, [{ person: { id: 1, firstName: 'ann', lastName: 'LEE', fullName: 'ann lee', agePlusOne: 42, age: 41, idText: '1' },
    cents: 8000, hash: '7e0d7f8a5d96c24ffcc840f31bce72b2', signupDate: '2024-01-31', tier: 'high',
    _tenant: { loyalty: { points: 320 }, tags: ['a', null] } }]);
  assert.equal(preview.body.errors.length, 1);
  assert.equal(preview.body.errors[0].row, 1);
  assert.match(preview.body.errors[0].message, /mappings\[4\] \(destination person.agePlusOne\): to_integer/);

  // The Schema Registry subset: get by $id, by meta:altId; list; invalid schemas; datasets.
  const byId = await api.get(`${REGISTRY}/tenant/schemas/${encodeURIComponent(schemaId)}`);
  assert.equal(byId.status, 200, byId.text);
  assert.equal(byId.body.title, 'Person');
  const byAlt = await api.get(`${REGISTRY}/tenant/schemas/${encodeURIComponent(byId.body['meta:altId'])}`);
  assert.equal(byAlt.body['$id'], schemaId);
  assert.ok((await api.get(`${REGISTRY}/tenant/schemas`)).body.results.some((r) => r['$id'] === schemaId));
  const badSchema = await api.post(`${REGISTRY}/tenant/schemas`, { title: 'x', type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'map' } } } } });
  assert.equal(badSchema.status, 400);
  assert.match(badSchema.body.report['detailed-message'], /a\.b: type map/);
  const refs = await api.post(`${REGISTRY}/tenant/schemas`, { title: 'x', type: 'object', allOf: [{ $ref: 'https://ns.adobe.com/xdm/context/profile' }] });
  assert.match(refs.body.report['detailed-message'], /allOf is not supported/);
  const noDs = await api.post(`${CATALOG}/dataSets`, { name: 'x', schemaRef: { id: 'https://ns.adobe.com/x/schemas/nope' } });
  assert.equal(noDs.status, 400, noDs.text);
  assert.match(noDs.body.report['detailed-message'], /schema https:\/\/ns.adobe.com\/x\/schemas\/nope does not exist/);

  const fns = await api.get(`${CONV}/languages/el/functions`);
  assert.ok(fns.body.some((f) => f.name === 'zone_date_to_utc'));
  assert.ok((await api.get(`${CONV}/languages/el/operators`)).body.some((o) => o.symbol === '&&'));
  // validate=false is refused (fluxo always validates), not silently ignored.
  const noValidate = await api.post(`${CONV}/mappingSets?validate=false`, { mappings: [MAPPINGS[0]] });
  assert.equal(noValidate.status, 400, noValidate.text);
  assert.match(noValidate.body.type, /FLOW-1481-400/);
  assert.match(noValidate.body.report['detailed-message'], /validate=false is not supported/);
  const v = await api.post(`${CONV}/languages/el/validate`, { expression: "concat(a, '-', b)" });
  assert.equal(v.status, 200, v.text);
  assert.equal(v.body.type, 'string');
  const bad = await api.post(`${CONV}/languages/el/validate`, { expression: 'upper(a' });
  assert.equal(bad.status, 400);
  assert.match(bad.body.report['detailed-message'], /column 8/);
});

test('preview over nested sample rows: dotted paths into nested objects, and the output shape a run records', async () => {
  const rows = [
    { id: 1, person: { name: { first: 'ann', last: 'lee' }, age: 41, tags: ['a', null] }, meta: { src: 'crm' } },
    { id: 2, person: { name: { first: 'bo' }, age: 7, tags: [] } },
    { id: 3, person: { name: { first: 'cy', last: 'ng' }, age: 'x' }, meta: { src: 'web' } },
  ];
  const mappings = [
    { sourceType: 'ATTRIBUTE', source: 'person.name.first', destination: 'profile.name.given' },
    { sourceType: 'EXPRESSION', source: "concat(person.name.first, ' ', upper(person.name.last))", destination: 'profile.name.full' },
    { sourceType: 'EXPRESSION', source: 'to_integer(person.age) * 2', destination: 'profile.ageTwice' },
    { sourceType: 'ATTRIBUTE', source: 'person.tags', destination: 'profile.tags', destinationType: 'array<string>' },
    { sourceType: 'EXPRESSION', source: "coalesce(${meta.src}, 'none')", destination: 'origin' },
    { sourceType: 'ATTRIBUTE', source: 'id', destination: 'id' },
  ];
  const p = await api.post(`${CONV}/mappingSets/preview`, { mappingSet: { mappings }, data: rows });
  assert.equal(p.status, 200, p.text);
  assert.deepEqual(p.body.data, [
    { profile: { name: { given: 'ann', full: 'ann LEE' }, ageTwice: 82, tags: ['a', null] }, origin: 'crm', id: 1 },
    { profile: { name: { given: 'bo', full: 'bo ' }, ageTwice: 14, tags: [] }, origin: 'none', id: 2 },
  ]);
  assert.equal(p.body.errors.length, 1);
  assert.equal(p.body.errors[0].row, 2);
  assert.match(p.body.errors[0].message, /mappings\[2\] \(destination profile.ageTwice\): to_integer/);
  // The source columns, as a run reads the rows from a JSON file: the top-level keys (nested
  // values as their JSON text), then the member paths the mappings name (the mixed age is text).
  assert.deepEqual(p.body.sourceColumns.map((c) => [c.name, c.type]), [
    ['id', 'int64'], ['person', 'string'], ['meta', 'string'], ['person.name.first', 'string'],
    ['person.name.last', 'string'], ['person.age', 'string'], ['person.tags', 'string'], ['meta.src', 'string']]);
  // The output columns, as the dataset's schema records them after a run.
  assert.deepEqual(p.body.columns, [
    { name: 'profile.name.given', type: 'string', nullable: true, path: ['profile', 'name', 'given'] },
    { name: 'profile.name.full', type: 'string', nullable: true, path: ['profile', 'name', 'full'] },
    { name: 'profile.ageTwice', type: 'int64', nullable: true, path: ['profile', 'ageTwice'] },
    { name: 'profile.tags', type: 'list<string>', nullable: true, path: ['profile', 'tags'] },
    { name: 'origin', type: 'string', nullable: true, path: ['origin'] },
    { name: 'id', type: 'int64', nullable: true, path: ['id'] }]);
  // A dotted path that no row gives is an unknown field (1480), and a name that is both a key and
  // a member path of the rows is refused (as a run refuses it).
  const unknown = await api.post(`${CONV}/mappingSets/preview`, { mappingSet: { mappings: [
    { sourceType: 'ATTRIBUTE', source: 'person.name.middle', destination: 'm' }] }, data: rows });
  assert.equal(unknown.status, 400, unknown.text);
  assert.match(unknown.body.type, /FLOW-1480-400/);
  assert.match(unknown.body.report['detailed-message'], /mappings\[0\]\.source: .*person\.name\.middle/);
  const twice = await api.post(`${CONV}/mappingSets/preview`, { mappingSet: { mappings: [
    { sourceType: 'ATTRIBUTE', source: 'a.b', destination: 'x' }] }, data: [{ 'a.b': 1, a: { b: 2 } }] });
  assert.equal(twice.status, 400, twice.text);
  assert.match(twice.body.report['detailed-message'], /source field 'a.b' is ambiguous in the sample rows/);
  const key = await api.post(`${CONV}/mappingSets/preview`, { mappingSet: { mappings: [
    { sourceType: 'ATTRIBUTE', source: 'a\\.b', destination: 'x' }] }, data: [{ 'a.b': 1, a: { b: 2 } }] });
  assert.equal(key.status, 200, key.text);
  assert.deepEqual(key.body.data, [{ x: 1 }]);
});

test('bad mappings: 10 broken expressions and 5 bad destinations each get a pointed 400', async () => {
  const broken = [
    ['lowr(first)', 1, /unknown function 'lowr'/],
    ['upper(first', 12, /expected ',' or '\)'/],
    ['concat(first,, last)', 14, /expected a value/],
    ['substr(first)', 1, /substr takes 2 to 3/],
    ['upper(1)', 7, /must be a string, not integer/],
    ["'abc", 1, /unterminated string/],
    ["to_date(signup, 'yyyy-QQ')", 17, /to_date/],
    ["zone_date_to_utc(date(signup), 'Nowhere/City')", 32, /zone_date_to_utc/],
    ["iif(price > 1, 1, 'x')", 19, /one type/],
    ['1 + * 2', 5, /expected a value/],
  ];
  for (const [expr, column, why] of broken) {
    const mappings = [MAPPINGS[0], { sourceType: 'EXPRESSION', source: expr, destination: 'x' }];
    for (const route of ['mappingSets', 'mappingSets/validate']) {
      const r = await api.post(`${CONV}/${route}`, { mappings });
      assert.equal(r.status, 400, `${expr}: ${r.text}`);
      const msg = r.body.report['detailed-message'];
      assert.ok(msg.includes(`mappings[1].source: column ${column}: `), `${expr}: ${msg}`);
      assert.match(msg, why);
      assert.ok(msg.includes(JSON.stringify(expr).slice(1, -1)), msg);
      assert.match(r.body.type, /FLOW-1480-400/);
    }
  }
  const dests = ['', 'person..name', '1person', 'person name', 'person.id'];
  for (const d of dests) {
    const r = await createMappingSet([MAPPINGS[0], { sourceType: 'ATTRIBUTE', source: 'first', destination: d }]);
    assert.equal(r.status, 400, `${d}: ${r.text}`);
    assert.match(r.body.report['detailed-message'], /mappings\[1\]\.destination: /);
  }
  // Against the output schema: a destination it does not have, a type it cannot hold.
  const unknown = await createMappingSet([MAPPINGS[0], { sourceType: 'ATTRIBUTE', source: 'first', destination: 'person.nickname' }]);
  assert.equal(unknown.status, 400, unknown.text);
  assert.ok(unknown.body.report['detailed-message'].includes(`mappings[1].destination: 'person.nickname' is not a field of schema ${schemaId}`), unknown.text);
  const wrong = await createMappingSet([{ sourceType: 'EXPRESSION', source: 'upper(first)', destination: 'person.id' }]);
  assert.equal(wrong.status, 400, wrong.text);
  assert.match(wrong.body.report['detailed-message'], /mappings\[0\]\.destination: the expression answers string but field 'person.id' of schema .* is integer/);
  const noSchema = await api.post(`${CONV}/mappingSets`, { outputSchema: { schemaRef: { id: 'https://ns.adobe.com/x/schemas/nope' } }, mappings: [MAPPINGS[0]] });
  assert.equal(noSchema.status, 400);
  assert.match(noSchema.body.type, /FLOW-1484-400/);
  const type = await createMappingSet([{ sourceType: 'COLUMN', source: 'a', destination: 'a' }]);
  assert.match(type.body.report['detailed-message'], /mappings\[0\]\.sourceType: sourceType must be ATTRIBUTE or EXPRESSION/);
});

test('flows: a Mapping must name an existing mapping set version; unknown transformations are refused', async () => {
  const r = await flowResources();
  const ms = (await createMappingSet(MAPPINGS)).body.id;
  const cases = [
    [[mappingT('nope', 0)], 1483, /mapping set nope version 0 does not exist/],
    [[mappingT(ms, 3)], 1483, /version 3 does not exist/],
    [[{ name: 'Mapping', params: { mappingId: ms } }], 1482, /mappingVersion is required/],
    [[{ name: 'Mapping', params: { mappingId: ms, mappingVersion: 0, extra: 1 } }], 1482, /extra is not a Mapping parameter/],
    [[{ name: 'Filter', params: {} }], 1482, /'Filter' is not a transformation fluxo applies/],
    [[{ name: 'Copy', params: { batchSize: 5 } }], 1482, /batchSize is not a Copy parameter/],
  ];
  for (const [transformations, code, why] of cases) {
    const f = await api.post(`${FLOW}/flows`, flowBody(r, transformations));
    assert.equal(f.status, 400, f.text);
    assert.match(f.body.type, new RegExp(`FLOW-${code}-400`));
    assert.match(f.body.report['detailed-message'], why);
  }
  const good = await api.post(`${FLOW}/flows`, flowBody(r, [mappingT(ms, '0')]));
  assert.equal(good.status, 201, good.text);
  const cur = await api.get(`${FLOW}/flows/${good.body.id}`);
  const patched = await api.patch(`${FLOW}/flows/${good.body.id}`,
    [{ op: 'replace', path: '/transformations/0/params/mappingVersion', value: 9 }], cur.body.items[0].etag);
  assert.equal(patched.status, 400, patched.text);
  assert.match(patched.body.report['detailed-message'], /version 9 does not exist/);
});

test('mapping sets: keyset paging through _links.next, DELETE of every version, refused while a flow names the set', async () => {
  assert.equal((await runCli(['sandboxes', 'create', '--org', fx.creds.org_id, 'paging', '--data', fx.dataDir])).code, 0);
  const sb = await fx.client(fx.creds, 'paging');
  const ids = [];
  for (let i = 0; i < 7; ++i) {
    const c = await sb.post(`${CONV}/mappingSets`, { name: i % 2 ? 'odd' : 'even', mappings: [MAPPINGS[0]] });
    assert.equal(c.status, 200, c.text);
    ids.push(c.body.id);
  }
  // Follow next from the first page to the end, oldest first: every set exactly once, in order.
  const seen = [];
  let href = `${CONV}/mappingSets?limit=2&orderBy=%2BcreatedDate`;
  let pages = 0;
  while (href) {
    const page = await sb.get(href);
    assert.equal(page.status, 200, page.text);
    assert.equal(page.body._page.count, page.body.data.length);
    assert.ok(page.body.data.length <= 2);
    seen.push(...page.body.data.map((d) => d.id));
    href = page.body._links.next?.href;
    if (href) assert.match(href, /^\/data\/foundation\/conversion\/mappingSets\?continuationToken=/);
    assert.ok(++pages <= 4);
  }
  assert.deepEqual(seen, ids);
  // Offset paging still works, and the name filter and order travel in the token.
  const off = await sb.get(`${CONV}/mappingSets?limit=2&start=2&orderBy=createdDate`);
  assert.deepEqual(off.body.data.map((d) => d.id), ids.slice(2, 4));
  const odd1 = await sb.get(`${CONV}/mappingSets?limit=2&name=odd&orderBy=-createdDate`);
  assert.deepEqual(odd1.body.data.map((d) => d.id), [ids[5], ids[3]]);
  const odd2 = await sb.get(odd1.body._links.next.href);
  assert.deepEqual(odd2.body.data.map((d) => d.id), [ids[1]]);
  assert.deepEqual(odd2.body._links, {});
  // Bad paging values: 400 1481 naming the parameter.
  for (const [q, why] of [['continuationToken=garbage', /continuationToken/],
    ['start=1&continuationToken=' + odd1.body._links.next.href.split('=')[1], /'start' must be 0/],
    ['start=990&limit=20', /start \+ limit must not exceed 1000/], ['limit=0', /'limit'/]]) {
    const bad = await sb.get(`${CONV}/mappingSets?${q}`);
    assert.equal(bad.status, 400, q);
    assert.match(bad.body.type, /FLOW-1481-400/);
    assert.match(bad.body.report['detailed-message'], why);
  }
  // A token of another list is not a mapping-set token.
  const flowsToken = await api.get(`${FLOW}/flows?limit=1`);
  if (flowsToken.body._links.next) {
    const t = flowsToken.body._links.next.href.split('continuationToken=')[1];
    assert.equal((await sb.get(`${CONV}/mappingSets?continuationToken=${t}`)).status, 400);
  }

  // DELETE: a set with two versions; both versions gone; another sandbox cannot delete it.
  const put = await sb.call('PUT', `${CONV}/mappingSets/${ids[0]}`, { body: { mappings: MAPPINGS.slice(0, 2) } });
  assert.equal(put.body.version, 1);
  assert.equal((await api.del(`${CONV}/mappingSets/${ids[0]}`)).status, 404);
  const del = await sb.del(`${CONV}/mappingSets/${ids[0]}`);
  assert.equal(del.status, 204, del.text);
  assert.equal((await sb.get(`${CONV}/mappingSets/${ids[0]}`)).status, 404);
  assert.equal((await sb.get(`${CONV}/mappingSets/${ids[0]}?version=0`)).status, 404);
  assert.equal((await sb.get(`${CONV}/mappingSets/${ids[0]}/mappings?version=1`)).status, 404);
  assert.equal((await sb.del(`${CONV}/mappingSets/${ids[0]}`)).status, 404);
  assert.equal((await sb.get(`${CONV}/mappingSets?limit=100`)).body.data.length, 6);
  assert.equal((await sb.del(`${CONV}/mappingSets/${ids[1]}?force=true`)).status, 400);

  // A set a flow names cannot be deleted; once the flow is gone it can, and a flow can no longer name it.
  const r = await flowResources();
  const ms = (await createMappingSet(MAPPINGS)).body.id;
  const flow = await api.post(`${FLOW}/flows`, flowBody(r, [mappingT(ms, 0)]));
  assert.equal(flow.status, 201, flow.text);
  const refused = await api.del(`${CONV}/mappingSets/${ms}`);
  assert.equal(refused.status, 400, refused.text);
  assert.match(refused.body.type, /FLOW-1418-400/);
  assert.match(refused.body.report['detailed-message'], new RegExp(`Cannot delete mapping set ${ms}: .*${flow.body.id}`));
  assert.equal((await api.get(`${CONV}/mappingSets/${ms}?version=0`)).status, 200);
  assert.equal((await api.del(`${FLOW}/flows/${flow.body.id}`)).status, 204);
  assert.equal((await api.del(`${CONV}/mappingSets/${ms}`)).status, 204);
  const again = await api.post(`${FLOW}/flows`, flowBody(r, [mappingT(ms, 0)]));
  assert.equal(again.status, 400, again.text);
  assert.match(again.body.type, /FLOW-1483-400/);
});

test('a run applies the named version: every calculated value right over all rows; 1% unconvertible rows in row_errors under a 5% threshold', async () => {
  const r = await flowResources();
  const created = await createMappingSet(MAPPINGS);
  const ms = created.body.id;
  // Version 1 maps something else: the flow names version 0.
  await api.call('PUT', `${CONV}/mappingSets/${ms}`, { body: { mappings: [MAPPINGS[0]] } });
  const flow = await api.post(`${FLOW}/flows`, flowBody(r,
    [{ name: 'Copy', params: {} }, mappingT(ms, 0)], { partialIngestionPercent: 5, errorDiagnosticsEnabled: true }));
  assert.equal(flow.status, 201, flow.text);
  const run = await waitRun(api, await createRun(api, flow.body.id, BASE, BASE + ROWS));
  assert.equal(run.metrics.statusSummary.status, 'success', JSON.stringify(run.metrics));
  assert.equal(run.metrics.recordSummary.inputRecordCount, ROWS);
  assert.equal(run.metrics.recordSummary.failedRecordCount, ROWS / 100);
  assert.equal(run.metrics.recordSummary.outputRecordCount, ROWS - ROWS / 100);
  assert.equal(run.metrics.statusSummary.errors[0].code, 'INGEST-1212-400');

  const glob = path.join(fx.dataDir, 'lake', fx.creds.org_id, 'prod', 'datasets', r.dataSetId, 'batches', '*', 'part-*.parquet');
  // The destinations' paths are nested STRUCT columns (and a LIST), in first-appearance order.
  const cols = await query(`DESCRIBE SELECT * FROM read_parquet(${lit(glob)})`);
  const typeOf = Object.fromEntries(cols.map((c) => [c.column_name, c.column_type]));
  assert.deepEqual(typeOf, {
    person: 'STRUCT(id BIGINT, firstName VARCHAR, lastName VARCHAR, fullName VARCHAR, agePlusOne BIGINT, age BIGINT, idText VARCHAR)',
    cents: 'BIGINT', hash: 'VARCHAR', signupDate: 'DATE', tier: 'VARCHAR',
    _tenant: 'STRUCT(loyalty STRUCT(points BIGINT), tags VARCHAR[])',
  });
  const [c] = await query(`
    SELECT count(*) AS n,
      count(*) FILTER (WHERE person.id % 100 = 7) AS bad,
      count(*) FILTER (WHERE person.firstName = 'f' || person.id) AS first_ok,
      count(*) FILTER (WHERE person.lastName = 'L' || person.id) AS last_ok,
      count(*) FILTER (WHERE person.fullName = 'f' || person.id || ' l' || person.id) AS full_ok,
      sum(person.agePlusOne) AS age_sum,
      count(*) FILTER (WHERE person.agePlusOne = person.id % 90 + 1) AS age_ok,
      count(*) FILTER (WHERE cents = person.id * 25) AS cents_ok,
      count(*) FILTER (WHERE hash = md5('f' || person.id)) AS hash_ok,
      count(*) FILTER (WHERE "signupDate" = make_date(2024, CAST(person.id % 12 + 1 AS INT), CAST(person.id % 28 + 1 AS INT))) AS date_ok,
      count(*) FILTER (WHERE tier = CASE WHEN person.id * 0.25 > 50 THEN 'high' ELSE 'low' END) AS tier_ok,
      count(*) FILTER (WHERE person.age = person.id % 90) AS cast_ok,
      count(*) FILTER (WHERE person.idText = CAST(person.id AS VARCHAR)) AS text_ok,
      count(*) FILTER (WHERE _tenant.loyalty.points = person.id) AS points_ok,
      sum(_tenant.loyalty.points) AS points_sum,
      count(*) FILTER (WHERE _tenant.tags IS NOT DISTINCT FROM CASE person.id % 4
        WHEN 0 THEN NULL WHEN 1 THEN []::VARCHAR[] WHEN 2 THEN ['t' || person.id]
        ELSE ['t' || person.id, 'u', NULL] END) AS tags_ok,
      sum(len(_tenant.tags)) AS tags_len
    FROM read_parquet(${lit(glob)})`);
  // The dataset's schema (Catalog) describes the nested fields by their paths.
  const dsDoc = (await api.get(`${CATALOG}/dataSets/${r.dataSetId}`)).body[r.dataSetId];
  const byName = Object.fromEntries(dsDoc.schema.columns.map((col) => [col.name, col]));
  assert.deepEqual(byName['_tenant.loyalty.points'], { name: '_tenant.loyalty.points', type: 'int64', nullable: true, path: ['_tenant', 'loyalty', 'points'] });
  assert.deepEqual(byName['_tenant.tags'], { name: '_tenant.tags', type: 'list<string>', nullable: true, path: ['_tenant', 'tags'] });
  assert.deepEqual(byName.cents.path, ['cents']);
  // The preview of the same mapping set over one row shaped like the table answers that shape.
  const shape = await api.post(`${CONV}/mappingSets/preview`, {
    mappingSet: { outputSchema: { schemaRef: { id: schemaId } }, mappings: MAPPINGS },
    data: [{ id: 1, first: 'a', last: 'b', age: '3', price: 80.5, signup: '01/01/2024', tags: '["x"]' }] });
  assert.equal(shape.status, 200, shape.text);
  assert.deepEqual(shape.body.columns, dsDoc.schema.columns);
  const n = ROWS - ROWS / 100;
  let ageSum = 0, idSum = 0, tagsLen = 0;
  for (let i = 0; i < ROWS; i++) {
    if (i % 100 === 7) continue;
    ageSum += (i % 90) + 1;
    idSum += i;
    tagsLen += [0, 0, 1, 3][i % 4];
  }
  assert.equal(Number(c.n), n);
  assert.equal(Number(c.bad), 0);
  for (const k of ['first_ok', 'last_ok', 'full_ok', 'age_ok', 'cents_ok', 'hash_ok', 'date_ok', 'tier_ok', 'cast_ok', 'text_ok', 'points_ok', 'tags_ok'])
    assert.equal(Number(c[k]), n, k);
  assert.equal(Number(c.age_sum), ageSum);
  assert.equal(Number(c.points_sum), idSum);
  assert.equal(Number(c.tags_len), tagsLen);

  const errs = await api.get(`${EXPORT}/batches/${batchIdOf(run)}/meta?path=row_errors`);
  assert.equal(errs.status, 200, errs.text);
  const lines = errs.text.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, ROWS / 100);
  assert.ok(lines.every((l) => l.code === 'MAPPER-1201'), JSON.stringify(lines[0]));
  assert.match(lines[0].message, /mappings\[4\] \(destination person.agePlusOne\): to_integer: cannot convert 'n\/a'/);
  assert.equal(JSON.parse(lines[0].record).age, 'n/a');

  // The same flow without a threshold fails on those rows.
  const strict = await api.post(`${FLOW}/flows`, flowBody(await flowResources(), [mappingT(ms, 0)]));
  const failed = await waitRun(api, await createRun(api, strict.body.id, BASE, BASE + ROWS));
  assert.equal(failed.metrics.statusSummary.status, 'failed');
});

const LOCAL_SPEC = '2d813289-868f-4072-87ad-a9ad8f34a63b';
const FILE_T = 1700000000;  // the files' modification time, inside the runs' window

// A file of ROWS customers with what moves lines away from row numbers: records over two lines
// (id % 50 == 3: a quoted note with a line break), empty lines (after id % 1000 == 999), and
// records the reader itself refuses (id % 1000 == 500: a column missing, INGEST-1202). Every
// id % 100 == 7 has age 'n/a' (to_integer fails: MAPPER-1201). Answers the line of each of
// those rows, as counted by hand here.
function writeCustomerFile(file, format) {
  const out = [];
  let line = 1;
  const mapperLines = [], readerLines = [];
  if (format === 'csv') { out.push('id,first,age,note'); line = 2; }
  for (let i = 0; i < ROWS; i++) {
    const age = i % 100 === 7 ? 'n/a' : String(i % 90);
    const twoLines = format === 'csv' && i % 50 === 3;
    const note = twoLines ? `note ${i}\nsecond line` : `note, ${i}`;
    if (i % 100 === 7) mapperLines.push(line);
    if (i % 1000 === 500) {
      readerLines.push(line);
      out.push(format === 'csv' ? `${i},f${i},${age}` : `{"id": ${i}, "first": "f${i}", "age": ${age === 'n/a' ? '"n/a"' : age},`);
    } else if (format === 'csv') {
      out.push(`${i},f${i},${age},"${note}"`);
    } else {
      out.push(JSON.stringify({ id: i, first: `f${i}`, age, note }));
    }
    line += twoLines ? 2 : 1;
    if (i % 1000 === 999) { out.push(''); line += 1; }
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, out.join('\n') + '\n');
  fs.utimesSync(file, FILE_T, FILE_T);
  return { mapperLines, readerLines };
}

test('from CSV and JSON Lines files, every unconvertible row is a row error naming its file and line', async () => {
  const ms = await api.post(`${CONV}/mappingSets`, { name: 'files', mappings: [
    { sourceType: 'ATTRIBUTE', source: 'id', destination: 'person.id' },
    { sourceType: 'EXPRESSION', source: 'to_integer(age) + 1', destination: 'person.agePlusOne' },
    { sourceType: 'EXPRESSION', source: 'upper(first)', destination: 'person.first' },
    { sourceType: 'ATTRIBUTE', source: 'note', destination: 'note' },
  ] });
  assert.equal(ms.status, 200, ms.text);
  for (const format of ['csv', 'json']) {
    const root = path.join(dir, `files-${format}`);
    const name = `in/customers.${format === 'csv' ? 'csv' : 'jsonl'}`;
    const want = writeCustomerFile(path.join(root, name), format);
    const conn = await api.post(`${FLOW}/connections`, {
      name: 'folder', connectionSpec: { id: LOCAL_SPEC, version: '1.0' },
      auth: { specName: 'Local Folder', params: { rootPath: root } },
    });
    assert.equal(conn.status, 201, conn.text);
    // (Files under 128 MiB are read as one split; byte ranges of a big CSV file give the same
    // origins: tests/unit/connectors/files/intra_file_splits_test.cc.)
    const src = await api.post(`${FLOW}/sourceConnections`, {
      name: 'files', baseConnectionId: conn.body.id, connectionSpec: { id: LOCAL_SPEC, version: '1.0' },
      data: { format: format === 'csv' ? 'delimited' : 'json' },
      params: { path: 'in/*', columns: [
        { name: 'id', type: 'long' }, { name: 'first', type: 'string' }, { name: 'age', type: 'string' },
        { name: 'note', type: 'string' }] },
    });
    assert.equal(src.status, 201, src.text);
    const ds = await api.post(`${CATALOG}/dataSets`, { name: `file people ${format}` });
    const dataSetId = ds.body[0].split('/').pop();
    const tgt = await api.post(`${FLOW}/targetConnections`, {
      name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' },
      params: { dataSetId },
    });
    const flow = await api.post(`${FLOW}/flows`, {
      name: `files ${format}`, flowSpec: { id: SPEC.cloudStorageToAep, version: '1.0' },
      sourceConnectionIds: [src.body.id], targetConnectionIds: [tgt.body.id],
      scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' },
      transformations: [mappingT(ms.body.id, 0)],
      options: { partialIngestionPercent: 5, errorDiagnosticsEnabled: true },
    });
    assert.equal(flow.status, 201, flow.text);
    const run = await waitRun(api, await createRun(api, flow.body.id, FILE_T - 10, FILE_T + 10));
    assert.equal(run.metrics.statusSummary.status, 'success', JSON.stringify(run.metrics));
    const failed = want.mapperLines.length + want.readerLines.length;
    assert.equal(run.metrics.recordSummary.inputRecordCount, ROWS, format);
    assert.equal(run.metrics.recordSummary.failedRecordCount, failed, format);
    assert.equal(run.metrics.recordSummary.outputRecordCount, ROWS - failed, format);

    const glob = path.join(fx.dataDir, 'lake', fx.creds.org_id, 'prod', 'datasets', dataSetId, 'batches', '*', 'part-*.parquet');
    const [c] = await query(`SELECT count(*) AS n, count(DISTINCT person.id) AS d,
        count(*) FILTER (WHERE person.id % 100 = 7 OR person.id % 1000 = 500) AS bad,
        count(*) FILTER (WHERE person."agePlusOne" = person.id % 90 + 1) AS age_ok,
        count(*) FILTER (WHERE person.first = 'F' || person.id) AS first_ok,
        count(*) FILTER (WHERE note = CASE WHEN person.id % 50 = 3 AND ${format === 'csv'}
          THEN 'note ' || person.id || chr(10) || 'second line' ELSE 'note, ' || person.id END) AS note_ok
      FROM read_parquet(${lit(glob)})`);
    for (const k of ['n', 'd', 'age_ok', 'first_ok', 'note_ok']) assert.equal(Number(c[k]), ROWS - failed, `${format} ${k}`);
    assert.equal(Number(c.bad), 0);

    const errs = await api.get(`${EXPORT}/batches/${batchIdOf(run)}/meta?path=row_errors`);
    assert.equal(errs.status, 200, errs.text);
    const lines = errs.text.trim().split('\n').map((l) => JSON.parse(l));
    const byCode = (code) => lines.filter((l) => l.code === code);
    const mapper = byCode('MAPPER-1201'), reader = lines.filter((l) => l.code !== 'MAPPER-1201');
    assert.equal(lines.length, failed, format);
    // Every bad row, not a sample: the exact file and line of each, in any order (two readers).
    assert.deepEqual(mapper.map((l) => l.line).sort((a, b) => a - b), want.mapperLines, `${format} mapper lines`);
    assert.ok(mapper.every((l) => l.file === name), JSON.stringify(mapper[0]));
    for (const l of mapper) {
      assert.match(l.message, /mappings\[1\] \(destination person.agePlusOne\): to_integer: cannot convert 'n\/a'/);
      assert.equal(JSON.parse(l.record).age, 'n/a');
    }
    // The reader's own row errors use the same shape and the same lines.
    assert.deepEqual(reader.map((l) => l.line).sort((a, b) => a - b), want.readerLines, `${format} reader lines`);
    assert.ok(reader.every((l) => l.file === name && /^INGEST-120[24]$/.test(l.code)), JSON.stringify(reader[0]));
  }
});

// Runs over nested JSON (member paths, the object as its JSON text): dataprep_nested.test.mjs.
