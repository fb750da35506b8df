// The web console in a real Chromium (Debian's, driven by playwright-core) against a real
// `fluxo serve`: static serving and its headers, sign-in, an empty org, a SQLite dataflow created
// through the console, Run now turning green with the right record count, a failed run and its
// error, re-trigger, the API's own error text, escaping of user strings, an expired session,
// a server that went away, and axe-core on every main page. Screenshots go to $FLUXO_SHOTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { FLOW, CATALOG, EXPORT, SPEC, startFluxo, tempDir, runCli } from '../e2e/lib/fluxo.mjs';
import { makeEvents, sqlite } from '../e2e/lib/sqlite.mjs';
import { SQLITE_SPEC } from '../e2e/lib/flows.mjs';
import { launch, newPage, shot, signIn } from './lib/browser.mjs';

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let fx, api, dir, db, browser, closeBrowser, page;
before(async () => {
  dir = tempDir('fluxo-browser-');
  db = path.join(dir, 'shop.db');
  makeEvents(db, 1000, { table: 'orders' });
  fx = await startFluxo(['--allow-path', dir]);
  api = await fx.client();
  ({ browser, close: closeBrowser } = await launch());
  page = await newPage(browser);
});
after(async () => {
  if (closeBrowser) await closeBrowser();
  await fx.stop();
});

// axe-core in the page (evaluated through the DevTools protocol: the page's CSP allows no
// injected script). Fails on serious or critical violations.
async function checkA11y(p, what) {
  await p.evaluate(AXE);
  const res = await p.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `a11y on ${what}`);
}

const statusBadge = (p) => p.locator('.page-head .badge').first();

test('GET / and /console/ assets: content types, CSP, ETag and 304', async () => {
  const index = await fx.http('GET', '/');
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /^text\/html/);
  const csp = index.headers.get('content-security-policy');
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.doesNotMatch(index.text, /<script>|<script [^>]*>[^<]/, 'no inline script');
  const etag = index.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{20}"$/);
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  const again = await fx.http('GET', '/', { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  assert.equal(again.text, '');
  const js = await fx.http('GET', '/console/js/main.js');
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  const css = await fx.http('GET', '/console/console.css');
  assert.match(css.headers.get('content-type'), /^text\/css/);
  const vendor = await fx.http('GET', '/console/vendor/hooks.js');
  assert.match(vendor.text, /from"\.\/preact\.js"/, 'bare import rewritten');
  assert.equal((await fx.http('GET', '/console/nope.js')).status, 404);
  assert.equal((await fx.http('POST', '/console/js/main.js')).status, 405);
  // The API is untouched.
  assert.equal((await fx.http('GET', '/nope')).body.error_code, '404000');
});

test('a wrong secret and an unknown sandbox show the API\'s own messages', async () => {
  await page.goto(fx.base + '/');
  await page.getByLabel('Client id').fill(fx.creds.client_id);
  await page.getByLabel('Client secret').fill('p8e-wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'invalid_client' }).waitFor();
  await page.getByLabel('Client secret').fill(fx.creds.client_secret);
  await page.getByLabel('Sandbox').fill('nosuch');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert').filter({ hasText: '403026' });
  await alert.waitFor();
  assert.match(await alert.innerText(), /nosuch/);
  await checkA11y(page, 'sign-in');
  await shot(page, '01-signin-error');
});

test('an empty org shows empty states on every list', async () => {
  await signIn(page, fx.base, fx.creds);
  await page.getByText('No dataflows yet').waitFor();
  await shot(page, '02-empty-dataflows');
  await checkA11y(page, 'empty dataflows');
  await page.getByRole('link', { name: 'Connections' }).click();
  await page.getByText('No connections yet').waitFor();
  await page.getByRole('link', { name: 'Datasets' }).click();
  await page.getByText('No datasets yet').waitFor();
  assert.deepEqual(page.problems, []);
});

let flowId;
test('create a SQLite dataflow in the console, Run now, watch it turn green with 1,000 records', async () => {
  await page.locator('.topbar').getByRole('link', { name: 'New dataflow' }).click();
  await page.getByRole('radio', { name: /SQLite/ }).click();
  await page.getByLabel(/^path/).fill('/etc/fluxo-outside.db');
  await page.getByLabel(/^tableName/).fill('orders');
  await page.getByLabel('Dataset name').fill('orders');
  await page.getByLabel('Name', { exact: true }).last().fill('Shop orders');
  await checkA11y(page, 'new dataflow');
  // A file outside --allow-path: the connection test fails with the API's message naming the field
  // (never a server path).
  await page.getByRole('button', { name: 'Create dataflow' }).click();
  const refused = page.locator('ol.steps li.failed').filter({ hasText: 'Connection test' }).getByRole('alert');
  await refused.waitFor();
  assert.match(await refused.innerText(), /allow-path|outside/);
  assert.match(await refused.innerText(), /auth\.params\.path/);
  assert.doesNotMatch(await refused.innerText(), /fluxo-outside\.db/);
  await shot(page, '03-new-dataflow-refused');
  assert.deepEqual((await api.get(`${FLOW}/connections`)).body.items, [], 'the refused connection is removed');
  await page.getByLabel(/^path/).fill(db);
  await page.getByRole('button', { name: 'Create dataflow' }).click();
  await page.getByRole('heading', { name: 'Shop orders' }).waitFor();
  flowId = decodeURIComponent(new URL(page.url()).hash.split('/').pop());
  const flow = (await api.get(`${FLOW}/flows/${flowId}`)).body.items[0];
  assert.equal(flow.flowSpec.id, SPEC.crmToAep);

  await page.getByRole('button', { name: 'Run now' }).click();
  // makeEvents: updated_at = 1700000000 + 10 * i for i < 1000, all inside this window.
  await page.getByLabel('Window start (UTC)').fill('2023-11-14T00:00');
  await page.getByLabel('Window end (UTC)').fill('2023-11-16T00:00');
  await page.getByLabel(/^Delta column/).fill('updated_at');
  await page.getByRole('button', { name: 'Start run' }).click();
  await page.getByRole('heading', { name: /^Run / }).waitFor();
  await page.locator('.page-head .badge.st-success').waitFor({ timeout: 60000 });
  const written = page.locator('.stat').filter({ hasText: 'Records written' }).locator('.stat-value');
  assert.equal(await written.innerText(), '1,000');
  await page.getByRole('heading', { name: /Batch files/ }).waitFor();
  const files = (await api.get(`${EXPORT}/batches/${(await api.get(`${FLOW}/runs?property=flowId==${flowId}`)).body.items[0].activities[1].targetInfo[0].reference.ids[0]}/files`)).body.data;
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: `Download ${files[0].name}` }).click()]);
  assert.equal(download.suggestedFilename(), files[0].name);
  assert.equal(fs.statSync(await download.path()).size, files[0].length);
  await checkA11y(page, 'run');
  await shot(page, '04-run-success');

  await page.getByRole('link', { name: /^dataflow / }).click();
  await page.locator('.win.st-success').first().waitFor();
  await checkA11y(page, 'dataflow');
  assert.deepEqual(page.problems, []);
});

