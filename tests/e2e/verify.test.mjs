// Windows you can trust (issue 13), the second half, through the real binary against a real
// PostgreSQL source: POST /runs/{id}/action?op=verify counts a finished run's window again at the
// source and stores fluxo.verification (drift 0 on a clean window, exactly the 37 rows committed
// late into a past window, which neither the late-commit guard nor lateArrivalSeconds can save,
// and 0 again after a replacing run); a folder flow whose window gets a late 12-row file drifts by
// 12; dry runs (params.dryRun) answer the window's columns, first rows and count (tables) or its
// files and bytes (folders) and create nothing; options.nullDeltaPolicy include-in-first-window
// lands the NULL-delta rows once (DuckDB over the dataset's visible files).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FLOW, CATALOG, SPEC, Fluxo, tempDir, newPostgresDatabase } from './lib/fluxo.mjs';
import { waitRun, batchIdOf } from './lib/flows.mjs';
import { query, lit } from '../node/duckdb.mjs';

const LOCAL_SPEC = '2d813289-868f-4072-87ad-a9ad8f34a63b';
const BASE = 1700000000;
const ROWS = 1000;
const END = BASE + 2 * ROWS;
let dir;
before(() => { dir = tempDir('fluxo-verify-'); });

const args = () => ['--allow-path', dir, '--source-parallelism', '2'];

