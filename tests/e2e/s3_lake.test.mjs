// An S3 lake (a real s3rver) end to end: a Parquet file of more than two multipart parts
// (uploaded in parallel) read back by DuckDB; Data Access downloads of it streamed from S3 with
// ranged GETs (whole, Range a-b, a-, -n, HEAD, 416) returning exactly the right bytes; and an
// upload that fails midway (a proxy in front of s3rver refuses one part) leaves no object.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { FLOW, CATALOG, EXPORT, SPEC, Fluxo, tempDir } from './lib/fluxo.mjs';
import { createRun, waitRun, batchIdOf } from './lib/flows.mjs';
import { query, lit } from '../node/duckdb.mjs';

const LOCAL_SPEC = '2d813289-868f-4072-87ad-a9ad8f34a63b';
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const S3RVER = path.join(ROOT, 'scripts/test-services/s3rver.sh');
const ROWS = 400000;

let s3dir, endpoint, dir;
before(() => {
  s3dir = tempDir('fluxo-s3rver-');
  endpoint = execFileSync(S3RVER, ['start', s3dir, 'lake'], { encoding: 'utf8' }).trim();
  dir = tempDir('fluxo-s3lake-in-');
  // Incompressible text (base64 of random bytes): the Parquet file is well over 2 parts of 8 MiB.
  const lines = ['id,payload'];
  for (let i = 0; i < ROWS; i++) lines.push(`${i},${crypto.randomBytes(60).toString('base64')}`);
  fs.mkdirSync(path.join(dir, 'in'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'in', 'big.csv'), lines.join('\n') + '\n');
});
after(() => { execFileSync(S3RVER, ['stop', s3dir]); });

function listBucket(prefix) {
  return execFileSync('curl', ['-sf', '--aws-sigv4', 'aws:amz:us-east-1:s3', '--user', 'S3RVER:S3RVER',
    '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD', `${endpoint}/lake?list-type=2&prefix=${encodeURIComponent(prefix)}`],
  { encoding: 'utf8' });
}

async function lakeFluxo(s3Endpoint, prefix) {
  const env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', FLUXO_S3_ENDPOINT: s3Endpoint };
  const fx = new Fluxo(tempDir('fluxo-s3lake-'), ['--lake', `s3://lake/${prefix}`, '--allow-path', dir], env);
  await fx.start();
  return fx;
}

async function csvFlow(api) {
  const conn = await api.post(`${FLOW}/connections`, {
    name: 'folder', connectionSpec: { id: LOCAL_SPEC, version: '1.0' },
    auth: { specName: 'Local Folder', params: { rootPath: dir } },
  });
  assert.equal(conn.status, 201, conn.text);
  const src = await api.post(`${FLOW}/sourceConnections`, {
    name: 'csv', baseConnectionId: conn.body.id, connectionSpec: { id: LOCAL_SPEC, version: '1.0' },
    data: { format: 'delimited' },
    params: { path: 'in/*.csv', columns: [{ name: 'id', type: 'long' }, { name: 'payload', type: 'string' }] },
  });
  assert.equal(src.status, 201, src.text);
  const ds = await api.post(`${CATALOG}/dataSets`, { name: 'big' });
  const dataSetId = ds.body[0].split('/').pop();
  const tgt = await api.post(`${FLOW}/targetConnections`, {
    name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' },
    params: { dataSetId },
  });
  const flow = await api.post(`${FLOW}/flows`, {
    name: 'big csv', flowSpec: { id: SPEC.cloudStorageToAep, version: '1.0' },
    sourceConnectionIds: [src.body.id], targetConnectionIds: [tgt.body.id],
    scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' },
  });
  assert.equal(flow.status, 201, flow.text);
  return { flow: flow.body.id, dataSetId };
}

const NOW = () => Math.floor(Date.now() / 1000);

