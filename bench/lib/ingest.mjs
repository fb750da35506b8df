#!/usr/bin/env node
// One end-to-end ingestion through fluxo's Flow Service API, timed and verified; shared by
// bench/postgres, bench/mysql and bench/sqlite.
//
//   node bench/lib/ingest.mjs --source postgres|mysql|sqlite --table T --delta COL
//        [--conn-string S | --path FILE] [--allow-path DIR] [--parallelism N] [--codec zstd]
//        [--rows EXPECTED] [--id-column id] [--window-start 0] [--window-end 4102444800]
//        [--label TEXT] [--mapping FILE]
//
// What it does: starts `fluxo serve` (FLUXO_BIN, default build-bench/fluxo) on a free port with
// a fresh temp data dir, gets a token, creates connection -> source connection -> dataset ->
// target connection -> flow (frequency once) -> run over the API, polls the run every 50 ms until
// it is final, reads /proc/PID/status (VmHWM = peak RSS) and /proc/PID/stat (CPU time) of the
// fluxo process, stops it, then counts rows and distinct ids of the dataset's Parquet files with
// DuckDB. Prints one JSON object on stdout (progress on stderr); exits 1 when the run did not
// succeed or the counts are wrong. With --mapping (a JSON array of Data Prep mappings), the flow
// gets a mapping set of those mappings as its Mapping transformation (result `variant`: the file's
// base name). The data dir is removed at exit (KEEP=1 keeps it).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const FLUXO_BIN = process.env.FLUXO_BIN || path.join(repo, 'build-bench/fluxo');

// DuckDB comes from tests/node/node_modules (scripts/setup.sh installs it there).
const duckPath = createRequire(path.join(repo, 'tests/node/package.json')).resolve('@duckdb/node-api');
const { DuckDBInstance } = await import(pathToFileURL(duckPath).href);
async function query(sql) {
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  return (await con.runAndReadAll(sql)).getRowObjectsJS();
}
const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;

const FLOW = '/data/foundation/flowservice';
const CATALOG = '/data/foundation/catalog';
const SPEC = {
  postgres: '74a1c565-4e59-48d7-9d67-7c03b8a13137',
  mysql: '26d738e0-8963-47ea-aadf-c60de735468a',
  sqlite: '4dc762d7-733c-4c48-bc86-1b7d9ce43736',
  lake: 'c604ff05-7f1a-43c0-8e18-33bf874cb11c',
  crmToAep: '14518937-270c-4525-bdec-c2ba7cce3860',
};

// `fluxo serve` on a free port with data dir `dataDir`; killed when this process exits.
// The same harness the end-to-end tests use (it starts FLUXO_BIN).
process.env.FLUXO_BIN = FLUXO_BIN;
const { Fluxo } = await import(pathToFileURL(path.join(repo, 'tests/e2e/lib/fluxo.mjs')).href);
const tempDir = (prefix) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

const SPECS = {
  postgres: { id: SPEC.postgres, auth: 'Connection String Based Authentication' },
  mysql: { id: SPEC.mysql, auth: 'Connection String Based Authentication' },
  sqlite: { id: SPEC.sqlite, auth: 'Database File' },
};

const { values: a } = parseArgs({
  options: {
    source: { type: 'string' },
    table: { type: 'string' },
    delta: { type: 'string' },
    'conn-string': { type: 'string' },
    path: { type: 'string' },
    'allow-path': { type: 'string' },
    parallelism: { type: 'string', default: '2' },
    codec: { type: 'string', default: 'zstd' },
    rows: { type: 'string' },
    'id-column': { type: 'string', default: 'id' },
    'window-start': { type: 'string', default: '0' },
    'window-end': { type: 'string', default: '4102444800' }, // 2100-01-01
    label: { type: 'string', default: '' },
    'timeout-s': { type: 'string', default: '900' },
    mapping: { type: 'string' },
  },
});
const spec = SPECS[a.source];
if (!spec || !a.table || !a.delta) {
  console.error('usage: ingest.mjs --source postgres|mysql|sqlite --table T --delta COL ...');
  process.exit(2);
}

function procStatus(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm')) || [])[1] || 0);
  return { hwmKiB: kb('VmHWM'), rssKiB: kb('VmRSS') };
}
const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux x86-64
function procCpuS(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / CLK_TCK; // utime + stime
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...m) => console.error(`[ingest ${a.source}${a.label ? ' ' + a.label : ''}]`, ...m);

