// A run with a row-error diagnostics file, split across processes: `fluxo serve` and
// `fluxo worker` on one metastore and one lake (a shared data dir), both with --run-splits 8, read
// a SQLite window whose bad rows fail. Each split attempt writes its own row-error part; the
// last finisher merges them into the batch's one row_errors.jsonl before the commit. The API
// answers (run metrics and errors, the batch's failed and meta files) are those of the same
// window read by one process (a second `fluxo serve` without --run-splits), DuckDB reads every
// failed row exactly once from the downloaded file, and no part is left in the lake. The
// failed-record rule is judged on the total over the splits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CATALOG, EXPORT, Fluxo, eventually, fluxoBin, tempDir, withMetastore } from './lib/fluxo.mjs';
import { batchIdOf, createRun, sqliteFlow, waitRun } from './lib/flows.mjs';
import { makeEvents, sqlite } from './lib/sqlite.mjs';
import { query, lit } from '../node/duckdb.mjs';

const ROWS = 200000;
const badIds = [];
for (let id = 3; id < ROWS; id += 997) badIds.push(id);  // 201 rows, 0.1005%
let dir, db, data, split, worker, single, apiSplit, apiSingle, events;

function startWorker(dataDir) {
  const p = spawn(fluxoBin(), withMetastore(['worker', '--data', dataDir, '--allow-path', dir,
    '--workers', '2', '--run-splits', '8']), { stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  p.stderr.on('data', (d) => { logs += d; });
  const ready = new Promise((resolve, reject) => {
    p.stdout.on('data', (d) => { if (String(d).startsWith('worker ')) resolve(); });
    p.on('exit', () => reject(new Error('worker exited:\n' + logs)));
  });
  const exited = new Promise((resolve) => p.on('exit', (code) => resolve(code)));
  return { p, ready, exited, logs: () => logs };
}

before(async () => {
  dir = tempDir('fluxo-splitdiag-');
  db = path.join(dir, 'events.db');
  events = makeEvents(db, ROWS);
  sqlite(db, `UPDATE events SET amount = 'not a number' WHERE id % 997 = 3;`);
  data = tempDir('fluxo-splitdiag-data-');
  split = await new Fluxo(data, ['--allow-path', dir, '--run-splits', '8']).start();
  worker = startWorker(data);
  await worker.ready;
  single = await new Fluxo(tempDir('fluxo-splitdiag-one-'), ['--allow-path', dir]).start();
  apiSplit = await split.client();
  apiSingle = await single.client();
});

after(async () => {
  worker.p.kill('SIGTERM');
  assert.equal(await worker.exited, 0);
  await split.stop();
  await single.stop();
});

async function runBoth(options) {
  const out = [];
  for (const [fx, api] of [[split, apiSplit], [single, apiSingle]]) {
    const f = await sqliteFlow(api, db, { options });
    const id = await createRun(api, f.flow, events.base, events.base + ROWS * events.step);
    out.push({ fx, api, f, run: await waitRun(api, id, { timeoutMs: 120000 }) });
  }
  return out;
}

async function download(fx, api, href, name) {
  const res = await fetch(fx.base + href, { headers: api.headers });
  assert.equal(res.status, 200, `${href}: ${await res.clone().text()}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  const local = path.join(dir, name);
  fs.writeFileSync(local, bytes);
  return { local, bytes };
}

function lakeFiles(root) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else out.push(p);
    }
  };
  walk(root);
  return out;
}

test('a split run with row errors has the diagnostics of a one-process run', async () => {
  const [s, one] = await runBoth({ partialIngestionPercent: 5, errorDiagnosticsEnabled: true });
  assert.equal(s.run.metrics.statusSummary.status, 'success', JSON.stringify(s.run.metrics));
  assert.equal(one.run.metrics.statusSummary.status, 'success', JSON.stringify(one.run.metrics));
  const sum = s.run.metrics.splitSummary;
  assert.ok(sum, 'the run with diagnostics ran as splits');
  assert.equal(sum.splitCount, 8);
  assert.equal(one.run.metrics.splitSummary, undefined);
  console.log(`split run: ${sum.splitCount} splits by ${sum.executorCount} processes ${JSON.stringify(sum.byExecutor)}`);
  // Same counts against partialIngestionPercent, same warning.
  assert.equal(s.run.metrics.recordSummary.failedRecordCount, badIds.length);
  const counts = (r) => ['inputRecordCount', 'outputRecordCount', 'failedRecordCount'].map((k) => r.metrics.recordSummary[k]);
  assert.deepEqual(counts(s.run).slice(1), [ROWS - badIds.length, badIds.length]);
  assert.deepEqual(counts(s.run), counts(one.run));
  assert.deepEqual(s.run.metrics.statusSummary.errors, one.run.metrics.statusSummary.errors);
  assert.equal(s.run.metrics.statusSummary.errors[0].code, 'INGEST-1212-400');

  const files = {};
  for (const [name, x] of [['split', s], ['one', one]]) {
    const batch = batchIdOf(x.run);
    const b = (await x.api.get(`${CATALOG}/batches/${batch}`)).body[batch];
    assert.equal(b.metrics.failedRecordCount, badIds.length);
    const failed = await x.api.get(`${EXPORT}/batches/${batch}/failed`);
    assert.equal(failed.status, 200, failed.text);
    assert.equal(failed.body.data.length, 1);
    assert.equal(failed.body.data[0].name, 'row_errors.jsonl');
    const { local, bytes } = await download(x.fx, x.api, failed.body.data[0]._links.self.href, `${name}-errors.jsonl`);
    assert.equal(String(bytes.length), failed.body.data[0].length);
    const meta = await x.api.get(`${EXPORT}/batches/${batch}/meta?path=row_errors`);
    assert.equal(meta.text, bytes.toString());
    files[name] = { local, bytes, listing: failed.body.data[0] };
    // Every data row once.
    const listing = await x.api.get(`${EXPORT}/batches/${batch}/files`);
    const locals = [];
    for (const [i, f] of listing.body.data.entries()) {
      locals.push((await download(x.fx, x.api, f._links.self.href, `${name}-${i}.parquet`)).local);
    }
    const [row] = await query(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM read_parquet([${locals.map(lit).join(', ')}])`);
    assert.equal(Number(row.n), ROWS - badIds.length);
    assert.equal(Number(row.d), ROWS - badIds.length);
  }
  assert.equal(files.split.listing.length, files.one.listing.length);
  // DuckDB: each failed row exactly once, the same lines as the one-process file.
  for (const name of ['split', 'one']) {
    const [r] = await query(`SELECT count(*) AS n, count(DISTINCT line) AS d, list(line ORDER BY line) AS lines,
      count(*) FILTER (WHERE code = 'INGEST-1201') AS coded
      FROM read_json(${lit(files[name].local)}, format = 'newline_delimited')`);
    assert.equal(Number(r.n), badIds.length, name);
    assert.equal(Number(r.d), badIds.length, name);
    assert.equal(Number(r.coded), badIds.length, name);
    assert.deepEqual(r.lines.map(Number), badIds, name);
  }
  const sorted = (b) => b.toString().trim().split('\n').sort();
  assert.deepEqual(sorted(files.split.bytes), sorted(files.one.bytes));
  // No row-error part (nor any other file of a split attempt) is left in the lake.
  const left = await eventually(() => {
    const parts = lakeFiles(path.join(data, 'lake')).filter((p) => p.includes('/meta/parts/'));
    return parts.length === 0 ? [] : null;
  }, { timeoutMs: 10000, what: 'no row-error part in the lake' });
  assert.deepEqual(left, []);
});

