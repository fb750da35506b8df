// Data access preview: GET /export/datasets/{id}/preview reads the first rows of a dataset from
// the lake with fluxo's own Parquet reader: typed values, newest batch first, `limit`, bad limits,
// an empty dataset, and tenancy (another org or sandbox gets 404).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { CATALOG, EXPORT, startFluxo, tempDir, runCli, eventually } from './lib/fluxo.mjs';
import { makeEvents } from './lib/sqlite.mjs';
import { sqliteFlow, createRun, waitRun, batchIdOf } from './lib/flows.mjs';

let fx, api, dir, f, runs;
before(async () => {
  dir = tempDir('fluxo-preview-');
  fx = await startFluxo(['--allow-path', dir]);
  api = await fx.client();
  const db = path.join(dir, 'events.db');
  const { base, step } = makeEvents(db, 500);
  f = await sqliteFlow(api, db);
  runs = [];
  // Two batches: rows 0..299, then rows 300..499 (the newest).
  for (const [a, b] of [[base, base + 300 * step], [base + 300 * step, base + 500 * step]]) {
    const run = await waitRun(api, await createRun(api, f.flow, a, b));
    assert.equal(run.metrics.statusSummary.status, 'success', JSON.stringify(run.metrics));
    // The run turns success in the commit transaction; its manifest (visibility) follows.
    await eventually(async () => (await api.get(`${EXPORT}/batches/${batchIdOf(run)}/files`)).status === 200,
      { what: `batch ${batchIdOf(run)} to be visible` });
    runs.push(run);
  }
});
after(async () => { await fx.stop(); });

const preview = (client, id, q = '') => client.get(`${EXPORT}/datasets/${id}/preview${q}`);

test('preview answers the first 100 rows, newest batch first, with typed values and columns', async () => {
  const r = await preview(api, f.dataSetId);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.data.length, 100);
  assert.equal(r.body.truncated, true);
  assert.deepEqual(r.body.batches, [batchIdOf(runs[1])]);
  // Part files of a batch may hold any of its splits: check values, not positions.
  for (const row of r.body.data) {
    assert.ok(row.id >= 300 && row.id < 500, JSON.stringify(row));
    assert.deepEqual(row, { id: row.id, updated_at: 1700000000 + row.id * 10, name: `name ${row.id}`, amount: row.id * 1.5 });
  }
  assert.deepEqual(r.body.columns.map((c) => c.name), ['id', 'updated_at', 'name', 'amount']);
  assert.equal(r.body.columns[0].type, 'int64');
});

test('limit reads across batches and stops exactly; the whole dataset is not truncated', async () => {
  const r = await preview(api, f.dataSetId, '?limit=250');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.data.length, 250);
  assert.deepEqual(r.body.batches, [batchIdOf(runs[1]), batchIdOf(runs[0])]);
  // The newest batch's 200 rows first, then 50 of the older batch's.
  assert.ok(r.body.data.slice(0, 200).every((row) => row.id >= 300));
  assert.ok(r.body.data.slice(200).every((row) => row.id < 300));
  const all = await preview(api, f.dataSetId, '?limit=1000');
  assert.equal(all.body.data.length, 500);
  assert.equal(all.body.truncated, false);
  const ids = all.body.data.map((row) => row.id).sort((a, b) => a - b);
  assert.deepEqual(ids, [...Array(500).keys()]);
});

test('a bad limit is a 400 naming limit', async () => {
  for (const q of ['?limit=0', '?limit=1001', '?limit=abc', '?limit=']) {
    const r = await preview(api, f.dataSetId, q);
    assert.equal(r.status, 400, q + ' ' + r.text);
    assert.match(r.body.report['detailed-message'], /limit/);
  }
});

test('an empty dataset previews as no rows; an unknown one is 404', async () => {
  const ds = await api.post(`${CATALOG}/dataSets`, { name: 'empty' });
  const id = ds.body[0].split('/').pop();
  const r = await preview(api, id);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.data, []);
  assert.equal(r.body.truncated, false);
  assert.equal((await preview(api, 'nope')).status, 404);
});

test('another org or sandbox gets 404 for the dataset', async () => {
  const orgB = JSON.parse((await runCli(['clients', 'create', '--org', 'PREVIEWB@AdobeOrg', '--data', fx.dataDir])).stdout);
  assert.equal((await runCli(['sandboxes', 'create', '--org', fx.creds.org_id, 'qa', '--data', fx.dataDir])).code, 0);
  for (const other of [await fx.client(orgB), await fx.client(fx.creds, 'qa')]) {
    const r = await preview(other, f.dataSetId);
    assert.equal(r.status, 404, r.text);
    assert.doesNotMatch(r.text, /name 3/);
  }
});
