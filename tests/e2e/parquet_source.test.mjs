// A Parquet file of many row groups (written by DuckDB, over 2 x 64 MiB: the least range, so
// --source-parallelism 2 cuts it into 2 row group splits) read from a local folder and from S3 (a
// real s3rver): every row lands once (DuckDB reads the batch back), and the Data Prep row errors
// of a mapping name each bad row's file and its absolute row number, whichever split read it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { FLOW, CATALOG, EXPORT, SPEC, startFluxo, tempDir } from './lib/fluxo.mjs';
import { createRun, waitRun, batchIdOf } from './lib/flows.mjs';
import { query, lit } from '../node/duckdb.mjs';

const LOCAL_SPEC = '2d813289-868f-4072-87ad-a9ad8f34a63b';
const CONV = '/data/foundation/conversion';
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const N = 2600000;
const PAR = 2;
const labelSql = (c) => `'label ' || ${c} || ' ' || md5(${c}::VARCHAR) || md5((${c} * 7)::VARCHAR) || md5((${c} * 13)::VARCHAR)`;
let dir, file, rowGroups;

before(async () => {
  dir = tempDir('fluxo-e2e-pqsrc-');
  fs.mkdirSync(path.join(dir, 'in'));
  file = path.join(dir, 'in', 'rows.parquet');
  // Row i (1..N, in this order): age 'n/a' when i % 1000 == 7 (to_integer fails: MAPPER-1201),
  // else i % 90; a label of hex digits (so the file is big: ~53 bytes a row); row groups of
  // 100,000 rows.
  await query(`COPY (SELECT i AS id, CASE WHEN i % 1000 = 7 THEN 'n/a' ELSE (i % 90)::VARCHAR END AS age,
      ${labelSql('i')} AS label FROM range(1, ${N + 1}) t(i) ORDER BY i)
    TO ${lit(file)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 100000)`);
  assert.ok(fs.statSync(file).size >= 2 * 64 * 1024 * 1024, `${fs.statSync(file).size} bytes`);
  const [m] = await query(`SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata(${lit(file)})`);
  rowGroups = Number(m.n);
  assert.ok(rowGroups >= 2 * PAR, `${rowGroups} row groups`);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

// One run of `auth` (a local folder or an S3 bucket) over `filePath` on `fx`, with a mapping that
// fails on every age 'n/a'; checks the landed rows and the row errors.
async function runAndCheck(fx, { specId, auth, filePath, label }) {
  const api = await fx.client();
  const ms = await api.post(`${CONV}/mappingSets`, { name: `pq ${label}`, mappings: [
    { sourceType: 'ATTRIBUTE', source: 'id', destination: 'id' },
    { sourceType: 'EXPRESSION', source: 'to_integer(age) + 1', destination: 'agePlusOne' },
    { sourceType: 'ATTRIBUTE', source: 'label', destination: 'label' },
  ] });
  assert.equal(ms.status, 200, ms.text);
  const conn = await api.post(`${FLOW}/connections`, { name: label, connectionSpec: { id: specId, version: '1.0' }, auth });
  assert.equal(conn.status, 201, conn.text);
  const src = await api.post(`${FLOW}/sourceConnections`, {
    name: label, baseConnectionId: conn.body.id, connectionSpec: { id: specId, version: '1.0' },
    data: { format: 'parquet' }, params: { path: filePath },
  });
  assert.equal(src.status, 201, src.text);
  const ds = await api.post(`${CATALOG}/dataSets`, { name: `pq ${label}` });
  const dataSetId = ds.body[0].split('/').pop();
  const tgt = await api.post(`${FLOW}/targetConnections`, {
    name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' },
    params: { dataSetId },
  });
  const flow = await api.post(`${FLOW}/flows`, {
    name: `pq ${label}`, flowSpec: { id: SPEC.cloudStorageToAep, version: '1.0' },
    sourceConnectionIds: [src.body.id], targetConnectionIds: [tgt.body.id],
    scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' },
    transformations: [{ name: 'Mapping', params: { mappingId: ms.body.id, mappingVersion: 0 } }],
    options: { partialIngestionPercent: 5, errorDiagnosticsEnabled: true },
  });
  assert.equal(flow.status, 201, flow.text);
  const now = Math.floor(Date.now() / 1000);
  const run = await waitRun(api, await createRun(api, flow.body.id, 0, now + 3600), { timeoutMs: 300000 });
  assert.equal(run.metrics.statusSummary.status, 'success', JSON.stringify(run.metrics));
  const BAD = N / 1000;
  assert.equal(run.metrics.recordSummary.inputRecordCount, N, label);
  assert.equal(run.metrics.recordSummary.failedRecordCount, BAD, label);
  assert.equal(run.metrics.recordSummary.outputRecordCount, N - BAD, label);
  assert.equal(run.metrics.fileSummary.inputFileCount, 1);
  // Each reader thread writes its own part file: more than one means more than one split ran.
  const batchId = batchIdOf(run);
  const files = await api.get(`${EXPORT}/batches/${batchId}/files`);
  assert.equal(files.status, 200, files.text);
  assert.ok(files.body.data.length >= 2, `${files.body.data.length} part files: the file was read as one split`);
  const parts = path.join(fx.dataDir, 'lake', fx.creds.org_id, 'prod', 'datasets', dataSetId, 'batches',
    batchId, '**', '*.parquet');
  const [row] = await query(`SELECT count(*) AS n, count(DISTINCT id) AS d, min(id) AS lo, max(id) AS hi,
      count(*) FILTER (WHERE id % 1000 = 7) AS bad,
      count(*) FILTER (WHERE "agePlusOne" = id % 90 + 1 AND label = ${labelSql('id')}) AS ok
    FROM read_parquet(${lit(parts)})`);
  assert.equal(Number(row.n), N - BAD, label);
  assert.equal(Number(row.d), N - BAD, `${label}: every row once`);
  assert.equal(Number(row.lo), 1);
  assert.equal(Number(row.hi), N);
  assert.equal(Number(row.bad), 0);
  assert.equal(Number(row.ok), N - BAD);
  // Every bad row is a MAPPER-1201 naming the file and its absolute row number (= its id).
  const errs = await api.get(`${EXPORT}/batches/${batchId}/meta?path=row_errors`);
  assert.equal(errs.status, 200, errs.text);
  const lines = errs.text.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, BAD);
  const want = Array.from({ length: BAD }, (_, k) => k * 1000 + 7);
  assert.ok(lines.every((l) => l.code === 'MAPPER-1201' && l.file === filePath), JSON.stringify(lines[0]));
  assert.deepEqual(lines.map((l) => l.line).sort((a, b) => a - b), want, `${label}: absolute rows`);
  for (const l of lines) assert.equal(JSON.parse(l.record).id, l.line);
}

test('a Parquet file of many row groups from a local folder is read as row group splits', async () => {
  const fx = await startFluxo(['--allow-path', dir, '--source-parallelism', String(PAR)]);
  try {
    await runAndCheck(fx, {
      specId: LOCAL_SPEC, auth: { specName: 'Local Folder', params: { rootPath: path.join(dir, 'in') } },
      filePath: 'rows.parquet', label: 'local',
    });
  } finally {
    await fx.stop();
  }
});

test('the same file from S3 (s3rver) is read as row group splits with ranged GETs', async () => {
  const s3dir = tempDir('fluxo-e2e-pqsrc-s3-');
  const endpoint = execFileSync(path.join(ROOT, 'scripts/test-services/s3rver.sh'), ['start', s3dir, 'landing'], { encoding: 'utf8' }).trim();
  try {
    execFileSync('curl', ['-sf', '-X', 'PUT', '--aws-sigv4', 'aws:amz:us-east-1:s3', '--user', 'S3RVER:S3RVER',
      '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD', '-T', file, `${endpoint}/landing/src/rows.parquet`]);
    const fx = await startFluxo(['--source-parallelism', String(PAR)]);
    try {
      await runAndCheck(fx, {
        specId: SPEC.s3,
        auth: { specName: 'Access Key', params: { s3AccessKey: 'S3RVER', s3SecretKey: 'S3RVER', endpoint, pathStyle: true, bucketName: 'landing' } },
        filePath: 'src/rows.parquet', label: 's3',
      });
    } finally {
      await fx.stop();
    }
  } finally {
    execFileSync(path.join(ROOT, 'scripts/test-services/s3rver.sh'), ['stop', s3dir]);
    fs.rmSync(s3dir, { recursive: true, force: true });
  }
});
