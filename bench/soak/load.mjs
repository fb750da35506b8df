#!/usr/bin/env node
// bench/soak load generator (started by run.sh, which starts fluxo): DURATION s of mixed API
// load at RATE req/s against one `fluxo serve`, runs executing all along, the server's RSS
// sampled every SAMPLE s. Prints one progress line per sample on stderr and a report on stdout;
// exits 1 when any request failed or any run did not succeed.
//
//   node bench/soak/load.mjs BASE_URL DATA_DIR FLUXO_PID SOURCE_JSON
//
// SOURCE_JSON describes the runs' source: {"kind":"csv","root":DIR} (a local folder of CSV files
// whose mtimes are inside every run's window) or {"kind":"postgres","conn":CONNECTION_STRING,
// "table":T} (a table with an updated_at column).
//
// The load (open loop: a request slot every 1/RATE s, at most INFLIGHT requests in flight; a slot
// that finds INFLIGHT requests waiting is counted as `dropped`, not sent later). One slot of
// every RATE*RUN_EVERY is `POST /runs` on the next of RUN_FLOWS flows (round-robin, distinct
// windows, so a flow's runs queue behind each other at worst); the other slots pick, by weight,
// reads (list/get flows, runs, datasets, batches), creates (datasets, connections) and patches
// (a flow's name with If-Match from a GET; a dataset's description). The slots sent are bounded
// by MAX_REQUESTS (default RATE*DURATION; a flow patch is two requests, its GET and its PATCH)
// and the time by DURATION.
//
// Environment: DURATION (600 s), RATE (40), SAMPLE (10 s), RUN_EVERY (2 s), RUN_FLOWS (4),
// INFLIGHT (16), MAX_REQUESTS, SEED (1).
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const [BASE, DATA, PID_S, SOURCE_JSON] = process.argv.slice(2);
if (!BASE || !DATA || !PID_S || !SOURCE_JSON) {
  console.error('usage: load.mjs BASE_URL DATA_DIR FLUXO_PID SOURCE_JSON');
  process.exit(2);
}
const PID = Number(PID_S);
const SOURCE = JSON.parse(SOURCE_JSON);
const env = (k, d) => Number(process.env[k] || d);
const DURATION = env('DURATION', 600);
const RATE = env('RATE', 40);
const SAMPLE = env('SAMPLE', 10);
const RUN_EVERY = env('RUN_EVERY', 2);
const RUN_FLOWS = env('RUN_FLOWS', 4);
const INFLIGHT = env('INFLIGHT', 16);
const MAX_REQUESTS = env('MAX_REQUESTS', RATE * DURATION);
let seed = env('SEED', 1) >>> 0;
const rand = () => {  // mulberry32: the same mix of operations on every invocation
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

const FLOW = '/data/foundation/flowservice';
const CATALOG = '/data/foundation/catalog';
const SPEC = {
  postgres: '74a1c565-4e59-48d7-9d67-7c03b8a13137',
  local: '2d813289-868f-4072-87ad-a9ad8f34a63b',
  lake: 'c604ff05-7f1a-43c0-8e18-33bf874cb11c',
  crmToAep: '14518937-270c-4525-bdec-c2ba7cce3860',
  cloudStorageToAep: '9753525b-82c7-4dce-8a9b-5ccfce2b9876',
};

// ---- HTTP ----
const creds = JSON.parse(fs.readFileSync(path.join(DATA, 'credentials.json'), 'utf8'));
const tok = await fetch(BASE + '/ims/token/v3', {
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ grant_type: 'client_credentials', client_id: creds.client_id, client_secret: creds.client_secret }),
});
if (tok.status !== 200) throw new Error('token: ' + (await tok.text()));
const HEADERS = {
  Authorization: `Bearer ${(await tok.json()).access_token}`,
  'x-api-key': creds.client_id,
  'x-gw-ims-org-id': creds.org_id,
  'x-sandbox-name': 'prod',
};
async function http(method, p, body, extra = {}) {
  const init = { method, headers: { ...HEADERS, ...extra } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(BASE + p, init);
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch {}
  return { status: res.status, text, body: json, etag: res.headers.get('etag') };
}
async function must(method, p, body, want = [200, 201]) {
  const r = await http(method, p, body);
  if (!want.includes(r.status)) throw new Error(`${method} ${p}: ${r.status} ${r.text}`);
  return r.body;
}

// ---- set-up (not counted) ----
async function dataset(name) {
  const ds = await must('POST', `${CATALOG}/dataSets`, { name });
  return ds[0].split('/').pop();
}
async function runFlow(i) {
  let conn, src, spec;
  if (SOURCE.kind === 'csv') {
    spec = SPEC.local;
    conn = await must('POST', `${FLOW}/connections`, {
      name: `soak folder ${i}`, connectionSpec: { id: spec, version: '1.0' },
      auth: { specName: 'Local Folder', params: { rootPath: SOURCE.root } },
    });
    src = await must('POST', `${FLOW}/sourceConnections`, {
      name: `soak csv ${i}`, baseConnectionId: conn.id, connectionSpec: { id: spec, version: '1.0' },
      data: { format: 'delimited' },
      params: { path: '*.csv', columns: [{ name: 'id', type: 'long' }, { name: 'amount', type: 'double' }, { name: 'label', type: 'string' }] },
    });
  } else {
    spec = SPEC.postgres;
    conn = await must('POST', `${FLOW}/connections`, {
      name: `soak pg ${i}`, connectionSpec: { id: spec, version: '1.0' },
      auth: { specName: 'Connection String Based Authentication', params: { connectionString: SOURCE.conn } },
    });
    src = await must('POST', `${FLOW}/sourceConnections`, {
      name: `soak table ${i}`, baseConnectionId: conn.id, connectionSpec: { id: spec, version: '1.0' },
      data: { format: 'tabular' }, params: { tableName: SOURCE.table },
    });
  }
  const dataSetId = await dataset(`soak runs ${i}`);
  const tgt = await must('POST', `${FLOW}/targetConnections`, {
    name: `soak lake ${i}`, connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' },
    params: { dataSetId },
  });
  const flow = await must('POST', `${FLOW}/flows`, {
    name: `soak flow ${i}`, flowSpec: { id: SOURCE.kind === 'csv' ? SPEC.cloudStorageToAep : SPEC.crmToAep, version: '1.0' },
    sourceConnectionIds: [src.id], targetConnectionIds: [tgt.id],
    scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' },
  });
  return { flow: flow.id, src: src.id, dataSetId };
}
const runFlows = [];
for (let i = 0; i < RUN_FLOWS; i++) runFlows.push(await runFlow(i));
// Patch targets: flows and datasets that only patches touch (one patch of each at a time).
const patchFlows = [], patchSets = [];
for (let i = 0; i < 8; i++) {
  patchSets.push({ id: await dataset(`soak patch ${i}`), busy: false, n: 0 });
  patchFlows.push({ id: (await runFlow(100 + i)).flow, busy: false, n: 0 });
}

// ---- the load ----
const lat = new Map();  // route -> [ms]
const errors = [];      // {route, status, text}
let sent = 0, dropped = 0, inflight = 0, runsCreated = 0;
const runIds = [];
const batchIds = [];
const createdSets = [];
function record(route, ms, ok, status, text) {
  if (!lat.has(route)) lat.set(route, []);
  lat.get(route).push(ms);
  if (!ok && errors.length < 1000) errors.push({ route, status, text: String(text).slice(0, 300) });
  if (!ok) errors.count = (errors.count || 0) + 1;
}
async function timed(route, method, p, body, extra, want = [200, 201, 204]) {
  const t0 = performance.now();
  try {
    const r = await http(method, p, body, extra);
    record(route, performance.now() - t0, want.includes(r.status), r.status, r.text);
    return r;
  } catch (e) {
    record(route, performance.now() - t0, false, 'network', e.message);
    return null;
  }
}
let windowStep = 0;
const T0 = SOURCE.kind === 'csv' ? SOURCE.mtime : 0;
const ops = [
  // [weight, name, fn]
  [10, 'GET /flows', () => timed('GET /flows', 'GET', `${FLOW}/flows?limit=20`)],
  [8, 'GET /flows/{id}', () => timed('GET /flows/{id}', 'GET', `${FLOW}/flows/${pick(runFlows).flow}`)],
  [10, 'GET /runs?flowId', () => timed('GET /runs?flowId', 'GET', `${FLOW}/runs?property=flowId==${pick(runFlows).flow}&limit=20`)],
  [12, 'GET /runs/{id}', async () => {
    if (runIds.length === 0) return timed('GET /runs', 'GET', `${FLOW}/runs?limit=5`);
    const id = runIds[Math.max(0, runIds.length - 1 - Math.floor(rand() * 20))];
    const r = await timed('GET /runs/{id}', 'GET', `${FLOW}/runs/${id}`);
    const b = r?.body?.items?.[0]?.activities?.find((a) => a.id === 'promotionActivity')?.targetInfo?.[0]?.reference?.ids?.[0];
    if (b && !batchIds.includes(b)) { batchIds.push(b); if (batchIds.length > 200) batchIds.shift(); }
    return r;
  }],
  [8, 'GET /dataSets', () => timed('GET /dataSets', 'GET', `${CATALOG}/dataSets?limit=20`)],
  [8, 'GET /dataSets/{id}', () => timed('GET /dataSets/{id}', 'GET', `${CATALOG}/dataSets/${pick(runFlows).dataSetId}`)],
  [8, 'GET /batches', () => timed('GET /batches', 'GET', `${CATALOG}/batches?dataSet=${pick(runFlows).dataSetId}&limit=20`)],
  [6, 'GET /batches/{id}', () => batchIds.length
    ? timed('GET /batches/{id}', 'GET', `${CATALOG}/batches/${pick(batchIds)}`)
    : timed('GET /batches', 'GET', `${CATALOG}/batches?limit=20`)],
  [6, 'POST /dataSets', async () => {
    const r = await timed('POST /dataSets', 'POST', `${CATALOG}/dataSets`, { name: `soak ${sent}`, description: 'made by the soak' });
    if (r?.status === 201) { createdSets.push(r.body[0].split('/').pop()); if (createdSets.length > 100) createdSets.shift(); }
  }],
  [4, 'POST /connections', () => timed('POST /connections', 'POST', `${FLOW}/connections`, {
    name: `soak conn ${sent}`, connectionSpec: { id: SPEC.postgres, version: '1.0' },
    auth: { specName: 'Connection String Based Authentication', params: { connectionString: 'Server=127.0.0.1;Port=1;Database=none;UID=u;Password=secret-pw' } },
  })],
  [5, 'PATCH /flows/{id}', async () => {
    const f = patchFlows.find((x) => !x.busy);
    if (!f) return timed('GET /flows/{id}', 'GET', `${FLOW}/flows/${pick(patchFlows).id}`);
    f.busy = true;
    try {
      const g = await timed('GET /flows/{id}', 'GET', `${FLOW}/flows/${f.id}`);
      const etag = g?.body?.items?.[0]?.etag;
      if (!etag) return;
      await timed('PATCH /flows/{id}', 'PATCH', `${FLOW}/flows/${f.id}`,
        [{ op: 'replace', path: '/name', value: `soak patch flow ${f.id.slice(0, 6)} #${++f.n}` }], { 'If-Match': etag });
    } finally { f.busy = false; }
  }],
  [5, 'PATCH /dataSets/{id}', async () => {
    const d = patchSets.find((x) => !x.busy);
    if (!d) return timed('GET /dataSets/{id}', 'GET', `${CATALOG}/dataSets/${pick(patchSets).id}`);
    d.busy = true;
    try {
      await timed('PATCH /dataSets/{id}', 'PATCH', `${CATALOG}/dataSets/${d.id}`,
        [{ op: 'add', path: '/description', value: `patched ${++d.n} times` }],
        { 'Content-Type': 'application/json-patch+json' });
    } finally { d.busy = false; }
  }],
];
const totalWeight = ops.reduce((s, o) => s + o[0], 0);
function chooseOp() {
  let x = rand() * totalWeight;
  for (const o of ops) { if ((x -= o[0]) < 0) return o[2]; }
  return ops[0][2];
}
let runFlowNext = 0;
async function createRun() {
  const f = runFlows[runFlowNext++ % runFlows.length];
  const step = windowStep++;
  // Distinct windows that all hold the source's rows (csv: files modified at T0; postgres: rows
  // updated in 2024).
  const [start, end] = SOURCE.kind === 'csv' ? [T0 - 1000 - step, T0 + 1000]
                                              : [1704067200 - 86400 - step, 1735689600];
  const r = await timed('POST /runs', 'POST', `${FLOW}/runs`, {
    flowId: f.flow, params: { windowStartTime: start, windowEndTime: end, deltaColumn: { name: 'updated_at' } },
  });
  if (r?.status === 201) { runIds.push(r.body.items[0].id); runsCreated++; }
}

// RSS sampler (and the load average: the machine is shared).
const samples = [];
// VmRSS and its parts (anonymous, file-backed, shared memory: the WAL index) and the threads.
const procStatus = () => {
  try {
    const t = fs.readFileSync(`/proc/${PID}/status`, 'utf8');
    const f = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(t)?.[1]);
    return { rss: f('VmRSS'), anon: f('RssAnon'), file: f('RssFile'), shmem: f('RssShmem'), threads: f('Threads') };
  } catch { return { rss: NaN }; }
};
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const tStart = performance.now();
const sampleNow = () => {
  const t = (performance.now() - tStart) / 1000;
  const p = procStatus();
  const s = { t: Math.round(t), rssKb: p.rss, anonKb: p.anon, fileKb: p.file, shmemKb: p.shmem, threads: p.threads,
              load: loadavg(), sent, errors: errors.count || 0, runs: runsCreated };
  samples.push(s);
  const mib = (kb) => (kb / 1024).toFixed(1);
  console.error(`soak: ${String(s.t).padStart(4)} s  RSS ${mib(s.rssKb)} MiB (anon ${mib(s.anonKb)}, file ${mib(s.fileKb)}, shmem ${mib(s.shmemKb)}; ${s.threads} threads)  sent ${sent}  errors ${s.errors}  runs ${runsCreated}  load ${s.load}`);
};
sampleNow();
const sampler = setInterval(sampleNow, SAMPLE * 1000);

