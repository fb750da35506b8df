// The run engine end to end with a SQLite source: adjacent windows land every row exactly once
// (read back with DuckDB), overlapping re-runs, delayed start, live progress, cancellation, a
// missing table, data access, and row-count agreement between run, batch and flow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FLOW, CATALOG, EXPORT, startFluxo, tempDir, eventually } from './lib/fluxo.mjs';
import { makeEvents, sqlite } from './lib/sqlite.mjs';
import { sqliteFlow, createRun, getRun, waitRun, batchIdOf } from './lib/flows.mjs';
import { query, lit } from '../node/duckdb.mjs';

let fx, api, dir;
before(async () => {
  dir = tempDir('fluxo-engine-');
  fx = await startFluxo(['--allow-path', dir]);
  api = await fx.client();
});
after(async () => { await fx.stop(); });

function datasetGlob(dataSetId) {
  return path.join(fx.dataDir, 'lake', fx.creds.org_id, 'prod', 'datasets', dataSetId, 'batches', '*', 'part-*.parquet');
}

test('three adjacent windows land every row exactly once; an overlapping re-run lands its window again', async () => {
  const db = path.join(dir, 'events.db');
  const { base, step } = makeEvents(db, 100000);
  const f = await sqliteFlow(api, db);
  const edges = [base, base + 300000, base + 650000, base + 100000 * step];
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await createRun(api, f.flow, edges[i], edges[i + 1]));
  const done = [];
  for (const id of runs) done.push(await waitRun(api, id));
  for (const [i, run] of done.entries()) {
    assert.equal(run.metrics.statusSummary.status, 'success', JSON.stringify(run.metrics));
    const expected = (edges[i + 1] - edges[i]) / step;
    assert.equal(run.metrics.recordSummary.outputRecordCount, expected);
    assert.equal(run.metrics.recordSummary.inputRecordCount, expected);
    // Run, batch and flow agree.
    const batch = (await api.get(`${CATALOG}/batches/${batchIdOf(run)}`)).body[batchIdOf(run)];
    assert.equal(batch.status, 'success');
    assert.equal(batch.metrics.outputRecordCount, expected);
  }
  const flow = (await api.get(`${FLOW}/flows/${f.flow}`)).body.items[0];
  assert.equal(flow.lastRunDetails.id, runs[2]);
  assert.equal(flow.lastRunDetails.state, 'success');

  const glob = lit(datasetGlob(f.dataSetId));
  const [stats] = await query(`SELECT count(*) AS n, count(DISTINCT id) AS d, min(id) AS lo, max(id) AS hi FROM read_parquet(${glob})`);
  assert.equal(Number(stats.n), 100000);
  assert.equal(Number(stats.d), 100000);
  assert.equal(Number(stats.lo), 0);
  assert.equal(Number(stats.hi), 99999);
  const [sum] = await query(`SELECT sum(amount) AS s, count(name) AS names FROM read_parquet(${glob})`);
  assert.equal(Number(sum.s), 1.5 * (99999 * 100000) / 2);
  assert.equal(Number(sum.names), 100000);

  // Overlapping re-run: the middle window again, as a new batch.
  const again = await waitRun(api, await createRun(api, f.flow, edges[1], edges[2]));
  assert.equal(again.metrics.statusSummary.status, 'success');
  assert.notEqual(batchIdOf(again), batchIdOf(done[1]));
  const [after] = await query(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM read_parquet(${glob})`);
  assert.equal(Number(after.n), 100000 + 35000);
  assert.equal(Number(after.d), 100000);
  const batches = await api.get(`${CATALOG}/batches?dataSet=${f.dataSetId}`);
  assert.equal(Object.keys(batches.body).length, 4);

  // Data access: the batch's files, a ranged download, the same bytes DuckDB reads.
  const files = await api.get(`${EXPORT}/batches/${batchIdOf(again)}/files`);
  assert.equal(files.status, 200, files.text);
  assert.ok(files.body.data.length >= 1);
  const file = files.body.data[0];
  const whole = await api.call('GET', file._links.self.href);
  assert.equal(whole.status, 200);
  const ranged = await fetch(fx.base + file._links.self.href, { headers: { ...api.headers, Range: 'bytes=0-3' } });
  assert.equal(ranged.status, 206);
  assert.equal(Buffer.from(await ranged.arrayBuffer()).toString('latin1'), 'PAR1');
  const tail = await fetch(fx.base + file._links.self.href, { headers: { ...api.headers, Range: 'bytes=-4' } });
  assert.equal(Buffer.from(await tail.arrayBuffer()).toString('latin1'), 'PAR1');
  const bad = await fetch(fx.base + file._links.self.href, { headers: { ...api.headers, Range: `bytes=${file.length + 10}-` } });
  assert.equal(bad.status, 416);
});

test('a run with startTime 3 s in the future stays scheduled until then', async () => {
  const db = path.join(dir, 'later.db');
  const { base, step } = makeEvents(db, 1000);
  const f = await sqliteFlow(api, db);
  const startAt = Math.floor(Date.now() / 1000) + 3;
  const id = await createRun(api, f.flow, base, base + 1000 * step, { startTime: startAt });
  for (let i = 0; i < 10; i++) {
    const run = await getRun(api, id);
    if (Date.now() / 1000 < startAt - 0.5) assert.equal(run.metrics.statusSummary.status, 'scheduled');
    await new Promise((r) => setTimeout(r, 150));
  }
  const run = await waitRun(api, id);
  assert.equal(run.metrics.statusSummary.status, 'success');
  assert.ok(run.metrics.durationSummary.startedAtUTC >= (startAt - 1) * 1000, JSON.stringify(run.metrics.durationSummary));
});

test('progress is live, and cancel stops a running run within 2 s leaving no batch', async () => {
  // A view that costs a few microseconds per row, so the run lasts seconds, not a fraction of one.
  const db = path.join(dir, 'slow.db');
  const { base, step } = makeEvents(db, 1000000, { step: 1 });
  sqlite(db, `CREATE VIEW slow_events AS SELECT e.id, e.updated_at, e.name, e.amount,
    (SELECT sum(x.amount) FROM events x WHERE x.id BETWEEN e.id AND e.id + 100) AS window_sum FROM events e;`);
  const f = await sqliteFlow(api, db, { table: 'slow_events' });
  const id = await createRun(api, f.flow, base, base + 1000000 * step);
  const counts = [];
  await eventually(async () => {
    const run = await getRun(api, id);
    const status = run.metrics.statusSummary.status;
    assert.ok(status === 'scheduled' || status === 'inProgress', `run ended before progress was seen: ${status}`);
    const n = run.metrics.recordSummary.outputRecordCount;
    if (status === 'inProgress' && n > 0 && n !== counts[counts.length - 1]) counts.push(n);
    return counts.length >= 2 && counts[counts.length - 1] > counts[0];
  }, { timeoutMs: 30000, intervalMs: 50, what: 'rising record counts' });
  const t0 = Date.now();
  const c = await api.post(`${FLOW}/runs/${id}/action?op=cancel`);
  assert.equal(c.status, 200, c.text);
  const run = await waitRun(api, id, { timeoutMs: 5000 });
  assert.equal(run.metrics.statusSummary.status, 'cancelled');
  assert.ok(Date.now() - t0 < 2500, `cancel took ${Date.now() - t0} ms`);
  const batches = (await api.get(`${CATALOG}/batches?dataSet=${f.dataSetId}`)).body;
  for (const b of Object.values(batches)) assert.notEqual(b.status, 'success');
  const found = await query(`SELECT count(*) AS n FROM glob(${lit(datasetGlob(f.dataSetId))})`);
  assert.equal(Number(found[0].n), 0);
});

test('a missing table fails the run with a message naming it', async () => {
  const db = path.join(dir, 'dropped.db');
  const { base, step } = makeEvents(db, 100, { table: 'orders' });
  const f = await sqliteFlow(api, db, { table: 'orders' });
  sqlite(db, 'DROP TABLE orders;');
  const run = await waitRun(api, await createRun(api, f.flow, base, base + 100 * step));
  assert.equal(run.metrics.statusSummary.status, 'failed');
  assert.match(run.metrics.statusSummary.errors[0].message, /orders/);
  const flow = (await api.get(`${FLOW}/flows/${f.flow}`)).body.items[0];
  assert.equal(flow.lastRunDetails.state, 'failed');
  // A failed run may be re-triggered; the table is back, so the new run lands the rows.
  makeEvents(db, 100, { table: 'orders' });
  const rt = await api.post(`${FLOW}/runs/${run.id}/action?op=re-trigger`);
  assert.equal(rt.status, 200, rt.text);
  const second = await waitRun(api, rt.body.id);
  assert.equal(second.metrics.statusSummary.status, 'success');
  assert.equal(second.metrics.recordSummary.outputRecordCount, 100);
});

test('connection test and explore', async () => {
  const db = path.join(dir, 'explore.db');
  makeEvents(db, 5);
  const f = await sqliteFlow(api, db);
  const t = await api.get(`${FLOW}/connections/${f.conn}/test`);
  assert.equal(t.status, 200, t.text);
  assert.deepEqual(t.body, { result: true });
  const root = await api.get(`${FLOW}/connections/${f.conn}/explore`);
  assert.equal(root.status, 200, root.text);
  assert.match(root.text, /events/);
  const table = await api.get(`${FLOW}/connections/${f.conn}/explore?objectType=table&object=events`);
  assert.equal(table.status, 200, table.text);
  assert.match(table.text, /updated_at/);
  // A path outside --allow-path is refused.
  const outside = await api.post(`${FLOW}/connections`, {
    name: 'etc', connectionSpec: { id: '4dc762d7-733c-4c48-bc86-1b7d9ce43736', version: '1.0' },
    auth: { specName: 'Database File', params: { path: '/etc/passwd' } },
  });
  assert.equal(outside.status, 201);
  const refused = await api.get(`${FLOW}/connections/${outside.body.id}/test`);
  assert.equal(refused.status, 400, refused.text);
  assert.match(refused.body.report['detailed-message'], /allow-path|outside/);
});
