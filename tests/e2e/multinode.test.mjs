// Many machines on loopback: two `fluxo serve` and one `fluxo worker` on one PostgreSQL metastore
// and one S3 lake (s3rver), sharing one master key file. Runs created on either API node are
// executed by whichever process claims them; two processes are killed -9 at random moments; every
// run still ends `success`, DuckDB counts each row exactly once, and no file of a dead attempt is
// left in the bucket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { CATALOG, EXPORT, Fluxo, eventually, fluxoBin, newPostgresDatabase, startPostgres, stopPostgres, tempDir } from './lib/fluxo.mjs';
import { batchIdOf, createRun, getRun, sqliteFlow, waitRun } from './lib/flows.mjs';
import { makeEvents } from './lib/sqlite.mjs';
import { query, lit } from '../node/duckdb.mjs';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const S3 = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
let s3dir, endpoint, metastore, keyFile, sources;
let adminCreds = null;
const workers = new Set();  // killed at the end whatever happened  // written by the first node on the metastore; every node reuses them

before(() => {
  s3dir = tempDir('fluxo-mn-s3-');
  endpoint = execFileSync(path.join(ROOT, 'scripts/test-services/s3rver.sh'), ['start', s3dir, 'lake'],
    { encoding: 'utf8' }).trim();
  metastore = newPostgresDatabase();
  const keyDir = tempDir('fluxo-mn-key-');
  keyFile = path.join(keyDir, 'master.key');
  fs.writeFileSync(keyFile, crypto.randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
  sources = tempDir('fluxo-mn-src-');
});

after(() => {
  for (const p of workers) { try { p.kill('SIGKILL'); } catch {} }
  execFileSync(path.join(ROOT, 'scripts/test-services/s3rver.sh'), ['stop', s3dir]);
});

function nodeArgs(extra = []) {
  return ['--metastore', metastore, '--lake', 's3://lake/data', '--master-key-file', keyFile,
    '--allow-path', sources, '--lease-seconds', '3', ...extra];
}
const nodeEnv = () => ({ ...S3, FLUXO_S3_ENDPOINT: endpoint });

// `fluxo serve` on its own data dir. Only the first node on a metastore writes the admin
// credentials (the client lives in the shared metastore); the others get a copy.
async function startServe(extra = []) {
  const data = tempDir('fluxo-mn-data-');
  if (adminCreds) fs.writeFileSync(path.join(data, 'credentials.json'), JSON.stringify(adminCreds), { mode: 0o600 });
  const fx = await new Fluxo(data, nodeArgs(extra), nodeEnv()).start();
  adminCreds = fx.creds;
  return fx;
}

function startWorker() {
  const data = tempDir('fluxo-mn-worker-');
  const p = spawn(fluxoBin(), ['worker', '--data', data, ...nodeArgs(['--workers', '2'])],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...nodeEnv() } });
  workers.add(p);
  p.on('exit', () => workers.delete(p));
  let logs = '';
  p.stderr.on('data', (d) => { logs += d; });
  const ready = new Promise((resolve, reject) => {
    p.stdout.on('data', (d) => { if (String(d).startsWith('worker ')) resolve(); });
    p.on('exit', () => reject(new Error('worker exited:\n' + logs)));
  });
  const exited = new Promise((resolve) => p.on('exit', (code, signal) => resolve({ code, signal })));
  return { proc: p, ready, exited, logs: () => logs };
}

function bucketKeys() {
  const xml = execFileSync('curl', ['-sf', '--aws-sigv4', 'aws:amz:us-east-1:s3', '--user', 'S3RVER:S3RVER',
    '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD', `${endpoint}/lake?list-type=2&prefix=data/&max-keys=1000`],
  { encoding: 'utf8' });
  assert.doesNotMatch(xml, /<IsTruncated>true/);
  return [...xml.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]);
}