const slotMs = 1000 / RATE;
const runSlot = Math.max(1, Math.round(RATE * RUN_EVERY));
const pending = new Set();
let slot = 0;
while (sent < MAX_REQUESTS) {
  const due = tStart + slot * slotMs;
  const now = performance.now();
  if (now - tStart >= DURATION * 1000) break;
  if (due > now) await new Promise((r) => setTimeout(r, due - now));
  const isRun = slot % runSlot === 0;
  slot++;
  if (inflight >= INFLIGHT) { dropped++; continue; }
  sent++;
  inflight++;
  const p = (isRun ? createRun() : chooseOp()()).finally(() => { inflight--; pending.delete(p); });
  pending.add(p);
}
await Promise.all(pending);
const loadS = (performance.now() - tStart) / 1000;
clearInterval(sampler);
sampleNow();

// Every run created must end in success (the engine keeps up: at most RUN_FLOWS queued).
const final = { success: 0, failed: 0, other: 0 };
const deadline = Date.now() + 120000;
const failedRuns = [];
for (const id of runIds) {
  for (;;) {
    const r = await http('GET', `${FLOW}/runs/${id}`);
    const st = r.body?.items?.[0]?.metrics?.statusSummary?.status;
    if (['success', 'failed', 'cancelled'].includes(st) || Date.now() > deadline) {
      if (st === 'success') final.success++;
      else { (st === 'failed' ? final.failed++ : final.other++); if (failedRuns.length < 5) failedRuns.push({ id, st, errors: r.body?.items?.[0]?.metrics?.statusSummary?.errors }); }
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

// ---- report ----
const pct = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const routes = [...lat.keys()].sort();
const total = [...lat.values()].reduce((s, xs) => s + xs.length, 0);
console.log(`soak: ${total} requests in ${loadS.toFixed(0)} s (${(total / loadS).toFixed(1)} req/s; ${dropped} slots dropped at ${INFLIGHT} in flight), ${runsCreated} runs created: ${final.success} success, ${final.failed} failed, ${final.other} not final`);
console.log(`soak: errors ${errors.count || 0} (non-2xx or network)`);
for (const e of errors.slice(0, 5)) console.log(`  error ${e.route}: ${e.status} ${e.text}`);
for (const f of failedRuns) console.log(`  run ${f.id}: ${f.st} ${JSON.stringify(f.errors)}`);
console.log('| route | n | p50 ms | p99 ms | max ms |');
console.log('|---|---:|---:|---:|---:|');
for (const r of routes) {
  const xs = lat.get(r);
  console.log(`| ${r} | ${xs.length} | ${pct(xs, 0.5).toFixed(1)} | ${pct(xs, 0.99).toFixed(1)} | ${Math.max(...xs).toFixed(1)} |`);
}
console.log(`soak: RSS (MiB) every ${SAMPLE} s: ${samples.map((s) => (s.rssKb / 1024).toFixed(1)).join(' ')}`);
console.log(`soak: load average (1 min) at each sample: ${samples.map((s) => s.load.split(' ')[0]).join(' ')}`);
const inMin = (a, b) => samples.filter((s) => s.t >= a && s.t < b).map((s) => s.rssKb);
const second = inMin(60, 120);
const last = inMin(Math.max(120, loadS - 60), loadS + 1);
let flat = null;
if (second.length && last.length) {
  const ratio = mean(last) / mean(second);
  flat = Math.abs(ratio - 1) <= 0.10;
  console.log(`soak: RSS last minute vs second minute: ${(mean(last) / 1024).toFixed(1)} / ${(mean(second) / 1024).toFixed(1)} MiB = ${ratio.toFixed(3)} (${ratio >= 1 ? '+' : ''}${(100 * (ratio - 1)).toFixed(1)}%): ${flat ? 'flat' : 'NOT flat'} (bar: within 10%)`);
} else {
  console.log('soak: too short for the minute comparison (needs DURATION >= 180)');
}
if (process.env.OUT) {
  fs.appendFileSync(process.env.OUT, JSON.stringify({
    total, loadS, dropped, runs: runsCreated, final, errors: errors.count || 0,
    routes: Object.fromEntries(routes.map((r) => [r, { n: lat.get(r).length, p50: pct(lat.get(r), 0.5), p99: pct(lat.get(r), 0.99) }])),
    samples,
  }) + '\n');
}
process.exit((errors.count || 0) === 0 && final.success === runsCreated ? 0 : 1);