test('a Parquet file of 3+ parts in the S3 lake: read back by DuckDB; Range downloads streamed from S3 give exactly its bytes', async () => {
  const fx = await lakeFluxo(endpoint, 'ok');
  try {
    const api = await fx.client();
    const f = await csvFlow(api);
    const run = await waitRun(api, await createRun(api, f.flow, 0, NOW() + 60));
    assert.equal(run.metrics.statusSummary.status, 'success', JSON.stringify(run.metrics));
    const files = await api.get(`${EXPORT}/batches/${batchIdOf(run)}/files`);
    assert.equal(files.status, 200, files.text);
    assert.equal(files.body.data.length, 1, files.text);
    const href = files.body.data[0]._links.self.href;
    const headers = api.headers;

    const head = await fetch(fx.base + href, { method: 'HEAD', headers });
    assert.equal(head.status, 200);
    const size = Number(head.headers.get('content-length'));
    assert.ok(size > 2 * (8 << 20), `the file has ${size} bytes: not more than 2 parts of 8 MiB`);
    assert.equal(head.headers.get('accept-ranges'), 'bytes');

    const whole = Buffer.from(await (await fetch(fx.base + href, { headers })).arrayBuffer());
    assert.equal(whole.length, size);
    const local = path.join(dir, 'whole.parquet');
    fs.writeFileSync(local, whole);
    const [row] = await query(`SELECT count(*) AS n, count(DISTINCT id) AS d, max(length(payload)) AS l FROM read_parquet(${lit(local)})`);
    assert.equal(Number(row.n), ROWS);
    assert.equal(Number(row.d), ROWS);
    assert.equal(Number(row.l), 80);
    // The same bytes as the object in the bucket.
    const key = listBucket('ok/').match(/<Key>(ok\/[^<]*\.parquet)<\/Key>/)[1];
    const direct = execFileSync('curl', ['-sf', '--aws-sigv4', 'aws:amz:us-east-1:s3', '--user', 'S3RVER:S3RVER',
      '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD', `${endpoint}/lake/${key}`], { maxBuffer: 1 << 30 });
    assert.ok(direct.equals(whole), 'download differs from the stored object');

    // Ranges across chunk (8 MiB) boundaries, open-ended and suffix.
    const cases = [
      [`bytes=1000-${(8 << 20) + 5000}`, 1000, (8 << 20) + 5000],
      [`bytes=${(8 << 20) - 3}-${(8 << 20) + 2}`, (8 << 20) - 3, (8 << 20) + 2],
      [`bytes=${size - 12345}-`, size - 12345, size - 1],
      ['bytes=-100', size - 100, size - 1],
      [`bytes=5-${size + 1000}`, 5, size - 1],
    ];
    for (const [range, first, last] of cases) {
      const res = await fetch(fx.base + href, { headers: { ...headers, Range: range } });
      assert.equal(res.status, 206, range);
      assert.equal(res.headers.get('content-range'), `bytes ${first}-${last}/${size}`, range);
      assert.equal(Number(res.headers.get('content-length')), last - first + 1, range);
      const got = Buffer.from(await res.arrayBuffer());
      assert.ok(got.equals(whole.subarray(first, last + 1)), `bytes of ${range}`);
      const h = await fetch(fx.base + href, { method: 'HEAD', headers: { ...headers, Range: range } });
      assert.equal(h.status, 206);
      assert.equal(h.headers.get('content-range'), res.headers.get('content-range'));
      assert.equal(h.headers.get('content-length'), res.headers.get('content-length'));
    }
    const bad = await fetch(fx.base + href, { headers: { ...headers, Range: `bytes=${size}-` } });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers.get('content-range'), `bytes */${size}`);
    await bad.arrayBuffer();

    // A client that reads a little and goes away: the server stays healthy and answers again.
    const partial = await fetch(fx.base + href, { headers });
    const reader = partial.body.getReader();
    await reader.read();
    await reader.cancel();
    const again = await fetch(fx.base + href, { headers: { ...headers, Range: 'bytes=0-9' } });
    assert.equal(again.status, 206);
    assert.ok(Buffer.from(await again.arrayBuffer()).equals(whole.subarray(0, 10)));
  } finally {
    await fx.stop();
  }
});

test('a multipart upload that fails midway leaves no object in the bucket', async () => {
  // A proxy in front of s3rver that refuses part 2 of every multipart upload (a permanent 400).
  const target = new URL(endpoint);
  const refused = [];
  const proxy = http.createServer((req, res) => {
    if (req.method === 'PUT' && /[?&]partNumber=2(&|$)/.test(req.url)) {
      refused.push(req.url);
      req.resume();
      req.on('end', () => {
        res.writeHead(400, { 'Content-Type': 'application/xml' });
        res.end('<Error><Code>InvalidRequest</Code><Message>refused by the test</Message></Error>');
      });
      return;
    }
    const { expect, ...headers } = req.headers;  // node answered the 100-continue itself
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (r) => { res.writeHead(r.statusCode, r.headers); r.pipe(res); });
    up.on('error', () => { res.destroy(); });
    req.pipe(up);
  });
  await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
  const fx = await lakeFluxo(`http://127.0.0.1:${proxy.address().port}`, 'failing');
  try {
    const api = await fx.client();
    const f = await csvFlow(api);
    const run = await waitRun(api, await createRun(api, f.flow, 0, NOW() + 60));
    assert.equal(run.metrics.statusSummary.status, 'failed', JSON.stringify(run.metrics));
    assert.ok(refused.length >= 1, 'no part was refused');
    // Nothing under the lake's prefix: no Parquet object, no manifest.
    const listing = listBucket('failing/');
    assert.doesNotMatch(listing, /\.parquet</);
    assert.doesNotMatch(listing, /_manifest\.json/);
  } finally {
    await fx.stop();
    await new Promise((r) => proxy.close(r));
  }
});
