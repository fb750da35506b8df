// File sources end to end: a local folder of CSV files with 1% bad rows judged against
// partialIngestionPercent (row_errors with line numbers through the data-access API), window
// selection by modification time, path traversal refused, and S3 both as a source and as the
// lake (a real s3rver started here); a JSON Lines file cut into 2 byte-range splits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { FLOW, CATALOG, EXPORT, SPEC, Fluxo, startFluxo, tempDir, eventually } from './lib/fluxo.mjs';
import { createRun, waitRun, batchIdOf, sqliteFlow } from './lib/flows.mjs';
import { makeEvents } from './lib/sqlite.mjs';
import { query, lit } from '../node/duckdb.mjs';

const LOCAL_SPEC = '2d813289-868f-4072-87ad-a9ad8f34a63b';
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);

let fx, api, dir;
before(async () => {
  dir = tempDir('fluxo-files-');
  fx = await startFluxo(['--allow-path', dir]);
  api = await fx.client();
});
after(async () => { await fx.stop(); });

// 10,000 rows; every 100th row is bad (a value that is not a number, or a missing column).
function writeCsv(file, { rows = 10000, start = 0, mtime } = {}) {
  const lines = ['id,amount,label'];
  for (let i = start; i < start + rows; i++) {
    if (i % 100 === 7) lines.push(i % 200 === 7 ? `${i},not-a-number,bad` : `${i},1.5`);
    else lines.push(`${i},${(i * 0.25).toFixed(2)},"label, ${i}"`);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, lines.join('\r\n') + '\r\n');
  if (mtime) fs.utimesSync(file, mtime, mtime);
}

const DECLARED = [{ name: 'id', type: 'long' }, { name: 'amount', type: 'double' }, { name: 'label', type: 'string' }];

async function fileFlow(rootPath, sourcePath, options, columns = DECLARED) {
  const conn = await api.post(`${FLOW}/connections`, {
    name: 'folder', connectionSpec: { id: LOCAL_SPEC, version: '1.0' },
    auth: { specName: 'Local Folder', params: { rootPath } },
  });
  assert.equal(conn.status, 201, conn.text);
  const src = await api.post(`${FLOW}/sourceConnections`, {
    name: 'csv files', baseConnectionId: conn.body.id, connectionSpec: { id: LOCAL_SPEC, version: '1.0' },
    data: { format: 'delimited' }, params: { path: sourcePath, recursive: true, columns },
  });
  assert.equal(src.status, 201, src.text);
  const ds = await api.post(`${CATALOG}/dataSets`, { name: 'csv dataset' });
  const dataSetId = ds.body[0].split('/').pop();
  const tgt = await api.post(`${FLOW}/targetConnections`, {
    name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' },
    params: { dataSetId },
  });
  const flow = await api.post(`${FLOW}/flows`, {
    name: 'files', flowSpec: { id: SPEC.cloudStorageToAep, version: '1.0' },
    sourceConnectionIds: [src.body.id], targetConnectionIds: [tgt.body.id],
    scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' }, options,
  });
  assert.equal(flow.status, 201, flow.text);
  return { conn: conn.body.id, flow: flow.body.id, dataSetId };
}

const T = 1700000000;  // file modification times are set around this instant

