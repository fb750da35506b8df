// The Data Access API whole (files with paging, HEAD, Range; failed-record files; meta; preview of
// every column type, cross-checked with DuckDB on the downloaded Parquet) and the Catalog
// operations around datasets and batches (dataset PUT and PATCH, batch filters, uniques, batch
// delete that hides its data for good, across a restart), with tenancy: another org or sandbox
// gets the 404 of an unknown id.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FLOW, CATALOG, EXPORT, SPEC, startFluxo, tempDir, runCli, eventually } from './lib/fluxo.mjs';
import { sqlite, makeEvents } from './lib/sqlite.mjs';
import { sqliteFlow, createRun, waitRun, batchIdOf } from './lib/flows.mjs';
import { query, lit } from '../node/duckdb.mjs';

const LOCAL_SPEC = '2d813289-868f-4072-87ad-a9ad8f34a63b';
const T = 1700000000;

let fx, api, dir, typed, typedBatch, events, eventBatches, csv, csvBatch;

async function landed(flow, start, end) {
  const run = await waitRun(api, await createRun(api, flow, start, end));
  assert.equal(run.metrics.statusSummary.status, 'success', JSON.stringify(run.metrics));
  const id = batchIdOf(run);
  await eventually(async () => (await api.get(`${EXPORT}/batches/${id}/files`)).status === 200,
    { what: `batch ${id} to be visible` });
  return id;
}

// A CSV folder flow over two files, the first with 10 bad rows of 1000 (within partialIngestionPercent 5).
async function csvFlow(root) {
  const lines = ['id,amount'];
  for (let i = 0; i < 1000; i++) lines.push(i % 100 === 3 ? `${i},oops` : `${i},${i / 4}`);
  fs.mkdirSync(path.join(root, 'in'), { recursive: true });
  fs.writeFileSync(path.join(root, 'in', 'a.csv'), lines.join('\n') + '\n');
  fs.utimesSync(path.join(root, 'in', 'a.csv'), T + 10, T + 10);
  // A second, clean file.
  fs.writeFileSync(path.join(root, 'in', 'b.csv'), 'id,amount\n5000,1\n5001,2\n');
  fs.utimesSync(path.join(root, 'in', 'b.csv'), T + 20, T + 20);
  const conn = await api.post(`${FLOW}/connections`, {
    name: 'folder', connectionSpec: { id: LOCAL_SPEC, version: '1.0' },
    auth: { specName: 'Local Folder', params: { rootPath: root } },
  });
  const src = await api.post(`${FLOW}/sourceConnections`, {
    name: 'csv', baseConnectionId: conn.body.id, connectionSpec: { id: LOCAL_SPEC, version: '1.0' },
    data: { format: 'delimited' },
    params: { path: 'in/*.csv', columns: [{ name: 'id', type: 'long' }, { name: 'amount', type: 'double' }] },
  });
  assert.equal(src.status, 201, src.text);
  const ds = await api.post(`${CATALOG}/dataSets`, { name: 'csv' });
  const dataSetId = ds.body[0].split('/').pop();
  const tgt = await api.post(`${FLOW}/targetConnections`, {
    name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' }, params: { dataSetId },
  });
  const flow = await api.post(`${FLOW}/flows`, {
    name: 'csv', flowSpec: { id: SPEC.cloudStorageToAep, version: '1.0' },
    sourceConnectionIds: [src.body.id], targetConnectionIds: [tgt.body.id],
    scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' },
    options: { partialIngestionPercent: 5, errorDiagnosticsEnabled: true },
  });
  assert.equal(flow.status, 201, flow.text);
  return { flow: flow.body.id, dataSetId };
}

