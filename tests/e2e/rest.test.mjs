// REST API sources end to end (AEP Self-Serve Sources): a real local HTTP API written here (node's
// http module) serves paged JSON that it filters by window query parameters, rate-limits with 429
// and Retry-After, fails transiently with 503 and requires a bearer token. The AEP chain is
// replayed: custom connection spec -> flow spec update -> connection -> source connection ->
// target -> flow -> POST /runs over two adjacent windows; DuckDB then counts every record of the
// window exactly once. Bad specs are refused at creation with the JSON path named.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { FLOW, CATALOG, EXPORT, SPEC, startFluxo, tempDir } from './lib/fluxo.mjs';
import { waitRun, batchIdOf } from './lib/flows.mjs';
import { query, lit } from '../node/duckdb.mjs';

const REST_FLOW_SPEC = '6499120c-0b15-42dc-936e-847ea3c24d72';  // RestStorageToAEP
const TOKEN = 'tok-e2e-5ecret';
const T0 = Date.UTC(2024, 0, 1) / 1000;
const N = 1000;  // events, one every 60 s from T0

const EVENTS = Array.from({ length: N }, (_, i) => ({
  id: i, name: `event ${i}`, amount: i * 0.5, ts: new Date((T0 + i * 60) * 1000).toISOString().replace('.000Z', 'Z'),
}));

// MailChimp's members API as its reference documents it (members[], list_id, total_items, _links),
// windowed by since_last_changed / before_last_changed in .NET's "yyyy-MM-ddTHH:mm:ss:fffffffK"
// (AEP's published spec) and paged by count/offset.
const MEMBERS = Array.from({ length: 250 }, (_, i) => ({
  id: `m${i}`, email_address: `user${i}@example.com`, status: i % 5 ? 'subscribed' : 'pending',
  last_changed: new Date((T0 + i * 60) * 1000).toISOString().replace('.000Z', '+00:00'),
  list_id: 'L1', _links: [{ rel: 'self' }],
}));
const mailchimpSeen = [];
function mailchimpTime(text) {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d):(\d{7})(Z|[+-]\d\d:\d\d)$/.exec(text || '');
  if (!m) throw new Error(`not yyyy-MM-ddTHH:mm:ss:fffffffK: ${text}`);
  return Date.parse(`${m[1]}${m[3]}`) / 1000;
}
function mailchimpPage(listId, q) {
  mailchimpSeen.push(Object.fromEntries(q));
  const since = mailchimpTime(q.get('since_last_changed'));
  const before = mailchimpTime(q.get('before_last_changed'));
  const offset = Number(q.get('offset')), count = Number(q.get('count'));
  const all = MEMBERS.filter((m) => listId === 'L1' && Date.parse(m.last_changed) / 1000 >= since && Date.parse(m.last_changed) / 1000 < before);
  return { members: all.slice(offset, offset + count), list_id: listId, total_items: all.length, _links: [] };
}

let server, port, requests = 0, throttled = 0, failed = 0;
let fx, api, dir;

