// Crash recovery and schedules: kill -9 of `fluxo serve` in the middle of a 5,000,000-row run, and
// crashes at the two points of a commit (before the metastore commit, and between it and the
// manifest); after a restart every row is in the dataset exactly once and no dead attempt's file
// is left. Then a minute-frequency flow whose runs tile time with no gap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FLOW, CATALOG, Fluxo, tempDir, eventually } from './lib/fluxo.mjs';
import { makeEvents, sqlite } from './lib/sqlite.mjs';
import { sqliteFlow, createRun, getRun, waitRun, batchIdOf } from './lib/flows.mjs';
import { query, lit } from '../node/duckdb.mjs';

let dir, bigDb;
const ROWS = 5000000;
before(() => {
  dir = tempDir('fluxo-recovery-');
  bigDb = path.join(dir, 'big.db');
  makeEvents(bigDb, ROWS, { step: 1 });
});

function datasetDir(fx, dataSetId) {
  return path.join(fx.dataDir, 'lake', fx.creds.org_id, 'prod', 'datasets', dataSetId, 'batches');
}

async function countDataset(fx, dataSetId) {
  const glob = lit(path.join(datasetDir(fx, dataSetId), '*', 'part-*.parquet'));
  const [r] = await query(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM read_parquet(${glob})`);
  return { n: Number(r.n), d: Number(r.d) };
}

// Batch folders on disk that hold files (part files or manifests).
function batchFolders(fx, dataSetId) {
  const root = datasetDir(fx, dataSetId);
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).filter((b) => {
    const d = path.join(root, b);
    const walk = (p) => fs.readdirSync(p).some((f) => {
      const q = path.join(p, f);
      return fs.statSync(q).isDirectory() ? walk(q) : true;
    });
    return walk(d);
  });
}

const args = () => ['--allow-path', dir, '--lease-seconds', '2', '--source-parallelism', '1'];

test('kill -9 in the middle of a 5,000,000-row run: after restart every row lands exactly once', async () => {
  const data = tempDir('fluxo-kill-');
  let fx = await new Fluxo(data, args()).start();
  let api = await fx.client();
  const f = await sqliteFlow(api, bigDb);
  const id = await createRun(api, f.flow, 1700000000, 1700000000 + ROWS);
  await eventually(async () => {
    const run = await getRun(api, id);
    assert.notEqual(run.metrics.statusSummary.status, 'success', 'the run ended before it could be killed');
    return run.metrics.statusSummary.status === 'inProgress' && run.metrics.recordSummary.outputRecordCount > 0;
  }, { timeoutMs: 30000, intervalMs: 20, what: 'the run to be under way' });
  await fx.stop('SIGKILL');

  fx = await new Fluxo(data, args()).start();
  api = await fx.client();
  const run = await waitRun(api, id, { timeoutMs: 120000 });
  assert.equal(run.metrics.statusSummary.status, 'success', JSON.stringify(run.metrics));
  assert.equal(run.fluxo.attempt, 2);
  assert.equal(run.metrics.recordSummary.outputRecordCount, ROWS);
  assert.deepEqual(await countDataset(fx, f.dataSetId), { n: ROWS, d: ROWS });
  assert.deepEqual(batchFolders(fx, f.dataSetId), [batchIdOf(run)]);
  const batches = (await api.get(`${CATALOG}/batches?dataSet=${f.dataSetId}`)).body;
  assert.deepEqual(Object.values(batches).map((b) => b.status).sort(), ['failed', 'success']);
  await fx.stop();
});

for (const point of ['before-commit', 'before-manifest']) {
  test(`a worker killed during commit (${point}) loses nothing and duplicates nothing`, async () => {
    const data = tempDir('fluxo-commit-');
    const db = path.join(dir, `${point}.db`);
    makeEvents(db, 20000);
    const crash = new Fluxo(data, args(), { FLUXO_ALLOW_TEST_FLAGS: '1', FLUXO_CRASH_AT: point });
    await crash.start();
    let api = await crash.client();
    const f = await sqliteFlow(api, db);
    const id = await createRun(api, f.flow, 1700000000, 1700000000 + 20000 * 10);
    const exit = await crash.exited;
    assert.equal(exit.code, 86, 'the armed crash point was reached');

    const fx = await new Fluxo(data, args()).start();
    api = await fx.client();
    const run = await waitRun(api, id, { timeoutMs: 60000 });
    assert.equal(run.metrics.statusSummary.status, 'success');
    assert.equal(run.fluxo.attempt, point === 'before-commit' ? 2 : 1);
    // Visible through the API (manifest present), and exactly once on disk.
    await eventually(async () => (await api.get(`/data/foundation/export/batches/${batchIdOf(run)}/files`)).status === 200,
      { timeoutMs: 10000, what: 'the batch to be visible' });
    assert.deepEqual(await countDataset(fx, f.dataSetId), { n: 20000, d: 20000 });
    assert.deepEqual(batchFolders(fx, f.dataSetId), [batchIdOf(run)]);
    await fx.stop();
  });
}

test('a minute-frequency flow produces consecutive windows that tile time with no gap', async () => {
  const data = tempDir('fluxo-sched-');
  // 15-minute interval, time scaled by 300: a window every 3 s.
  const fx = await new Fluxo(data, [...args(), '--test-time-scale', '300'], { FLUXO_ALLOW_TEST_FLAGS: '1' }).start();
  const api = await fx.client();
  const t0 = Math.floor(Date.now() / 1000) + 1;
  const db = path.join(dir, 'sched.db');
  // One row per second around t0.
  makeEvents(db, 40, { base: t0 - 10, step: 1 });
  const f = await sqliteFlow(api, db, { schedule: { startTime: t0, frequency: 'minute', interval: 15 } });
  const runs = await eventually(async () => {
    const list = await api.get(`${FLOW}/runs?property=flowId==${f.flow}&orderby=%2BcreatedAt`);
    const done = list.body.items.filter((r) => r.metrics.statusSummary.status === 'success');
    return done.length >= 3 ? done : null;
  }, { timeoutMs: 30000, intervalMs: 250, what: 'three scheduled runs' });
  const windows = runs.map((r) => [r.fluxo.windowStart, r.fluxo.windowEnd]).sort((a, b) => a[0] - b[0]);
  assert.deepEqual(windows[0], [0, t0]);
  for (let i = 1; i < windows.length; i++) {
    assert.equal(windows[i][0], windows[i - 1][1], 'no gap, no overlap');
    assert.equal(windows[i][1] - windows[i][0], 3);
  }
  const end = windows[windows.length - 1][1];
  const { n, d } = await countDataset(fx, f.dataSetId);
  const landed = runs.reduce((s, r) => s + r.metrics.recordSummary.outputRecordCount, 0);
  assert.equal(n, landed);
  assert.equal(d, n);
  assert.equal(n, Math.min(40, end - (t0 - 10)));
  // Disabled: no new run is created.
  await api.post(`${FLOW}/flows/${f.flow}/action?op=disable`);
  const count = async () => (await api.get(`${FLOW}/runs?property=flowId==${f.flow}&count=true`)).body.count;
  const c1 = await count();
  await new Promise((r) => setTimeout(r, 4000));
  assert.equal(await count(), c1);
  await fx.stop();
});
