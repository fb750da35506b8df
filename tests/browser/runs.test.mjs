// Runs in the console: live metrics of a run in progress (progress bar, rising record count,
// rows/s) and Cancel; a local-folder CSV dataflow created through the console with a failed-record
// threshold, whose run page shows the first failed rows with their file and line; the Verification
// card of a finished run (Verify: drift 0, then the rows written late into its window).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FLOW, startFluxo, tempDir, eventually } from '../e2e/lib/fluxo.mjs';
import { makeEvents, sqlite } from '../e2e/lib/sqlite.mjs';
import { sqliteFlow, createRun } from '../e2e/lib/flows.mjs';
import { launch, newPage, shot, signIn } from './lib/browser.mjs';

let fx, api, dir, browser, closeBrowser, page;
before(async () => {
  dir = tempDir('fluxo-browser-runs-');
  fx = await startFluxo(['--allow-path', dir]);
  api = await fx.client();
  ({ browser, close: closeBrowser } = await launch());
  page = await newPage(browser);
  await signIn(page, fx.base, fx.creds);
});
after(async () => {
  if (closeBrowser) await closeBrowser();
  await fx.stop();
});

const records = async (p, label) => Number((await p.locator('.stat').filter({ hasText: label }).locator('.stat-value').innerText()).replace(/,/g, ''));

test('a run in progress shows live metrics and a progress bar; Cancel stops it', async () => {
  // A view that costs a few microseconds per row, so the run lasts seconds (as in e2e/engine).
  const db = path.join(dir, 'slow.db');
  const { base } = makeEvents(db, 1000000, { step: 1 });
  sqlite(db, `CREATE VIEW slow_events AS SELECT e.id, e.updated_at, e.name, e.amount,
    (SELECT sum(x.amount) FROM events x WHERE x.id BETWEEN e.id AND e.id + 100) AS window_sum FROM events e;`);
  const f = await sqliteFlow(api, db, { table: 'slow_events' });
  const runId = await createRun(api, f.flow, base, base + 1000000);
  await page.goto(`${fx.base}/#/runs/${runId}`);
  await page.locator('.page-head .badge.st-inProgress').waitFor({ timeout: 30000 });
  await page.getByRole('progressbar', { name: 'Run progress' }).waitFor();
  const seen = [];
  await eventually(async () => {
    const n = await records(page, 'Records read');
    if (n > 0 && n !== seen[seen.length - 1]) seen.push(n);
    return seen.length >= 2 && seen[seen.length - 1] > seen[0];
  }, { timeoutMs: 30000, intervalMs: 200, what: 'a rising record count in the page' });
  assert.notEqual(await page.locator('.stat').filter({ hasText: 'Rows/s' }).locator('.stat-value').innerText(), '–');
  await shot(page, '20-run-in-progress');
  await page.getByRole('button', { name: `Cancel run ${runId}` }).click();
  await page.locator('.page-head .badge.st-cancelled').waitFor({ timeout: 10000 });
  const run = (await api.get(`${FLOW}/runs/${runId}`)).body.items[0];
  assert.equal(run.metrics.statusSummary.status, 'cancelled');
  assert.deepEqual(page.problems, []);
});

