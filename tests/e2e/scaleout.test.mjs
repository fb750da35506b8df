// Scale-out on one metastore: an API-only `fluxo serve --no-engine` and two `fluxo worker`
// processes share a data dir; every run is executed exactly once, by one of the workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { CATALOG, Fluxo, fluxoBin, tempDir, withMetastore } from './lib/fluxo.mjs';
import { makeEvents } from './lib/sqlite.mjs';
import { sqliteFlow, createRun, waitRun } from './lib/flows.mjs';

function startWorker(dataDir, allow) {
  const p = spawn(fluxoBin(), withMetastore(['worker', '--data', dataDir, '--allow-path', allow, '--workers', '2']),
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  p.stderr.on('data', (d) => { logs += d; });
  const ready = new Promise((resolve, reject) => {
    p.stdout.on('data', (d) => { if (String(d).startsWith('worker ')) resolve(); });
    p.on('exit', () => reject(new Error('worker exited:\n' + logs)));
  });
  const exited = new Promise((resolve) => p.on('exit', (code) => resolve(code)));
  return { p, ready, exited, logs: () => logs };
}

test('two worker processes execute every run exactly once', async () => {
  const dir = tempDir('fluxo-scale-');
  const data = tempDir('fluxo-scale-data-');
  const api_node = await new Fluxo(data, ['--no-engine', '--allow-path', dir]).start();
  const api = await api_node.client();
  const w1 = startWorker(data, dir), w2 = startWorker(data, dir);
  try {
    await Promise.all([w1.ready, w2.ready]);
    const runs = [];
    for (let i = 0; i < 8; i++) {
      const db = path.join(dir, `db${i}.db`);
      const { base, step } = makeEvents(db, 5000);
      const f = await sqliteFlow(api, db);
      runs.push({ f, id: await createRun(api, f.flow, base, base + 5000 * step) });
    }
    for (const { f, id } of runs) {
      const run = await waitRun(api, id, { timeoutMs: 60000 });
      assert.equal(run.metrics.statusSummary.status, 'success');
      assert.equal(run.fluxo.attempt, 1, 'claimed once');
      const batches = Object.values((await api.get(`${CATALOG}/batches?dataSet=${f.dataSetId}`)).body);
      assert.equal(batches.length, 1);
      assert.equal(batches[0].metrics.outputRecordCount, 5000);
    }
    const claims = (w1.logs() + w2.logs()).match(/claimed/g) || [];
    assert.equal(claims.length, 8);
    assert.ok(w1.logs().includes('claimed') || w2.logs().includes('claimed'));
  } finally {
    w1.p.kill('SIGTERM');
    w2.p.kill('SIGTERM');
    assert.equal(await w1.exited, 0);
    assert.equal(await w2.exited, 0);
    await api_node.stop();
  }
});
