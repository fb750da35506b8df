#!/usr/bin/env node
// bench/csv driver (bench/json runs it too, with --format jsonl): one big CSV (or JSON Lines) file
// from a local folder into a zstd Parquet dataset, end to end through fluxo's Flow Service API,
// against DuckDB's `COPY (SELECT * FROM read_csv(..) | read_json(..)) TO .. (FORMAT parquet,
// COMPRESSION zstd)` with 2 threads, in the same run. See README.md here and in bench/json.
//
//   node bench/csv/bench.mjs --work DIR [--rows 5000000] [--reps 2] [--modes inferred,declared]
//                            [--duckdb-threads 2] [--out results.jsonl] [--split-files N]
//                            [--format csv|jsonl|jsonarray] [--parallelism P]
// --format jsonl: the input is bench/json/gen.mjs's JSON Lines file (data.jsonl; jsonarray: the
// same rows as one JSON array, data.json), read with
// --source-parallelism P (--parallelism, default 0: not set), i.e. P byte ranges of the one file.
//
// --split-files N (N >= 2) also runs each mode on the same rows cut into N files at line ends
// (WORK/input/parts/, each with the header; the generated data has no quoted line breaks) with
// --source-parallelism N: N splits, N reader+encoder threads. This is what intra-file byte-range
// splits of the one big file would give (minus their boundary pre-scan); labelled "fluxo N files".
// Env: FLUXO_BIN (default build-csvbench/fluxo), KEEP=1 keeps the fluxo data dirs,
// FLUXO_BEFORE=BIN also runs every mode with BIN in each rep (labelled "fluxo-before"), for an A/B
// comparison of two builds under the same machine load.
// WORK/input/data.csv is generated once (gen.mjs) and reused while its row count matches.
// Every fluxo run uses a fresh `fluxo serve --workers 1 --codec zstd --allow-path WORK/input` on a
// free port and a fresh data dir; timing is from `POST /runs` to the poll (every 50 ms) that sees
// `success`. Peak RSS is VmHWM of the fluxo process (its whole life, API included). Per-thread CPU
// is sampled from /proc/PID/task while the run goes, to show which thread is the bottleneck.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const FLUXO_BIN = process.env.FLUXO_BIN || path.join(repo, 'build-csvbench/fluxo');
const FLUXO_BEFORE = process.env.FLUXO_BEFORE || '';
const duckPath = createRequire(path.join(repo, 'tests/node/package.json')).resolve('@duckdb/node-api');
const { DuckDBInstance } = await import(pathToFileURL(duckPath).href);
const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;
async function query(sql) {
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  return (await con.runAndReadAll(sql)).getRowObjectsJS();
}

const { values: a } = parseArgs({
  options: {
    work: { type: 'string' },
    rows: { type: 'string', default: '5000000' },
    reps: { type: 'string', default: '2' },
    modes: { type: 'string', default: 'inferred,declared' },
    'duckdb-threads': { type: 'string', default: '2' },
    out: { type: 'string' },
    'timeout-s': { type: 'string', default: '1200' },
    'skip-duckdb': { type: 'boolean', default: false },  // fluxo only (profiling)
    'polars-threads': { type: 'string', default: '2' },  // POLARS_MAX_THREADS; 0: no Polars run
    'split-files': { type: 'string', default: '0' },
    format: { type: 'string', default: 'csv' },
    parallelism: { type: 'string', default: '0' },
    // Drop the input from the page cache before each fluxo run (dd iflag=nocache) instead of
    // warming it once: what a file bigger than the free memory costs (bench/growth analysis).
    cold: { type: 'boolean', default: false },
  },
});
if (!a.work) {
  console.error('usage: bench.mjs --work DIR [--rows N] [--reps N] [--modes inferred,declared]');
  process.exit(2);
}
const ROWS = Number(a.rows);
const ARRAY = a.format === 'jsonarray';  // bench/json/gen.mjs's rows as one JSON array (data.json)
const JSONL = a.format === 'jsonl' || ARRAY;
if (!JSONL && a.format !== 'csv') {
  console.error('--format must be csv, jsonl or jsonarray');
  process.exit(2);
}
const PAR = Number(a.parallelism);
const log = (...m) => console.error(`[${JSONL ? 'json' : 'csv'} ${new Date().toISOString().slice(11, 19)}]`, ...m);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const FLOW = '/data/foundation/flowservice';
const CATALOG = '/data/foundation/catalog';
const LOCAL_SPEC = '2d813289-868f-4072-87ad-a9ad8f34a63b';
const LAKE_SPEC = 'c604ff05-7f1a-43c0-8e18-33bf874cb11c';
const CLOUD_TO_AEP = '9753525b-82c7-4dce-8a9b-5ccfce2b9876';
const MTIME = 1700000000;  // the input file's mtime; the run's window is [MTIME - 60, MTIME + 60)
const DECLARED = [
  { name: 'id', type: 'long' }, { name: 'account', type: 'long' }, { name: 'qty', type: 'int' },
  { name: 'amount', type: 'decimal(12,2)' }, { name: 'score', type: 'double' },
  { name: 'created_at', type: 'timestamp' }, { name: 'status', type: 'string' },
  { name: 'country', type: 'string' }, { name: 'email', type: 'string' }, { name: 'comment', type: 'string' },
];

