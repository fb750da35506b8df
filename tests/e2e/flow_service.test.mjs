// Flow Service control plane: the seed tutorial replayed verbatim, every run and schedule rule
// code, tenancy of every resource, and the monitoring filters.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { FLOW, CATALOG, SPEC, runCli, startFluxo, pgConnectionBody } from './lib/fluxo.mjs';

let fx, api;
before(async () => {
  fx = await startFluxo();
  api = await fx.client();
});
after(async () => { await fx.stop(); });

const now = () => Math.floor(Date.now() / 1000);

function expectError(res, status, code, fieldRe) {
  assert.equal(res.status, status, res.text);
  assert.match(res.body.type, new RegExp(`FLOW-${code}-${status}$`), res.text);
  if (fieldRe) assert.match(res.body.report['detailed-message'], fieldRe);
}

async function dataset(c = api, name = 'crm-profiles') {
  const r = await c.post(`${CATALOG}/dataSets`, { name });
  assert.equal(r.status, 201, r.text);
  assert.match(r.body[0], /^@\/dataSets\/[0-9a-f]{24}$/);
  return r.body[0].split('/').pop();
}

async function tableSetup(c = api) {
  const conn = await c.post(`${FLOW}/connections`, pgConnectionBody());
  assert.equal(conn.status, 201, conn.text);
  const src = await c.post(`${FLOW}/sourceConnections`, {
    name: 'profiles table', baseConnectionId: conn.body.id,
    connectionSpec: { id: SPEC.postgres, version: '1.0' },
    data: { format: 'tabular' }, params: { tableName: 'public.profiles' },
  });
  assert.equal(src.status, 201, src.text);
  const ds = await dataset(c);
  const tgt = await c.post(`${FLOW}/targetConnections`, {
    name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' },
    data: { format: 'parquet_xdm' }, params: { dataSetId: ds },
  });
  assert.equal(tgt.status, 201, tgt.text);
  return { conn: conn.body.id, src: src.body.id, ds, tgt: tgt.body.id };
}

function flowBody(s, extra = {}) {
  return {
    name: 'crm once', flowSpec: { id: SPEC.crmToAep, version: '1.0' },
    sourceConnectionIds: [s.src], targetConnectionIds: [s.tgt],
    transformations: [], scheduleParams: { startTime: String(now() + 5), frequency: 'once' },
    ...extra,
  };
}

async function onceFlow(c = api, s) {
  s = s || await tableSetup(c);
  const f = await c.post(`${FLOW}/flows`, flowBody(s));
  assert.equal(f.status, 201, f.text);
  return { ...s, flow: f.body.id, flowEtag: f.body.etag };
}