test('1% bad rows: within partialIngestionPercent 5 the run succeeds with row_errors; with 0.5 it fails and nothing is visible', async () => {
  const root = path.join(dir, 'bad');
  writeCsv(path.join(root, 'incoming', 'a.csv'), { mtime: T + 10 });
  const lenient = await fileFlow(root, 'incoming/*.csv', { partialIngestionPercent: 5, errorDiagnosticsEnabled: true });
  const ok = await waitRun(api, await createRun(api, lenient.flow, T, T + 100));
  assert.equal(ok.metrics.statusSummary.status, 'success', JSON.stringify(ok.metrics));
  assert.equal(ok.metrics.recordSummary.inputRecordCount, 10000);
  assert.equal(ok.metrics.recordSummary.failedRecordCount, 100);
  assert.equal(ok.metrics.recordSummary.outputRecordCount, 9900);
  assert.equal(ok.metrics.fileSummary.inputFileCount, 1);
  assert.equal(ok.metrics.statusSummary.errors[0].code, 'INGEST-1212-400');
  const batchId = batchIdOf(ok);
  const files = await api.get(`${EXPORT}/batches/${batchId}/files`);
  assert.equal(files.body.data.length, 1, 'one file in, one split, one part file');
  const local = path.join(dir, 'dl.parquet');
  const dl = await fetch(fx.base + files.body.data[0]._links.self.href, { headers: api.headers });
  fs.writeFileSync(local, Buffer.from(await dl.arrayBuffer()));
  const [row] = await query(`SELECT count(*) AS n, count(DISTINCT id) AS d, sum(CASE WHEN id % 100 = 7 THEN 1 ELSE 0 END) AS bad FROM read_parquet(${lit(local)})`);
  assert.equal(Number(row.n), 9900);
  assert.equal(Number(row.d), 9900);
  assert.equal(Number(row.bad), 0);
  const errs = await api.get(`${EXPORT}/batches/${batchId}/meta?path=row_errors`);
  assert.equal(errs.status, 200, errs.text);
  const lines = errs.text.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 100);
  assert.equal(lines[0].line, 9);  // header is line 1; id 7 is on line 9
  assert.match(lines[0].file, /a\.csv/);
  assert.ok(lines.every((l) => /^INGEST-120[12]/.test(l.code)), JSON.stringify(lines[0]));

  const strict = await fileFlow(root, 'incoming/*.csv', { partialIngestionPercent: 0.5 });
  const failed = await waitRun(api, await createRun(api, strict.flow, T, T + 100));
  assert.equal(failed.metrics.statusSummary.status, 'failed');
  assert.match(failed.metrics.statusSummary.errors[0].message, /100 of 10000/);
  const batches = (await api.get(`${CATALOG}/batches?dataSet=${strict.dataSetId}`)).body;
  for (const b of Object.values(batches)) assert.notEqual(b.status, 'success');
});

test('a window selects exactly the files modified inside it; a re-trigger reads the same window', async () => {
  const root = path.join(dir, 'windows');
  writeCsv(path.join(root, 'd1.csv'), { rows: 50, start: 0, mtime: T + 100 });
  writeCsv(path.join(root, 'd2.csv'), { rows: 50, start: 1000, mtime: T + 200 });
  writeCsv(path.join(root, 'd3.csv'), { rows: 50, start: 2000, mtime: T + 300 });
  const f = await fileFlow(root, '*.csv', { partialIngestionPercent: 100 });
  const run = await waitRun(api, await createRun(api, f.flow, T + 150, T + 300));
  assert.equal(run.metrics.statusSummary.status, 'success', JSON.stringify(run.metrics));
  assert.equal(run.metrics.fileSummary.inputFileCount, 1);
  assert.equal(run.metrics.recordSummary.inputRecordCount, 50);
  // An empty window succeeds with no records, and may then be re-triggered.
  const empty = await waitRun(api, await createRun(api, f.flow, T + 400, T + 500));
  assert.equal(empty.metrics.statusSummary.status, 'success');
  assert.equal(empty.metrics.recordSummary.outputRecordCount, 0);
  writeCsv(path.join(root, 'late.csv'), { rows: 5, start: 5000, mtime: T + 450 });
  writeCsv(path.join(root, 'outside.csv'), { rows: 5, start: 6000, mtime: T + 600 });
  const rt = await api.post(`${FLOW}/runs/${empty.id}/action?op=re-trigger`);
  assert.equal(rt.status, 200, rt.text);
  const again = await waitRun(api, rt.body.id);
  assert.equal(again.metrics.recordSummary.inputRecordCount, 5);
});

