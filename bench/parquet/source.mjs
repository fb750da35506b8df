#!/usr/bin/env node
// bench/parquet source step: one Parquet file (the 5M-row CSV of bench/csv written by DuckDB as
// Parquet zstd: 41 row groups, 252 MB) from a local folder into a zstd Parquet dataset, end to
// end through fluxo's API at --source-parallelism 1 and 2, against DuckDB
// `COPY (SELECT * FROM read_parquet(IN)) TO OUT (FORMAT parquet, COMPRESSION zstd)` with 2
// threads, in the same run. Run by bench/parquet/source.sh (see README.md here).
//
//   node bench/parquet/source.mjs --work DIR [--rows 5000000] [--reps 2] [--pars 1,2]
//        [--duckdb-threads 2] [--out FILE]
//
// FLUXO_BIN: the binary (default build/fluxo); FLUXO_BEFORE: a second binary measured the same
// way in every rep (A/B of two builds under the same load). Timing: from POST /runs to the poll
// (every 50 ms) that sees `success`; CPU = utime+stime of the fluxo process during the run; peak
// RSS = VmHWM of the process (its whole life). The output is checked with DuckDB (rows and
// distinct ids). One JSON line per measurement on stdout (and --out), then a table.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const { values: a } = parseArgs({
  options: {
    work: { type: 'string' }, rows: { type: 'string', default: '5000000' },
    reps: { type: 'string', default: '2' }, pars: { type: 'string', default: '1,2' },
    'duckdb-threads': { type: 'string', default: '2' }, out: { type: 'string' },
  },
});
if (!a.work) {
  console.error('usage: source.mjs --work DIR [--rows N] [--reps N] [--pars 1,2]');
  process.exit(2);
}
const ROWS = Number(a.rows), REPS = Number(a.reps);
const PARS = a.pars.split(',').map(Number);
process.env.FLUXO_BIN ||= path.join(repo, 'build/fluxo');
const { Fluxo, FLOW, CATALOG, SPEC } = await import(pathToFileURL(path.join(repo, 'tests/e2e/lib/fluxo.mjs')).href);
const { waitRun, batchIdOf } = await import(pathToFileURL(path.join(repo, 'tests/e2e/lib/flows.mjs')).href);
const { query, lit } = await import(pathToFileURL(path.join(repo, 'tests/node/duckdb.mjs')).href);
const LOCAL_SPEC = '2d813289-868f-4072-87ad-a9ad8f34a63b';