test('seed tutorial, table-based: first run sets the flow deltaColumn; a different one is 1382', async () => {
  const s = await onceFlow();
  const seedBody = {
    flowId: s.flow,
    params: { startTime: '1663735590', windowStartTime: '1651584991', windowEndTime: '16515859567',
      deltaColumn: { name: 'DOB' } },
  };
  const r = await api.post(`${FLOW}/runs`, seedBody);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.items.length, 1);
  assert.match(r.body.items[0].id, /^[0-9a-f-]{36}$/);
  assert.match(r.body.items[0].etag, /^".+"$/);

  const flow = (await api.get(`${FLOW}/flows/${s.flow}`)).body.items[0];
  assert.notEqual(flow.etag, s.flowEtag);
  const copy = flow.transformations.find((t) => t.name === 'Copy');
  assert.equal(copy.params.deltaColumn.name, 'DOB');
  assert.equal(flow.lastOperation.operation, 'update');
  assert.equal(flow.runs, `/runs?property=flowId==${s.flow}`);
  assert.equal(flow.inheritedAttributes.sourceConnections[0].baseConnection.id, s.conn);

  const run = (await api.get(`${FLOW}/runs/${r.body.items[0].id}`)).body.items[0];
  assert.equal(run.flowId, s.flow);
  assert.deepEqual(run.params, seedBody.params);
  // The seed's startTime is in the past, so a worker may already have claimed the run.
  const status = run.metrics.statusSummary.status;
  assert.ok(['scheduled', 'inProgress', 'success'].includes(status), status);
  if (status === 'scheduled') assert.equal(run.metrics.recordSummary.outputRecordCount, 0);
  const copyAct = run.activities.find((a) => a.id === 'copyActivity');
  assert.equal(copyAct.durationSummary.extensions.windowStart, 1651584991000);
  assert.equal(copyAct.durationSummary.extensions.windowEnd, 16515859567000);
  const promo = run.activities.find((a) => a.id === 'promotionActivity');
  assert.equal(promo.targetInfo[0].id, s.tgt);
  assert.equal(promo.targetInfo[0].type, 'TargetConnection');

  const other = await api.post(`${FLOW}/runs`, { ...seedBody, params: { ...seedBody.params, deltaColumn: { name: 'other' } } });
  expectError(other, 400, 1382, /deltaColumn/);
  const { deltaColumn, ...noDelta } = seedBody.params;
  const again = await api.post(`${FLOW}/runs`, { flowId: s.flow, params: noDelta });
  assert.equal(again.status, 201, again.text);
  const listed = await api.get(`${FLOW}/runs?property=flowId==${s.flow}`);
  assert.equal(listed.body.items.length, 2);
});