test('path traversal is refused', async () => {
  const root = path.join(dir, 'jail');
  writeCsv(path.join(root, 'ok.csv'), { rows: 5, mtime: T });
  fs.symlinkSync('/etc', path.join(root, 'etc-link'));
  for (const bad of ['../../etc/passwd', 'etc-link/passwd', '%2e%2e/%2e%2e/etc/passwd', '/etc/passwd']) {
    const f = await fileFlow(root, bad, { partialIngestionPercent: 100 });
    const run = await waitRun(api, await createRun(api, f.flow, 0, T + 10));
    assert.equal(run.metrics.statusSummary.status, 'failed', bad);
    assert.match(run.metrics.statusSummary.errors[0].message, /outside|refused|not allowed|\.\./i, bad);
  }
  // A connection whose root is outside every --allow-path folder fails its test.
  const conn = await api.post(`${FLOW}/connections`, {
    name: 'etc', connectionSpec: { id: LOCAL_SPEC, version: '1.0' }, auth: { specName: 'Local Folder', params: { rootPath: '/etc' } },
  });
  const t = await api.get(`${FLOW}/connections/${conn.body.id}/test`);
  assert.equal(t.status, 400, t.text);
});

test('a symlink in a watched folder is one file error of the run; the other files are ingested and explore answers', async () => {
  const root = path.join(dir, 'watched');
  writeCsv(path.join(root, 'in', 'a.csv'), { rows: 5, mtime: T + 5 });
  fs.symlinkSync('/etc/passwd', path.join(root, 'in', 'evil.csv'));
  fs.lutimesSync(path.join(root, 'in', 'evil.csv'), T + 5, T + 5);
  const f = await fileFlow(root, 'in');
  const run = await waitRun(api, await createRun(api, f.flow, T, T + 10));
  assert.equal(run.metrics.statusSummary.status, 'success', JSON.stringify(run.metrics));
  assert.equal(run.metrics.recordSummary.outputRecordCount, 5);
  const errors = run.metrics.statusSummary.errors;
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.equal(errors[0].code, 'INGEST-1205-400');
  assert.match(errors[0].message, /in\/evil\.csv.*symlink/);
  assert.ok(!JSON.stringify(run).includes(dir), 'no server path in the run');
  for (const q of ['', '?objectType=root', '?objectType=folder&object=in']) {
    const ex = await api.get(`${FLOW}/connections/${f.conn}/explore${q}`);
    assert.equal(ex.status, 200, ex.text);
    assert.doesNotMatch(ex.text, /evil/);
  }
});

test('a hard link in a watched folder is one file error of the run like a symlink, and refused when named; an SQLite file with two links is refused', async () => {
  const root = path.join(dir, 'hard');
  const outside = tempDir('fluxo-files-outside-');
  writeCsv(path.join(root, 'in', 'a.csv'), { rows: 5, mtime: T + 5 });
  fs.writeFileSync(path.join(outside, 'secret.csv'), 'id,amount,label\r\n1,2,secret\r\n');
  fs.linkSync(path.join(outside, 'secret.csv'), path.join(root, 'in', 'alias.csv'));
  fs.utimesSync(path.join(root, 'in', 'alias.csv'), T + 5, T + 5);
  const f = await fileFlow(root, 'in');
  const run = await waitRun(api, await createRun(api, f.flow, T, T + 10));
  assert.equal(run.metrics.statusSummary.status, 'success', JSON.stringify(run.metrics));
  assert.equal(run.metrics.recordSummary.outputRecordCount, 5);
  const errors = run.metrics.statusSummary.errors;
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.equal(errors[0].code, 'INGEST-1205-400');
  assert.match(errors[0].message, /in\/alias\.csv.*hard link/);
  assert.ok(!JSON.stringify(run).includes(outside) && !JSON.stringify(run).includes(dir), 'no server path');
  const named = await fileFlow(root, 'in/alias.csv');
  const refused = await waitRun(api, await createRun(api, named.flow, T, T + 10));
  assert.equal(refused.metrics.statusSummary.status, 'failed');
  assert.match(refused.metrics.statusSummary.errors[0].message, /hard link/);

  // SQLite: the connection test refuses a database file with a second name (400, the field).
  execFileSync('sqlite3', [path.join(outside, 'secret.db'), 'CREATE TABLE t (id INTEGER);']);
  fs.linkSync(path.join(outside, 'secret.db'), path.join(dir, 'alias.db'));
  const conn = await api.post(`${FLOW}/connections`, {
    name: 'sqlite alias', connectionSpec: { id: '4dc762d7-733c-4c48-bc86-1b7d9ce43736', version: '1.0' },
    auth: { specName: 'Database File', params: { path: path.join(dir, 'alias.db') } },
  });
  assert.equal(conn.status, 201, conn.text);
  const t = await api.get(`${FLOW}/connections/${conn.body.id}/test`);
  assert.equal(t.status, 400, t.text);
  assert.match(t.text, /auth\.params\.path.*hard link/);
  assert.ok(!t.text.includes(outside) && !t.text.includes(dir), t.text);
  fs.rmSync(outside, { recursive: true, force: true });
});