before(async () => {
  dir = tempDir('fluxo-dataaccess-');
  fx = await startFluxo(['--allow-path', dir]);
  api = await fx.client();
  // Every column type the lake writes, with a row of nulls.
  const db = path.join(dir, 'typed.db');
  sqlite(db, `
    CREATE TABLE typed (id INTEGER PRIMARY KEY, updated_at INTEGER NOT NULL, flag BOOLEAN, price DECIMAL(12,3),
                        day DATE, at TIMESTAMP, raw BLOB, note TEXT, ratio REAL);
    INSERT INTO typed VALUES
      (1, ${T + 10}, 1, '1234.567', '2024-02-29', '2024-02-29 13:14:15.123456', X'00ff10fb', 'héllo "q"', 0.25),
      (2, ${T + 20}, 0, '-0.001', '1969-12-31', '1969-12-31 23:59:59', X'', '', -1.5),
      (3, ${T + 30}, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (4, ${T + 40}, 1, '999999999.999', '2000-01-01', '2038-01-19 03:14:08.000001', X'3e3f', 'tab\tnew\nline', 1e300);`);
  typed = await sqliteFlow(api, db, { table: 'typed' });
  typedBatch = await landed(typed.flow, T, T + 100);
  const edb = path.join(dir, 'events.db');
  makeEvents(edb, 300);
  events = await sqliteFlow(api, edb);
  eventBatches = [];
  for (const [a, b] of [[0, 100], [100, 200], [200, 300]]) eventBatches.push(await landed(events.flow, T + a * 10, T + b * 10));
  csv = await csvFlow(path.join(dir, 'csv'));
  csvBatch = await landed(csv.flow, T, T + 100);
});
after(async () => { await fx.stop(); });