test('a CSV folder dataflow made in the console: failed rows show with file and line', async () => {
  const root = path.join(dir, 'drop');
  fs.mkdirSync(root);
  const lines = ['id,amount,label'];
  for (let i = 0; i < 1000; i++) lines.push(i % 100 === 7 ? `${i},not-a-number,bad` : `${i},${i / 4},row ${i}`);
  const file = path.join(root, 'sales.csv');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const mtime = new Date(Date.now() - 600 * 1000);
  fs.utimesSync(file, mtime, mtime);

  await page.locator('.topbar').getByRole('link', { name: 'New dataflow' }).click();
  await page.getByRole('radio', { name: /Local Folder/ }).click();
  await page.getByLabel(/^rootPath/).fill(root);
  await page.getByLabel(/^path/).fill('*.csv');
  await page.getByLabel(/^columns/).fill('id long, amount double, label string');
  await page.getByLabel('Dataset name').fill('sales');
  await page.getByLabel('Name', { exact: true }).last().fill('Sales drop folder');
  await page.getByLabel(/^partialIngestionPercent/).fill('5');
  await page.getByLabel(/^errorDiagnosticsEnabled/).check();
  await page.getByRole('button', { name: 'Create dataflow' }).click();
  await page.getByRole('heading', { name: 'Sales drop folder' }).waitFor();
  const flowId = decodeURIComponent(new URL(page.url()).hash.split('/').pop());
  const flow = (await api.get(`${FLOW}/flows/${flowId}`)).body.items[0];
  assert.deepEqual(flow.options, { partialIngestionPercent: 5, errorDiagnosticsEnabled: true });

  await page.getByRole('button', { name: 'Run now' }).click();
  await page.getByRole('button', { name: 'Last day' }).click();
  await page.getByRole('button', { name: 'Start run' }).click();
  await page.locator('.page-head .badge.st-success').waitFor({ timeout: 60000 });
  assert.equal(await records(page, 'Records written'), 990);
  assert.equal(await records(page, 'Failed records'), 10);
  await page.locator('ul.errors .code').filter({ hasText: 'INGEST-1212-400' }).waitFor();
  const failed = page.getByRole('table', { name: 'Failed rows' });
  await failed.waitFor();
  const first = failed.locator('tbody tr').first();
  assert.match(await first.locator('td').nth(0).innerText(), /sales\.csv/);
  assert.equal(await first.locator('td').nth(1).innerText(), '9');  // header is line 1; id 7 is on line 9
  assert.match(await first.locator('td').nth(2).innerText(), /^INGEST-120/);
  assert.equal(await failed.locator('tbody tr').count(), 10);
  await shot(page, '21-run-failed-rows');
  assert.deepEqual(page.problems, []);
});

test('explore a local folder as a tree: folders open, a file shows its columns', async () => {
  const root = path.join(dir, 'drop');
  fs.mkdirSync(path.join(root, 'archive', '2024'), { recursive: true });
  fs.writeFileSync(path.join(root, 'archive', '2024', 'old.csv'), 'id,amount\n1,2.5\n');
  await page.getByRole('link', { name: 'Connections' }).click();
  await page.locator('tr').filter({ hasText: 'Local Folder connection' }).getByRole('link', { name: 'Explore' }).click();
  const tree = page.getByRole('tree', { name: 'Tables and folders' });
  await tree.getByRole('treeitem', { name: /sales\.csv/ }).waitFor();
  await tree.getByRole('button', { name: /archive/ }).click();
  await tree.getByRole('button', { name: /2024/ }).click();
  await tree.getByRole('button', { name: /old\.csv/ }).click();
  const chips = page.getByLabel('Columns');
  await chips.waitFor();
  assert.match(await chips.innerText(), /id\s+int64\s+amount\s+float64/);
  assert.equal(await tree.getByRole('treeitem', { expanded: true }).count(), 2);
  await shot(page, '22-explore-folder');
  assert.deepEqual(page.problems, []);
});

test('the Verification card of a finished run: Verify shows drift 0, then the rows written late', async () => {
  const db = path.join(dir, 'verify.db');
  const { base } = makeEvents(db, 500);
  const f = await sqliteFlow(api, db);
  const runId = await createRun(api, f.flow, base, base + 5000);
  await page.goto(`${fx.base}/#/runs/${runId}`);
  await page.locator('.page-head .badge.st-success').waitFor({ timeout: 60000 });
  const card = page.locator('section.verification');
  await card.getByRole('heading', { name: 'Verification' }).waitFor();
  assert.match(await card.innerText(), /Counts the rows of this window at the source again/);
  await card.getByRole('button', { name: `Verify run ${runId}` }).click();
  await card.locator('.verdict.clean').waitFor({ timeout: 30000 });
  assert.equal(await records(card, 'Source records'), 500);
  assert.equal(await records(card, 'Landed'), 500);
  assert.equal(await records(card, 'Drift'), 0);
  // 7 rows written late, dated inside the window.
  sqlite(db, `INSERT INTO events SELECT 10000 + x, ${base} + x, 'late', 0 FROM (SELECT 1 AS x UNION SELECT 2 UNION SELECT 3
    UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7);`);
  await card.getByRole('button', { name: `Verify run ${runId}` }).click();
  await card.locator('.verdict.drift').waitFor({ timeout: 30000 });
  assert.equal(await records(card, 'Drift'), 7);
  assert.match(await card.locator('.verdict').innerText(), /Drift of 7 rows/);
  assert.equal(await card.getAttribute('data-drift'), '7');
  const run = (await api.get(`${FLOW}/runs/${runId}`)).body.items[0];
  assert.equal(run.fluxo.verification.drift, 7);
  await shot(page, '23-run-verification');
  assert.deepEqual(page.problems, []);
});
