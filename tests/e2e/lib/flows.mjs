// Builds the resources of a table-based flow over a SQLite database through the API.
import assert from 'node:assert/strict';
import { FLOW, CATALOG, SPEC, eventually } from './fluxo.mjs';

export const SQLITE_SPEC = '4dc762d7-733c-4c48-bc86-1b7d9ce43736';

export async function sqliteFlow(api, dbPath, { table = 'events', schedule, options } = {}) {
  const conn = await api.post(`${FLOW}/connections`, {
    name: 'sqlite', connectionSpec: { id: SQLITE_SPEC, version: '1.0' },
    auth: { specName: 'Database File', params: { path: dbPath } },
  });
  assert.equal(conn.status, 201, conn.text);
  const src = await api.post(`${FLOW}/sourceConnections`, {
    name: table, baseConnectionId: conn.body.id, connectionSpec: { id: SQLITE_SPEC, version: '1.0' },
    data: { format: 'tabular' }, params: { tableName: table },
  });
  assert.equal(src.status, 201, src.text);
  const ds = await api.post(`${CATALOG}/dataSets`, { name: `${table} dataset` });
  assert.equal(ds.status, 201, ds.text);
  const dataSetId = ds.body[0].split('/').pop();
  const tgt = await api.post(`${FLOW}/targetConnections`, {
    name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' },
    params: { dataSetId },
  });
  assert.equal(tgt.status, 201, tgt.text);
  const body = {
    name: `${table} flow`, flowSpec: { id: SPEC.crmToAep, version: '1.0' },
    sourceConnectionIds: [src.body.id], targetConnectionIds: [tgt.body.id],
    scheduleParams: schedule || { startTime: Math.floor(Date.now() / 1000), frequency: 'once' },
  };
  if (schedule && schedule.frequency !== 'once') {
    body.transformations = [{ name: 'Copy', params: { deltaColumn: { name: 'updated_at' } } }];
  }
  if (options) body.options = options;
  const flow = await api.post(`${FLOW}/flows`, body);
  assert.equal(flow.status, 201, flow.text);
  return { conn: conn.body.id, src: src.body.id, dataSetId, tgt: tgt.body.id, flow: flow.body.id };
}

export async function createRun(api, flowId, start, end, extra = {}) {
  const r = await api.post(`${FLOW}/runs`, {
    flowId, params: { windowStartTime: start, windowEndTime: end, deltaColumn: { name: 'updated_at' }, ...extra },
  });
  assert.equal(r.status, 201, r.text);
  return r.body.items[0].id;
}

export async function getRun(api, id) {
  const r = await api.get(`${FLOW}/runs/${id}`);
  assert.equal(r.status, 200, r.text);
  return r.body.items[0];
}

const FINAL = ['success', 'failed', 'cancelled'];

export async function waitRun(api, id, { timeoutMs = 120000 } = {}) {
  return eventually(async () => {
    const run = await getRun(api, id);
    return FINAL.includes(run.metrics.statusSummary.status) ? run : null;
  }, { timeoutMs, intervalMs: 100, what: `run ${id} to finish` });
}

export function batchIdOf(run) {
  const promo = run.activities.find((a) => a.id === 'promotionActivity');
  return promo.targetInfo[0].reference.ids[0];
}