// ---- input

const inputDir = path.join(a.work, 'input');
const csv = path.join(inputDir, ARRAY ? 'data.json' : JSONL ? 'data.jsonl' : 'data.csv');
const stamp = path.join(a.work, 'data.rows');
fs.mkdirSync(inputDir, { recursive: true });
if (!(fs.existsSync(csv) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === String(ROWS))) {
  log(`generating ${ROWS} rows into ${csv}`);
  const t = performance.now();
  const gen = JSONL ? path.join(repo, 'bench/json/gen.mjs') : path.join(here, 'gen.mjs');
  execFileSync(process.execPath, [gen, csv, String(ROWS)], { stdio: 'inherit' });
  fs.writeFileSync(stamp, String(ROWS));
  log(`generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
fs.utimesSync(csv, MTIME, MTIME);
const CSV_BYTES = fs.statSync(csv).size;
const SPLIT = JSONL ? 0 : Number(a['split-files']);  // JSON Lines: byte ranges (--parallelism)
if (SPLIT >= 2) {
  const partsDir = path.join(inputDir, 'parts');
  const stampParts = path.join(a.work, 'parts.n');
  if (!(fs.existsSync(stampParts) && fs.readFileSync(stampParts, 'utf8') === `${ROWS}/${SPLIT}`)) {
    log(`cutting the CSV into ${SPLIT} files`);
    fs.rmSync(partsDir, { recursive: true, force: true });
    fs.mkdirSync(partsDir);
    const fd = fs.openSync(csv, 'r');
    const probe = Buffer.alloc(1 << 16);
    const lineEndAfter = (pos) => {  // offset just after the first '\n' at or after pos
      for (;;) {
        const n = fs.readSync(fd, probe, 0, probe.length, pos);
        const i = probe.subarray(0, n).indexOf(10);
        if (i >= 0) return pos + i + 1;
        if (n === 0) return CSV_BYTES;
        pos += n;
      }
    };
    const headerEnd = lineEndAfter(0);
    const header = Buffer.alloc(headerEnd);
    fs.readSync(fd, header, 0, headerEnd, 0);
    const bounds = [headerEnd];
    for (let k = 1; k < SPLIT; k++) bounds.push(lineEndAfter(Math.floor((CSV_BYTES * k) / SPLIT)));
    bounds.push(CSV_BYTES);
    const chunk = Buffer.alloc(8 << 20);
    for (let k = 0; k < SPLIT; k++) {
      const out = fs.openSync(path.join(partsDir, `part-${k}.csv`), 'w');
      fs.writeSync(out, header);
      for (let pos = bounds[k]; pos < bounds[k + 1];) {
        const n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, bounds[k + 1] - pos), pos);
        fs.writeSync(out, chunk, 0, n);
        pos += n;
      }
      fs.closeSync(out);
    }
    fs.closeSync(fd);
    fs.writeFileSync(stampParts, `${ROWS}/${SPLIT}`);
  }
  for (const f of fs.readdirSync(partsDir)) fs.utimesSync(path.join(partsDir, f), MTIME, MTIME);
}
// Warm the page cache so that neither side pays for the first read from disk (unless --cold).
const evict = (f) => execFileSync('dd', [`if=${f}`, 'iflag=nocache', 'count=0', 'status=none']);
if (!a.cold) execFileSync('cat', [csv], { stdio: ['ignore', 'ignore', 'inherit'] });
if (SPLIT >= 2) execFileSync('sh', ['-c', 'cat "$0"/parts/*.csv', inputDir], { stdio: ['ignore', 'ignore', 'inherit'] });

// ---- DuckDB

function duckdbRun(rep) {
  const outFile = path.join(a.work, 'duckdb.parquet');
  fs.rmSync(outFile, { force: true });
  const tf = path.join(a.work, 'time.txt');
  const stdout = execFileSync('/usr/bin/time', ['-f', '%e %M %U %S', '-o', tf, process.execPath,
    path.join(here, 'duckdb_copy.mjs'), csv, outFile, a['duckdb-threads']], { encoding: 'utf8' });
  const r = JSON.parse(stdout.trim().split('\n').pop());
  const [, rssKiB, userS, sysS] = fs.readFileSync(tf, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  const res = {
    what: `duckdb threads=${a['duckdb-threads']}`, rep, wallS: r.seconds, rows: r.rows,
    distinctIds: r.distinctIds, peakRssMiB: +(rssKiB / 1024).toFixed(1),
    processCpuS: +(userS + sysS).toFixed(2),  // the whole node process, count and startup included
    userS, sysS,
    parquetBytes: fs.statSync(outFile).size, types: r.types,
  };
  fs.rmSync(outFile, { force: true });
  if (r.rows !== ROWS || r.distinctIds !== ROWS) throw new Error(`DuckDB wrote ${r.rows} rows (${r.distinctIds} distinct ids), expected ${ROWS}`);
  return res;
}

// ---- Polars (CSV only): nodejs-polars scanCSV -> sinkParquet zstd, its own process

async function polarsRun(rep) {
  const outFile = path.join(a.work, 'polars.parquet');
  fs.rmSync(outFile, { force: true });
  const tf = path.join(a.work, 'time.txt');
  const stdout = execFileSync('/usr/bin/time', ['-f', '%e %M %U %S', '-o', tf, process.execPath,
    path.join(here, 'polars_copy.mjs'), csv, outFile],
  { encoding: 'utf8', env: { ...process.env, POLARS_MAX_THREADS: a['polars-threads'] } });
  const r = JSON.parse(stdout.trim().split('\n').pop());
  const [, rssKiB, userS, sysS] = fs.readFileSync(tf, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  // Verified with DuckDB, as fluxo's output is.
  const [counts] = await query(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM read_parquet(${lit(outFile)})`);
  const [codec] = await query(`SELECT string_agg(DISTINCT compression, ',') AS c FROM parquet_metadata(${lit(outFile)})`);
  const [types] = await query(`SELECT string_agg(column_name || ' ' || column_type, ', ') AS t FROM (DESCRIBE SELECT * FROM read_parquet(${lit(outFile)}))`);
  const res = {
    what: `polars threads=${a['polars-threads']}`, rep, wallS: r.seconds, rows: Number(counts.n),
    distinctIds: Number(counts.d), peakRssMiB: +(rssKiB / 1024).toFixed(1),
    processCpuS: +(userS + sysS).toFixed(2),  // the whole node process, startup included
    userS, sysS,
    parquetBytes: fs.statSync(outFile).size, codecs: codec.c, types: types.t, polars: r.polars,
  };
  fs.rmSync(outFile, { force: true });
  if (res.rows !== ROWS || res.distinctIds !== ROWS) throw new Error(`Polars wrote ${res.rows} rows (${res.distinctIds} distinct ids), expected ${ROWS}`);
  if (!/ZSTD/i.test(res.codecs)) throw new Error(`Polars: codec ${res.codecs}, expected ZSTD`);
  return res;
}

