#!/usr/bin/env node
// bench/s3: fluxo's S3 source and S3 lake against parallel curl ranged downloads of the same
// objects from the same s3rver, in the same run; and a ~1 GB download through Data Access from
// the S3 lake with fluxo's RSS sampled. Run by bench/s3/run.sh (see README.md here).
//
//   node bench/s3/bench.mjs --work DIR --endpoint URL --bucket B --rows N --big-mb M --par P
//        [--reps R] [--out FILE]
//
// Steps: (1) the 5M-row CSV of bench/csv (gen.mjs) and its Parquet (DuckDB COPY, zstd) are PUT
// into the bucket; (2) peers: curl downloads of each object, 1 stream and P ranged streams at
// once, to /dev/null; (3) fluxo runs with the S3 source on each object (local lake); (4) fluxo
// writes a ~M MB batch of incompressible rows into an S3 lake (--lake s3://B/lake, codec none):
// the multipart upload, against curl PUT of the same bytes; (5) the batch's files (a lake file is
// at most 512 MiB: SinkOptions::max_file_bytes) are downloaded through Data Access by curl, with
// fluxo's VmRSS sampled every 50 ms, against P ranged curl downloads of the same objects from
// s3rver. One JSON line per measurement on stdout (and --out); a summary table at the end.
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const { values: a } = parseArgs({
  options: {
    work: { type: 'string' }, endpoint: { type: 'string' }, bucket: { type: 'string', default: 'bench' },
    rows: { type: 'string', default: '5000000' }, 'big-mb': { type: 'string', default: '1024' },
    par: { type: 'string', default: '4' }, reps: { type: 'string', default: '1' }, out: { type: 'string' },
    steps: { type: 'string', default: 'source,lake,download' },
    objects: { type: 'string', default: 'csv,parquet' },  // the source step's inputs
  },
});
const WORK = a.work, EP = a.endpoint, BUCKET = a.bucket;
const ROWS = Number(a.rows), BIG_MB = Number(a['big-mb']), PAR = Number(a.par), REPS = Number(a.reps);
const STEPS = new Set(a.steps.split(','));
const { Fluxo, SPEC: E2E_SPEC } = await import(pathToFileURL(path.join(repo, 'tests/e2e/lib/fluxo.mjs')).href);
const { batchIdOf } = await import(pathToFileURL(path.join(repo, 'tests/e2e/lib/flows.mjs')).href);
const { query, lit } = await import(pathToFileURL(path.join(repo, 'tests/node/duckdb.mjs')).href);