test('a different delta column is refused with the API\'s 1382 message', async () => {
  await page.getByRole('button', { name: 'Run now' }).click();
  await page.getByLabel(/^Delta column/).fill('created_at');
  await page.getByRole('button', { name: 'Start run' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'FLOW-1382-400' });
  await alert.waitFor();
  assert.match(await alert.innerText(), /created_at/);
  await page.getByRole('button', { name: 'Run now' }).click();  // close the form
});

test('a failed run shows its error code and message; re-trigger runs the window again', async () => {
  sqlite(db, 'ALTER TABLE orders RENAME TO orders_moved;');
  const r = await api.post(`${FLOW}/runs`, { flowId, params: { windowStartTime: 1700010000, windowEndTime: 1700020000 } });
  assert.equal(r.status, 201, r.text);
  const runId = r.body.items[0].id;
  await page.locator(`.win.st-failed`).first().waitFor({ timeout: 60000 });
  await shot(page, '05-dataflow-with-failure');
  await page.locator(`a[href="#/runs/${runId}"]`).first().click();
  await page.locator('.page-head .badge.st-failed').waitFor();
  const errors = page.locator('ul.errors li').first();
  await errors.waitFor();
  const run = (await api.get(`${FLOW}/runs/${runId}`)).body.items[0];
  const apiError = run.metrics.statusSummary.errors[0];
  assert.equal(await errors.locator('.code').innerText(), apiError.code);
  assert.equal(await errors.locator('.msg').innerText(), apiError.message);
  assert.match(apiError.message, /orders/);
  await checkA11y(page, 'failed run');
  await shot(page, '06-run-failed');

  sqlite(db, 'ALTER TABLE orders_moved RENAME TO orders;');
  await page.getByRole('button', { name: `Re-trigger run ${runId}` }).click();
  await page.waitForURL((u) => !u.hash.endsWith(runId));
  await page.locator('.page-head .badge.st-success').waitFor({ timeout: 60000 });
  const [a, b] = (await page.locator('.page-head .sub').innerText()).match(/\[.*\)/)[0].slice(1, -1).split(', ');
  const utc = (s) => new Date(s * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  assert.equal(a, utc(1700010000));
  assert.equal(b, utc(1700020000));
});

test('the timeline marks a gap between windows; the list enables, disables and shows the next run', async () => {
  const r = await api.post(`${FLOW}/runs`, { flowId, params: { windowStartTime: 1700438400, windowEndTime: 1700524800 } });
  assert.equal(r.status, 201, r.text);
  await page.goto(`${fx.base}/#/flows/${flowId}`);
  await page.locator('.win').nth(3).waitFor();
  await page.locator('.timeline .gap').first().waitFor();
  assert.match(await page.locator('.timeline figcaption').innerText(), /1 gap · overlapping windows on \d lanes/);
  await shot(page, '12-timeline-gap');

  const soon = Math.floor(Date.now() / 1000) + 3600;
  const hourly = (await api.get(`${FLOW}/flows/${flowId}`)).body.items[0];
  const h = await api.post(`${FLOW}/flows`, { ...Object.fromEntries(['flowSpec', 'sourceConnectionIds', 'targetConnectionIds'].map((k) => [k, hourly[k]])),
    name: 'Hourly orders', scheduleParams: { startTime: soon, frequency: 'hour', interval: 1 },
    transformations: [{ name: 'Copy', params: { deltaColumn: { name: 'updated_at' } } }] });
  assert.equal(h.status, 201, h.text);
  await page.getByRole('link', { name: 'Dataflows' }).click();
  const row = page.locator('tr').filter({ hasText: 'Hourly orders' });
  await row.getByText('every hour').waitFor();
  assert.match(await row.locator('td').nth(5).innerText(), /^in (60|59) min$/);
  await row.getByRole('button', { name: 'Disable Hourly orders' }).click();
  await row.locator('.badge.st-disabled').waitFor();
  assert.equal((await api.get(`${FLOW}/flows/${h.body.id}`)).body.items[0].state, 'disabled');
  assert.equal(await row.locator('td').nth(5).innerText(), '–');
  await row.getByRole('button', { name: 'Enable Hourly orders' }).click();
  await row.locator('.badge.st-enabled').waitFor();
  await page.getByLabel('Filter by last run status').selectOption('success');
  await page.locator('table[aria-label="Dataflows"] tbody tr').filter({ hasText: 'Shop orders' }).waitFor();
  assert.equal(await page.locator('table[aria-label="Dataflows"] tbody tr').count(), 1);
  await checkA11y(page, 'dataflows list');
  await page.getByLabel('Filter by last run status').selectOption('');
});

test('org and sandbox switch: each scope sees only its own dataflows', async () => {
  const orgB = JSON.parse((await runCli(['clients', 'create', '--org', 'CONSOLEB@AdobeOrg', '--data', fx.dataDir])).stdout);
  assert.equal((await runCli(['sandboxes', 'create', '--org', fx.creds.org_id, 'dev', '--data', fx.dataDir])).code, 0);
  await page.goto(`${fx.base}/#/flows`);
  await page.getByText('Shop orders').waitFor();
  await page.getByLabel('Sandbox', { exact: true }).fill('dev');
  await page.getByLabel('Sandbox', { exact: true }).press('Enter');
  await page.getByText('No dataflows yet').waitFor();
  await page.getByLabel('Sandbox', { exact: true }).fill('prod');
  await page.getByLabel('Sandbox', { exact: true }).press('Enter');
  await page.getByText('Shop orders').waitFor();
  await page.getByLabel('Org', { exact: true }).selectOption('+');
  await page.getByText('Sign in with a client of the other org.').waitFor();
  await page.getByLabel('Client id').fill(orgB.client_id);
  await page.getByLabel('Client secret').fill(orgB.client_secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('No dataflows yet').waitFor();
  assert.equal(await page.getByLabel('Org', { exact: true }).inputValue(), 'CONSOLEB@AdobeOrg');
  await page.getByLabel('Org', { exact: true }).selectOption(fx.creds.org_id);
  await page.getByText('Shop orders').waitFor();
});

test('user strings are escaped: a dataflow named <img onerror> shows as text', async () => {
  const evil = '<img src=x onerror="window.__xss=1;alert(1)">';
  const conn = await api.post(`${FLOW}/connections`, { name: evil, connectionSpec: { id: SQLITE_SPEC, version: '1.0' }, auth: { specName: 'Database File', params: { path: db } } });
  const src = await api.post(`${FLOW}/sourceConnections`, { name: evil, baseConnectionId: conn.body.id, connectionSpec: { id: SQLITE_SPEC, version: '1.0' }, data: { format: 'tabular' }, params: { tableName: 'orders' } });
  const ds = await api.post(`${CATALOG}/dataSets`, { name: evil });
  const tgt = await api.post(`${FLOW}/targetConnections`, { name: evil, connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' }, params: { dataSetId: ds.body[0].split('/').pop() } });
  const flow = await api.post(`${FLOW}/flows`, { name: evil, flowSpec: { id: SPEC.crmToAep, version: '1.0' }, sourceConnectionIds: [src.body.id], targetConnectionIds: [tgt.body.id], scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' } });
  assert.equal(flow.status, 201, flow.text);
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs++; d.dismiss(); });
  for (const where of ['#/flows', `#/flows/${flow.body.id}`, '#/connections', '#/datasets']) {
    await page.goto(`${fx.base}/${where}`);
    await page.getByText(evil, { exact: true }).first().waitFor();
    assert.equal(await page.locator('img[src=x]').count(), 0, where);
  }
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.equal(dialogs, 0);
  await page.goto(`${fx.base}/#/flows`);
  await page.getByText(evil, { exact: true }).first().waitFor();
  await shot(page, '07-flows-escaped');
});

test('connections: test and explore a table with its columns and rows', async () => {
  await page.getByRole('link', { name: 'Connections' }).click();
  const row = page.locator('tr').filter({ hasText: 'SQLite connection' });
  await row.getByRole('button', { name: 'Test' }).click();
  await row.getByText('✓ connected').waitFor();
  await checkA11y(page, 'connections list');
  await row.getByRole('link', { name: 'Explore' }).click();
  await page.getByRole('treeitem').filter({ hasText: 'orders' }).getByRole('button').click();
  await page.getByRole('table', { name: 'Preview of orders' }).waitFor();
  assert.match(await page.getByRole('table', { name: 'Preview of orders' }).innerText(), /name 0/);
  await checkA11y(page, 'connection explore');
  await shot(page, '08-explore');
});

test('datasets: schema, batches and the preview of the first rows from the lake', async () => {
  await page.getByRole('link', { name: 'Datasets' }).click();
  await page.getByRole('link', { name: 'orders', exact: true }).waitFor();
  await checkA11y(page, 'datasets list');
  await page.getByRole('link', { name: 'orders', exact: true }).click();
  const preview = page.getByRole('table', { name: 'Dataset preview' });
  await preview.waitFor();
  assert.equal(await preview.locator('tbody tr').count(), 50);
  assert.match(await page.getByRole('table', { name: 'Schema' }).innerText(), /updated_at\s+int64/);
  assert.ok(await page.getByRole('table', { name: 'Batches' }).locator('.badge.st-success').count() >= 1);
  await checkA11y(page, 'dataset');
  await shot(page, '09-dataset');
  assert.deepEqual(page.problems, []);
});

test('an expired token leads back to sign-in, which brings the user back', async () => {
  await page.goto(`${fx.base}/#/flows`);
  await page.getByRole('heading', { name: 'Dataflows' }).waitFor();
  // The server answers an expired token exactly as a tampered one: 401 401013.
  await page.evaluate(() => {
    const k = 'fluxo.console.sessions';
    const s = JSON.parse(sessionStorage.getItem(k));
    s.sessions[s.active].token += 'x';
    sessionStorage.setItem(k, JSON.stringify(s));
  });
  await page.getByRole('link', { name: 'Datasets' }).click();
  await page.getByText('Your session expired: sign in again.').waitFor();
  assert.equal(await page.getByLabel('Client id').inputValue(), fx.creds.client_id);
  await shot(page, '10-expired');
  await page.getByLabel('Client secret').fill(fx.creds.client_secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Datasets' }).waitFor();
  // Nothing secret in any URL the console used.
  assert.doesNotMatch(page.url(), /token|secret|p8e-/);
});

test('a server that went away shows a retry message, not a crash', async () => {
  const other = await startFluxo([]);
  const p = await newPage(browser);
  await signIn(p, other.base, other.creds);
  await other.stop();
  await p.getByRole('link', { name: 'Connections' }).click();
  const banner = p.getByRole('alert').filter({ hasText: 'The server went away' }).first();
  await banner.waitFor();
  await p.getByRole('button', { name: 'Retry' }).first().waitFor();
  await p.locator('main .alert.warn').waitFor();  // the page itself says so too, with Retry
  await shot(p, '11-server-gone');
  await p.context().close();
});