// ---- fluxo

// Servers still running when this process exits (an error) are killed.
const live = new Set();
process.on('exit', () => { for (const p of live) { try { p.kill('SIGKILL'); } catch {} } });

class Fluxo {
  constructor(bin, dataDir, extraArgs) { this.bin = bin; this.dataDir = dataDir; this.extraArgs = extraArgs; this.logs = ''; }

  async start() {
    const args = ['serve', '--listen', '127.0.0.1:0', '--data', this.dataDir, ...this.extraArgs];
    this.proc = spawn(this.bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this.proc);
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => {
      live.delete(this.proc);
      resolve({ code, signal });
    }));
    this.proc.stderr.on('data', (d) => { this.logs = (this.logs + d).slice(-20000); });
    this.base = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('fluxo did not start:\n' + this.logs)), 30000);
      this.proc.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/listening (http:\/\/\S+)/);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      });
      this.proc.on('exit', () => reject(new Error('fluxo exited:\n' + this.logs)));
    });
    this.creds = JSON.parse(fs.readFileSync(path.join(this.dataDir, 'credentials.json'), 'utf8'));
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return this.exited;
    this.proc.kill('SIGTERM');
    return this.exited;
  }

  async client() {
    const tok = await fetch(this.base + '/ims/token/v3', {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials', client_id: this.creds.client_id, client_secret: this.creds.client_secret,
      }).toString(),
    });
    if (tok.status !== 200) throw new Error('token failed: ' + (await tok.text()));
    const headers = {
      Authorization: `Bearer ${(await tok.json()).access_token}`, 'x-api-key': this.creds.client_id,
      'x-gw-ims-org-id': this.creds.org_id, 'x-sandbox-name': 'prod',
    };
    const call = async (method, p, body) => {
      const init = { method, headers: { ...headers } };
      if (body !== undefined) {
        init.body = JSON.stringify(body);
        init.headers['Content-Type'] = 'application/json';
      }
      const res = await fetch(this.base + p, init);
      const text = await res.text();
      let parsed = text;
      try { parsed = text ? JSON.parse(text) : null; } catch {}
      return { status: res.status, body: parsed, text };
    };
    return { get: (p) => call('GET', p), post: (p, b) => call('POST', p, b) };
  }
}

