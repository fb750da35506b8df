// The whole Flow Service surface: every operation of AEP's OpenAPI file (the project's
// aep-flow-service.openapi.yaml; its 45 operations are listed in fixtures/ so that CI needs no copy
// of it, and the list is checked against the file where it is present) is called once against real entities (a SQLite source, the lake target, AEP's published
// MailChimp spec as the custom connection spec). None may answer 404/405 for a route-level reason
// (the gateway's "no such route" shape, or 405), each answers its success status with the
// documented top-level shape, and the walk must name all 45 operations of the file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FLOW, CATALOG, SPEC, startFluxo, tempDir } from './lib/fluxo.mjs';
import { SQLITE_SPEC } from './lib/flows.mjs';
import { makeEvents } from './lib/sqlite.mjs';

const OPENAPI = '/work/shared/reference/aep-flow-service.openapi.yaml';
const OPERATIONS = new URL('./fixtures/aep-flow-service.operations.txt', import.meta.url);

// The operations of the OpenAPI file: "METHOD /path" for each method key (4 spaces) under a path
// key (2 spaces) of its `paths` map. The file's layout is that fixed; the count is checked below.
function operations(text) {
  const ops = [];
  let current = null;
  let inPaths = false;
  for (const line of text.split('\n')) {
    if (/^paths:\s*$/.test(line)) { inPaths = true; continue; }
    if (/^\S/.test(line)) inPaths = false;
    if (!inPaths) continue;
    const p = /^  (\/\S*):\s*$/.exec(line);
    if (p) { current = p[1]; continue; }
    const m = /^    (get|post|put|patch|delete|head|options):\s*$/.exec(line);
    if (m && current) ops.push(`${m[1].toUpperCase()} ${current}`);
  }
  return ops;
}

let fx, api, ctx = {};
before(async () => {
  const dir = tempDir('fluxo-surface-');
  fx = await startFluxo(['--allow-path', dir]);
  api = await fx.client();
  ctx.db = path.join(dir, 'events.db');
  makeEvents(ctx.db, 50);
  const ds = await api.post(`${CATALOG}/dataSets`, { name: 'surface dataset' });
  ctx.dataSetId = ds.body[0].split('/').pop();
});
after(async () => { await fx.stop(); });

const mailchimp = () => JSON.parse(fs.readFileSync(new URL('./fixtures/aep-mailchimp-members-connection-spec.json', import.meta.url)));
const items = (r) => assert.ok(Array.isArray(r.body.items), `items[]: ${r.text.slice(0, 300)}`);
const idEtag = (r) => {
  assert.equal(typeof r.body.id, 'string', r.text);
  assert.match(r.body.etag, /^".+"$/, r.text);
};
const keep = (name) => (r) => { idEtag(r); ctx[name] = r.body.id; };
const etagOf = async (kind, id) => (await api.get(`${FLOW}/${kind}/${id}`)).body.items[0].etag;
const state = async (kind, id) => (await api.get(`${FLOW}/${kind}/${id}`)).body.items[0].state;

