#!/usr/bin/env node
// The distributed path's cost on one big run: the same 5,000,000-row SQLite window ingested
//   holder    1 `fluxo serve`, --run-splits 0  (its holder reads the whole window: the old path)
//   split-1   1 `fluxo serve`, --run-splits 8  (split rows, claimed and committed via the metastore)
//   split-3   1 `fluxo serve` + 2 `fluxo worker`, --run-splits 8 (the splits spread over 3 processes)
// on one PostgreSQL 15 metastore (a fresh database per run) and one shared local lake, in the same
// run, configurations interleaved per repetition. Every process has --workers 2
// --source-parallelism 2. Each run is timed from its creation to `success` (API polled every 50
// ms); DuckDB then counts the rows and distinct ids of the committed files. See README.md.
//
//   node bench/multinode/run.mjs      (env: ROWS=5000000, REPS=3, FLUXO_BIN=build-bench/fluxo)
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
process.env.FLUXO_BIN ||= path.join(repo, 'build-bench/fluxo');
const ROWS = Number(process.env.ROWS || 5000000);
const REPS = Number(process.env.REPS || 3);
const lib = (f) => import(pathToFileURL(path.join(repo, 'tests/e2e/lib', f)).href);
const { Fluxo, FLOW, fluxoBin, newPostgresDatabase, tempDir } = await lib('fluxo.mjs');
const { makeEvents } = await lib('sqlite.mjs');
const { sqliteFlow, createRun } = await lib('flows.mjs');
const duckPath = createRequire(path.join(repo, 'tests/node/package.json')).resolve('@duckdb/node-api');
const { DuckDBInstance } = await import(pathToFileURL(duckPath).href);
const log = (...m) => console.error(`[bench multinode ${new Date().toISOString().slice(11, 19)}]`, ...m);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// CPU seconds (user + system) a process has used so far (/proc/PID/stat; CLK_TCK 100).
function cpuS(pid) {
  const rest = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(rest[11]) + Number(rest[12])) / 100;
}

const work = tempDir('fluxo-bench-mn-');
const keyFile = path.join(work, 'master.key');
fs.writeFileSync(keyFile, crypto.randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
const sources = path.join(work, 'src');
fs.mkdirSync(sources);
const db = path.join(sources, 'big.db');
log(`making ${ROWS} rows`);
const { base, step } = makeEvents(db, ROWS);

function nodeArgs(metastore, lake, splits) {
  return ['--metastore', metastore, '--lake', lake, '--master-key-file', keyFile, '--allow-path', sources,
    '--workers', '2', '--source-parallelism', '2', '--run-splits', String(splits)];
}

function startWorker(args) {
  const p = spawn(fluxoBin(), ['worker', '--data', tempDir('fluxo-bench-mnw-'), ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let logs = '';
    p.stderr.on('data', (d) => { logs += d; });
    p.stdout.on('data', (d) => { if (String(d).startsWith('worker ')) resolve(p); });
    p.on('exit', () => reject(new Error('worker exited:\n' + logs)));
  });
}

async function once(config) {
  const metastore = newPostgresDatabase();
  const lake = path.join(work, `lake-${config}`);
  const splits = config === 'holder' ? 0 : 8;
  const fx = await new Fluxo(tempDir('fluxo-bench-mns-'), nodeArgs(metastore, lake, splits)).start();
  const workers = config === 'split-3' ? await Promise.all([0, 1].map(() => startWorker(nodeArgs(metastore, lake, splits)))) : [];
  try {
    const api = await fx.client();
    const f = await sqliteFlow(api, db);
    const pids = [fx.proc.pid, ...workers.map((w) => w.pid)];
    const cpu0 = pids.reduce((n, p) => n + cpuS(p), 0);
    const t0 = performance.now();
    const id = await createRun(api, f.flow, base, base + ROWS * step);
    let run;
    for (;;) {
      run = (await api.get(`${FLOW}/runs/${id}`)).body.items[0];
      if (['success', 'failed', 'cancelled'].includes(run.metrics.statusSummary.status)) break;
      await sleep(50);
    }
    const wallS = (performance.now() - t0) / 1000;
    const cpu = pids.reduce((n, p) => n + cpuS(p), 0) - cpu0;
    if (run.metrics.statusSummary.status !== 'success') throw new Error(JSON.stringify(run.metrics));
    // Every Parquet file of the dataset in the lake (a file of a dead attempt would count too).
    const files = [];
    const walk = (d) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.parquet') && p.includes(f.dataSetId)) files.push(p);
      }
    };
    walk(lake);
    const con = await (await DuckDBInstance.create(':memory:')).connect();
    const list = files.map((x) => `'${x}'`).join(',');
    const [c] = (await con.runAndReadAll(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM read_parquet([${list}])`)).getRowObjectsJS();
    if (Number(c.n) !== ROWS || Number(c.d) !== ROWS) throw new Error(`counts ${c.n}/${c.d}, expected ${ROWS}`);
    const sum = run.metrics.splitSummary;
    return { config, wallS: +wallS.toFixed(2), cpuS: +cpu.toFixed(2), files: files.length,
      executors: sum ? sum.executorCount : 1, byExecutor: sum ? Object.values(sum.byExecutor) : [],
      splitMs: sum ? sum.splits.map((s) => s.durationMs) : [] };
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await fx.stop();
    fs.rmSync(lake, { recursive: true, force: true });
  }
}

const results = [];
const configs = ['holder', 'split-1', 'split-3'];
try {
  for (let rep = 1; rep <= REPS; rep++) {
    for (const c of rep % 2 ? configs : [...configs].reverse()) {
      log(`rep ${rep}: ${c}`);
      const load = +os.loadavg()[0].toFixed(1);  // the 1-minute load when the run started
      const r = { ...(await once(c)), load };
      console.log(JSON.stringify({ rep, ...r }));
      results.push({ rep, ...r });
    }
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const times = (c) => results.filter((r) => r.config === c).map((r) => r.wallS);
console.log(`\n${ROWS} rows, ${os.cpus().length} cores, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const cpus = (c) => results.filter((r) => r.config === c).map((r) => r.cpuS);
console.log('| config | runs (s) | median s | rows/s | CPU s (all processes) | median CPU s |');
console.log('|---|---|---:|---:|---|---:|');
for (const c of configs) {
  const t = times(c);
  console.log(`| ${c} | ${t.join(', ')} | ${med(t).toFixed(2)} | ${Math.round(ROWS / med(t)).toLocaleString('en-US')} | ${cpus(c).join(', ')} | ${med(cpus(c)).toFixed(2)} |`);
}
// Ratios per repetition (same rep: same machine load, as far as it goes), then their spread.
const ratio = (a, b, k) => results.filter((r) => r.config === a).map((r) => {
  const o = results.find((x) => x.config === b && x.rep === r.rep);
  return +(r[k] / o[k]).toFixed(3);
});
for (const k of ['wallS', 'cpuS']) {
  for (const [a, b] of [['split-1', 'holder'], ['split-3', 'split-1'], ['split-3', 'holder']]) {
    const rs = ratio(a, b, k);
    console.log(`${k} ${a}/${b}: per rep ${rs.join(', ')}; median ${med(rs).toFixed(3)}, min ${Math.min(...rs)}, max ${Math.max(...rs)}`);
  }
}
process.exit(0);
