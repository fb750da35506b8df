#!/usr/bin/env node
// bench/rest: a REST source paging RECORDS records of 10 fields (bench/rest/server.mjs, a separate
// Node process) into the lake through fluxo's Generic REST API spec, against `curl` fetching the
// same pages one after another to /dev/null in the same run (the time a client that only
// receives the bytes needs: "waiting for the server"). Prints one JSON line per measurement on
// stdout and a summary on stderr. Env: RECORDS (1000000), PAGE (10000), REPS (3), FLUXO_BIN.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const RECORDS = Number(process.env.RECORDS || 1000000);
const PAGE = Number(process.env.PAGE || 10000);
const REPS = Number(process.env.REPS || 3);
process.env.FLUXO_BIN ||= path.join(repo, 'build-bench/fluxo');
const { Fluxo } = await import(pathToFileURL(path.join(repo, 'tests/e2e/lib/fluxo.mjs')).href);
const duckPath = createRequire(path.join(repo, 'tests/node/package.json')).resolve('@duckdb/node-api');
const { DuckDBInstance } = await import(pathToFileURL(duckPath).href);
const FLOW = '/data/foundation/flowservice';
const GENERIC_REST = 'b7f0a3c2-5d41-4e8a-9c67-2f1e8d3b6a95';
const LAKE = 'c604ff05-7f1a-43c0-8e18-33bf874cb11c';
const REST_TO_AEP = '6499120c-0b15-42dc-936e-847ea3c24d72';
const log = (...m) => console.error('[bench rest]', ...m);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CLK_TCK = 100;
const cpuOf = (pid) => {
  const rest = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
};
const hwmMiB = (pid) => Number(/^VmHWM:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

// The API server.
const server = spawn(process.execPath, [path.join(here, 'server.mjs')], { env: { ...process.env, RECORDS, PAGE }, stdio: ['ignore', 'pipe', 'inherit'] });
process.on('exit', () => server.kill('SIGKILL'));
const port = Number(await new Promise((r) => server.stdout.once('data', (d) => r(String(d).trim()))));
const base = `http://127.0.0.1:${port}`;
const stats = async () => (await fetch(`${base}/stats`)).json();
log(`server on ${port}: ${(await stats()).pages} pages, ${((await stats()).bytes / 1e6).toFixed(0)} MB of JSON`);

// The peer: curl, one connection, every page in order (the one after the last too, as fluxo asks).
function curlOnce() {
  const s0 = Date.now();
  const before = performance.now();
  const r = spawnSync('curl', ['-s', '-f', '-o', '/dev/null', '-w', '%{size_download}\\n',
    `${base}/items?limit=${PAGE}&offset=[0-${RECORDS}:${PAGE}]`], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`curl failed: ${r.stderr}`);
  const bytes = r.stdout.trim().split('\n').reduce((s, x) => s + Number(x), 0);
  return { peer: 'curl', wallS: (performance.now() - before) / 1000, bytes, startedAt: s0 };
}

async function fluxoOnce(rep) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fluxo-bench-rest-'));
  const fx = new Fluxo(dataDir, ['--workers', '1']);
  try {
    await fx.start();
    const api = await fx.client();
    const must = (r, code, what) => { if (r.status !== code) throw new Error(`${what}: ${r.status} ${r.text}`); return r.body; };
    const conn = must(await api.post(`${FLOW}/connections`, { name: 'bench api', connectionSpec: { id: GENERIC_REST, version: '1.0' }, auth: { specName: 'No Authentication', params: {} } }), 201, 'connection');
    const src = must(await api.post(`${FLOW}/sourceConnections`, {
      name: 'items', baseConnectionId: conn.id, connectionSpec: { id: GENERIC_REST, version: '1.0' },
      params: {
        urlParams: { host: base, path: '/items', method: 'GET' }, contentPath: { path: '$.items' },
        paginationParams: { type: 'OFFSET', limitName: 'limit', limitValue: PAGE, offSetName: 'offset' },
      },
    }), 201, 'source connection');
    const ds = must(await api.post('/data/foundation/catalog/dataSets', { name: 'bench items' }), 201, 'dataset');
    const dataSetId = ds[0].split('/').pop();
    const tgt = must(await api.post(`${FLOW}/targetConnections`, { name: 'lake', connectionSpec: { id: LAKE, version: '1.0' }, data: { format: 'parquet_xdm' }, params: { dataSetId } }), 201, 'target');
    const flow = must(await api.post(`${FLOW}/flows`, { name: 'bench', flowSpec: { id: REST_TO_AEP, version: '1.0' }, sourceConnectionIds: [src.id], targetConnectionIds: [tgt.id], scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' } }), 201, 'flow');
    const pid = fx.proc.pid;
    const s0 = await stats();
    const cpu0 = cpuOf(pid);
    const t0 = performance.now();
    const runId = must(await api.post(`${FLOW}/runs`, { flowId: flow.id, params: { windowStartTime: 0, windowEndTime: 4102444800 } }), 201, 'run').items[0].id;
    let run;
    for (;;) {
      run = (await api.get(`${FLOW}/runs/${runId}`)).body.items[0];
      if (['success', 'failed', 'cancelled'].includes(run.metrics.statusSummary.status)) break;
      await sleep(50);
    }
    const wallS = (performance.now() - t0) / 1000;
    const cpuS = cpuOf(pid) - cpu0;
    const s1 = await stats();
    const peak = hwmMiB(pid);
    await fx.stop();
    if (run.metrics.statusSummary.status !== 'success') throw new Error(JSON.stringify(run.metrics.statusSummary));
    const files = [];
    const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else if (p.endsWith('.parquet') && p.includes(dataSetId)) files.push(p); } };
    walk(path.join(dataDir, 'lake'));
    const con = await (await DuckDBInstance.create(':memory:')).connect();
    const list = '[' + files.map((f) => `'${f}'`).join(',') + ']';
    const [c] = (await con.runAndReadAll(`SELECT count(*) AS n, count(DISTINCT id) AS d, count(*) FILTER (WHERE createdAt IS NOT NULL) AS t FROM read_parquet(${list})`)).getRowObjectsJS();
    const d = run.metrics.durationSummary;
    return {
      peer: 'fluxo', rep, wallS, engineS: (d.completedAtUTC - d.startedAtUTC) / 1000, fluxoCpuS: cpuS, peakRssMiB: peak,
      rows: Number(c.n), distinctIds: Number(c.d), recordsPerS: Math.round(RECORDS / wallS),
      serverRequests: s1.requests - s0.requests, serverBusyS: s1.busyS - s0.busyS, serverCpuS: s1.cpuS - s0.cpuS,
    };
  } finally {
    await fx.stop().catch(() => {});
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const results = [];
curlOnce();  // warm-up, not measured
for (let rep = 1; rep <= REPS; rep++) {
  const c = curlOnce();
  c.rep = rep;
  results.push(c);
  console.log(JSON.stringify(c));
  const f = await fluxoOnce(rep);
  results.push(f);
  console.log(JSON.stringify(f));
  if (f.rows !== RECORDS || f.distinctIds !== RECORDS) { log(`WRONG COUNTS: ${f.rows} rows, ${f.distinctIds} ids`); process.exit(1); }
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const curl = median(results.filter((r) => r.peer === 'curl').map((r) => r.wallS));
const fl = results.filter((r) => r.peer === 'fluxo');
const wall = median(fl.map((r) => r.wallS));
const engine = median(fl.map((r) => r.engineS));
const cpu = median(fl.map((r) => r.fluxoCpuS));
log(`${RECORDS} records of 10 fields, pages of ${PAGE}; medians of ${REPS}`);
log(`curl (the pages only): ${curl.toFixed(2)} s`);
log(`fluxo run: ${wall.toFixed(2)} s wall (engine ${engine.toFixed(2)} s), ${Math.round(RECORDS / wall)} records/s, fluxo CPU ${cpu.toFixed(2)} s, peak RSS ${median(fl.map((r) => r.peakRssMiB)).toFixed(0)} MiB`);
log(`share waiting for the server (curl / fluxo wall): ${(100 * curl / wall).toFixed(0)}%; in fluxo: ${(100 * (1 - curl / wall)).toFixed(0)}%`);