function psql(url, sql) {
  execFileSync('/usr/lib/postgresql/15/bin/psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql]);
}

// A PostgreSQL database with table `events` (id, updated_at timestamptz, name): ROWS rows, one
// every 2 s from BASE, and `nulls` more whose updated_at is NULL.
function pgEvents(nulls = 0) {
  const url = newPostgresDatabase();
  psql(url, `CREATE TABLE events (id int PRIMARY KEY, updated_at timestamptz, name text);
    CREATE INDEX ON events (updated_at);
    INSERT INTO events SELECT i, to_timestamp(${BASE} + 2 * (i - 1)), 'n' || i FROM generate_series(1, ${ROWS}) i;
    INSERT INTO events SELECT ${ROWS} + i, NULL, 'null' || i FROM generate_series(1, ${nulls}) i;`);
  return url;
}

async function target(api, name) {
  const ds = await api.post(`${CATALOG}/dataSets`, { name });
  assert.equal(ds.status, 201, ds.text);
  const dataSetId = ds.body[0].split('/').pop();
  const tgt = await api.post(`${FLOW}/targetConnections`, {
    name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' },
    params: { dataSetId },
  });
  assert.equal(tgt.status, 201, tgt.text);
  return { dataSetId, tgt: tgt.body.id };
}

async function pgFlow(api, url, options) {
  const conn = await api.post(`${FLOW}/connections`, {
    name: 'pg', connectionSpec: { id: SPEC.postgres, version: '1.0' },
    auth: { specName: 'Connection String Based Authentication', params: { connectionString: url } },
  });
  assert.equal(conn.status, 201, conn.text);
  const src = await api.post(`${FLOW}/sourceConnections`, {
    name: 'events', baseConnectionId: conn.body.id, connectionSpec: { id: SPEC.postgres, version: '1.0' },
    data: { format: 'tabular' }, params: { tableName: 'events' },
  });
  assert.equal(src.status, 201, src.text);
  const { dataSetId, tgt } = await target(api, 'events');
  const body = {
    name: 'events flow', flowSpec: { id: SPEC.crmToAep, version: '1.0' },
    sourceConnectionIds: [src.body.id], targetConnectionIds: [tgt],
    scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' },
  };
  if (options) body.options = options;
  const flow = await api.post(`${FLOW}/flows`, body);
  assert.equal(flow.status, 201, flow.text);
  return { flow: flow.body.id, dataSetId };
}

async function folderFlow(api, root) {
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
  const { dataSetId, tgt } = await target(api, 'files');
  const flow = await api.post(`${FLOW}/flows`, {
    name: 'files', flowSpec: { id: SPEC.cloudStorageToAep, version: '1.0' },
    sourceConnectionIds: [src.body.id], targetConnectionIds: [tgt],
    scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' },
  });
  assert.equal(flow.status, 201, flow.text);
  return { flow: flow.body.id, dataSetId };
}

async function run(api, flowId, start, end, extra = {}) {
  const r = await api.post(`${FLOW}/runs`, {
    flowId, params: { windowStartTime: start, windowEndTime: end, deltaColumn: { name: 'updated_at' }, ...extra },
  });
  assert.equal(r.status, 201, r.text);
  const done = await waitRun(api, r.body.items[0].id);
  assert.equal(done.metrics.statusSummary.status, 'success', JSON.stringify(done.metrics));
  return done;
}

async function verify(api, runId) {
  const r = await api.post(`${FLOW}/runs/${runId}/action?op=verify`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.id, runId);
  return r.body.verification;
}

async function runsOf(api, flowId) {
  const r = await api.get(`${FLOW}/runs?property=flowId==${flowId}`);
  assert.equal(r.status, 200, r.text);
  return r.body.items.length;
}

// The rows of the dataset's visible (success) batches, read by DuckDB.
async function landed(fx, api, dataSetId, where = 'true') {
  const r = await api.get(`${CATALOG}/batches?dataSet=${dataSetId}`);
  assert.equal(r.status, 200, r.text);
  const ok = Object.entries(r.body).filter(([, b]) => b.status === 'success').map(([id]) => id);
  if (!ok.length) return { n: 0, d: 0 };
  const root = path.join(fx.dataDir, 'lake', fx.creds.org_id, 'prod', 'datasets', dataSetId, 'batches');
  const files = ok.map((b) => lit(path.join(root, b, 'part-*.parquet')));
  const [row] = await query(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM read_parquet([${files.join(', ')}]) WHERE ${where}`);
  return { n: Number(row.n), d: Number(row.d) };
}

async function metric(fx, line) {
  const m = await fx.http('GET', '/metrics');
  assert.equal(m.status, 200);
  const hit = m.text.split('\n').find((l) => l.startsWith(line + ' '));
  return hit ? Number(hit.split(' ')[1]) : 0;
}

test('verify: drift 0, then exactly the 37 rows committed late into the window, then 0 after a replacing run', async () => {
  const url = pgEvents();
  const fx = await new Fluxo(tempDir('fluxo-verify-pg-'), args()).start();
  const api = await fx.client();
  // Listed from the start.
  assert.equal(await metric(fx, 'fluxo_run_verifications_total{result="drift"}'), 0);
  assert.match((await fx.http('GET', '/metrics')).text, /^fluxo_run_drift_records_total 0$/m);
  // The guard is on and windows lag: neither helps a row that is written after the run with a
  // time inside its window.
  const f = await pgFlow(api, url, { lateCommitGuard: true, lateArrivalSeconds: 300 });
  const first = await run(api, f.flow, BASE, END);
  assert.equal(first.metrics.recordSummary.outputRecordCount, ROWS);

  const clean = await verify(api, first.id);
  assert.equal(clean.sourceRecordCount, ROWS);
  assert.equal(clean.landedRecordCount, ROWS);
  assert.equal(clean.failedRecordCount, 0);
  assert.equal(clean.drift, 0);
  assert.ok(clean.verifiedAt >= first.metrics.durationSummary.completedAtUTC);
  const cleanBefore = await metric(fx, 'fluxo_run_verifications_total{result="clean"}');
  assert.ok(cleanBefore >= 1);

  // 37 rows land late in the past window.
  psql(url, `INSERT INTO events SELECT 5000 + i, to_timestamp(${BASE} + 2 * i + 1), 'late' || i FROM generate_series(1, 37) i`);
  const driftBefore = await metric(fx, 'fluxo_run_drift_records_total');
  const drifted = await verify(api, first.id);
  assert.deepEqual({ s: drifted.sourceRecordCount, l: drifted.landedRecordCount, d: drifted.drift },
    { s: ROWS + 37, l: ROWS, d: 37 });
  // Kept on the run, for later GETs (and the console).
  const got = (await api.get(`${FLOW}/runs/${first.id}`)).body.items[0];
  assert.deepEqual(got.fluxo.verification, drifted);
  assert.equal(await metric(fx, 'fluxo_run_verifications_total{result="drift"}'), 1);
  assert.equal(await metric(fx, 'fluxo_run_drift_records_total'), driftBefore + 37);
  assert.deepEqual(await landed(fx, api, f.dataSetId), { n: ROWS, d: ROWS });

  // The fix: the window again, replacing what the first run landed.
  const again = await run(api, f.flow, BASE, END, { replace: true });
  assert.equal(again.metrics.recordSummary.outputRecordCount, ROWS + 37);
  const fixed = await verify(api, again.id);
  assert.equal(fixed.drift, 0);
  assert.equal(fixed.sourceRecordCount, ROWS + 37);
  assert.deepEqual(await landed(fx, api, f.dataSetId), { n: ROWS + 37, d: ROWS + 37 });
  // The replaced run's own record stays what it landed.
  assert.equal((await verify(api, first.id)).drift, 37);

  // Only a finished run can be verified: a run due in an hour is refused with 1422.
  const later = await api.post(`${FLOW}/runs`, {
    flowId: f.flow, params: { windowStartTime: END, windowEndTime: END + 10, startTime: Math.floor(Date.now() / 1000) + 3600 },
  });
  assert.equal(later.status, 201, later.text);
  const laterId = later.body.items[0].id;
  const refused = await api.post(`${FLOW}/runs/${laterId}/action?op=verify`);
  assert.equal(refused.status, 400, refused.text);
  assert.match(refused.body.type, /FLOW-1422-400/);
  assert.match(refused.body.errorMessage, /is scheduled; only a finished run .* can be verified/);
  assert.equal((await api.post(`${FLOW}/runs/${laterId}/action?op=cancel`)).status, 200);
  const missing = await api.post(`${FLOW}/runs/nope/action?op=verify`);
  assert.equal(missing.status, 404);
  await fx.stop();
});

test('dry run of a table window: columns, first rows and the count; no run, no batch', async () => {
  const url = pgEvents(3);
  const fx = await new Fluxo(tempDir('fluxo-dry-pg-'), args()).start();
  const api = await fx.client();
  const f = await pgFlow(api, url);
  const dry = await api.post(`${FLOW}/runs`, {
    flowId: f.flow, params: { windowStartTime: BASE, windowEndTime: BASE + 200, deltaColumn: { name: 'updated_at' }, dryRun: true, previewRows: 5 },
  });
  assert.equal(dry.status, 200, dry.text);
  assert.equal(dry.body.dryRun, true);
  assert.deepEqual(dry.body.columns.map((c) => c.name), ['id', 'updated_at', 'name']);
  assert.equal(dry.body.rows.length, 5);
  assert.ok(dry.body.rows.every((r) => r.id >= 1 && r.id <= 100), JSON.stringify(dry.body.rows));
  assert.equal(dry.body.recordCount, 100);
  // The default preview is 10 rows; nothing was created, and the flow has no deltaColumn yet.
  const dry10 = await api.post(`${FLOW}/runs`, {
    flowId: f.flow, params: { windowStartTime: BASE, windowEndTime: END, deltaColumn: { name: 'updated_at' }, dryRun: true },
  });
  assert.equal(dry10.status, 200, dry10.text);
  assert.equal(dry10.body.rows.length, 10);
  assert.equal(dry10.body.recordCount, ROWS);
  assert.equal(await runsOf(api, f.flow), 0);
  const flowDoc = (await api.get(`${FLOW}/flows/${f.flow}`)).body.items[0];
  assert.equal(JSON.stringify(flowDoc.transformations || []).includes('deltaColumn'), false);
  assert.deepEqual((await api.get(`${CATALOG}/batches?dataSet=${f.dataSetId}`)).body, {});
  // Bad types name the field.
  for (const [params, field] of [[{ dryRun: 'yes' }, 'params.dryRun'], [{ dryRun: true, previewRows: 0 }, 'params.previewRows'],
    [{ dryRun: true, previewRows: 101 }, 'params.previewRows']]) {
    const bad = await api.post(`${FLOW}/runs`, {
      flowId: f.flow, params: { windowStartTime: BASE, windowEndTime: END, deltaColumn: { name: 'updated_at' }, ...params },
    });
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.body.type, /FLOW-1384-400/);
    assert.ok(bad.body.errorMessage.startsWith(field), bad.body.errorMessage);
  }
  // Without dryRun, POST /runs behaves as before: 201, one run.
  const real = await run(api, f.flow, BASE, END);
  assert.equal(real.metrics.recordSummary.outputRecordCount, ROWS);
  assert.equal(await runsOf(api, f.flow), 1);
  await fx.stop();
});

test('nullDeltaPolicy include-in-first-window lands the NULL-delta rows once; a bad value is 1410', async () => {
  const NULLS = 25;
  const url = pgEvents(NULLS);
  const fx = await new Fluxo(tempDir('fluxo-nulls-pg-'), args()).start();
  const api = await fx.client();
  const bad = await pgFlow(api, url, { nullDeltaPolicy: 'first' }).catch((e) => e);
  assert.ok(bad instanceof Error);
  assert.match(bad.message, /FLOW-1410-400/);  // the flow's answer, JSON in the message
  assert.match(bad.message, /"errorMessage":"options\.nullDeltaPolicy must be \\"skip\\" or \\"include-in-first-window\\""/);

  const f = await pgFlow(api, url, { nullDeltaPolicy: 'include-in-first-window' });
  const first = await run(api, f.flow, 0, BASE + ROWS);  // rows 1..500 and the NULLs
  assert.equal(first.metrics.recordSummary.outputRecordCount, ROWS / 2 + NULLS);
  assert.equal((first.metrics.statusSummary.errors || []).some((e) => e.code === 'FLUXO-1221-200'), false,
    JSON.stringify(first.metrics.statusSummary.errors));
  assert.equal((await verify(api, first.id)).drift, 0);
  const second = await run(api, f.flow, BASE + ROWS, END);
  assert.equal(second.metrics.recordSummary.outputRecordCount, ROWS / 2);
  assert.equal((await verify(api, second.id)).drift, 0);
  assert.deepEqual(await landed(fx, api, f.dataSetId), { n: ROWS + NULLS, d: ROWS + NULLS });
  assert.deepEqual(await landed(fx, api, f.dataSetId, 'updated_at IS NULL'), { n: NULLS, d: NULLS });

  // The default (skip) leaves them out of the same window and warns.
  const skip = await pgFlow(api, url);
  const skipped = await run(api, skip.flow, 0, BASE + ROWS);
  assert.equal(skipped.metrics.recordSummary.outputRecordCount, ROWS / 2);
  const w = skipped.metrics.statusSummary.errors.find((e) => e.code === 'FLUXO-1221-200');
  assert.equal(w.recordCount, NULLS);
  await fx.stop();
});

test('a folder window that gets a late 12-row file drifts by 12; its dry run lists the files and bytes', async () => {
  const root = path.join(dir, 'folder');
  fs.mkdirSync(path.join(root, 'in'), { recursive: true });
  const csv = (name, from, n, mtime) => {
    const lines = ['id,name'];
    for (let i = 0; i < n; i++) lines.push(`${from + i},row${from + i}`);
    const p = path.join(root, 'in', name);
    fs.writeFileSync(p, lines.join('\n') + '\n');
    fs.utimesSync(p, mtime, mtime);
    return fs.statSync(p).size;
  };
  const sizes = [csv('a.csv', 1, 30, BASE + 10), csv('b.csv', 31, 20, BASE + 20)];
  csv('outside.csv', 900, 5, END + 100);  // outside the window
  const fx = await new Fluxo(tempDir('fluxo-verify-files-'), args()).start();
  const api = await fx.client();
  const f = await folderFlow(api, root);
  const done = await run(api, f.flow, BASE, END);
  assert.equal(done.metrics.recordSummary.outputRecordCount, 50);
  assert.equal((await verify(api, done.id)).drift, 0);

  sizes.push(csv('late.csv', 100, 12, BASE + 30));  // written late, dated inside the window
  const v = await verify(api, done.id);
  assert.deepEqual({ s: v.sourceRecordCount, l: v.landedRecordCount, d: v.drift }, { s: 62, l: 50, d: 12 });

  const dry = await api.post(`${FLOW}/runs`, { flowId: f.flow, params: { windowStartTime: BASE, windowEndTime: END, dryRun: true } });
  assert.equal(dry.status, 200, dry.text);
  assert.deepEqual(dry.body.files.map((x) => x.path), ['in/a.csv', 'in/b.csv', 'in/late.csv']);
  assert.deepEqual(dry.body.files.map((x) => x.size), sizes);
  assert.equal(dry.body.fileCount, 3);
  assert.equal(dry.body.totalBytes, sizes.reduce((a, b) => a + b, 0));
  assert.equal(dry.body.files[2].lastModified, (BASE + 30) * 1000);
  assert.equal(await runsOf(api, f.flow), 1, 'the dry run created no run');
  await fx.stop();
});