test('the failed-record rule of a split run is judged on the total of its splits', async () => {
  const [s, one] = await runBoth({ partialIngestionPercent: 0.05, errorDiagnosticsEnabled: true });
  for (const x of [s, one]) {
    assert.equal(x.run.metrics.statusSummary.status, 'failed', JSON.stringify(x.run.metrics));
    const errors = x.run.metrics.statusSummary.errors;
    assert.equal(errors.length, 6, JSON.stringify(errors));  // the rule, then the first 5 rows
    assert.equal(errors[0].code, 'INGEST-1213-400');
    assert.match(errors[0].message, new RegExp(`^${badIds.length} of ${ROWS} records failed`));
    for (const e of errors.slice(1)) assert.match(e.message, /\(events line \d+\)$/);
    const batches = Object.values((await x.api.get(`${CATALOG}/batches?dataSet=${x.f.dataSetId}`)).body);
    assert.ok(batches.every((b) => b.status !== 'success'), 'no batch committed');
  }
  const logs = split.logs + worker.logs();
  assert.match(logs, new RegExp(`run ${s.run.id}: attempt \\d+ planned in 8 splits`), 'the failing run ran as splits');
  assert.deepEqual(s.run.metrics.statusSummary.errors[0], one.run.metrics.statusSummary.errors[0]);
  // The split run's first rows are the plan's first: in id order.
  assert.deepEqual(s.run.metrics.statusSummary.errors.slice(1).map((e) => Number(e.message.match(/line (\d+)\)$/)[1])),
    badIds.slice(0, 5));
});