const dataDir = tempDir('fluxo-bench-');
const args = ['--source-parallelism', a.parallelism, '--codec', a.codec, '--workers', '1'];
if (a['allow-path']) args.push('--allow-path', a['allow-path']);
const fx = new Fluxo(dataDir, args);
let exitCode = 1;
try {
  await fx.start();
  const pid = fx.proc.pid;
  const api = await fx.client();
  const must = (r, code, what) => {
    if (r.status !== code) throw new Error(`${what}: HTTP ${r.status} ${r.text}`);
    return r.body;
  };

  const params = a.source === 'sqlite' ? { path: a.path } : { connectionString: a['conn-string'] };
  const conn = must(await api.post(`${FLOW}/connections`, {
    name: `bench ${a.source}`, connectionSpec: { id: spec.id, version: '1.0' },
    auth: { specName: spec.auth, params },
  }), 201, 'connection');
  const src = must(await api.post(`${FLOW}/sourceConnections`, {
    name: a.table, baseConnectionId: conn.id, connectionSpec: { id: spec.id, version: '1.0' },
    data: { format: 'tabular' }, params: { tableName: a.table },
  }), 201, 'source connection');
  const ds = must(await api.post(`${CATALOG}/dataSets`, { name: `bench ${a.table}` }), 201, 'dataset');
  const dataSetId = ds[0].split('/').pop();
  const tgt = must(await api.post(`${FLOW}/targetConnections`, {
    name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' },
    params: { dataSetId },
  }), 201, 'target connection');
  const transformations = [];
  if (a.mapping) {
    const mappings = JSON.parse(fs.readFileSync(a.mapping, 'utf8'));
    const ms = must(await api.post('/data/foundation/conversion/mappingSets', { name: 'bench', mappings }),
      200, 'mapping set');
    transformations.push({ name: 'Mapping', params: { mappingId: ms.id, mappingVersion: ms.version } });
  }
  const flow = must(await api.post(`${FLOW}/flows`, {
    name: `bench ${a.table}`, flowSpec: { id: SPEC.crmToAep, version: '1.0' },
    sourceConnectionIds: [src.id], targetConnectionIds: [tgt.id],
    scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' }, transformations,
  }), 201, 'flow');

  const cpu0 = procCpuS(pid);
  const t0 = performance.now();
  const created = must(await api.post(`${FLOW}/runs`, {
    flowId: flow.id,
    params: {
      windowStartTime: Number(a['window-start']), windowEndTime: Number(a['window-end']),
      deltaColumn: { name: a.delta },
    },
  }), 201, 'run');
  const runId = created.items[0].id;
  let run;
  let peakSampled = 0;
  const deadline = Date.now() + Number(a['timeout-s']) * 1000;
  for (;;) {
    run = must(await api.get(`${FLOW}/runs/${runId}`), 200, 'get run').items[0];
    peakSampled = Math.max(peakSampled, procStatus(pid).rssKiB);
    if (['success', 'failed', 'cancelled'].includes(run.metrics.statusSummary.status)) break;
    if (Date.now() > deadline) throw new Error(`run ${runId} not final after ${a['timeout-s']} s`);
    await sleep(50);
  }
  const wallS = (performance.now() - t0) / 1000;
  const cpuS = procCpuS(pid) - cpu0;
  const mem = procStatus(pid);
  const status = run.metrics.statusSummary.status;
  const dur = run.metrics.durationSummary || {};
  const engineS = dur.completedAtUTC && dur.startedAtUTC ? (dur.completedAtUTC - dur.startedAtUTC) / 1000 : null;
  await fx.stop();
  if (status !== 'success') {
    log('run', status, JSON.stringify(run.metrics.statusSummary));
    log(fx.logs.slice(-4000));
    throw new Error(`run ${runId} ended ${status}`);
  }

  // The dataset's files in the lake, read back by DuckDB.
  const lake = path.join(dataDir, 'lake');
  const files = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.parquet') && p.includes(dataSetId)) files.push(p);
    }
  };
  walk(lake);
  const parquetBytes = files.reduce((s, f) => s + fs.statSync(f).size, 0);
  const list = '[' + files.map(lit).join(',') + ']';
  const idc = '"' + a['id-column'].replaceAll('"', '""') + '"';
  const [counts] = await query(`SELECT count(*) AS n, count(DISTINCT ${idc}) AS d FROM read_parquet(${list})`);
  const [codecRow] = await query(
    `SELECT string_agg(DISTINCT compression, ',') AS c FROM parquet_metadata(${list})`);
  const rows = Number(counts.n);
  const distinct = Number(counts.d);
  const rec = run.metrics.recordSummary || {};
  const size = run.metrics.sizeSummary || {};
  const result = {
    source: a.source, label: a.label, parallelism: Number(a.parallelism), status,
    variant: a.mapping ? path.basename(a.mapping, '.json') : undefined,
    rows, distinctIds: distinct, files: files.length, parquetBytes, codecs: codecRow.c,
    wallS: +wallS.toFixed(3), engineS, rowsPerS: Math.round(rows / wallS),
    engineRowsPerS: engineS ? Math.round(rows / engineS) : null,
    fluxoCpuS: +cpuS.toFixed(2), peakRssMiB: +(mem.hwmKiB / 1024).toFixed(1),
    sampledMaxRssMiB: +(peakSampled / 1024).toFixed(1),
    inputRecords: rec.inputRecordCount, outputRecords: rec.outputRecordCount,
    inputBytes: size.inputBytes, outputBytes: size.outputBytes,
  };
  console.log(JSON.stringify(result));
  const expected = a.rows ? Number(a.rows) : null;
  if (expected !== null && (rows !== expected || distinct !== expected)) {
    log(`WRONG COUNTS: ${rows} rows, ${distinct} distinct ids, expected ${expected}`);
  } else {
    exitCode = 0;
  }
} catch (e) {
  log('error:', e.message);
  if (fx.logs) log('fluxo log tail:\n' + fx.logs.slice(-3000));
} finally {
  await fx.stop().catch(() => {});
  if (process.env.KEEP === '1') log('kept', dataDir);
  else fs.rmSync(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);