const FLOW = '/data/foundation/flowservice', CATALOG = '/data/foundation/catalog', EXPORT = '/data/foundation/export';
const SPEC = {
  s3: E2E_SPEC.s3, local: '2d813289-868f-4072-87ad-a9ad8f34a63b', lake: E2E_SPEC.lake, cloud: E2E_SPEC.cloudStorageToAep,
};
const log = (...m) => console.error(`[s3 ${new Date().toISOString().slice(11, 19)}]`, ...m);
const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const results = [];
function emit(r) {
  const line = JSON.stringify({ ...r, load: load() });
  results.push(JSON.parse(line));
  console.log(line);
  if (a.out) fs.appendFileSync(a.out, line + '\n');
}
const S3AUTH = ['--aws-sigv4', 'aws:amz:us-east-1:s3', '--user', 'S3RVER:S3RVER', '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD'];
const objUrl = (key) => `${EP}/${BUCKET}/${key}`;

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
  });
}
function runOut(cmd, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}`))));
  });
}
// Downloads [0, size) of `url` as `n` ranged curl streams at once (to /dev/null); wall seconds.
async function curlRanged(url, size, n, extra = []) {
  const t0 = performance.now();
  const per = Math.ceil(size / n);
  const jobs = [];
  for (let i = 0; i < n; i++) {
    const first = i * per, last = Math.min(size, first + per) - 1;
    if (first > last) break;
    jobs.push(run('curl', ['-sf', ...extra, '-r', `${first}-${last}`, '-o', '/dev/null', url]));
  }
  await Promise.all(jobs);
  return (performance.now() - t0) / 1000;
}
function headSize(key) {
  const h = execFileSync('curl', ['-sfI', ...S3AUTH, objUrl(key)], { encoding: 'utf8' });
  return Number(h.match(/content-length:\s*(\d+)/i)[1]);
}
const status = (pid) => fs.readFileSync(`/proc/${pid}/status`, 'utf8');
const kib = (s, k) => Number(s.match(new RegExp(`${k}:\\s+(\\d+)`))[1]);

async function waitRun(api, id) {
  for (;;) {
    const r = await api.get(`${FLOW}/runs/${id}`);
    const run = r.body?.items?.[0];
    const st = run?.metrics?.statusSummary?.status;
    if (st === 'success' || st === 'failed' || st === 'cancelled') return run;
    await new Promise((res) => setTimeout(res, 50));
  }
}

// One run of a file flow on `fx`: connection (S3 or local folder) -> dataset -> lake; wall s.
async function fileRun(fx, { s3, root, filePath, format, label }) {
  const api = await fx.client();
  const spec = s3 ? SPEC.s3 : SPEC.local;
  const auth = s3
    ? { specName: 'Access Key', params: { s3AccessKey: 'S3RVER', s3SecretKey: 'S3RVER', endpoint: EP, pathStyle: true, bucketName: BUCKET } }
    : { specName: 'Local Folder', params: { rootPath: root } };
  const conn = await api.post(`${FLOW}/connections`, { name: label, connectionSpec: { id: spec, version: '1.0' }, auth });
  if (conn.status !== 201) throw new Error(conn.text);
  const src = await api.post(`${FLOW}/sourceConnections`, {
    name: label, baseConnectionId: conn.body.id, connectionSpec: { id: spec, version: '1.0' },
    data: { format }, params: { path: filePath },
  });
  if (src.status !== 201) throw new Error(src.text);
  const ds = await api.post(`${CATALOG}/dataSets`, { name: label });
  const tgt = await api.post(`${FLOW}/targetConnections`, {
    name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' },
    params: { dataSetId: ds.body[0].split('/').pop() },
  });
  const flow = await api.post(`${FLOW}/flows`, {
    name: label, flowSpec: { id: SPEC.cloud, version: '1.0' },
    sourceConnectionIds: [src.body.id], targetConnectionIds: [tgt.body.id],
    scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' },
  });
  if (flow.status !== 201) throw new Error(flow.text);
  const cpu0 = cpuS(fx.proc.pid);
  const t0 = performance.now();
  const r = await api.post(`${FLOW}/runs`, { flowId: flow.body.id, params: { windowStartTime: 0, windowEndTime: Math.floor(Date.now() / 1000) + 3600 } });
  if (r.status !== 201) throw new Error(r.text);
  const done = await waitRun(api, r.body.items[0].id);
  const wallS = (performance.now() - t0) / 1000;
  if (done.metrics.statusSummary.status !== 'success') throw new Error(`${label}: ${JSON.stringify(done.metrics)}`);
  return { api, run: done, wallS, cpuS: cpuS(fx.proc.pid) - cpu0, records: done.metrics.recordSummary.outputRecordCount };
}
function cpuS(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;  // utime + stime in clock ticks (100/s)
}

// FLUXO_BEFORE: a second binary (e.g. the previous commit's) measured the same way, for an A/B.
// FLUXO_OTHERS: more binaries, "label=path,label=path" (e.g. main's, or one under GLIBC_TUNABLES
// through a wrapper script), each measured the same way in every rep.
const BINS = [[process.env.FLUXO_BIN, '']];
if (process.env.FLUXO_BEFORE) BINS.push([process.env.FLUXO_BEFORE, ' (before)']);
for (const o of (process.env.FLUXO_OTHERS || '').split(',').filter(Boolean)) {
  const [label, bin] = o.split('=');
  BINS.push([bin, ` (${label})`]);
}
const env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', FLUXO_S3_ENDPOINT: EP };

// ---- (1) inputs.
const csv = path.join(WORK, 'data.csv'), parquet = path.join(WORK, 'data.parquet');
if (STEPS.has('source')) {
  if (!fs.existsSync(csv)) {
    log(`generating ${ROWS} rows`);
    execFileSync('node', [path.join(repo, 'bench/csv/gen.mjs'), csv, String(ROWS)], { stdio: 'inherit' });
  }
  if (!fs.existsSync(parquet)) {
    log('CSV -> Parquet (DuckDB)');
    await query(`SET threads=2; COPY (SELECT * FROM read_csv(${lit(csv)})) TO ${lit(parquet)} (FORMAT parquet, COMPRESSION zstd)`);
  }
  for (const [file, key] of [[csv, 'src/data.csv'], [parquet, 'src/data.parquet']]) {
    log(`PUT ${key}`);
    execFileSync('curl', ['-sf', '-X', 'PUT', ...S3AUTH, '-T', file, objUrl(key)]);
  }
  // ---- (2) peers and (3) fluxo's S3 source.
  for (let rep = 0; rep < REPS; rep++) {
    const objects = [['src/data.csv', 'delimited', 'csv'], ['src/data.parquet', 'parquet', 'parquet']];
    for (const [key, format] of objects.filter((o) => a.objects.split(',').includes(o[2]))) {
      const size = headSize(key);
      for (const n of [1, PAR]) {
        const s = await curlRanged(objUrl(key), size, n, S3AUTH);
        emit({ what: `curl ${n} stream${n > 1 ? 's' : ''}`, object: key, bytes: size, wallS: s, MBps: size / 1e6 / s });
      }
      for (const [bin, tag] of BINS) {
        process.env.FLUXO_BIN = bin;
        const fx = await new Fluxo(fs.mkdtempSync(path.join(WORK, 'fx-')), ['--source-parallelism', '2'], env).start();
        try {
          const r = await fileRun(fx, { s3: true, filePath: key, format, label: `s3 ${format}` });
          if (r.records !== ROWS) throw new Error(`${key}: ${r.records} records`);
          emit({ what: `fluxo${tag} S3 source run`, object: key, bytes: size, wallS: r.wallS, MBps: size / 1e6 / r.wallS, cpuS: r.cpuS, peakRssMiB: kib(status(fx.proc.pid), 'VmHWM') / 1024 });
        } finally {
          await fx.stop();
        }
      }
    }
  }
}

// ---- (4) S3 lake write and (5) Data Access download.
if (STEPS.has('lake')) {
  const bigDir = path.join(WORK, 'big');
  const big = path.join(bigDir, 'big.csv');
  if (!fs.existsSync(big)) {
    log(`generating ~${BIG_MB} MB of incompressible rows`);
    fs.mkdirSync(bigDir, { recursive: true });
    const fd = fs.openSync(big, 'w');
    fs.writeSync(fd, 'id,payload\n');
    let written = 0, id = 0;
    while (written < BIG_MB * 1e6) {
      const lines = [];
      for (let i = 0; i < 10000; i++) lines.push(`${id++},${crypto.randomBytes(150).toString('base64')}`);
      const buf = lines.join('\n') + '\n';
      fs.writeSync(fd, buf);
      written += buf.length;
    }
    fs.closeSync(fd);
  }
  const bigSize = fs.statSync(big).size;
  for (const [bin, tag] of BINS) {
    process.env.FLUXO_BIN = bin;
    const fx = await new Fluxo(fs.mkdtempSync(path.join(WORK, 'fxlake-')),
      ['--lake', `s3://${BUCKET}/lake${BINS.findIndex((b) => b[1] === tag) || ''}`, '--allow-path', bigDir, '--codec', 'none', '--source-parallelism', '2'], env).start();
    try {
      const r = await fileRun(fx, { s3: false, root: bigDir, filePath: 'big.csv', format: 'delimited', label: 'to s3 lake' });
      const listing = execFileSync('curl', ['-sf', ...S3AUTH, `${EP}/${BUCKET}?list-type=2&prefix=lake${BINS.findIndex((b) => b[1] === tag) || ''}/`], { encoding: 'utf8' });
      const objects = [...listing.matchAll(/<Key>([^<]*\.parquet)<\/Key><LastModified>[^<]*<\/LastModified><ETag>[^<]*<\/ETag><Size>(\d+)<\/Size>/g)]
        .map((m) => ({ key: m[1], size: Number(m[2]) }));
      const lakeBytes = objects.reduce((s, o) => s + o.size, 0);
      emit({ what: `fluxo${tag} S3 lake write run`, inputBytes: bigSize, lakeFiles: objects.length, bytes: lakeBytes, wallS: r.wallS, MBps: lakeBytes / 1e6 / r.wallS, cpuS: r.cpuS, peakRssMiB: kib(status(fx.proc.pid), 'VmHWM') / 1024 });
      // The peer of the write: one curl PUT of the same number of bytes.
      const blob = path.join(WORK, 'blob.bin');
      execFileSync('head', ['-c', String(lakeBytes), big], { stdio: ['ignore', fs.openSync(blob, 'w'), 'inherit'] });
      let t0 = performance.now();
      execFileSync('curl', ['-sf', '-X', 'PUT', ...S3AUTH, '-T', blob, objUrl('peer/blob.bin')]);
      emit({ what: 'curl PUT (1 stream)', bytes: lakeBytes, wallS: (performance.now() - t0) / 1000, MBps: lakeBytes / 1e6 / ((performance.now() - t0) / 1000) });
      fs.rmSync(blob);

      if (STEPS.has('download')) {
        const files = await r.api.get(`${EXPORT}/batches/${batchIdOf(r.run)}/files`);
        if (files.status !== 200) throw new Error(files.text);
        const headers = Object.entries(r.api.headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
        const base = kib(status(fx.proc.pid), 'VmRSS') / 1024;
        let peak = base;
        const sampler = setInterval(() => { try { peak = Math.max(peak, kib(status(fx.proc.pid), 'VmRSS') / 1024); } catch {} }, 50);
        let total = 0;
        t0 = performance.now();
        for (const f of files.body.data) {
          // Asynchronous (spawn), so that the RSS sampler keeps running meanwhile.
          const out = await runOut('curl', ['-sf', ...headers, '-o', '/dev/null', '-w', '%{size_download}', fx.base + f._links.self.href]);
          total += Number(out);
        }
        const dlS = (performance.now() - t0) / 1000;
        clearInterval(sampler);
        if (total !== lakeBytes) throw new Error(`downloaded ${total} bytes of ${lakeBytes}`);
        emit({ what: `fluxo${tag} Data Access download (curl, 1 stream per file)`, files: files.body.data.length, bytes: total, wallS: dlS, MBps: total / 1e6 / dlS, rssBeforeMiB: base, peakRssDuringMiB: peak });
        // The same through Data Access with P ranged streams per file.
        let peak2 = kib(status(fx.proc.pid), 'VmRSS') / 1024;
        const sampler2 = setInterval(() => { try { peak2 = Math.max(peak2, kib(status(fx.proc.pid), 'VmRSS') / 1024); } catch {} }, 50);
        t0 = performance.now();
        for (const f of files.body.data) {
          const size = Number(execFileSync('curl', ['-sfI', ...headers, fx.base + f._links.self.href], { encoding: 'utf8' }).match(/content-length:\s*(\d+)/i)[1]);
          await curlRanged(fx.base + f._links.self.href, size, PAR, headers);
        }
        const dlP = (performance.now() - t0) / 1000;
      clearInterval(sampler2);
        emit({ what: `fluxo${tag} Data Access download (curl, ${PAR} ranged streams per file)`, bytes: total, wallS: dlP, MBps: total / 1e6 / dlP, peakRssDuringMiB: peak2 });
        // Peers: the same objects straight from s3rver.
        for (const n of [1, PAR]) {
          t0 = performance.now();
          for (const o of objects) await curlRanged(objUrl(o.key), o.size, n, S3AUTH);
          const s = (performance.now() - t0) / 1000;
          emit({ what: `curl ${n} stream${n > 1 ? 's' : ''} per file from s3rver`, bytes: lakeBytes, wallS: s, MBps: lakeBytes / 1e6 / s });
        }
      }
    } finally {
      await fx.stop();
    }
  }
}

console.log('\n| what | object | MB | s | MB/s | peak RSS MiB | load |');
console.log('|---|---|---:|---:|---:|---:|---|');
for (const r of results) {
  console.log(`| ${r.what} | ${r.object ?? ''} | ${(r.bytes / 1e6).toFixed(0)} | ${r.wallS.toFixed(2)} | ${r.MBps.toFixed(1)} | ${(r.peakRssDuringMiB ?? r.peakRssMiB)?.toFixed?.(0) ?? ''} | ${r.load} |`);
}