before(async () => {
  server = http.createServer((req, res) => {
    requests++;
    const url = new URL(req.url, 'http://x');
    const send = (status, body, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { error: 'unauthorized' });
    if (url.pathname === '/html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<html><body>login</body></html>');
    }
    if (url.pathname === '/loop') return send(200, { items: [{ id: requests }], next: `t${requests}` });
    if (url.pathname === '/badjson') return send(200, '{"items": [{"id": 1}, {"id": 2,]}');
    const mc = url.pathname.match(/^\/3\.0\/lists\/([^/]+)\/members$/);
    if (mc) return send(200, mailchimpPage(mc[1], url.searchParams));
    const m = url.pathname.match(/^\/v1\/accounts\/([^/]+)\/events$/);
    if (!m || m[1] !== 'acme') return send(404, { error: 'no such account' });
    // Every 4th request is throttled (Retry-After 1 the first time, then 0), every 7th fails.
    if (requests % 4 === 0) { throttled++; return send(429, { error: 'slow down' }, { 'retry-after': throttled === 1 ? '1' : '0' }); }
    if (requests % 7 === 0) { failed++; return send(503, '<html>busy</html>'); }
    const since = Date.parse(url.searchParams.get('since')) / 1000;
    const before = Number(url.searchParams.get('before')) / 1000;  // epoch millis
    const offset = Number(url.searchParams.get('offset'));
    const count = Number(url.searchParams.get('count'));
    const inWindow = EVENTS.filter((e) => Date.parse(e.ts) / 1000 >= since && Date.parse(e.ts) / 1000 < before);
    send(200, { total_items: inWindow.length, _links: [], emails: inWindow.slice(offset, offset + count) });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  port = server.address().port;
  dir = tempDir('fluxo-rest-');
  fx = await startFluxo();
  api = await fx.client();
});
after(async () => { await fx.stop(); server.close(); });

// A connection spec in the layout of AEP's self-serve documentation (its appendix's MailChimp
// example), pointed at the local API.
function connectionSpecBody(overrides = {}) {
  return {
    name: 'Local events API',
    providerId: '0ed90a81-07f4-4586-8190-b40eccef1c5a',
    version: '1.0.0',
    attributes: { category: 'marketingAutomation', isSource: true },
    authSpec: [{
      name: 'OAuth2 Refresh Code', type: 'OAuth2RefreshCode',
      spec: {
        $schema: 'http://json-schema.org/draft-07/schema#', type: 'object',
        description: 'Define auth params required for connecting to the API using an access token.',
        properties: {
          domain: { description: 'Enter resource url host path.', type: 'string' },
          accessToken: { description: 'Access Token', type: 'string', format: 'password' },
        },
        required: ['domain', 'accessToken'],
      },
    }],
    sourceSpec: {
      attributes: {
        uiAttributes: { isSource: true, category: { key: 'marketingAutomation' }, label: { key: 'eventsLabel' } },
        urlParams: { host: `http://127.0.0.1:${port}`, path: '/v1/accounts/${accountId}/events', method: 'GET' },
        contentPath: { path: '$.emails', skipAttributes: ['_links', 'total_items'], keepAttributes: [], overrideWrappingAttribute: '' },
        paginationParams: { type: 'OFFSET', limitName: 'count', limitValue: '100', offSetName: 'offset' },
        scheduleParams: {
          scheduleStartParamName: 'since', scheduleEndParamName: 'before',
          scheduleStartParamFormat: 'yyyy-MM-ddTHH:mm:ssZ', scheduleEndParamFormat: 'epochMillis',
        },
        fluxo: { retry: { baseDelayMillis: 20, maxAttempts: 8 } },
        ...overrides,
      },
      spec: {
        $schema: 'http://json-schema.org/draft-07/schema#', type: 'object',
        description: 'Define user input parameters to fetch resource values.',
        properties: { accountId: { type: 'string', description: 'Account of the events.' } },
        required: ['accountId'],
      },
    },
    exploreSpec: { name: 'Resource', type: 'Resource' },
  };
}

async function restFlow(specId, accountPath = 'acme') {
  const conn = await api.post(`${FLOW}/connections`, {
    name: 'events api', connectionSpec: { id: specId, version: '1.0' },
    auth: { specName: 'OAuth2 Refresh Code', params: { domain: 'local', accessToken: TOKEN } },
  });
  assert.equal(conn.status, 201, conn.text);
  const got = await api.get(`${FLOW}/connections/${conn.body.id}`);
  assert.equal(got.body.items[0].auth.params.accessToken, '***', 'the secret is masked');
  assert.ok(!got.text.includes(TOKEN));
  const src = await api.post(`${FLOW}/sourceConnections`, {
    name: 'events', baseConnectionId: conn.body.id, connectionSpec: { id: specId, version: '1.0' },
    params: { accountId: accountPath },
  });
  assert.equal(src.status, 201, src.text);
  const ds = await api.post(`${CATALOG}/dataSets`, { name: 'events dataset' });
  const dataSetId = ds.body[0].split('/').pop();
  const tgt = await api.post(`${FLOW}/targetConnections`, {
    name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' }, params: { dataSetId },
  });
  assert.equal(tgt.status, 201, tgt.text);
  const flow = await api.post(`${FLOW}/flows`, {
    name: 'events', flowSpec: { id: REST_FLOW_SPEC, version: '1.0' },
    sourceConnectionIds: [src.body.id], targetConnectionIds: [tgt.body.id],
    scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' },
  });
  assert.equal(flow.status, 201, flow.text);
  return flow.body.id;
}

async function run(flowId, start, end) {
  const r = await api.post(`${FLOW}/runs`, { flowId, params: { windowStartTime: start, windowEndTime: end } });
  assert.equal(r.status, 201, r.text);
  return waitRun(api, r.body.items[0].id);
}

async function download(run, name) {
  const files = await api.get(`${EXPORT}/batches/${batchIdOf(run)}/files`);
  assert.equal(files.status, 200, files.text);
  const out = [];
  for (const [i, f] of files.body.data.entries()) {
    const local = path.join(dir, `${name}-${i}.parquet`);
    const dl = await fetch(fx.base + f._links.self.href, { headers: api.headers });
    fs.writeFileSync(local, Buffer.from(await dl.arrayBuffer()));
    out.push(local);
  }
  return out;
}

test('custom spec, AEP chain, two adjacent windows: every record of the window lands exactly once', async () => {
  const spec = await api.post(`${FLOW}/connectionSpecs`, connectionSpecBody());
  assert.equal(spec.status, 201, spec.text);
  const specId = spec.body.id;
  const got = await api.get(`${FLOW}/connectionSpecs/${specId}`);
  assert.equal(got.status, 200, got.text);
  assert.equal(got.body.items[0].name, 'Local events API');
  const list = await api.get(`${FLOW}/connectionSpecs?property=name==Local%20events%20API`);
  assert.equal(list.body.items.length, 1, list.text);
  // AEP's tutorial adds the new spec to the RestStorageToAEP flow spec.
  const put = await api.call('PUT', `${FLOW}/flowSpecs/${REST_FLOW_SPEC}`, { body: {
    name: 'RestStorageToAEP', sourceConnectionSpecIds: [specId], targetConnectionSpecIds: [SPEC.lake],
    transformationSpecs: [{ name: 'Mapping' }],
  } });
  assert.equal(put.status, 200, put.text);

  const flowId = await restFlow(specId);
  const mid = T0 + 400 * 60 + 30;  // 400 events before, then the rest up to the end
  const end = T0 + 900 * 60;       // events 900.. are outside both windows
  const a = await run(flowId, T0, mid);
  assert.equal(a.metrics.statusSummary.status, 'success', JSON.stringify(a.metrics));
  const b = await run(flowId, mid, end);
  assert.equal(b.metrics.statusSummary.status, 'success', JSON.stringify(b.metrics));
  assert.equal(a.metrics.recordSummary.outputRecordCount, 401);
  assert.equal(b.metrics.recordSummary.outputRecordCount, 499);
  assert.ok(throttled >= 2 && failed >= 1, `the API throttled ${throttled} and failed ${failed} times`);

  const files = [...await download(a, 'a'), ...await download(b, 'b')];
  const list2 = files.map(lit).join(', ');
  const [row] = await query(`SELECT count(*) AS n, count(DISTINCT id) AS d, min(id) AS lo, max(id) AS hi, sum(amount) AS s FROM read_parquet([${list2}])`);
  assert.equal(Number(row.n), 900);
  assert.equal(Number(row.d), 900);
  assert.equal(Number(row.lo), 0);
  assert.equal(Number(row.hi), 899);
  assert.equal(Number(row.s), (899 * 900 / 2) * 0.5);
  const cols = await query(`DESCRIBE SELECT * FROM read_parquet(${lit(files[0])})`);
  assert.deepEqual(cols.map((c) => c.column_name), ['id', 'name', 'amount', 'ts']);
});

test('a custom flow spec over the custom connection spec runs too; HTML answers fail naming the URL and offset, not the token', async () => {
  const spec = await api.post(`${FLOW}/connectionSpecs`, connectionSpecBody({
    urlParams: { host: `http://127.0.0.1:${port}`, path: '/html', method: 'GET' },
  }));
  assert.equal(spec.status, 201, spec.text);
  const fs1 = await api.post(`${FLOW}/flowSpecs`, { name: 'HtmlToAEP', sourceConnectionSpecIds: [spec.body.id], targetConnectionSpecIds: [SPEC.lake], transformationSpecs: [{ name: 'Mapping' }] });
  assert.equal(fs1.status, 201, fs1.text);
  assert.equal((await api.get(`${FLOW}/flowSpecs/${fs1.body.id}`)).body.items[0].name, 'HtmlToAEP');
  const flowId = await restFlow(spec.body.id);
  const r = await run(flowId, T0, T0 + 3600);
  assert.equal(r.metrics.statusSummary.status, 'failed');
  const msg = r.metrics.statusSummary.errors[0].message;
  assert.match(msg, /127\.0\.0\.1:\d+\/html/);
  assert.match(msg, /not valid JSON at byte 0/);
  assert.ok(!msg.includes(TOKEN), msg);
});

test('bad specs are refused at creation with the JSON path named', async () => {
  const cases = [
    [{ paginationParams: { type: 'SCROLL' } }, /sourceSpec\.attributes\.paginationParams\.type/],
    [{ contentPath: { path: '$..emails' } }, /sourceSpec\.attributes\.contentPath\.path is not a valid JSONPath/],
    [{ headerParams: { 'X-Tenant': '${tenant}' } }, /sourceSpec\.attributes\.headerParams\.X-Tenant: placeholder \$\{tenant\} names no parameter/],
  ];
  for (const [override, re] of cases) {
    const r = await api.post(`${FLOW}/connectionSpecs`, connectionSpecBody(override));
    assert.equal(r.status, 400, r.text);
    assert.match(r.body.report['detailed-message'], re);
  }
  const noAuth = connectionSpecBody();
  noAuth.authSpec[0].spec.properties.accessToken.type = 'blob';
  const r = await api.post(`${FLOW}/connectionSpecs`, noAuth);
  assert.equal(r.status, 400, r.text);
  assert.match(r.body.report['detailed-message'], /authSpec\[0\]\.spec\.properties\.accessToken\.type/);
  // JSON Schema `pattern` is enforced on the params (RE2 syntax); one RE2 cannot compile is refused.
  const lookahead = connectionSpecBody();
  lookahead.sourceSpec.spec.properties.accountId.pattern = '^(?=a)[a-z]+$';
  const la = await api.post(`${FLOW}/connectionSpecs`, lookahead);
  assert.equal(la.status, 400, la.text);
  assert.match(la.body.report['detailed-message'], /sourceSpec\.spec\.properties\.accountId\.pattern is not a supported regular expression/);
  const patterned = connectionSpecBody();
  patterned.sourceSpec.spec.properties.accountId.pattern = '^[a-z]+$';
  const ps = await api.post(`${FLOW}/connectionSpecs`, patterned);
  assert.equal(ps.status, 201, ps.text);
  const pconn = await api.post(`${FLOW}/connections`, {
    name: 'patterned', connectionSpec: { id: ps.body.id, version: '1.0' },
    auth: { specName: 'OAuth2 Refresh Code', params: { domain: 'local', accessToken: TOKEN } },
  });
  for (const [accountId, status] of [['Acme-1', 400], ['acme', 201]]) {
    const src = await api.post(`${FLOW}/sourceConnections`, {
      name: 'p', baseConnectionId: pconn.body.id, connectionSpec: { id: ps.body.id, version: '1.0' }, params: { accountId },
    });
    assert.equal(src.status, status, src.text);
    if (status === 400) assert.match(src.body.report['detailed-message'], /params\.accountId must match the pattern "\^\[a-z\]\+\$"/);
  }
  const builtin = await api.call('PUT', `${FLOW}/connectionSpecs/${SPEC.postgres}`, { body: connectionSpecBody() });
  assert.equal(builtin.status, 400, builtin.text);
});

test('search endpoints answer like the GET lists; configs list a spec\'s source params', async () => {
  const spec = await api.post(`${FLOW}/connectionSpecs`, connectionSpecBody());
  assert.equal(spec.status, 201, spec.text);
  const configs = await api.get(`${FLOW}/connectionSpecs/${spec.body.id}/configs`);
  assert.equal(configs.status, 200, configs.text);
  assert.deepEqual(configs.body.items, [{ columnName: 'accountId', columnType: 'string' }]);
  const conn = await api.post(`${FLOW}/connections`, {
    name: 'searchable', connectionSpec: { id: spec.body.id, version: '1.0' },
    auth: { specName: 'OAuth2 Refresh Code', params: { domain: 'local', accessToken: TOKEN } },
  });
  assert.equal(conn.status, 201, conn.text);
  assert.deepEqual((await api.get(`${FLOW}/connections/${conn.body.id}/configs`)).body, configs.body);
  const found = await api.post(`${FLOW}/connections/search`, { queryString: 'property=name==searchable', limit: 5 });
  assert.equal(found.status, 200, found.text);
  assert.deepEqual(found.body.items.map((c) => c.id), [conn.body.id]);
  const counted = await api.post(`${FLOW}/connections/search`, { queryString: `property=connectionSpec.id==${spec.body.id}`, count: true });
  assert.deepEqual(counted.body, { count: 1 });
  const flows = await api.post(`${FLOW}/flows/search`, { queryString: 'property=name==nothing-like-this' });
  assert.equal(flows.status, 200, flows.text);
  assert.deepEqual(flows.body.items, []);
  const specs = await api.post(`${FLOW}/flowSpecs/search`, { queryString: 'property=name==RestStorageToAEP' });
  assert.deepEqual(specs.body.items.map((s) => s.id), [REST_FLOW_SPEC]);
  const bad = await api.post(`${FLOW}/flows/search`, { where: 'x' });
  assert.equal(bad.status, 400, bad.text);
});

const GENERIC_REST = 'b7f0a3c2-5d41-4e8a-9c67-2f1e8d3b6a95';

async function genericFlow(params) {
  const conn = await api.post(`${FLOW}/connections`, {
    name: 'generic', connectionSpec: { id: GENERIC_REST, version: '1.0' },
    auth: { specName: 'Bearer Token', params: { token: TOKEN } },
  });
  assert.equal(conn.status, 201, conn.text);
  const src = await api.post(`${FLOW}/sourceConnections`, {
    name: 'generic source', baseConnectionId: conn.body.id, connectionSpec: { id: GENERIC_REST, version: '1.0' }, params,
  });
  if (src.status !== 201) return { src };
  const ds = await api.post(`${CATALOG}/dataSets`, { name: 'generic dataset' });
  const tgt = await api.post(`${FLOW}/targetConnections`, {
    name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' },
    params: { dataSetId: ds.body[0].split('/').pop() },
  });
  const flow = await api.post(`${FLOW}/flows`, {
    name: 'generic', flowSpec: { id: REST_FLOW_SPEC, version: '1.0' },
    sourceConnectionIds: [src.body.id], targetConnectionIds: [tgt.body.id],
    scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' },
  });
  assert.equal(flow.status, 201, flow.text);
  return { src, flow: flow.body.id };
}

test('the built-in Generic REST API spec: the request lives in the source connection; a page cap stops a looping API', async () => {
  const { flow } = await genericFlow({
    urlParams: { host: `http://127.0.0.1:${port}`, path: '/v1/accounts/${variables.account}/events', method: 'GET' },
    contentPath: { path: '$.emails' },
    paginationParams: { type: 'OFFSET', limitName: 'count', limitValue: 250, offSetName: 'offset' },
    scheduleParams: { scheduleStartParamName: 'since', scheduleEndParamName: 'before', scheduleEndParamFormat: 'epochMillis' },
    fluxo: { retry: { baseDelayMillis: 20, maxAttempts: 8 }, columns: [{ name: 'id', type: 'long' }, { name: 'ts', type: 'timestamp' }] },
    variables: { account: 'acme' },
  });
  const r = await run(flow, T0, T0 + 600 * 60);
  assert.equal(r.metrics.statusSummary.status, 'success', JSON.stringify(r.metrics));
  assert.equal(r.metrics.recordSummary.outputRecordCount, 600);
  const files = await download(r, 'generic');
  const [row] = await query(`SELECT count(DISTINCT id) AS d, min(ts) AS lo FROM read_parquet([${files.map(lit).join(', ')}])`);
  assert.equal(Number(row.d), 600);
  assert.equal(new Date(row.lo).getTime(), T0 * 1000);

  const loop = await genericFlow({
    urlParams: { host: `http://127.0.0.1:${port}`, path: '/loop' }, contentPath: { path: '$.items' },
    paginationParams: { type: 'CONTINUATION_TOKEN', continuationTokenPath: '$.next', parameterName: 'token' },
    fluxo: { maxPages: 7, retry: { baseDelayMillis: 1 } },
  });
  const stopped = await run(loop.flow, T0, T0 + 60);
  assert.equal(stopped.metrics.statusSummary.status, 'failed');
  assert.match(stopped.metrics.statusSummary.errors[0].message, /stopped after 7 pages/);

  // Invalid JSON (served as application/json) fails the run naming the URL and the byte offset;
  // the token never shows.
  const broken = await genericFlow({
    urlParams: { host: `http://127.0.0.1:${port}`, path: '/badjson', queryParams: { key: TOKEN } },
    contentPath: { path: '$.items' }, fluxo: { retry: { baseDelayMillis: 1 } },
  });
  const brokenRun = await run(broken.flow, T0, T0 + 60);
  assert.equal(brokenRun.metrics.statusSummary.status, 'failed');
  const brokenMsg = brokenRun.metrics.statusSummary.errors[0].message;
  assert.match(brokenMsg, /127\.0\.0\.1:\d+\/badjson\?key=\*\*\*/, brokenMsg);
  assert.match(brokenMsg, /not valid JSON at byte 31 /, brokenMsg);
  assert.ok(!brokenMsg.includes(TOKEN), brokenMsg);

  const bad = await genericFlow({ urlParams: { host: `http://127.0.0.1:${port}`, path: '/x' }, paginationParams: { type: 'CURSOR' } });
  assert.equal(bad.src.status, 400, bad.src.text);
  assert.match(bad.src.body.report['detailed-message'], /params\.paginationParams\.type/);
});

// AEP's published example (tests/e2e/fixtures/aep-mailchimp-members-connection-spec.json, the
// request body of "Create a new connection specification using the Flow Service API",
// https://experienceleague.adobe.com/en/docs/experience-platform/sources/sdk/self-serve-api/create)
// is accepted as published. The flow then runs over a copy whose only change is urlParams.host
// (https://${domain}.api.mailchimp.com -> http://${domain}), so that `domain` can name the local API.
test('AEP\'s published MailChimp Members connection spec is accepted verbatim, and a flow over it runs', async () => {
  const published = JSON.parse(fs.readFileSync(new URL('./fixtures/aep-mailchimp-members-connection-spec.json', import.meta.url)));
  const created = await api.post(`${FLOW}/connectionSpecs`, published);
  assert.equal(created.status, 201, created.text);
  const got = await api.get(`${FLOW}/connectionSpecs/${created.body.id}`);
  assert.deepEqual(got.body.items[0].sourceSpec, published.sourceSpec, 'served as published');
  const explore = await api.get(`${FLOW}/connectionSpecs/${created.body.id}/explore`);
  assert.equal(explore.status, 200, explore.text);
  assert.equal(explore.body.items[0].name, 'Resource');
  assert.deepEqual(explore.body.items[0].responseSpec, published.exploreSpec.responseSpec);

  const local = structuredClone(published);
  local.sourceSpec.attributes.urlParams.host = 'http://${domain}';
  const put = await api.call('PUT', `${FLOW}/connectionSpecs/${created.body.id}`, { body: local });
  assert.equal(put.status, 200, put.text);
  const specId = created.body.id;
  const conn = await api.post(`${FLOW}/connections`, {
    name: 'mailchimp', connectionSpec: { id: specId, version: '1.0' },
    auth: { specName: 'OAuth2 Refresh Code', params: { domain: `127.0.0.1:${port}`, accessToken: TOKEN } },
  });
  assert.equal(conn.status, 201, conn.text);
  const src = await api.post(`${FLOW}/sourceConnections`, {
    name: 'members', baseConnectionId: conn.body.id, connectionSpec: { id: specId, version: '1.0' }, params: { listId: 'L1' },
  });
  assert.equal(src.status, 201, src.text);
  const ds = await api.post(`${CATALOG}/dataSets`, { name: 'members dataset' });
  const tgt = await api.post(`${FLOW}/targetConnections`, {
    name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' },
    params: { dataSetId: ds.body[0].split('/').pop() },
  });
  const flow = await api.post(`${FLOW}/flows`, {
    name: 'members', flowSpec: { id: REST_FLOW_SPEC, version: '1.0' },
    sourceConnectionIds: [src.body.id], targetConnectionIds: [tgt.body.id],
    scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' },
  });
  assert.equal(flow.status, 201, flow.text);
  const r = await run(flow.body.id, T0, T0 + 230 * 60);  // members 0..229
  assert.equal(r.metrics.statusSummary.status, 'success', JSON.stringify(r.metrics));
  assert.equal(r.metrics.recordSummary.outputRecordCount, 230);
  assert.deepEqual(mailchimpSeen.map((q) => q.offset), ['0', '100', '200']);
  assert.equal(mailchimpSeen[0].since_last_changed, '2024-01-01T00:00:00:0000000Z');
  assert.equal(mailchimpSeen[0].count, '100');
  const files = await download(r, 'members');
  const cols = await query(`DESCRIBE SELECT * FROM read_parquet(${lit(files[0])})`);
  assert.deepEqual(cols.map((c) => c.column_name), ['member'], 'overrideWrapperAttribute wraps each record');
  const [row] = await query(`SELECT count(DISTINCT json_extract_string(member, '$.id')) AS d FROM read_parquet([${files.map(lit).join(', ')}])`);
  assert.equal(Number(row.d), 230);
});