function procStatus(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm')) || [])[1] || 0);
  return { hwmKiB: kb('VmHWM'), rssKiB: kb('VmRSS') };
}
const CLK_TCK = 100;
function cpuOf(statText) {
  const rest = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;  // utime + stime
}
const procCpuS = (pid) => cpuOf(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
// User and system (kernel) CPU seconds of the process, apart.
function procUserSysS(pid) {
  const rest = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = rest.slice(rest.lastIndexOf(')') + 2).split(' ');
  return [Number(f[11]) / CLK_TCK, Number(f[12]) / CLK_TCK];
}
// CPU seconds of each live thread (tid -> s); threads that ended are kept by the caller's max.
function threadCpu(pid, into) {
  let tids = [];
  try { tids = fs.readdirSync(`/proc/${pid}/task`); } catch { return; }
  for (const t of tids) {
    try { into.set(t, Math.max(into.get(t) || 0, cpuOf(fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8')))); } catch {}
  }
}

async function fluxoRun(mode, rep, bin = FLUXO_BIN, label = 'fluxo', split = PAR) {
  const dataDir = fs.mkdtempSync(path.join(a.work, `fluxo-${mode}-`));
  const flags = ['--workers', '1', '--codec', 'zstd', '--allow-path', inputDir];
  if (split) flags.push('--source-parallelism', String(split));
  const fx = new Fluxo(bin, dataDir, flags);
  try {
    await fx.start();
    if (a.cold) evict(csv);
    const pid = fx.proc.pid;
    const api = await fx.client();
    const must = (r, code, what) => {
      if (r.status !== code) throw new Error(`${what}: HTTP ${r.status} ${r.text}`);
      return r.body;
    };
    const conn = must(await api.post(`${FLOW}/connections`, {
      name: 'bench folder', connectionSpec: { id: LOCAL_SPEC, version: '1.0' },
      auth: { specName: 'Local Folder', params: { rootPath: inputDir } },
    }), 201, 'connection');
    const params = { path: JSONL ? path.basename(csv) : split ? 'parts/*.csv' : 'data.csv' };
    if (mode === 'declared') params.columns = DECLARED;
    const src = must(await api.post(`${FLOW}/sourceConnections`, {
      name: `bench ${a.format}`, baseConnectionId: conn.id, connectionSpec: { id: LOCAL_SPEC, version: '1.0' },
      data: { format: JSONL ? 'json' : 'delimited' }, params,
    }), 201, 'source connection');
    const ds = must(await api.post(`${CATALOG}/dataSets`, { name: `bench ${a.format} ${mode}` }), 201, 'dataset');
    const dataSetId = ds[0].split('/').pop();
    const tgt = must(await api.post(`${FLOW}/targetConnections`, {
      name: 'lake', connectionSpec: { id: LAKE_SPEC, version: '1.0' }, data: { format: 'parquet_xdm' },
      params: { dataSetId },
    }), 201, 'target connection');
    const flow = must(await api.post(`${FLOW}/flows`, {
      name: `bench ${a.format}`, flowSpec: { id: CLOUD_TO_AEP, version: '1.0' },
      sourceConnectionIds: [src.id], targetConnectionIds: [tgt.id],
      scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' },
    }), 201, 'flow');

    const threads = new Map();
    threadCpu(pid, threads);
    const base = new Map(threads);
    const cpu0 = procCpuS(pid);
    const [user0, sys0] = procUserSysS(pid);
    const t0 = performance.now();
    const created = must(await api.post(`${FLOW}/runs`, {
      flowId: flow.id, params: { windowStartTime: MTIME - 60, windowEndTime: MTIME + 60 },
    }), 201, 'run');
    const runId = created.items[0].id;
    let run;
    const deadline = Date.now() + Number(a['timeout-s']) * 1000;
    for (;;) {
      run = must(await api.get(`${FLOW}/runs/${runId}`), 200, 'get run').items[0];
      threadCpu(pid, threads);
      if (['success', 'failed', 'cancelled'].includes(run.metrics.statusSummary.status)) break;
      if (Date.now() > deadline) throw new Error(`run ${runId} not final after ${a['timeout-s']} s`);
      await sleep(50);
    }
    const wallS = (performance.now() - t0) / 1000;
    const cpuS = procCpuS(pid) - cpu0;
    const [user1, sys1] = procUserSysS(pid);
    const mem = procStatus(pid);
    const status = run.metrics.statusSummary.status;
    const dur = run.metrics.durationSummary || {};
    const engineS = dur.completedAtUTC && dur.startedAtUTC ? (dur.completedAtUTC - dur.startedAtUTC) / 1000 : null;
    await fx.stop();
    if (status !== 'success') {
      log(fx.logs.slice(-4000));
      throw new Error(`run ${runId} ended ${status}: ${JSON.stringify(run.metrics.statusSummary)}`);
    }
    // The two busiest threads during the run (reader = CSV parse; worker = Parquet encode + write).
    const busy = [...threads].map(([t, s]) => s - (base.get(t) || 0)).sort((x, y) => y - x).slice(0, 2);

    const files = [];
    const walk = (d) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.parquet') && p.includes(dataSetId)) files.push(p);
      }
    };
    walk(path.join(dataDir, 'lake'));
    const list = '[' + files.map(lit).join(',') + ']';
    const [counts] = await query(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM read_parquet(${list})`);
    const [codec] = await query(`SELECT string_agg(DISTINCT compression, ',') AS c FROM parquet_metadata(${list})`);
    const [types] = await query(`SELECT string_agg(column_name || ' ' || column_type, ', ') AS t FROM (DESCRIBE SELECT * FROM read_parquet(${list}))`);
    const res = {
      what: JSONL ? `${label} p=${split} ${mode}` : `${label}${split ? ` ${split} files` : ''} ${mode}`, rep, wallS: +wallS.toFixed(3), engineS, rows: Number(counts.n),
      distinctIds: Number(counts.d), peakRssMiB: +(mem.hwmKiB / 1024).toFixed(1),
      fluxoCpuS: +cpuS.toFixed(2), fluxoUserS: +(user1 - user0).toFixed(2), fluxoSysS: +(sys1 - sys0).toFixed(2),
      busiestThreadsCpuS: busy.map((x) => +x.toFixed(2)),
      parquetBytes: files.reduce((s, f) => s + fs.statSync(f).size, 0), files: files.length,
      codecs: codec.c, failed: run.metrics.recordSummary?.failedRecordCount, types: types.t,
    };
    if (res.rows !== ROWS || res.distinctIds !== ROWS) {
      throw new Error(`${label} ${mode}: ${res.rows} rows (${res.distinctIds} distinct ids), expected ${ROWS}`);
    }
    if (!/ZSTD/i.test(res.codecs)) throw new Error(`${label} ${mode}: codec ${res.codecs}, expected ZSTD`);
    return res;
  } finally {
    await fx.stop().catch(() => {});
    if (process.env.KEEP !== '1') fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---- the runs

const modes = a.modes.split(',').filter(Boolean);
const results = [];
const record = (r) => {
  results.push(r);
  console.log(JSON.stringify(r));
  if (a.out) fs.appendFileSync(a.out, JSON.stringify(r) + '\n');
};
log(`input ${csv}: ${ROWS} rows, ${(CSV_BYTES / 1e6).toFixed(1)} MB; fluxo ${FLUXO_BIN}${FLUXO_BEFORE ? `, before ${FLUXO_BEFORE}` : ''}`);
for (let rep = 1; rep <= Number(a.reps); rep++) {
  if (!a['skip-duckdb']) {
    log(`rep ${rep}: duckdb`);
    record(duckdbRun(rep));
  }
  if (!JSONL && Number(a['polars-threads']) > 0) {
    log(`rep ${rep}: polars`);
    record(await polarsRun(rep));
  }
  for (const mode of modes) {
    log(`rep ${rep}: fluxo ${mode}`);
    record(await fluxoRun(mode, rep));
    if (SPLIT >= 2) {
      log(`rep ${rep}: fluxo ${SPLIT} files ${mode}`);
      record(await fluxoRun(mode, rep, FLUXO_BIN, 'fluxo', SPLIT));
    }
    if (FLUXO_BEFORE) {
      log(`rep ${rep}: fluxo-before ${mode}`);
      record(await fluxoRun(mode, rep, FLUXO_BEFORE, 'fluxo-before'));
    }
  }
}

// ---- summary

const med = (xs) => { const s = [...xs].sort((x, y) => x - y); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const groups = new Map();
for (const r of results) {
  if (!groups.has(r.what)) groups.set(r.what, []);
  groups.get(r.what).push(r);
}
const duck = [...groups.keys()].find((k) => k.startsWith('duckdb'));
const duckMed = duck ? med(groups.get(duck).map((r) => r.wallS)) : NaN;
const pol = [...groups.keys()].find((k) => k.startsWith('polars'));
const polMed = pol ? med(groups.get(pol).map((r) => r.wallS)) : NaN;
const isPeer = (k) => k === duck || k === pol;
const ratio = (x) => (Number.isFinite(x) ? x.toFixed(2) : '');
const mb = CSV_BYTES / 1e6;
console.log();
console.log(`${fmt(ROWS)} rows, ${ARRAY ? 'JSON array' : JSONL ? 'JSON Lines' : 'CSV'} ${mb.toFixed(1)} MB (MB/s are of the input); ratio = peer median s / fluxo median s (> 1: fluxo faster)`);
console.log('| what | runs (s) | median s | rows/s | MB/s | peak RSS MiB | process CPU s (median) | fluxo/DuckDB | fluxo/Polars | Parquet MB |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
const cpuOfRun = (r) => r.fluxoCpuS ?? r.processCpuS;
for (const [k, rs] of groups) {
  const m = med(rs.map((r) => r.wallS));
  console.log(`| ${k} | ${rs.map((r) => r.wallS.toFixed(2)).join(', ')} | ${m.toFixed(2)} | ${fmt(ROWS / m)} | ${(mb / m).toFixed(1)} | ${Math.max(...rs.map((r) => r.peakRssMiB))} | ${med(rs.map(cpuOfRun)).toFixed(2)} | ${isPeer(k) ? '' : ratio(duckMed / m)} | ${isPeer(k) ? '' : ratio(polMed / m)} | ${(rs[0].parquetBytes / 1e6).toFixed(1)} |`);
}
for (const [k, rs] of groups) {
  if (k === duck) { console.log(`${k}: process CPU s (node + DuckDB, with the row count after the COPY) ${rs.map((r) => r.processCpuS).join(', ')}; types ${rs[0].types}`); continue; }
  if (k === pol) { console.log(`${k}: nodejs-polars ${rs[0].polars}; process CPU s (node + Polars) ${rs.map((r) => r.processCpuS).join(', ')}; ${rs[0].codecs}; types ${rs[0].types}`); continue; }
  console.log(`${k}: engine s ${rs.map((r) => r.engineS).join(', ')}; process CPU s ${rs.map((r) => r.fluxoCpuS).join(', ')} ` +
    `(user+sys ${rs.map((r) => `${r.fluxoUserS}+${r.fluxoSysS}`).join(', ')}); ` +
    `two busiest threads CPU s ${rs.map((r) => r.busiestThreadsCpuS.join('+')).join(', ')}; ${rs[0].files} file(s), ${rs[0].codecs}; types ${rs[0].types}`);
}
// Per-rep ratios (peer and fluxo measured minutes apart, under the same load): wall and CPU.
const perRep = (peerKey, k) => {
  const out = [];
  for (const r of groups.get(k)) {
    const p = groups.get(peerKey).find((x) => x.rep === r.rep);
    if (p) out.push(`${(p.wallS / r.wallS).toFixed(2)} (CPU ${(p.processCpuS / r.fluxoCpuS).toFixed(2)})`);
  }
  return out.join(', ');
};
for (const k of groups.keys()) {
  if (isPeer(k)) continue;
  const parts = [];
  if (duck) parts.push(`/DuckDB ${perRep(duck, k)}`);
  if (pol) parts.push(`/Polars ${perRep(pol, k)}`);
  console.log(`ratios per rep, ${k}: ${parts.join('; ')}`);
}