test('S3: objects selected by window from s3rver, and a lake in S3 read back with DuckDB', async () => {
  const s3dir = tempDir('fluxo-s3rver-');
  const endpoint = execFileSync(path.join(ROOT, 'scripts/test-services/s3rver.sh'), ['start', s3dir, 'landing'], { encoding: 'utf8' }).trim();
  try {
    // Upload two CSV objects with curl's SigV4 (s3rver records the upload time as last-modified).
    const put = (key, body) => execFileSync('curl', ['-sf', '-X', 'PUT', '--aws-sigv4', 'aws:amz:us-east-1:s3',
      '--user', 'S3RVER:S3RVER', '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD', '--data-binary', '@-',
      `${endpoint}/landing/${key}`], { input: body });
    const before = Math.floor(Date.now() / 1000);
    put('in/one.csv', 'id,name\n1,a\n2,b\n');
    put('in/two.csv', 'id,name\n3,c\n');
    await new Promise((r) => setTimeout(r, 1100));
    const conn = await api.post(`${FLOW}/connections`, {
      name: 's3', connectionSpec: { id: SPEC.s3, version: '1.0' },
      auth: { specName: 'Access Key', params: { s3AccessKey: 'S3RVER', s3SecretKey: 'S3RVER', endpoint, pathStyle: true, bucketName: 'landing' } },
    });
    assert.equal(conn.status, 201, conn.text);
    const src = await api.post(`${FLOW}/sourceConnections`, {
      name: 'in', baseConnectionId: conn.body.id, connectionSpec: { id: SPEC.s3, version: '1.0' },
      data: { format: 'delimited' }, params: { path: 'in/*.csv' },
    });
    assert.equal(src.status, 201, src.text);
    const ds = await api.post(`${CATALOG}/dataSets`, { name: 's3 data' });
    const tgt = await api.post(`${FLOW}/targetConnections`, {
      name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' },
      params: { dataSetId: ds.body[0].split('/').pop() },
    });
    const flow = await api.post(`${FLOW}/flows`, {
      name: 's3 flow', flowSpec: { id: SPEC.cloudStorageToAep, version: '1.0' },
      sourceConnectionIds: [src.body.id], targetConnectionIds: [tgt.body.id],
      scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' },
    });
    assert.equal(flow.status, 201, flow.text);
    const run = await waitRun(api, await createRun(api, flow.body.id, before - 5, Math.floor(Date.now() / 1000) + 1));
    assert.equal(run.metrics.statusSummary.status, 'success', JSON.stringify(run.metrics));
    assert.equal(run.metrics.fileSummary.inputFileCount, 2);
    assert.equal(run.metrics.recordSummary.outputRecordCount, 3);
    // A window before the uploads selects nothing.
    const none = await waitRun(api, await createRun(api, flow.body.id, before - 100, before - 50));
    assert.equal(none.metrics.fileSummary.inputFileCount, 0);

    // A second fluxo whose lake is in S3.
    const lakeDir = tempDir('fluxo-s3lake-');
    const env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', FLUXO_S3_ENDPOINT: endpoint };
    const s3fx = new Fluxo(lakeDir, ['--lake', 's3://landing/lake', '--allow-path', dir], env);
    await s3fx.start();
    try {
      const c2 = await s3fx.client();
      const db = path.join(dir, 's3lake.db');
      const { base, step } = makeEvents(db, 2000);
      const f2 = await sqliteFlow(c2, db);
      const r2 = await waitRun(c2, await createRun(c2, f2.flow, base, base + 2000 * step));
      assert.equal(r2.metrics.statusSummary.status, 'success', JSON.stringify(r2.metrics));
      // The objects are in the bucket, under the prefix; download through the API and read them.
      // The run reads as successful once its commit transaction ends; the worker writes the
      // manifest just after (src/lake/README.md), so the listing may need a moment to show it.
      const listing = await eventually(() => {
        const l = execFileSync('curl', ['-sf', '--aws-sigv4', 'aws:amz:us-east-1:s3', '--user', 'S3RVER:S3RVER',
          '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD', `${endpoint}/landing?list-type=2&prefix=lake/`], { encoding: 'utf8' });
        return /_manifest\.json/.test(l) ? l : null;
      }, { what: 'the batch manifest in the bucket' });
      assert.match(listing, /part-00000\.parquet/);
      const files = await c2.get(`${EXPORT}/batches/${batchIdOf(r2)}/files`);
      assert.equal(files.status, 200, files.text);
      const locals = [];
      for (const [i, file] of files.body.data.entries()) {
        const local = path.join(dir, `s3lake-${i}.parquet`);
        const dl = await fetch(s3fx.base + file._links.self.href, { headers: c2.headers });
        fs.writeFileSync(local, Buffer.from(await dl.arrayBuffer()));
        locals.push(lit(local));
      }
      const [row] = await query(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM read_parquet([${locals.join(', ')}])`);
      assert.equal(Number(row.n), 2000);
      assert.equal(Number(row.d), 2000);
    } finally {
      await s3fx.stop();
    }
  } finally {
    execFileSync(path.join(ROOT, 'scripts/test-services/s3rver.sh'), ['stop', s3dir]);
  }
});

for (const layout of ['lines', 'array']) {
test(`a JSON ${layout === 'lines' ? 'Lines file' : 'array'} read as 2 byte-range splits (--source-parallelism 2) lands every row once`, async () => {
  const root = path.join(dir, `json-${layout}`);
  fs.mkdirSync(root, { recursive: true });
  // Over 2 x 64 MiB (the least range), so it is cut in 2. CRLF on some lines, blank lines, a
  // BOM, brackets, commas and escaped quotes in strings, 0.1% bad rows (broken JSON, or an id
  // that is not a number), and no '\n' after the last line. The array: one element a line, every
  // 7th over 3 lines.
  const ARRAY = layout === 'array';
  const N = 1100000;
  const name = ARRAY ? 'big.json' : 'big.jsonl';
  const file = path.join(root, name);
  const fd = fs.openSync(file, 'w');
  const lineOf = new Map();  // bad id -> its line
  let line = 1;
  let chunk = ARRAY ? '\uFEFF[\n' : '\uFEFF';
  if (ARRAY) line++;
  const pad = 'x'.repeat(90);
  for (let i = 0; i < N; i++) {
    const end = i === N - 1 ? (ARRAY ? '\n]' : '') : (ARRAY ? ',' : '') + (i % 13 === 0 ? '\r\n' : '\n');
    if (i % 1000 === 42) {
      lineOf.set(i, line);
      chunk += (i % 2000 === 42 ? `{"id":${i}, broken` + (ARRAY ? '}' : '') : `{"id":"x${i}","label":"bad"}`) + end;
    } else if (ARRAY && i % 7 === 0) {
      chunk += `{\n  "id": ${i}, "amount": ${i * 0.25},\n  "label": "l [${i}] \\"q\\" } ${pad}"}` + end;
      line += 2;
    } else {
      chunk += `{"id":${i},"amount":${i * 0.25},"label":"l [${i}] \\"q\\" } ${pad}"}` + end;
    }
    line++;
    if (i % 500 === 0 && i !== N - 1) { chunk += '\n'; line++; }
    if (chunk.length > (1 << 20)) { fs.writeSync(fd, chunk); chunk = ''; }
  }
  fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  fs.utimesSync(file, T + 10, T + 10);
  assert.ok(fs.statSync(file).size >= 2 * 64 * 1024 * 1024);
  const BAD = lineOf.size;

  const fx2 = await startFluxo(['--allow-path', dir, '--source-parallelism', '2']);
  try {
    const api2 = await fx2.client();
    const conn = await api2.post(`${FLOW}/connections`, {
      name: 'folder', connectionSpec: { id: LOCAL_SPEC, version: '1.0' },
      auth: { specName: 'Local Folder', params: { rootPath: root } },
    });
    assert.equal(conn.status, 201, conn.text);
    const src = await api2.post(`${FLOW}/sourceConnections`, {
      name: 'jsonl', baseConnectionId: conn.body.id, connectionSpec: { id: LOCAL_SPEC, version: '1.0' },
      data: { format: 'json' }, params: { path: name, columns: DECLARED },
    });
    assert.equal(src.status, 201, src.text);
    const ds = await api2.post(`${CATALOG}/dataSets`, { name: 'jsonl dataset' });
    const dataSetId = ds.body[0].split('/').pop();
    const tgt = await api2.post(`${FLOW}/targetConnections`, {
      name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' },
      params: { dataSetId },
    });
    const flow = await api2.post(`${FLOW}/flows`, {
      name: 'jsonl', flowSpec: { id: SPEC.cloudStorageToAep, version: '1.0' },
      sourceConnectionIds: [src.body.id], targetConnectionIds: [tgt.body.id],
      scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' },
      options: { partialIngestionPercent: 5, errorDiagnosticsEnabled: true },
    });
    assert.equal(flow.status, 201, flow.text);
    const run = await waitRun(api2, await createRun(api2, flow.body.id, T, T + 100));
    assert.equal(run.metrics.statusSummary.status, 'success', JSON.stringify(run.metrics));
    assert.equal(run.metrics.recordSummary.inputRecordCount, N);
    assert.equal(run.metrics.recordSummary.failedRecordCount, BAD);
    assert.equal(run.metrics.recordSummary.outputRecordCount, N - BAD);
    assert.equal(run.metrics.fileSummary.inputFileCount, 1);
    const batchId = batchIdOf(run);
    const files = await api2.get(`${EXPORT}/batches/${batchId}/files`);
    assert.equal(files.body.data.length, 2, 'one file, two byte-range splits, a part file each');
    const parts = path.join(fx2.dataDir, 'lake', fx2.creds.org_id, 'prod', 'datasets', dataSetId, 'batches',
      batchId, '**', '*.parquet');
    const [row] = await query(`SELECT count(*) AS n, count(DISTINCT id) AS d, min(id) AS lo, max(id) AS hi,
      sum(CASE WHEN id % 1000 = 42 THEN 1 ELSE 0 END) AS bad,
      sum(CASE WHEN label = 'l [' || id || '] "q" } ${pad}' THEN 1 ELSE 0 END) AS labels FROM read_parquet(${lit(parts)})`);
    assert.equal(Number(row.n), N - BAD);
    assert.equal(Number(row.d), N - BAD, 'every row once');
    assert.equal(Number(row.lo), 0);
    assert.equal(Number(row.hi), N - 1);
    assert.equal(Number(row.bad), 0);
    assert.equal(Number(row.labels), N - BAD);
    // Row errors carry the absolute line of their record in both ranges.
    const errs = await api2.get(`${EXPORT}/batches/${batchId}/meta?path=row_errors`);
    assert.equal(errs.status, 200, errs.text);
    const lines = errs.text.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, BAD);
    for (const e of lines) {
      const id = Number(e.record.match(/\{"id":"?x?(\d+)/)[1]);
      assert.equal(e.line, lineOf.get(id), JSON.stringify(e));
    }
    assert.ok(lines.some((e) => e.line > line / 2), 'errors from the second range');
  } finally {
    await fx2.stop();
  }
});
}