test('seed tutorial, file-based: CloudStorageToAEP run is created and ignores deltaColumn', async () => {
  const conn = await api.post(`${FLOW}/connections`, {
    name: 's3', connectionSpec: { id: SPEC.s3, version: '1.0' },
    auth: { specName: 'Access Key', params: { s3AccessKey: 'AKIAEXAMPLE', s3SecretKey: 'very/secret+key' } },
  });
  assert.equal(conn.status, 201, conn.text);
  assert.ok(!(await api.get(`${FLOW}/connections/${conn.body.id}`)).text.includes('very/secret+key'));
  const src = await api.post(`${FLOW}/sourceConnections`, {
    name: 'files', baseConnectionId: conn.body.id, connectionSpec: { id: SPEC.s3, version: '1.0' },
    data: { format: 'delimited', properties: { compressionType: 'gzip' } },
    params: { path: 'bucket/incoming/*.csv', recursive: true, columnDelimiter: ';' },
  });
  assert.equal(src.status, 201, src.text);
  const ds = await dataset(api, 'files');
  const tgt = await api.post(`${FLOW}/targetConnections`, {
    name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' },
    params: { dataSetId: ds },
  });
  const flow = await api.post(`${FLOW}/flows`, {
    name: 'files once', flowSpec: { id: SPEC.cloudStorageToAep, version: '1.0' },
    sourceConnectionIds: [src.body.id], targetConnectionIds: [tgt.body.id],
    scheduleParams: { startTime: now() + 60, frequency: 'once' },
  });
  assert.equal(flow.status, 201, flow.text);
  const r = await api.post(`${FLOW}/runs`, {
    flowId: flow.body.id,
    params: { startTime: '1663735590', windowStartTime: '1651584991', windowEndTime: '16515859567' },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.items.length, 1);
  // A table source cannot feed a CloudStorageToAEP flow.
  const s = await tableSetup();
  const wrong = await api.post(`${FLOW}/flows`, { ...flowBody(s), flowSpec: { id: SPEC.cloudStorageToAep } });
  assert.equal(wrong.status, 400);
  assert.match(wrong.body.report['detailed-message'], /sourceConnectionIds/);
});

test('schedule rule codes 1360-1369 name the field', async () => {
  const s = await tableSetup();
  const sp = (o) => flowBody(s, { scheduleParams: o });
  const cases = [
    [sp({ startTime: now() - 3600, frequency: 'hour', interval: 1 }), 1360, /startTime/],
    [sp({ startTime: now() + 60, frequency: 'yearly' }), 1361, /frequency/],
    [sp({ startTime: now() + 60 }), 1361, /frequency/],
    [sp({ startTime: now() + 60, frequency: 'once', interval: 5 }), 1362, /interval/],
    [sp({ startTime: now() + 60, frequency: 'minute', interval: 5 }), 1363, /interval/],
    [sp({ startTime: now() + 60, frequency: 'hour', interval: 0 }), 1363, /interval/],
    [sp({ startTime: now() + 60, frequency: 'once', backfill: true }), 1364, /backfill/],
    [flowBody(s, { transformations: [{ name: 'Copy', params: { deltaColumn: { name: 'x' } } }] }), 1365, /deltaColumn/],
    [sp({ startTime: 'soon', frequency: 'once' }), 1366, /startTime/],
    [sp({ startTime: now() + 60, frequency: 'day' }), 1367, /interval/],
    [sp({ startTime: now() + 60, frequency: 'day', interval: 1, backfill: 'maybe' }), 1368, /backfill/],
    [flowBody(s, { scheduleParams: undefined }), 1369, /scheduleParams/],
  ];
  for (const [body, code, re] of cases) expectError(await api.post(`${FLOW}/flows`, body), 400, code, re);
  // Strings for numbers and booleans are accepted and echoed as received.
  // A scheduled table-based flow needs its delta column up front.
  expectError(await api.post(`${FLOW}/flows`, sp({ startTime: now() + 60, frequency: 'hour', interval: 1 })), 400, 1383, /deltaColumn/);
  const copy = [{ name: 'Copy', params: { deltaColumn: { name: 'updated_at' } } }];
  const ok = await api.post(`${FLOW}/flows`, { ...sp({ startTime: String(now() + 60), frequency: 'minute', interval: '15', backfill: 'false' }), transformations: copy });
  assert.equal(ok.status, 201, ok.text);
  const got = (await api.get(`${FLOW}/flows/${ok.body.id}`)).body.items[0];
  assert.equal(got.scheduleParams.interval, '15');
  assert.equal(got.state, 'enabled');
  const state = await api.post(`${FLOW}/flows`, { ...flowBody(s), state: 'disabled' });
  expectError(state, 400, 1410, /state/);
});

test('run rule codes 1380-1388', async () => {
  const s = await onceFlow();
  const p = { windowStartTime: 1000, windowEndTime: 2000, deltaColumn: { name: 'updated_at' } };
  expectError(await api.post(`${FLOW}/runs`, { flowId: s.flow, params: { ...p, windowEndTime: 500 } }), 400, 1381, /windowEndTime/);
  expectError(await api.post(`${FLOW}/runs`, { flowId: s.flow, params: { ...p, windowEndTime: 1000 } }), 400, 1381, /windowEndTime/);
  const { deltaColumn, ...noDelta } = p;
  expectError(await api.post(`${FLOW}/runs`, { flowId: s.flow, params: noDelta }), 400, 1383, /deltaColumn/);
  expectError(await api.post(`${FLOW}/runs`, { flowId: s.flow }), 400, 1384, /params/);
  expectError(await api.post(`${FLOW}/runs`, { flowId: s.flow, params: { windowEndTime: 5 } }), 400, 1384, /windowStartTime/);
  expectError(await api.post(`${FLOW}/runs`, { flowId: s.flow, params: { ...p, windowStartTime: 'yesterday' } }), 400, 1384, /windowStartTime/);
  expectError(await api.post(`${FLOW}/runs`, { flowId: s.flow, params: { ...p, color: 'red' } }), 400, 1384, /color/);

  const sched = await api.post(`${FLOW}/flows`, flowBody(s, { scheduleParams: { startTime: now() + 60, frequency: 'hour', interval: 1 },
    transformations: [{ name: 'Copy', params: { deltaColumn: { name: 'updated_at' } } }] }));
  assert.equal(sched.status, 201, sched.text);
  expectError(await api.post(`${FLOW}/runs`, { flowId: sched.body.id, params: p }), 400, 1386, /frequency/);

  // A run in the future stays scheduled and cannot be re-triggered (1387); cancel works once.
  const run = await api.post(`${FLOW}/runs`, { flowId: s.flow, params: { ...p, startTime: now() + 3600 } });
  assert.equal(run.status, 201, run.text);
  const runId = run.body.items[0].id;
  expectError(await api.post(`${FLOW}/runs/${runId}/action?op=re-trigger`), 400, 1387, /re-triggered/);
  const cancel = await api.post(`${FLOW}/runs/${runId}/action?op=cancel`);
  assert.equal(cancel.status, 200, cancel.text);
  assert.equal((await api.get(`${FLOW}/runs/${runId}`)).body.items[0].metrics.statusSummary.status, 'cancelled');
  expectError(await api.post(`${FLOW}/runs/${runId}/action?op=cancel`), 400, 1422, /cancelled/);

  // Disabled flow: no new runs (1380), no re-trigger (1388).
  const dis = await api.post(`${FLOW}/flows/${s.flow}/action?op=disable`);
  assert.equal(dis.status, 200, dis.text);
  assert.equal((await api.get(`${FLOW}/flows/${s.flow}`)).body.items[0].state, 'disabled');
  expectError(await api.post(`${FLOW}/runs`, { flowId: s.flow, params: p }), 400, 1380, /disabled/);
  expectError(await api.post(`${FLOW}/runs/${runId}/action?op=RE_TRIGGER`), 400, 1388, /disabled/);
  assert.equal((await api.post(`${FLOW}/flows/${s.flow}/action?op=enable`)).status, 200);
  expectError(await api.post(`${FLOW}/flows/${s.flow}/action?op=explode`), 400, 1410, /op/);
});

test('1418: a connection used by a source connection or flow cannot be deleted; 1434 for move', async () => {
  const s = await onceFlow();
  expectError(await api.del(`${FLOW}/connections/${s.conn}`), 400, 1418, /sourceConnections/);
  expectError(await api.del(`${FLOW}/sourceConnections/${s.src}`), 400, 1418, /flows/);
  const flow = (await api.get(`${FLOW}/flows/${s.flow}`)).body.items[0];
  expectError(await api.patch(`${FLOW}/flows/${s.flow}`, [{ op: 'copy', from: '/name', path: '/description' }], flow.etag), 400, 1434, /copy/);
  assert.equal((await api.del(`${FLOW}/flows/${s.flow}`)).status, 204);
  assert.equal((await api.del(`${FLOW}/sourceConnections/${s.src}`)).status, 204);
  assert.equal((await api.del(`${FLOW}/connections/${s.conn}`)).status, 204);
});

test('flow PATCH: name, schedule, transformations, options; If-Match rules', async () => {
  const s = await onceFlow();
  let flow = (await api.get(`${FLOW}/flows/${s.flow}`)).body.items[0];
  // A Mapping must name an existing mapping set (issue 14: nothing stored but ignored).
  const unknown = await api.patch(`${FLOW}/flows/${s.flow}`, [
    { op: 'add', path: '/transformations/-', value: { name: 'Mapping', params: { mappingId: 'm1', mappingVersion: '0' } } },
  ], flow.etag);
  expectError(unknown, 400, 1483, /mapping set m1 version 0 does not exist/);
  const ms = await api.post('/data/foundation/conversion/mappingSets', {
    mappings: [{ sourceType: 'ATTRIBUTE', source: 'id', destination: 'person.id' }] });
  assert.equal(ms.status, 200, ms.text);
  const r = await api.patch(`${FLOW}/flows/${s.flow}`, [
    { op: 'replace', path: '/name', value: 'renamed' },
    { op: 'add', path: '/options', value: { partialIngestionPercent: '5', errorDiagnosticsEnabled: 'true' } },
    { op: 'add', path: '/transformations/-', value: { name: 'Mapping', params: { mappingId: ms.body.id, mappingVersion: '0' } } },
  ], flow.etag);
  assert.equal(r.status, 200, r.text);
  flow = (await api.get(`${FLOW}/flows/${s.flow}`)).body.items[0];
  assert.equal(flow.name, 'renamed');
  assert.equal(flow.options.partialIngestionPercent, '5');
  assert.equal(flow.transformations[0].name, 'Mapping');
  const bad = await api.patch(`${FLOW}/flows/${s.flow}`, [{ op: 'replace', path: '/options/partialIngestionPercent', value: 150 }], flow.etag);
  assert.equal(bad.status, 400);
  assert.match(bad.body.report['detailed-message'], /partialIngestionPercent/);
  const past = await api.patch(`${FLOW}/flows/${s.flow}`, [{ op: 'replace', path: '/scheduleParams/startTime', value: 1000 }], flow.etag);
  expectError(past, 400, 1360, /startTime/);
  const notAllowed = await api.patch(`${FLOW}/flows/${s.flow}`, [{ op: 'replace', path: '/sourceConnectionIds', value: [] }], flow.etag);
  assert.equal(notAllowed.status, 400);
  expectError(await api.patch(`${FLOW}/flows/${s.flow}`, [{ op: 'replace', path: '/name', value: 'x' }]), 400, 1403);
  expectError(await api.patch(`${FLOW}/flows/${s.flow}`, [{ op: 'replace', path: '/name', value: 'x' }], s.flowEtag), 412, 1404);
});

test('tenancy: runs, flows and connections of another org or sandbox are 404 everywhere', async () => {
  const s = await onceFlow();
  const run = await api.post(`${FLOW}/runs`, { flowId: s.flow, params: { windowStartTime: 1, windowEndTime: 2, deltaColumn: { name: 'DOB' } } });
  const runId = run.body.items[0].id;
  const orgB = JSON.parse((await runCli(['clients', 'create', '--org', 'B2@AdobeOrg', '--data', fx.dataDir])).stdout);
  assert.equal((await runCli(['sandboxes', 'create', '--org', fx.creds.org_id, 'qa', '--data', fx.dataDir])).code, 0);
  for (const other of [await fx.client(orgB), await fx.client(fx.creds, 'qa')]) {
    for (const [kind, id] of [['runs', runId], ['flows', s.flow], ['connections', s.conn], ['sourceConnections', s.src], ['targetConnections', s.tgt]]) {
      const g = await other.get(`${FLOW}/${kind}/${id}`);
      assert.equal(g.status, 404, `${kind} ${g.text}`);
      const list = await other.get(`${FLOW}/${kind}?property=id==${id}`);
      assert.deepEqual(list.body.items, [], kind);
      if (kind !== 'runs') {
        assert.equal((await other.patch(`${FLOW}/${kind}/${id}`, [{ op: 'replace', path: '/name', value: 'x' }], '*')).status, 404, kind);
        assert.equal((await other.del(`${FLOW}/${kind}/${id}`)).status, 404, kind);
      }
    }
    assert.equal((await other.post(`${FLOW}/runs/${runId}/action?op=cancel`)).status, 404);
    assert.equal((await other.post(`${FLOW}/flows/${s.flow}/action?op=disable`)).status, 404);
    assert.equal((await other.get(`${CATALOG}/dataSets/${s.ds}`)).status, 404);
    // As references inside create bodies.
    assert.equal((await other.post(`${FLOW}/runs`, { flowId: s.flow, params: { windowStartTime: 1, windowEndTime: 2 } })).status, 404);
    const src = await other.post(`${FLOW}/sourceConnections`, { name: 'x', baseConnectionId: s.conn,
      connectionSpec: { id: SPEC.postgres, version: '1.0' }, data: { format: 'tabular' }, params: { tableName: 't' } });
    assert.equal(src.status, 404, src.text);
    assert.match(src.body.report['detailed-message'], /baseConnectionId/);
    const own = await tableSetup(other);
    const flow = await other.post(`${FLOW}/flows`, { ...flowBody(own), sourceConnectionIds: [s.src] });
    assert.equal(flow.status, 404, flow.text);
    const tgt = await other.post(`${FLOW}/targetConnections`, { name: 't', connectionSpec: { id: SPEC.lake, version: '1.0' },
      data: { format: 'parquet_xdm' }, params: { dataSetId: s.ds } });
    assert.equal(tgt.status, 400);
    assert.match(tgt.body.report['detailed-message'], /dataSetId/);
  }
});

test('monitoring filters on runs and flows', async () => {
  const s = await onceFlow();
  const t0 = Date.now();
  const ids = [];
  for (let i = 0; i < 3; i++) {
    const r = await api.post(`${FLOW}/runs`, { flowId: s.flow, params: { windowStartTime: i * 10, windowEndTime: i * 10 + 10, deltaColumn: { name: 'ts' }, startTime: now() + 3600 } });
    ids.push(r.body.items[0].id);
  }
  await api.post(`${FLOW}/runs/${ids[0]}/action?op=cancel`);
  const byFlow = await api.get(`${FLOW}/runs?property=flowId==${s.flow}&orderby=-createdAt`);
  assert.deepEqual(byFlow.body.items.map((r) => r.id), [...ids].reverse());
  const cancelled = await api.get(`${FLOW}/runs?property=flowId==${s.flow}&property=metrics.statusSummary.status==CANCELLED`);
  assert.deepEqual(cancelled.body.items.map((r) => r.id), [ids[0]]);
  const scheduled = await api.get(`${FLOW}/runs?property=flowId==${s.flow},nope&property=metrics.statusSummary.status==scheduled&count=true`);
  assert.deepEqual(scheduled.body, { count: 2 });
  const created = await api.get(`${FLOW}/runs?property=createdAt>=${t0}&property=flowId==${s.flow}&count=true`);
  assert.deepEqual(created.body, { count: 3 });
  const started = await api.get(`${FLOW}/runs?property=metrics.durationSummary.startedAtUTC>=${t0}&property=flowId==${s.flow}&count=true`);
  assert.deepEqual(started.body, { count: 0 });
  const flows = await api.get(`${FLOW}/flows?property=sourceConnectionIds[]==${s.src}`);
  assert.deepEqual(flows.body.items.map((f) => f.id), [s.flow]);
  const enabled = await api.get(`${FLOW}/flows?property=state==enabled&property=id==${s.flow}`);
  assert.equal(enabled.body.items.length, 1);
});

test('catalog: datasets with declared columns, batches empty until runs write them', async () => {
  const bad = await api.post(`${CATALOG}/dataSets`, { name: 'x', columns: [{ name: 'a', type: 'varchar' }] });
  assert.equal(bad.status, 400);
  assert.match(bad.body.report['detailed-message'], /columns\[0\]\.type/);
  const r = await api.post(`${CATALOG}/dataSets`, { name: 'typed', columns: [{ name: 'id', type: 'int64', nullable: false }, { name: 'amount', type: 'decimal(12,2)' }] });
  assert.equal(r.status, 201, r.text);
  const id = r.body[0].split('/').pop();
  const g = await api.get(`${CATALOG}/dataSets/${id}`);
  assert.equal(g.body[id].name, 'typed');
  assert.equal(g.body[id].columns[1].type, 'decimal(12,2)');
  const list = await api.get(`${CATALOG}/dataSets?name=typed`);
  assert.ok(id in list.body);
  const batches = await api.get(`${CATALOG}/batches?dataSet=${id}`);
  assert.equal(batches.status, 200);
  assert.deepEqual(batches.body, {});
  assert.equal((await api.get(`${CATALOG}/batches/0123456789abcdef01234567`)).status, 404);
});