// [operation as in the OpenAPI file, request (a function of ctx), status, shape check]. In order:
// what a step creates, later steps use; the deletes come last.
const STEPS = [
  ['GET /connectionSpecs', () => ({}), 200, items],
  ['POST /connectionSpecs', () => ({ body: mailchimp() }), 201, keep('spec')],
  ['GET /connectionSpecs/{CONNECTION_SPEC_ID}', () => ({}), 200, items],
  ['PUT /connectionSpecs/{CONNECTION_SPEC_ID}', () => ({ body: { ...mailchimp(), name: 'MailChimp Members source v2' } }), 200, idEtag],
  ['GET /connectionSpecs/{CONNECTION_SPEC_ID}/explore', () => ({}), 200, (r) => {
    items(r);
    assert.equal(r.body.items[0].type, 'Resource');
  }],
  ['GET /connectionSpecs/{CONNECTION_SPEC_ID}/configs', () => ({}), 200, (r) => {
    assert.deepEqual(r.body.items, [{ columnName: 'listId', columnType: 'string' }]);
  }],
  ['GET /flowSpecs', () => ({}), 200, items],
  ['POST /flowSpecs', () => ({ body: { name: 'MailChimpToAEP', sourceConnectionSpecIds: [ctx.spec], targetConnectionSpecIds: [SPEC.lake], transformationSpecs: [{ name: 'Mapping' }] } }), 201, keep('flowSpec')],
  ['GET /flowSpecs/{FLOW_SPEC_ID}', () => ({}), 200, items],
  ['PUT /flowSpecs/{FLOW_SPEC_ID}', () => ({ body: { name: 'MailChimpToAEP v2', sourceConnectionSpecIds: [ctx.spec], targetConnectionSpecIds: [SPEC.lake], transformationSpecs: [{ name: 'Mapping' }] } }), 200, idEtag],
  ['POST /flowSpecs/search', () => ({ body: { queryString: 'property=name==MailChimpToAEP v2' } }), 200, (r) => {
    assert.deepEqual(r.body.items.map((s) => s.id), [ctx.flowSpec]);
  }],

  ['POST /connections', () => ({ query: '?mode=draft', body: { name: 'sqlite', connectionSpec: { id: SQLITE_SPEC, version: '1.0' }, auth: { specName: 'Database File', params: { path: ctx.db } } } }), 201, keep('conn')],
  ['POST /connections/{BASE_CONNECTION_ID}/action', async () => {
    assert.equal(await state('connections', ctx.conn), 'draft');
    return { query: '?op=PUBLISH' };
  }, 200, idEtag],
  ['GET /connections', () => ({}), 200, items],
  ['GET /connections/{BASE_CONNECTION_ID}', () => ({}), 200, (r) => {
    items(r);
    assert.equal(r.body.items[0].state, 'enabled', 'published');
  }],
  ['GET /connections/{BASE_CONNECTION_ID}/test', () => ({}), 200, (r) => assert.deepEqual(r.body, { result: true })],
  ['GET /connections/{BASE_CONNECTION_ID}/explore', () => ({ query: '?objectType=root' }), 200, (r) => {
    assert.ok(Array.isArray(r.body), r.text);
    assert.ok(r.body.some((t) => t.name === 'events'), r.text);
  }],
  ['PATCH /connections/{BASE_CONNECTION_ID}/', async () => ({ headers: { 'If-Match': await etagOf('connections', ctx.conn) }, body: [{ op: 'replace', path: '/name', value: 'sqlite 2' }] }), 200, idEtag],
  ['GET /connections/{BASE_CONNECTION_ID}/configs', () => ({}), 200, items],
  ['POST /connections/search', () => ({ body: { queryString: 'property=name==sqlite 2' } }), 200, (r) => {
    assert.deepEqual(r.body.items.map((c) => c.id), [ctx.conn]);
  }],

  ['POST /sourceConnections', () => ({ query: '?mode=draft', body: { name: 'events', baseConnectionId: ctx.conn, connectionSpec: { id: SQLITE_SPEC, version: '1.0' }, data: { format: 'tabular' }, params: { tableName: 'events' } } }), 201, keep('src')],
  ['POST /sourceConnections/{SOURCE_CONNECTION_ID}/action', () => ({ query: '?op=publish' }), 200, idEtag],
  ['GET /sourceConnections', () => ({}), 200, items],
  ['GET /sourceConnections/{SOURCE_CONNECTION_ID}', () => ({}), 200, items],
  ['PATCH /sourceConnections/{SOURCE_CONNECTION_ID}', async () => ({ headers: { 'If-Match': await etagOf('sourceConnections', ctx.src) }, body: [{ op: 'add', path: '/description', value: 'the events table' }] }), 200, idEtag],

  ['POST /targetConnections', () => ({ query: '?mode=draft', body: { name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' }, params: { dataSetId: ctx.dataSetId } } }), 201, keep('tgt')],
  ['POST /targetConnections/{TARGET_CONNECTION_ID}/action', () => ({ query: '?op=PUBLISH' }), 200, idEtag],
  ['GET /targetConnections', () => ({}), 200, items],
  ['GET /targetConnections/{TARGET_CONNECTION_ID}', () => ({}), 200, items],
  ['PATCH /targetConnections/{TARGET_CONNECTION_ID}', async () => ({ headers: { 'If-Match': await etagOf('targetConnections', ctx.tgt) }, body: [{ op: 'replace', path: '/name', value: 'lake 2' }] }), 200, idEtag],

  ['POST /flows', () => ({ body: { name: 'events flow', flowSpec: { id: SPEC.crmToAep, version: '1.0' }, sourceConnectionIds: [ctx.src], targetConnectionIds: [ctx.tgt], scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' } } }), 201, keep('flow')],
  ['GET /flows', () => ({}), 200, items],
  ['GET /flows/{FLOW_ID}', () => ({}), 200, items],
  ['PATCH /flows/{FLOW_ID}', async () => ({ headers: { 'If-Match': await etagOf('flows', ctx.flow) }, body: [{ op: 'add', path: '/description', value: 'walked' }] }), 200, idEtag],
  ['POST /flows/search', () => ({ body: { queryString: 'property=name==events flow' } }), 200, (r) => {
    assert.deepEqual(r.body.items.map((f) => f.id), [ctx.flow]);
  }],
  ['POST /flows/{FLOW_ID}/action', () => ({ query: '?op=enable' }), 200, idEtag],

  // A run due in an hour stays scheduled, so PUT can move its window; then it is cancelled.
  ['POST /runs', () => ({ body: { flowId: ctx.flow, params: { startTime: Math.floor(Date.now() / 1000) + 3600, windowStartTime: 1700000000, windowEndTime: 1700000100, deltaColumn: { name: 'updated_at' } } } }), 201, (r) => {
    assert.equal(r.body.items.length, 1, r.text);
    ctx.run = r.body.items[0].id;
  }],
  ['GET /runs', () => ({}), 200, items],
  ['GET /runs/{RUN_ID}', () => ({}), 200, items],
  ['PUT /runs/{RUN_ID}', async () => ({ headers: { 'If-Match': await etagOf('runs', ctx.run) }, body: { flowId: ctx.flow, params: { startTime: Math.floor(Date.now() / 1000) + 7200, windowStartTime: 1700000000, windowEndTime: 1700000300, deltaColumn: { name: 'updated_at' } } } }), 200, (r) => {
    assert.equal(r.body.id, ctx.run, r.text);
    assert.equal(r.body.flowId, ctx.flow);
    assert.equal(r.body.params.windowEndTime, 1700000300);
    assert.equal(r.body.fluxo.windowEnd, 1700000300, 'the engine reads the new window');
  }],
  ['POST /runs/{RUN_ID}/action', () => ({ query: '?op=cancel' }), 200, idEtag],

  ['DELETE /flows/{FLOW_ID}', () => ({}), 204, () => {}],
  ['DELETE /sourceConnections/{SOURCE_CONNECTION_ID}', () => ({}), 204, () => {}],
  ['DELETE /targetConnections/{TARGET_CONNECTION_ID}', () => ({}), 204, () => {}],
  ['DELETE /connections/{BASE_CONNECTION_ID}/', () => ({}), 204, () => {}],
];

const PARAMS = {
  CONNECTION_SPEC_ID: 'spec', FLOW_SPEC_ID: 'flowSpec', BASE_CONNECTION_ID: 'conn',
  SOURCE_CONNECTION_ID: 'src', TARGET_CONNECTION_ID: 'tgt', FLOW_ID: 'flow', RUN_ID: 'run',
};

test('every operation of the Flow Service OpenAPI file is served with its documented shape', async () => {
  const ops = fs.readFileSync(OPERATIONS, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  if (fs.existsSync(OPENAPI)) assert.deepEqual(operations(fs.readFileSync(OPENAPI, 'utf8')), ops);
  assert.equal(ops.length, 45, ops.join('\n'));
  assert.deepEqual([...STEPS.map((s) => s[0])].sort(), [...ops].sort(), 'the walk names every operation once');
  for (const [op, request, status, check] of STEPS) {
    const [method, template] = op.split(' ');
    const p = template.replace(/\{(\w+)\}/g, (_, name) => ctx[PARAMS[name]]);
    const req = await request();
    const r = await api.call(method, `${FLOW}${p}${req.query || ''}`, { body: req.body, headers: req.headers });
    assert.notEqual(r.status, 405, `${op}: 405`);
    assert.ok(!(r.status === 404 && r.body && r.body.error_code), `${op}: no such route (${r.text})`);
    assert.equal(r.status, status, `${op}: ${r.text.slice(0, 400)}`);
    check(r);
  }
});

test('drafts: a flow cannot use one, publish goes base connection first, FINALIZE is refused', async () => {
  const conn = await api.call('POST', `${FLOW}/connections?mode=draft`, { body: { name: 'draft', connectionSpec: { id: SQLITE_SPEC, version: '1.0' }, auth: { specName: 'Database File', params: { path: ctx.db } } } });
  assert.equal(conn.status, 201, conn.text);
  const src = await api.call('POST', `${FLOW}/sourceConnections?mode=draft`, { body: { name: 'draft events', baseConnectionId: conn.body.id, connectionSpec: { id: SQLITE_SPEC, version: '1.0' }, data: { format: 'tabular' }, params: { tableName: 'events' } } });
  assert.equal(src.status, 201, src.text);
  const early = await api.call('POST', `${FLOW}/sourceConnections/${src.body.id}/action?op=PUBLISH`);
  assert.equal(early.status, 400, early.text);
  assert.match(early.body.type, /FLOW-1422-400/);
  assert.match(early.body.report['detailed-message'], /base connection .* is a draft: publish it first/);
  const tgt = await api.post(`${FLOW}/targetConnections`, { name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' }, params: { dataSetId: ctx.dataSetId } });
  const flowBody = { name: 'draft flow', flowSpec: { id: SPEC.crmToAep, version: '1.0' }, sourceConnectionIds: [src.body.id], targetConnectionIds: [tgt.body.id], scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' } };
  const refused = await api.post(`${FLOW}/flows`, flowBody);
  assert.equal(refused.status, 400, refused.text);
  assert.match(refused.body.report['detailed-message'], /sourceConnectionIds: sourceConnections .* is a draft; publish it first/);
  // A PATCH keeps the draft a draft.
  const patched = await api.patch(`${FLOW}/connections/${conn.body.id}`, [{ op: 'replace', path: '/name', value: 'draft 2' }], conn.body.etag);
  assert.equal(patched.status, 200, patched.text);
  assert.equal(await state('connections', conn.body.id), 'draft');
  for (const op of ['FINALIZE', 'FINALIZE_UPDATE']) {
    const r = await api.call('POST', `${FLOW}/connections/${conn.body.id}/action?op=${op}&subOp=APPLY`);
    assert.equal(r.status, 400, r.text);
    assert.match(r.body.report['detailed-message'], /not supported: fluxo applies a PATCH at once/);
  }
  assert.equal((await api.call('POST', `${FLOW}/connections/${conn.body.id}/action?op=PUBLISH`)).status, 200);
  assert.equal((await api.call('POST', `${FLOW}/sourceConnections/${src.body.id}/action?op=PUBLISH`)).status, 200);
  const again = await api.call('POST', `${FLOW}/sourceConnections/${src.body.id}/action?op=PUBLISH`);
  assert.equal(again.status, 400, again.text);
  assert.match(again.body.report['detailed-message'], /is enabled, not a draft/);
  const flow = await api.post(`${FLOW}/flows`, flowBody);
  assert.equal(flow.status, 201, flow.text);
  const noDrafts = await api.call('POST', `${FLOW}/flows?mode=draft`, { body: flowBody });
  assert.equal(noDrafts.status, 400, noDrafts.text);
  assert.match(noDrafts.body.report['detailed-message'], /fluxo keeps no drafts of flows/);
});

test('PUT /runs/{id}: If-Match, a scheduled run only, only params', async () => {
  const { body: conn } = await api.post(`${FLOW}/connections`, { name: 'runs', connectionSpec: { id: SQLITE_SPEC, version: '1.0' }, auth: { specName: 'Database File', params: { path: ctx.db } } });
  const { body: src } = await api.post(`${FLOW}/sourceConnections`, { name: 'runs src', baseConnectionId: conn.id, connectionSpec: { id: SQLITE_SPEC, version: '1.0' }, data: { format: 'tabular' }, params: { tableName: 'events' } });
  const { body: tgt } = await api.post(`${FLOW}/targetConnections`, { name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' }, params: { dataSetId: ctx.dataSetId } });
  const { body: flow } = await api.post(`${FLOW}/flows`, { name: 'runs flow', flowSpec: { id: SPEC.crmToAep, version: '1.0' }, sourceConnectionIds: [src.id], targetConnectionIds: [tgt.id], scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' } });
  const later = Math.floor(Date.now() / 1000) + 3600;
  const params = { startTime: later, windowStartTime: 1700000000, windowEndTime: 1700000100, deltaColumn: { name: 'updated_at' } };
  const created = await api.post(`${FLOW}/runs`, { flowId: flow.id, params });
  const run = created.body.items[0];
  const put = (body, headers = { 'If-Match': run.etag }) => api.call('PUT', `${FLOW}/runs/${run.id}`, { body, headers });
  const noMatch = await put({ params }, {});
  assert.equal(noMatch.status, 400, noMatch.text);
  assert.match(noMatch.body.type, /FLOW-1403-400/);
  const stale = await put({ params }, { 'If-Match': '"stale"' });
  assert.equal(stale.status, 412, stale.text);
  const computed = await put({ params, metrics: {} });
  assert.equal(computed.status, 400, computed.text);
  assert.match(computed.body.report['detailed-message'], /metrics is computed by fluxo/);
  const otherFlow = await put({ flowId: 'another', params });
  assert.match(otherFlow.body.type, /FLOW-1414-400/);
  const backwards = await put({ params: { ...params, windowEndTime: 1690000000 } });
  assert.match(backwards.body.type, /FLOW-1381-400/);
  const otherDelta = await put({ params: { ...params, deltaColumn: { name: 'id' } } });
  assert.match(otherDelta.body.type, /FLOW-1382-400/);
  const moved = await put({ params: { ...params, windowStartTime: 1700000100, windowEndTime: 1700000200 } });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.body.fluxo.windowStart, 1700000100);
  assert.match(moved.body.providerRefId, /-1700000100$/);
  assert.notEqual(moved.body.etag, run.etag);
  assert.equal((await api.call('POST', `${FLOW}/runs/${run.id}/action?op=cancel`)).status, 200);
  const cancelled = await put({ params }, { 'If-Match': await etagOf('runs', run.id) });
  assert.equal(cancelled.status, 400, cancelled.text);
  assert.match(cancelled.body.type, /FLOW-1422-400/);
  assert.match(cancelled.body.report['detailed-message'], /is cancelled; only a scheduled run/);
});
