// bench/api seed: builds the metastore the API bench runs against, over the API only.
//   node seed.mjs BASE_URL DATA_DIR FLOWS RUNS_PER_FLOW CONCURRENCY OUT_DIR
// Creates one PostgreSQL connection (dummy connection string, never contacted), one dataset, one
// target connection, FLOWS tabular source connections and FLOWS `once` CRMToAEP flows, then
// RUNS_PER_FLOW runs per flow with distinct hourly windows (POST /runs, CONCURRENCY in flight).
// Writes OUT_DIR/flows.txt (one flow id a line), OUT_DIR/headers.lua (auth headers for wrk) and
// prints the seed timings.
import fs from 'node:fs';
import path from 'node:path';

const [base, dataDir, flowsArg, runsArg, concArg, outDir] = process.argv.slice(2);
const FLOWS = Number(flowsArg), RUNS = Number(runsArg), CONC = Number(concArg);
const FLOW = '/data/foundation/flowservice';
const PG = '74a1c565-4e59-48d7-9d67-7c03b8a13137';
const LAKE = 'c604ff05-7f1a-43c0-8e18-33bf874cb11c';
const CRM = '14518937-270c-4525-bdec-c2ba7cce3860';

const creds = JSON.parse(fs.readFileSync(path.join(dataDir, 'credentials.json'), 'utf8'));
const tok = await fetch(base + '/ims/token/v3', {
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ grant_type: 'client_credentials', client_id: creds.client_id,
                              client_secret: creds.client_secret }).toString(),
});
if (tok.status !== 200) throw new Error('token: ' + tok.status + ' ' + await tok.text());
const token = (await tok.json()).access_token;
const H = {
  Authorization: `Bearer ${token}`, 'x-api-key': creds.client_id,
  'x-gw-ims-org-id': creds.org_id, 'x-sandbox-name': 'prod', 'Content-Type': 'application/json',
};

async function post(p, body, want = 201) {
  for (let attempt = 0; ; attempt++) {
    const r = await fetch(base + p, { method: 'POST', headers: H, body: JSON.stringify(body) });
    const text = await r.text();
    if (r.status === want) return JSON.parse(text);
    if (r.status >= 500 && attempt < 3) continue;  // a create that answers 5xx is not half-done
    throw new Error(`POST ${p} -> ${r.status}: ${text}`);
  }
}

// Runs fn(i) for i in [0, n) with `conc` in flight; returns elapsed seconds.
async function pool(n, conc, fn) {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(conc, n) }, async () => {
    while (next < n) await fn(next++);
  }));
  return (performance.now() - t0) / 1000;
}

const conn = await post(`${FLOW}/connections`, {
  name: 'bench-pg', connectionSpec: { id: PG, version: '1.0' },
  auth: { specName: 'Connection String Based Authentication',
          params: { connectionString: 'Server=localhost;Port=5432;Database=crm;UID=app;Password=bench' } },
});
const ds = await post('/data/foundation/catalog/dataSets', { name: 'bench dataset' });
const dataSetId = ds[0].split('/').pop();
const tgt = await post(`${FLOW}/targetConnections`, {
  name: 'bench lake', connectionSpec: { id: LAKE, version: '1.0' }, data: { format: 'parquet_xdm' },
  params: { dataSetId },
});

const flows = new Array(FLOWS);
const now = Math.floor(Date.now() / 1000);
const tFlows = await pool(FLOWS, CONC, async (i) => {
  const src = await post(`${FLOW}/sourceConnections`, {
    name: `table_${i}`, baseConnectionId: conn.id, connectionSpec: { id: PG, version: '1.0' },
    data: { format: 'tabular' }, params: { tableName: `public.events_${i}` },
  });
  const flow = await post(`${FLOW}/flows`, {
    name: `bench flow ${i}`, flowSpec: { id: CRM, version: '1.0' },
    sourceConnectionIds: [src.id], targetConnectionIds: [tgt.id],
    scheduleParams: { startTime: now + 60, frequency: 'once' },
  });
  flows[i] = flow.id;
});
console.log(`seed: ${FLOWS} source connections + ${FLOWS} flows in ${tFlows.toFixed(1)} s`);

// Run k of every flow covers hour k of 2024; runs are created round-robin over the flows so that
// every flow's runs are spread over the whole seed (as they would be in a real store).
const W0 = 1704067200;
const total = FLOWS * RUNS;
let done = 0;
const progress = setInterval(() => {
  process.stdout.write(`seed: ${done}/${total} runs\n`);
}, 10000);
const tRuns = await pool(total, CONC, async (n) => {
  const flowId = flows[n % FLOWS];
  const k = Math.floor(n / FLOWS);
  await post(`${FLOW}/runs`, {
    flowId,
    params: { windowStartTime: String(W0 + k * 3600), windowEndTime: String(W0 + (k + 1) * 3600),
              deltaColumn: { name: 'updated_at' } },
  });
  done++;
});
clearInterval(progress);
console.log(`seed: ${total} runs in ${tRuns.toFixed(1)} s (${(total / tRuns).toFixed(0)} runs/s, ` +
            `concurrency ${CONC})`);

fs.writeFileSync(path.join(outDir, 'flows.txt'), flows.join('\n') + '\n');
const hdr = Object.entries(H).filter(([k]) => k !== 'Content-Type')
  .map(([k, v]) => `  [${JSON.stringify(k)}] = ${JSON.stringify(v)},`).join('\n');
fs.writeFileSync(path.join(outDir, 'headers.lua'), `return {\n${hdr}\n}\n`);