const log = (...m) => console.error(`[parquet ${new Date().toISOString().slice(11, 19)}]`, ...m);
const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const results = [];
function emit(r) {
  const line = JSON.stringify({ ...r, load: load() });
  results.push(JSON.parse(line));
  console.log(line);
  if (a.out) fs.appendFileSync(a.out, line + '\n');
}
function cpuS(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;  // utime + stime, clock ticks of 1/100 s
}
const kib = (pid, k) => Number(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${k}:\\s+(\\d+)`))[1]);

// ---- input: the bench/csv CSV, written as Parquet zstd by DuckDB (its default row groups).
const inputDir = path.join(a.work, 'input');
const parquet = path.join(inputDir, 'data.parquet');
const stamp = path.join(a.work, 'parquet.rows');
fs.mkdirSync(inputDir, { recursive: true });
if (!(fs.existsSync(parquet) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === String(ROWS))) {
  const csv = path.join(a.work, 'data.csv');
  log(`generating ${ROWS} rows`);
  execFileSync(process.execPath, [path.join(repo, 'bench/csv/gen.mjs'), csv, String(ROWS)], { stdio: 'inherit' });
  log('CSV -> Parquet (DuckDB)');
  await query(`SET threads=2; COPY (SELECT * FROM read_csv(${lit(csv)})) TO ${lit(parquet)} (FORMAT parquet, COMPRESSION zstd)`);
  fs.rmSync(csv);
  fs.writeFileSync(stamp, String(ROWS));
}
const BYTES = fs.statSync(parquet).size;
const [{ rgs }] = await query(`SELECT count(DISTINCT row_group_id) AS rgs FROM parquet_metadata(${lit(parquet)})`);
log(`input ${parquet}: ${BYTES} bytes, ${rgs} row groups`);
execFileSync('cat', [parquet], { stdio: ['ignore', 'ignore', 'inherit'] });  // page cache warm

// ---- DuckDB, in its own process (its own peak RSS).
function duckdbRun() {
  const out = path.join(a.work, 'duckdb.parquet');
  fs.rmSync(out, { force: true });
  const tf = path.join(a.work, 'time.txt');
  const stdout = execFileSync('/usr/bin/time', ['-f', '%M %U %S', '-o', tf, process.execPath,
    path.join(here, 'duckdb_copy.mjs'), parquet, out, 'zstd', 'parquet', a['duckdb-threads']], { encoding: 'utf8' });
  const s = Number(stdout.match(/seconds=([0-9.]+)/)[1]);
  const [rssKiB, u, sy] = fs.readFileSync(tf, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  fs.rmSync(out, { force: true });
  return { wallS: s, processCpuS: +(u + sy).toFixed(2), peakRssMiB: +(rssKiB / 1024).toFixed(1) };
}

// ---- fluxo: a fresh server per run (local folder -> dataset, zstd).
async function fluxoRun(bin, par) {
  process.env.FLUXO_BIN = bin;
  const dataDir = fs.mkdtempSync(path.join(a.work, 'fx-'));
  const fx = await new Fluxo(dataDir, ['--workers', '1', '--codec', 'zstd', '--allow-path', inputDir, '--source-parallelism', String(par)]).start();
  try {
    const api = await fx.client();
    const conn = await api.post(`${FLOW}/connections`, { name: 'pq', connectionSpec: { id: LOCAL_SPEC, version: '1.0' }, auth: { specName: 'Local Folder', params: { rootPath: inputDir } } });
    const src = await api.post(`${FLOW}/sourceConnections`, { name: 'pq', baseConnectionId: conn.body.id, connectionSpec: { id: LOCAL_SPEC, version: '1.0' }, data: { format: 'parquet' }, params: { path: 'data.parquet' } });
    const ds = await api.post(`${CATALOG}/dataSets`, { name: 'pq' });
    const tgt = await api.post(`${FLOW}/targetConnections`, { name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' }, params: { dataSetId: ds.body[0].split('/').pop() } });
    const flow = await api.post(`${FLOW}/flows`, { name: 'pq', flowSpec: { id: SPEC.cloudStorageToAep, version: '1.0' }, sourceConnectionIds: [src.body.id], targetConnectionIds: [tgt.body.id], scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' } });
    if (flow.status !== 201) throw new Error(flow.text);
    const cpu0 = cpuS(fx.proc.pid);
    const t0 = performance.now();
    const r = await api.post(`${FLOW}/runs`, { flowId: flow.body.id, params: { windowStartTime: 0, windowEndTime: Math.floor(Date.now() / 1000) + 3600 } });
    if (r.status !== 201) throw new Error(r.text);
    const run = await waitRun(api, r.body.items[0].id, { timeoutMs: 1200000 });
    const wallS = (performance.now() - t0) / 1000;
    const cpu = cpuS(fx.proc.pid) - cpu0;
    const rss = kib(fx.proc.pid, 'VmHWM') / 1024;
    if (run.metrics.statusSummary.status !== 'success') throw new Error(JSON.stringify(run.metrics));
    const lake = path.join(dataDir, 'lake');
    const files = fs.readdirSync(lake, { recursive: true })
      .filter((f) => f.endsWith('.parquet') && f.includes(batchIdOf(run))).map((f) => lit(path.join(lake, f)));
    const [c] = await query(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM read_parquet([${files.join(', ')}])`);
    if (Number(c.n) !== ROWS || Number(c.d) !== ROWS) throw new Error(`fluxo wrote ${c.n} rows (${c.d} distinct ids), expected ${ROWS}`);
    return { wallS, cpuS: +cpu.toFixed(2), peakRssMiB: +rss.toFixed(1), inputBytes: run.metrics.sizeSummary?.inputByteSize };
  } finally {
    await fx.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const BINS = [[process.env.FLUXO_BIN, 'fluxo']];
if (process.env.FLUXO_BEFORE) BINS.push([process.env.FLUXO_BEFORE, 'fluxo-before']);
for (let rep = 0; rep < REPS; rep++) {
  const d = duckdbRun();
  emit({ what: `duckdb threads=${a['duckdb-threads']}`, rep, bytes: BYTES, ...d });
  for (const [bin, tag] of BINS) {
    for (const p of PARS) {
      const f = await fluxoRun(bin, p);
      emit({ what: `${tag} p=${p}`, rep, bytes: BYTES, ...f, vsDuckdb: +(d.wallS / f.wallS).toFixed(3) });
    }
  }
}
const median = (xs) => { const s = [...xs].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
console.log(`\ninput: ${(BYTES / 1e6).toFixed(1)} MB Parquet, ${rgs} row groups, ${ROWS} rows`);
console.log('| what | median s | rows/s | CPU s | peak RSS MiB | DuckDB s / this (median) | loads |');
console.log('|---|---:|---:|---:|---:|---:|---|');
const duck = median(results.filter((r) => r.what.startsWith('duckdb')).map((r) => r.wallS));
for (const what of [...new Set(results.map((r) => r.what))]) {
  const rs = results.filter((r) => r.what === what);
  const w = median(rs.map((r) => r.wallS));
  const cpu = rs[0].cpuS !== undefined ? median(rs.map((r) => r.cpuS)).toFixed(2) : median(rs.map((r) => r.processCpuS)).toFixed(2);
  console.log(`| ${what} | ${w.toFixed(2)} | ${Math.round(ROWS / w)} | ${cpu} | ${Math.max(...rs.map((r) => r.peakRssMiB)).toFixed(0)} | ${(duck / w).toFixed(2)}x | ${rs.map((r) => r.load.split(' ')[0]).join(', ')} |`);
}