// The lease owner id of a process, from its "worker 0 of OWNER started" log line.
function ownerOf(logs) {
  const m = logs.match(/worker \d+ of (\S+) started/);
  assert.ok(m, 'owner id in the logs');
  return m[1];
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const randomMs = (lo, hi) => lo + Math.floor(Math.random() * (hi - lo));

test('a run created on one node starts on another within a second', async () => {
  const a = await startServe(['--no-engine']);
  const w = startWorker();
  try {
    await w.ready;
    const api = await a.client();
    const db = path.join(sources, 'wake.db');
    const { base, step } = makeEvents(db, 100);
    const f = await sqliteFlow(api, db);
    // Let the worker go idle (it polls every 250 ms without a wake-up; NOTIFY wakes it at once).
    await sleep(500);
    const id = await createRun(api, f.flow, base, base + 100 * step);
    const run = await waitRun(api, id, { timeoutMs: 30000 });
    assert.equal(run.metrics.statusSummary.status, 'success');
    const lag = run.metrics.durationSummary.startedAtUTC - run.createdAt;
    assert.ok(lag < 1000, `claimed ${lag} ms after creation`);
    assert.match(w.logs(), /claimed/);
  } finally {
    w.proc.kill('SIGTERM');
    await w.exited;
    await a.stop();
  }
});

test('two serve and one worker: kill -9 two of them, every run succeeds exactly once', async () => {
  const a = await startServe();
  const b = await startServe();
  let w = startWorker();
  await w.ready;
  const apiA = await a.client(), apiB = await b.client();
  const runs = [];
  // Every fourth run is big, so that a killed process is likely to die in the middle of one.
  for (let i = 0; i < 20; i++) {
    const db = path.join(sources, `mn${i}.db`);
    const rows = (i % 4 === 0 ? 300000 : 20000) + i;
    const { base, step } = makeEvents(db, rows);
    const api = i % 2 ? apiB : apiA;  // created on either node
    runs.push({ api, f: await sqliteFlow(api, db), rows, big: i % 4 === 0, base, step });
  }
  // Then every run at once.
  for (const r of runs) r.id = await createRun(r.api, r.f.flow, r.base, r.base + r.rows * r.step);
  // kill -9 the worker and the second API node at random moments while each holds a run; a run
  // still held by the dead process right after the kill must be taken over by another.
  const orphans = [];
  async function killWhileHolding(victim, owner) {
    // Until the victim holds a run (or nothing is left to hold).
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      const docs = await Promise.all(runs.map((r) => getRun(apiA, r.id)));
      const status = (d) => d.metrics.statusSummary.status;
      if (docs.some((d, i) => runs[i].big && d.fluxo.leaseOwner === owner && status(d) === 'inProgress')) break;
      if (docs.every((d) => status(d) === 'success')) break;
      await sleep(20);
    }
    await sleep(randomMs(0, 200));
    victim.kill('SIGKILL');
    for (const r of runs) {
      const doc = await getRun(apiA, r.id);
      if (doc.fluxo.leaseOwner === owner && doc.metrics.statusSummary.status === 'inProgress') orphans.push(r.id);
    }
  }
  await killWhileHolding(w.proc, ownerOf(w.logs()));
  assert.equal((await w.exited).signal, 'SIGKILL');
  await killWhileHolding(b.proc, ownerOf(b.logs));
  console.log(`claims before the kills: worker ${(w.logs().match(/claimed/g) || []).length}, ` +
    `serve B ${(b.logs.match(/claimed/g) || []).length}, serve A ${(a.logs.match(/claimed/g) || []).length}`);
  await b.exited;
  // A replacement worker joins later; node A and it finish everything.
  await sleep(randomMs(200, 1000));
  w = startWorker();
  await w.ready;
  try {
    let takeovers = 0;
    const batchIds = [];
    for (const { f, rows, id } of runs) {
      const run = await waitRun(apiA, id, { timeoutMs: 120000 });
      assert.equal(run.metrics.statusSummary.status, 'success', JSON.stringify(run.metrics));
      if (run.fluxo.attempt > 1) takeovers++;
      const batches = Object.values((await apiA.get(`${CATALOG}/batches?dataSet=${f.dataSetId}`)).body)
        .filter((x) => x.status === 'success');
      assert.equal(batches.length, 1, 'one committed batch per run');
      assert.equal(batches[0].metrics.outputRecordCount, rows);
      const listing = await apiA.get(`${EXPORT}/batches/${batchIdOf(run)}/files`);
      assert.equal(listing.status, 200, listing.text);
      const locals = [];
      for (const [i, file] of listing.body.data.entries()) {
        const local = path.join(sources, `${id}-${i}.parquet`);
        const dl = await fetch(a.base + file._links.self.href, { headers: apiA.headers });
        assert.equal(dl.status, 200);
        fs.writeFileSync(local, Buffer.from(await dl.arrayBuffer()));
        locals.push(local);
      }
      batchIds.push(batchIdOf(run));
      const [row] = await query(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM read_parquet([${locals.map(lit).join(', ')}])`);
      assert.equal(Number(row.n), rows, `rows of run ${id}`);
      assert.equal(Number(row.d), rows, `distinct ids of run ${id}`);
    }
    // No file of a dead attempt is left: under each run's dataset, every Parquet object is in the
    // committed batch's folder (the taken-over attempts' files were removed).
    const committed = new Map(runs.map((r, i) => [r.f.dataSetId, batchIds[i]]));
    const stray = await eventually(() => {
      const left = bucketKeys().filter((k) => k.endsWith('.parquet')).filter((k) => {
        const m = k.match(/\/datasets\/([^/]+)\/([^/]+)\//);
        return m && committed.has(m[1]) && !k.includes(committed.get(m[1]));
      });
      return left.length === 0 ? [] : (console.log('left:', left), null);
    }, { timeoutMs: 60000, intervalMs: 1000, what: 'no file of a dead attempt in the bucket' });
    assert.deepEqual(stray, []);
    const ours = bucketKeys().filter((k) => k.endsWith('.parquet') &&
      [...committed.values()].some((b) => k.includes(b)));
    assert.ok(ours.length >= runs.length);
    for (const id of orphans) {
      assert.ok((await getRun(apiA, id)).fluxo.attempt > 1, `run ${id} of a killed process was taken over`);
    }
    console.log(`multinode: ${takeovers} of ${runs.length} runs were taken over after a kill -9 ` +
      `(${orphans.length} held by a process at the moment it died)`);
  } finally {
    w.proc.kill('SIGTERM');
    await w.exited;
    await a.stop();
  }
});

// Last (it stops the shared server): the metastore goes away while a run is in progress.
test('a lost metastore fails /readyz and pauses runs; they resume when it returns', async () => {
  const a = await startServe();
  try {
    const api = await a.client();
    const db = path.join(sources, 'outage.db');
    const rows = 400000;
    const { base, step } = makeEvents(db, rows);
    const f = await sqliteFlow(api, db);
    const id = await createRun(api, f.flow, base, base + rows * step);
    await eventually(async () => (await getRun(api, id)).metrics.statusSummary.status === 'inProgress',
      { timeoutMs: 30000, what: 'the run in progress' });
    assert.equal((await a.http('GET', '/readyz')).status, 200);
    stopPostgres();
    try {
      const down = await eventually(async () => {
        const r = await a.http('GET', '/readyz');
        return r.status === 503 ? r : null;
      }, { timeoutMs: 10000, what: '/readyz to fail' });
      assert.match(JSON.stringify(down.body), /metastore/);
      assert.doesNotMatch(down.text, /postgres:postgres@/);
      await sleep(2000);
    } finally {
      startPostgres();
    }
    await eventually(async () => (await a.http('GET', '/readyz')).status === 200,
      { timeoutMs: 20000, what: '/readyz to recover' });
    const run = await waitRun(api, id, { timeoutMs: 120000 });
    assert.equal(run.metrics.statusSummary.status, 'success', JSON.stringify(run.metrics));
    const batches = Object.values((await api.get(`${CATALOG}/batches?dataSet=${f.dataSetId}`)).body)
      .filter((x) => x.status === 'success');
    assert.equal(batches.length, 1);
    assert.equal(batches[0].metrics.outputRecordCount, rows);
  } finally {
    await a.stop();
  }
});
