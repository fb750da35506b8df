// `fluxo metastore migrate --from sqlite:PATH --to postgresql://...`: a deployment that outgrew one
// machine moves its metastore to PostgreSQL; every entity, secret, client and sandbox arrives, the
// counts are verified, a non-empty target is refused, and fluxo on the new store carries on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FLOW, Fluxo, newPostgresDatabase, pgConnectionBody, postgresServer, runCli, tempDir } from './lib/fluxo.mjs';
import { createRun, sqliteFlow, waitRun } from './lib/flows.mjs';
import { makeEvents } from './lib/sqlite.mjs';

test('migrate a SQLite metastore to PostgreSQL, then serve from it', async () => {
  const data = tempDir('fluxo-mig-');
  const src = tempDir('fluxo-mig-src-');
  const sqliteUrl = `sqlite:${path.join(data, 'meta.db')}`;
  const a = await new Fluxo(data, ['--metastore', sqliteUrl, '--allow-path', src]).start();
  const api = await a.client();
  const db = path.join(src, 'events.db');
  const { base, step } = makeEvents(db, 1000);
  const f = await sqliteFlow(api, db);
  const first = await waitRun(api, await createRun(api, f.flow, base, base + 500 * step));
  assert.equal(first.metrics.statusSummary.status, 'success');
  for (let i = 0; i < 3; i++) assert.equal((await api.post(`${FLOW}/connections`, pgConnectionBody(`pg${i}`))).status, 201);
  assert.equal((await runCli(['sandboxes', 'create', '--org', a.creds.org_id, 'qa', '--data', data,
    '--metastore', sqliteUrl])).code, 0);
  await a.stop();

  const target = newPostgresDatabase();
  const r = await runCli(['metastore', 'migrate', '--from', sqliteUrl, '--to', target]);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.entities.connections, 4);
  assert.equal(summary.entities.flows, 1);
  assert.equal(summary.entities.runs, 1);
  assert.ok(summary.references >= 2, JSON.stringify(summary));
  assert.ok(summary.sandboxes >= 1 && summary.clients >= 1, JSON.stringify(summary));
  assert.doesNotMatch(r.stderr + r.stdout, /postgres:postgres@/, 'no password in the output');
  // The target was analyzed at the end (a bulk-loaded store has no statistics until autovacuum's
  // first analyze, and plans a flow's runs page by filtering the whole sandbox).
  const pg = postgresServer();
  const analyzed = execFileSync('/usr/lib/postgresql/15/bin/psql',
    ['-h', path.join(pg.dir, 'srv'), '-p', String(pg.port), '-U', 'postgres', '-d', new URL(target).pathname.slice(1),
     '-Atc', "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname IN ('entities', 'refs') ORDER BY relname"],
    { encoding: 'utf8' }).trim();
  assert.equal(analyzed, 'entities|t\nrefs|t', 'ANALYZE ran on the target');

  // A second migrate into the now non-empty target is refused and writes nothing.
  const again = await runCli(['metastore', 'migrate', '--from', sqliteUrl, '--to', target]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /is not empty/);
  assert.doesNotMatch(again.stderr, /postgres:postgres@/);
  const missing = await runCli(['metastore', 'migrate', '--from', 'sqlite:/nonexistent/meta.db', '--to', target]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no SQLite metastore/);

  // fluxo on PostgreSQL, with the same master key: the same resources, secrets that open, and the
  // flow runs again.
  const data2 = tempDir('fluxo-mig-2-');
  fs.copyFileSync(path.join(data, 'credentials.json'), path.join(data2, 'credentials.json'));
  const b = await new Fluxo(data2, ['--metastore', target, '--master-key-file', path.join(data, 'master.key'),
    '--allow-path', src]).start();
  try {
    const api2 = await b.client();
    assert.equal((await api2.get(`${FLOW}/connections?count=true`)).body.count, 4);
    const run = await waitRun(api2, await createRun(api2, f.flow, base + 500 * step, base + 1000 * step));
    assert.equal(run.metrics.statusSummary.status, 'success', JSON.stringify(run.metrics));
    assert.equal(run.metrics.recordSummary.outputRecordCount, 500);
    // References came along: a connection in use still cannot be deleted.
    const del = await api2.del(`${FLOW}/connections/${f.conn}`);
    assert.ok(del.status >= 400 && del.status < 500, `${del.status} ${del.text}`);
  } finally {
    await b.stop();
  }
  // A node with another key refuses to start on the migrated store.
  const data3 = tempDir('fluxo-mig-3-');
  const bad = await runCli(['sandboxes', 'create', '--org', 'X@AdobeOrg', 'x', '--data', data3, '--metastore', target]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /does not open the secrets stored in this metastore/);
});
