// Windows you can trust (issue 13), through the real binary: a window run again with replace
// lands each row exactly once (DuckDB count and distinct ids over the dataset's files, and one
// visible batch in the catalog), also when the replacing commit is killed (either the old batch
// or the new one is visible, never both, never neither); an empty window of a folder flow with an
// inferred schema succeeds with 0 records and no batch; millisecond times are refused.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FLOW, CATALOG, SPEC, Fluxo, tempDir, eventually } from './lib/fluxo.mjs';
import { makeEvents } from './lib/sqlite.mjs';
import { sqliteFlow, createRun, waitRun, batchIdOf } from './lib/flows.mjs';
import { query, lit } from '../node/duckdb.mjs';

const LOCAL_SPEC = '2d813289-868f-4072-87ad-a9ad8f34a63b';
const ROWS = 5000;
const BASE = 1700000000;
const END = BASE + ROWS * 10;
let dir;
before(() => { dir = tempDir('fluxo-windows-'); });

const args = () => ['--allow-path', dir, '--lease-seconds', '2', '--source-parallelism', '1'];

function batchesDir(fx, dataSetId) {
  return path.join(fx.dataDir, 'lake', fx.creds.org_id, 'prod', 'datasets', dataSetId, 'batches');
}

// What a reader of the catalog sees: the rows of the dataset's `success` batches, read by DuckDB.
async function countDataset(fx, api, dataSetId) {
  const visible = (await batchStatuses(api, dataSetId)).success || [];
  if (visible.length === 0) return { n: 0, d: 0 };
  const files = visible.map((b) => lit(path.join(batchesDir(fx, dataSetId), b, 'part-*.parquet')));
  const [r] = await query(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM read_parquet([${files.join(', ')}])`);
  return { n: Number(r.n), d: Number(r.d) };
}

async function batchStatuses(api, dataSetId) {
  const r = await api.get(`${CATALOG}/batches?dataSet=${dataSetId}`);
  assert.equal(r.status, 200, r.text);
  const by = {};
  for (const [id, b] of Object.entries(r.body)) (by[b.status] ||= []).push(id);
  return by;
}

async function runOk(api, id) {
  const run = await waitRun(api, id);
  assert.equal(run.metrics.statusSummary.status, 'success', JSON.stringify(run.metrics));
  return run;
}

test('a window run three times with replace lands each row exactly once', async () => {
  const db = path.join(dir, 'replace.db');
  makeEvents(db, ROWS);
  const fx = await new Fluxo(tempDir('fluxo-replace-'), args()).start();
  const api = await fx.client();
  const f = await sqliteFlow(api, db);
  const first = await runOk(api, await createRun(api, f.flow, BASE, END));
  assert.deepEqual(await countDataset(fx, api, f.dataSetId), { n: ROWS, d: ROWS });
  // Without replace an overlapping run adds: the rows are there twice (the documented default).
  await runOk(api, await createRun(api, f.flow, BASE, END));
  assert.deepEqual(await countDataset(fx, api, f.dataSetId), { n: 2 * ROWS, d: ROWS });
  // Replace, twice by POST /runs and once by re-trigger of a successful run.
  let last;
  for (let i = 0; i < 3; i++) {
    let id;
    if (i < 2) {
      id = await createRun(api, f.flow, BASE, END, { replace: true });
    } else {
      const r = await api.post(`${FLOW}/runs/${last.id}/action?op=re-trigger&replace=true`);
      assert.equal(r.status, 200, r.text);
      id = r.body.id;
    }
    last = await runOk(api, id);
    assert.deepEqual(await countDataset(fx, api, f.dataSetId), { n: ROWS, d: ROWS }, `replacement ${i}`);
    const by = await batchStatuses(api, f.dataSetId);
    assert.deepEqual(by.success, [batchIdOf(last)]);
    assert.equal(by.inactive.length, 2 + i);
    // Right after the commit, the replaced batches' files are removed from the folder too.
    await eventually(async () => fs.readdirSync(batchesDir(fx, f.dataSetId)).join() === batchIdOf(last),
      { timeoutMs: 10000, what: 'the replaced batches\' files to be removed' });
  }
  const gone = await api.get(`/data/foundation/export/batches/${batchIdOf(first)}/files`);
  assert.notEqual(gone.status, 200, 'a replaced batch is not served');
  // Without replace, re-trigger of a successful run with records is still refused (1387).
  const refused = await api.post(`${FLOW}/runs/${last.id}/action?op=re-trigger`);
  assert.equal(refused.status, 400);
  assert.match(refused.body.type, /FLOW-1387-400/);
  const bad = await api.post(`${FLOW}/runs/${last.id}/action?op=re-trigger&replace=maybe`);
  assert.equal(bad.status, 400);
  assert.match(bad.body.errorMessage, /replace must be true or false/);
  // A replacing window that only partly covers a landed one is refused naming the run.
  const partial = await api.post(`${FLOW}/runs`, {
    flowId: f.flow, params: { windowStartTime: BASE + 10, windowEndTime: END + 10, replace: true },
  });
  assert.equal(partial.status, 400, partial.text);
  assert.match(partial.body.errorMessage, /params\.replace: run .* overlaps/);
  await fx.stop();
});

for (const point of ['before-commit', 'before-manifest']) {
  test(`kill -9 during the replacing commit (${point}): the old batch or the new one, never both`, async () => {
    const data = tempDir('fluxo-replace-kill-');
    const db = path.join(dir, `kill-${point}.db`);
    makeEvents(db, ROWS);
    let fx = await new Fluxo(data, args()).start();
    let api = await fx.client();
    const f = await sqliteFlow(api, db);
    const first = await runOk(api, await createRun(api, f.flow, BASE, END));
    await fx.stop();

    const crash = new Fluxo(data, args(), { FLUXO_ALLOW_TEST_FLAGS: '1', FLUXO_CRASH_AT: point });
    await crash.start();
    api = await crash.client();
    const id = await createRun(api, f.flow, BASE, END, { replace: true });
    assert.equal((await crash.exited).code, 86, 'the armed crash point was reached');
    // Right after the crash: exactly one visible batch, the old one or the new one.
    fx = await new Fluxo(data, [...args(), '--no-engine']).start();
    api = await fx.client();
    const during = await batchStatuses(api, f.dataSetId);
    assert.equal((during.success || []).length, 1, JSON.stringify(during));
    if (point === 'before-commit') assert.deepEqual(during.success, [batchIdOf(first)]);
    await fx.stop();
    // Then the run completes (retried, or already committed) and replaces the old batch.
    fx = await new Fluxo(data, args()).start();
    api = await fx.client();
    const run = await runOk(api, id);
    const by = await batchStatuses(api, f.dataSetId);
    assert.deepEqual(by.success, [batchIdOf(run)]);
    assert.ok(by.inactive.includes(batchIdOf(first)));
    assert.deepEqual(await countDataset(fx, api, f.dataSetId), { n: ROWS, d: ROWS });
    await fx.stop();
  });
}

test('an empty window of a folder flow with an inferred schema succeeds with 0 records and no batch', async () => {
  const root = path.join(dir, 'quiet');
  fs.mkdirSync(path.join(root, 'in'), { recursive: true });
  const csv = path.join(root, 'in', 'a.csv');
  fs.writeFileSync(csv, 'id,name\n1,a\n2,b\n');
  fs.utimesSync(csv, BASE + 5, BASE + 5);
  const fx = await new Fluxo(tempDir('fluxo-quiet-'), args()).start();
  const api = await fx.client();
  const conn = await api.post(`${FLOW}/connections`, {
    name: 'folder', connectionSpec: { id: LOCAL_SPEC, version: '1.0' },
    auth: { specName: 'Local Folder', params: { rootPath: root } },
  });
  assert.equal(conn.status, 201, conn.text);
  const src = await api.post(`${FLOW}/sourceConnections`, {
    name: 'csv', baseConnectionId: conn.body.id, connectionSpec: { id: LOCAL_SPEC, version: '1.0' },
    data: { format: 'delimited' }, params: { path: 'in/*.csv' },
  });
  assert.equal(src.status, 201, src.text);
  const ds = await api.post(`${CATALOG}/dataSets`, { name: 'quiet' });
  const dataSetId = ds.body[0].split('/').pop();
  const tgt = await api.post(`${FLOW}/targetConnections`, {
    name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' },
    params: { dataSetId },
  });
  const flow = await api.post(`${FLOW}/flows`, {
    name: 'quiet', flowSpec: { id: SPEC.cloudStorageToAep, version: '1.0' },
    sourceConnectionIds: [src.body.id], targetConnectionIds: [tgt.body.id],
    scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' },
  });
  assert.equal(flow.status, 201, flow.text);
  const quiet = await runOk(api, await createRun(api, flow.body.id, BASE + 100, BASE + 200));
  assert.equal(quiet.metrics.recordSummary.outputRecordCount, 0);
  const promo = quiet.activities.find((a) => a.id === 'promotionActivity');
  assert.deepEqual(promo.targetInfo[0].reference.ids, []);
  assert.deepEqual(await batchStatuses(api, dataSetId), {});
  const dsDoc = (await api.get(`${CATALOG}/dataSets/${dataSetId}`)).body[dataSetId];
  assert.equal(dsDoc.schema, undefined, 'the dataset schema is untouched');
  // The window with the file still lands it.
  const busy = await runOk(api, await createRun(api, flow.body.id, BASE, BASE + 100));
  assert.equal(busy.metrics.recordSummary.outputRecordCount, 2);
  await fx.stop();
});

test('millisecond window times are refused with the hint that the API takes seconds', async () => {
  const fx = await new Fluxo(tempDir('fluxo-ms-'), args()).start();
  const api = await fx.client();
  const f = await sqliteFlow(api, path.join(dir, 'replace.db'));
  const r = await api.post(`${FLOW}/runs`, {
    flowId: f.flow, params: { windowStartTime: BASE * 1000, windowEndTime: END * 1000, deltaColumn: { name: 'updated_at' } },
  });
  assert.equal(r.status, 400, r.text);
  assert.match(r.body.type, /FLOW-1384-400/);
  assert.match(r.body.errorMessage, /params\.windowStartTime .* the API takes seconds \(1700000000\)/);
  await fx.stop();
});