async function download(href, headers = {}) {
  const res = await fetch(fx.base + href, { headers: { ...api.headers, ...headers } });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

test('preview renders every type as JSON; values agree with DuckDB reading the same Parquet', async () => {
  const r = await api.get(`${EXPORT}/datasets/${typed.dataSetId}/preview`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.batches, [typedBatch]);
  assert.deepEqual(r.body.columns.map((c) => [c.name, c.type]), [
    ['id', 'int64'], ['updated_at', 'int64'], ['flag', 'boolean'], ['price', 'decimal(12,3)'], ['day', 'date'],
    ['at', 'timestamp'], ['raw', 'binary'], ['note', 'string'], ['ratio', 'float64']]);
  const rows = new Map(r.body.data.map((row) => [row.id, row]));
  assert.equal(rows.size, 4);
  assert.deepEqual(rows.get(1), {
    id: 1, updated_at: T + 10, flag: true, price: '1234.567', day: '2024-02-29', at: '2024-02-29T13:14:15.123456Z',
    raw: Buffer.from([0, 0xff, 0x10, 0xfb]).toString('base64url'), note: 'héllo "q"', ratio: 0.25,
  });
  assert.deepEqual(rows.get(3), { id: 3, updated_at: T + 30, flag: null, price: null, day: null, at: null, raw: null, note: null, ratio: null });
  assert.equal(rows.get(2).raw, '');
  assert.equal(rows.get(2).at, '1969-12-31T23:59:59.000000Z');

  // DuckDB on the batch's own files.
  const files = await api.get(`${EXPORT}/batches/${typedBatch}/files`);
  let checked = 0;
  for (const f of files.body.data) {
    const local = path.join(dir, `typed-${f.dataSetFileId}.parquet`);
    fs.writeFileSync(local, (await download(f._links.self.href)).bytes);
    const duck = await query(`SELECT id, flag, CAST(price AS VARCHAR) AS price, CAST(day AS VARCHAR) AS day,
        epoch_us("at") AS at_us, hex(raw) AS raw, note, ratio FROM read_parquet(${lit(local)}) ORDER BY id`);
    for (const d of duck) {
      const p = rows.get(Number(d.id));
      assert.ok(p, `row ${d.id} in the preview`);
      assert.equal(p.flag, d.flag);
      assert.equal(p.price, d.price);
      assert.equal(p.day, d.day);
      assert.equal(p.note, d.note);
      assert.equal(p.ratio, d.ratio);
      assert.equal(p.raw === null ? null : Buffer.from(p.raw, 'base64url').toString('hex').toUpperCase(), d.raw);
      const us = p.at === null ? null : BigInt(Date.parse(p.at.slice(0, 19) + 'Z')) * 1000n + BigInt(p.at.slice(20, 26));
      assert.equal(us, d.at_us === null ? null : BigInt(d.at_us));
      checked++;
    }
  }
  assert.equal(checked, 4);
});

test('preview: newest visible batch first, bounded by limit', async () => {
  const r = await api.get(`${EXPORT}/datasets/${events.dataSetId}/preview?limit=150`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.data.length, 150);
  assert.equal(r.body.truncated, true);
  assert.deepEqual(r.body.batches, [eventBatches[2], eventBatches[1]]);
  assert.ok(r.body.data.slice(0, 100).every((row) => row.id >= 200));
});

test('files: paging with start/limit and _links.next; HEAD answers the headers of GET without a body; Range', async () => {
  const all = await api.get(`${EXPORT}/batches/${typedBatch}/files`);
  assert.equal(all.status, 200, all.text);
  assert.deepEqual(all.body._links, {});
  assert.equal(all.body._page.count, all.body.data.length);
  const f = all.body.data[0];
  assert.equal(f._links.self.href, `${EXPORT}/files/${f.dataSetFileId}`);
  // Pages of one, following _links.next, give the whole listing (the csv batch has one or two files).
  const whole = (await api.get(`${EXPORT}/batches/${csvBatch}/files`)).body.data;
  const paged = [];
  let href = `${EXPORT}/batches/${csvBatch}/files?limit=1`;
  while (href) {
    const pg = await api.get(href);
    assert.equal(pg.status, 200, pg.text);
    assert.deepEqual(pg.body._page, { limit: 1, count: 1 });
    paged.push(...pg.body.data);
    href = pg.body._links.next?.href;
    if (href) assert.equal(href, `${EXPORT}/batches/${csvBatch}/files?start=${paged.length}&limit=1`);
  }
  assert.deepEqual(paged, whole);
  const past = await api.get(`${EXPORT}/batches/${csvBatch}/files?start=${whole.length}`);
  assert.deepEqual(past.body.data, []);
  for (const q of ['limit=0', 'limit=101', 'limit=x', 'start=-1']) {
    const bad = await api.get(`${EXPORT}/batches/${typedBatch}/files?${q}`);
    assert.equal(bad.status, 400, q);
    assert.match(bad.body.report['detailed-message'], /limit|start/);
  }

  const { res: get, bytes } = await download(f._links.self.href);
  assert.equal(get.status, 200);
  assert.equal(bytes.length, f.length);
  assert.equal(bytes.subarray(0, 4).toString(), 'PAR1');
  const head = await fetch(fx.base + f._links.self.href, { method: 'HEAD', headers: api.headers });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String(f.length));
  assert.equal(head.headers.get('accept-ranges'), 'bytes');
  assert.equal(head.headers.get('content-type'), 'application/octet-stream');
  assert.equal(head.headers.get('etag'), get.headers.get('etag'));
  assert.match(head.headers.get('etag'), /^"[^"]+"$/);
  assert.equal((await head.arrayBuffer()).byteLength, 0);
  const withPath = await fetch(`${fx.base}${f._links.self.href}?path=${f.name}`, { method: 'HEAD', headers: api.headers });
  assert.equal(withPath.status, 200);
  const wrongPath = await api.get(`${f._links.self.href}?path=other.parquet`);
  assert.equal(wrongPath.status, 404);
  const headRange = await fetch(fx.base + f._links.self.href, { method: 'HEAD', headers: { ...api.headers, Range: 'bytes=0-9' } });
  assert.equal(headRange.status, 206);
  assert.equal(headRange.headers.get('content-length'), '10');
  const { res: part, bytes: tail } = await download(f._links.self.href, { Range: 'bytes=-8' });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes ${f.length - 8}-${f.length - 1}/${f.length}`);
  assert.deepEqual(tail, bytes.subarray(bytes.length - 8));
  const unknown = await fetch(`${fx.base}${EXPORT}/files/${typedBatch}-99`, { method: 'HEAD', headers: api.headers });
  assert.equal(unknown.status, 404);
});

test('failed lists the row-errors file with a link files/{id} downloads; meta lists and serves it', async () => {
  const failed = await api.get(`${EXPORT}/batches/${csvBatch}/failed`);
  assert.equal(failed.status, 200, failed.text);
  assert.equal(failed.body.data.length, 1);
  const [f] = failed.body.data;
  assert.equal(f.name, 'row_errors.jsonl');
  assert.equal(f._links.self.href, `${EXPORT}/files/${csvBatch}-row_errors`);
  assert.deepEqual(failed.body._page, { limit: 100, count: 1 });
  const { res, bytes } = await download(f._links.self.href);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/x-ndjson');
  assert.equal(String(bytes.length), f.length);
  const lines = bytes.toString().trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 10);
  const head = await fetch(fx.base + f._links.self.href, { method: 'HEAD', headers: api.headers });
  assert.equal(head.headers.get('content-length'), f.length);
  const viaPath = await api.get(`${EXPORT}/batches/${csvBatch}/failed?path=row_errors.jsonl`);
  assert.equal(viaPath.status, 200);
  assert.equal(viaPath.text, bytes.toString());
  assert.equal((await api.get(`${EXPORT}/batches/${csvBatch}/failed?path=nope.csv`)).status, 404);

  const meta = await api.get(`${EXPORT}/batches/${csvBatch}/meta`);
  assert.equal(meta.status, 200, meta.text);
  assert.deepEqual(meta.body.data.map((m) => [m.name, m._links.self.href]),
    [['row_errors', `${EXPORT}/batches/${csvBatch}/meta?path=row_errors`]]);
  assert.equal((await api.get(`${EXPORT}/batches/${csvBatch}/meta?path=row_errors`)).text, bytes.toString());
  for (const p of ['input_files', 'row_errors_sample.json', '../x']) {
    const r = await api.get(`${EXPORT}/batches/${csvBatch}/meta?path=${p}`);
    assert.equal(r.status, 404, p);
  }
  // A batch without failed records: empty lists.
  assert.deepEqual((await api.get(`${EXPORT}/batches/${typedBatch}/failed`)).body.data, []);
  assert.deepEqual((await api.get(`${EXPORT}/batches/${typedBatch}/meta`)).body.data, []);
  assert.equal((await api.get(`${EXPORT}/files/${typedBatch}-row_errors`)).status, 404);
});

test('dataset PUT and PATCH (JSON Patch and merge), validated; fields fluxo does not apply are refused', async () => {
  const ds = await api.post(`${CATALOG}/dataSets`, { name: 'editable', columns: [{ name: 'a', type: 'int64' }] });
  const id = ds.body[0].split('/').pop();
  const url = `${CATALOG}/dataSets/${id}`;
  const put = await api.call('PUT', url, { body: { name: 'renamed', description: 'd', tags: { team: ['x'] }, columns: [{ name: 'b', type: 'string' }] } });
  assert.equal(put.status, 200, put.text);
  assert.deepEqual(put.body, [`@/dataSets/${id}`]);
  let got = (await api.get(url)).body[id];
  assert.equal(got.name, 'renamed');
  assert.deepEqual(got.tags, { team: ['x'] });
  assert.deepEqual(got.columns, [{ name: 'b', type: 'string', nullable: true }]);
  assert.equal(got.state, 'DRAFT');

  const jp = await api.patch(url, [{ op: 'add', path: '/tags/unifiedProfile', value: ['enabled:true'] },
    { op: 'replace', path: '/description', value: 'patched' }], undefined, { headers: { 'Content-Type': 'application/json-patch+json' } });
  assert.equal(jp.status, 200, jp.text);
  got = (await api.get(url)).body[id];
  assert.deepEqual(got.tags, { team: ['x'], unifiedProfile: ['enabled:true'] });
  assert.equal(got.description, 'patched');
  const merge = await api.patch(url, { description: null, name: 'merged' }, got.etag);
  assert.equal(merge.status, 200, merge.text);
  got = (await api.get(url)).body[id];
  assert.equal(got.name, 'merged');
  assert.equal(got.description, undefined);

  const refusals = [
    ['PUT', { name: 'x', enableErrorDiagnostics: true }, /enableErrorDiagnostics is not a dataset field/],
    ['PUT', { description: 'no name' }, /name is required/],
    ['PUT', { name: 'x', tags: { a: 'b' } }, /tags\.a must be an array/],
    ['PATCH', [{ op: 'replace', path: '/state', value: 'ENABLED' }], /\/state/],
    ['PATCH', { observableSchema: {} }, /observableSchema is not a dataset field/],
    ['PATCH', { columns: [{ name: 'a', type: 'varchar' }] }, /columns\[0\]\.type/],
  ];
  for (const [method, body, re] of refusals) {
    const r = await api.call(method, url, { body });
    assert.equal(r.status, 400, `${method} ${JSON.stringify(body)} ${r.text}`);
    assert.match(r.body.report['detailed-message'], re);
  }
  const stale = await api.patch(url, { name: 'late' }, '"stale"');
  assert.equal(stale.status, 412, stale.text);
  assert.equal((await api.get(url)).body[id].name, 'merged');
  // Once a batch committed its schema, columns cannot change; name still can.
  const committed = `${CATALOG}/dataSets/${events.dataSetId}`;
  const cols = await api.patch(committed, { columns: [{ name: 'id', type: 'string' }] });
  assert.equal(cols.status, 400, cols.text);
  assert.match(cols.body.report['detailed-message'], /columns cannot change/);
  assert.equal((await api.patch(committed, { name: 'events renamed' })).status, 200);
  assert.equal((await api.call('PUT', `${CATALOG}/dataSets/nope`, { body: { name: 'x' } })).status, 404);
});

test('batch filters run in the metastore: dataSet, status, createdAfter/Before, orderBy, properties; unknown ones refused', async () => {
  const list = async (q) => {
    const r = await api.get(`${CATALOG}/batches?${q}`);
    assert.equal(r.status, 200, q + ' ' + r.text);
    return r.body;
  };
  const all = await list(`dataSet=${events.dataSetId}&orderBy=asc:created`);
  assert.deepEqual(Object.keys(all), eventBatches);
  const desc = await list(`dataSet=${events.dataSetId}&orderBy=desc:created`);
  assert.deepEqual(Object.keys(desc), [...eventBatches].reverse());
  const created = eventBatches.map((b) => all[b].created);
  const mid = await list(`dataSet=${events.dataSetId}&createdAfter=${created[0]}&createdBefore=${created[2]}`);
  assert.ok(created[0] < created[1] && created[1] < created[2], JSON.stringify(created));
  assert.deepEqual(Object.keys(mid), [eventBatches[1]]);
  assert.deepEqual(Object.keys(await list(`batch=${eventBatches[1]}`)), [eventBatches[1]]);
  assert.deepEqual(Object.keys(await list(`status=failed&dataSet=${events.dataSetId}`)), []);
  const withErrors = await list(`failedRecordCount=10`);
  assert.deepEqual(Object.keys(withErrors), [csvBatch]);
  const slim = await list(`batch=${csvBatch}&properties=status,dataSetId`);
  assert.deepEqual(slim[csvBatch], { status: 'success', dataSetId: csv.dataSetId });
  assert.deepEqual((await api.get(`${CATALOG}/batches/${csvBatch}?properties=status`)).body, { [csvBatch]: { status: 'success' } });
  assert.deepEqual(await list(`dataSet=${events.dataSetId}&count=true`), { count: 3 });
  const page = await api.get(`${CATALOG}/batches?dataSet=${events.dataSetId}&limit=2`);
  assert.equal(Object.keys(page.body).length, 2);
  assert.match(page.headers.get('link'), /continuationToken=/);
  for (const [q, code, re] of [['createdAfter=yesterday', 1410, /createdAfter must be an integer/],
    ['createdUser=me', 1451, /createdUser is a Catalog batch filter fluxo does not apply/],
    ['start=5', 1410, /start/], ['orderBy=asc:size', 1410, /orderBy/], ['dataSet=', 1453, /dataSet/],
    ['properties=a.b', 1410, /properties/], ['bogus=1', 1451, /bogus/]]) {
    const r = await api.get(`${CATALOG}/batches?${q}`);
    assert.equal(r.status, 400, q + ' ' + r.text);
    assert.match(r.body.type, new RegExp(`FLOW-${code}-400`), q);
    assert.match(r.body.report['detailed-message'], re, q);
  }
});

test('uniques: distinct values of a batch field among the filtered batches', async () => {
  const u = async (q) => {
    const r = await api.get(`${CATALOG}/batches/uniques/${q}`);
    assert.equal(r.status, 200, q + ' ' + r.text);
    return r.body;
  };
  assert.deepEqual(await u(`status?dataSet=${events.dataSetId}`), ['success']);
  assert.deepEqual(await u('dataSet'), [typed.dataSetId, events.dataSetId, csv.dataSetId].sort());
  assert.deepEqual(await u(`flowId?dataSet=${events.dataSetId}`), [events.flow]);
  assert.equal((await u('runId?limit=2')).length, 2);
  assert.equal((await u(`runId?dataSet=${events.dataSetId}`)).length, 3);
  assert.equal((await api.get(`${CATALOG}/batches/uniques/files`)).status, 400);
  assert.equal((await api.get(`${CATALOG}/batches/uniques/status?limit=101`)).status, 400);
});

test('another org or sandbox gets 404 for every Data Access and Catalog operation on these ids', async () => {
  const orgB = JSON.parse((await runCli(['clients', 'create', '--org', 'DATAACCESSB@AdobeOrg', '--data', fx.dataDir])).stdout);
  assert.equal((await runCli(['sandboxes', 'create', '--org', fx.creds.org_id, 'qa2', '--data', fx.dataDir])).code, 0);
  const fileId = (await api.get(`${EXPORT}/batches/${typedBatch}/files`)).body.data[0].dataSetFileId;
  for (const other of [await fx.client(orgB), await fx.client(fx.creds, 'qa2')]) {
    for (const [method, p, body] of [
      ['GET', `${EXPORT}/batches/${typedBatch}/files`], ['GET', `${EXPORT}/files/${fileId}`],
      ['GET', `${EXPORT}/batches/${csvBatch}/failed`], ['GET', `${EXPORT}/batches/${csvBatch}/meta`],
      ['GET', `${EXPORT}/files/${csvBatch}-row_errors`], ['GET', `${EXPORT}/datasets/${typed.dataSetId}/preview`],
      ['GET', `${CATALOG}/batches/${csvBatch}`], ['DELETE', `${CATALOG}/batches/${csvBatch}`],
      ['PUT', `${CATALOG}/dataSets/${typed.dataSetId}`, { name: 'x' }], ['PATCH', `${CATALOG}/dataSets/${typed.dataSetId}`, { name: 'x' }]]) {
      const r = await other.call(method, p, body ? { body } : {});
      assert.equal(r.status, 404, `${method} ${p} ${r.text}`);
      assert.doesNotMatch(r.text, /row_errors\.jsonl|PAR1/);
    }
    const head = await fetch(`${fx.base}${EXPORT}/files/${fileId}`, { method: 'HEAD', headers: other.headers });
    assert.equal(head.status, 404);
    assert.deepEqual(await (await other.get(`${CATALOG}/batches/uniques/dataSet`)).body, []);
  }
  assert.equal((await api.get(`${CATALOG}/batches/${csvBatch}`)).body[csvBatch].status, 'success');
});

test('batch delete hides its data at once, removes its files, and stays deleted after a restart', async () => {
  const victim = eventBatches[2];
  const files = (await api.get(`${EXPORT}/batches/${victim}/files`)).body.data;
  const folder = path.join(fx.dataDir, 'lake', fx.creds.org_id, 'prod', 'datasets', events.dataSetId, 'batches', victim);
  assert.ok(fs.existsSync(folder), folder);
  const del = await api.del(`${CATALOG}/batches/${victim}`);
  assert.equal(del.status, 200, del.text);
  assert.deepEqual(del.body, [`@/batches/${victim}`]);
  const check = async () => {
    const b = (await api.get(`${CATALOG}/batches/${victim}`)).body[victim];
    assert.equal(b.status, 'inactive');
    assert.equal(b.deleted.status, 'success');
    assert.equal((await api.get(`${EXPORT}/batches/${victim}/files`)).status, 404);
    assert.equal((await api.get(files[0]._links.self.href)).status, 404);
    const head = await fetch(fx.base + files[0]._links.self.href, { method: 'HEAD', headers: api.headers });
    assert.equal(head.status, 404);
    const p = await api.get(`${EXPORT}/datasets/${events.dataSetId}/preview?limit=1000`);
    assert.deepEqual(p.body.batches, [eventBatches[1], eventBatches[0]]);
    assert.equal(p.body.data.length, 200);
    assert.ok(p.body.data.every((row) => row.id < 200));
    assert.deepEqual(Object.keys((await api.get(`${CATALOG}/batches?dataSet=${events.dataSetId}&status=success`)).body).sort(),
      [eventBatches[0], eventBatches[1]].sort());
    assert.deepEqual((await api.get(`${CATALOG}/batches/uniques/status?dataSet=${events.dataSetId}`)).body, ['inactive', 'success']);
  };
  await check();
  assert.ok(!fs.existsSync(path.join(folder, files[0].name)), 'the part file is removed from the lake');
  assert.equal((await api.del(`${CATALOG}/batches/${victim}`)).status, 200, 'idempotent');
  assert.equal((await api.del(`${CATALOG}/batches/nope`)).status, 404);
  await fx.stop();
  await fx.start();
  api = await fx.client();
  await check();
});
