// The CLI as an API client against a real `fluxo serve`: runs create --wait (exit 0 on success,
// 1 when the run failed, 2 on usage errors and API refusals, JSON output), the progress bar on a
// pseudo-terminal and plain lines on a pipe, login, flows, runs and datasets commands.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { FLOW, fluxoBin, runCli, startFluxo, tempDir } from './lib/fluxo.mjs';
import { makeEvents } from './lib/sqlite.mjs';
import { sqliteFlow } from './lib/flows.mjs';

let fx, api, dir, db, flows;
// 2023-11-14T22:13:20Z .. : row i has updated_at = 1700000000 + 10 i.
const ROWS = 3000;
const WINDOW = '2023-11-14..2023-11-15';  // [1699920000, 1700006400): rows 0..639
const IN_WINDOW = 640;

before(async () => {
  dir = tempDir('fluxo-cli-');
  db = path.join(dir, 'events.db');
  makeEvents(db, ROWS);
  fx = await startFluxo(['--allow-path', dir]);
  api = await fx.client();
  flows = [];
  for (let i = 0; i < 4; ++i) flows.push(await sqliteFlow(api, db));
});

after(async () => { await fx?.stop(); });

// Connection flags every command takes: the server and its data dir's credentials.json.
const conn = () => ['--server', fx.base, '--data', fx.dataDir];
const cli = (args, env = {}) => runCli([...args, ...conn()], { env: { FLUXO_CONFIG_DIR: dir, ...env } });

test('runs create --wait --output json: exit 0, the finished run as JSON', async () => {
  const r = await cli(['runs', 'create', '--flow', flows[0].flow, '--window', WINDOW,
    '--delta-column', 'updated_at', '--wait', '--output', 'json', '--poll-ms', '100']);
  assert.equal(r.code, 0, r.stderr);
  const run = JSON.parse(r.stdout);
  assert.equal(run.metrics.statusSummary.status, 'success');
  assert.equal(run.metrics.recordSummary.outputRecordCount, IN_WINDOW);
  assert.equal(run.params.windowStartTime, 1699920000);
  assert.equal(run.params.windowEndTime, 1700006400);
  // Progress went to stderr as plain lines (no terminal), stdout holds only the JSON.
  assert.doesNotMatch(r.stderr, /\r/);
  assert.match(r.stderr, /success .*640 rows/);
});

test('runs create --wait: exit 1 when the run fails, with its error', async () => {
  const r = await cli(['runs', 'create', '--flow', flows[1].flow, '--window', WINDOW,
    '--delta-column', 'no_such_column', '--wait', '--poll-ms', '100']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /run \S+ failed/);
  assert.match(r.stderr, /no_such_column/);
});

test('usage errors and API refusals exit 2 with the message', async () => {
  let r = await cli(['runs', 'create', '--flow', flows[2].flow]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--window/);
  r = await cli(['runs', 'create', '--flow', flows[2].flow, '--window', '2024-13-01..2024-02-01']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--window start: '2024-13-01' is not a date/);
  r = await cli(['runs', 'create', '--flow', flows[2].flow, '--window', '2024-01-01']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /START\.\.END/);
  // The API's own message and code: the flow does not exist.
  r = await cli(['runs', 'create', '--flow', 'nope', '--window', WINDOW]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /404: flowId: flow not found with id nope \(FLOW-1101-404\)/);
  // End before start: 1381 from the API.
  r = await cli(['runs', 'create', '--flow', flows[2].flow, '--window', '2024-02-01..2024-01-01']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /FLOW-1381-400/);
  r = await runCli(['runs']);
  assert.equal(r.code, 2);
  r = await cli(['flows', 'list'], { FLUXO_CONFIG_DIR: tempDir(), FLUXO_DATA: '' });
  assert.equal(r.code, 0, r.stderr);  // --data still finds credentials.json
  r = await runCli(['flows', 'list', '--server', fx.base, '--data', tempDir()],
    { env: { FLUXO_CONFIG_DIR: tempDir() } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no credentials: run `fluxo login`/);
  r = await runCli(['flows', 'list', '--server', fx.base, '--client-id', fx.creds.client_id,
    '--client-secret', 'wrong', '--org', fx.creds.org_id], { env: { FLUXO_CONFIG_DIR: tempDir() } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /sign-in refused/);
});

test('the progress bar on a pseudo-terminal; plain lines on a pipe', async () => {
  const args = ['runs', 'create', '--flow', flows[2].flow, '--window', '2023-11-14..2023-11-20',
    '--delta-column', 'updated_at', '--wait', '--poll-ms', '100', ...conn()];
  const command = [fluxoBin(), ...args].map((a) => `'${a}'`).join(' ');
  // script(1) runs the command on a new pseudo-terminal and copies what it draws to stdout.
  const out = await new Promise((resolve) => {
    const p = spawn('script', ['-q', '-e', '-c', command, '/dev/null'],
      { env: { ...process.env, FLUXO_CONFIG_DIR: dir, TERM: 'xterm' } });
    let text = '';
    p.stdout.on('data', (d) => { text += d; });
    p.on('exit', (code) => resolve({ code, text }));
  });
  assert.equal(out.code, 0, out.text);
  assert.match(out.text, /\r\[#+\]\s+100%\s+3,000 rows/);  // the redrawn bar, filled at the end
  assert.match(out.text, /\x1b\[K/);                      // each frame clears the line
  assert.match(out.text, /run \S+ success: 3,000 rows read, 3,000 written, 0 failed/);

  const piped = await cli(['runs', 'create', '--flow', flows[3].flow, '--window', WINDOW,
    '--delta-column', 'updated_at', '--wait', '--poll-ms', '100']);
  assert.equal(piped.code, 0, piped.stderr);
  assert.doesNotMatch(piped.stdout, /\r|\x1b/);
  assert.match(piped.stdout, /^success 640 rows/m);
});

test('login, flows, runs and datasets commands', async () => {
  const config = tempDir();
  let r = await runCli(['login', '--server', fx.base, '--credentials', path.join(fx.dataDir, 'credentials.json')],
    { env: { FLUXO_CONFIG_DIR: config } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /logged in to http/);
  // Later commands need no flags: the login file has the server and the credentials.
  const env = { env: { FLUXO_CONFIG_DIR: config } };
  r = await runCli(['flows', 'list', '--output', 'json'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).length, 4);
  r = await runCli(['flows', 'list'], env);
  assert.match(r.stdout, /^ID\s+NAME\s+STATE\s+FREQUENCY/);
  r = await runCli(['flows', 'disable', flows[3].flow], env);
  assert.equal(r.code, 0, r.stderr);
  r = await runCli(['flows', 'show', flows[3].flow, '-o', 'json'], env);
  assert.equal(JSON.parse(r.stdout).state, 'disabled');
  r = await runCli(['flows', 'enable', flows[3].flow], env);
  assert.equal(r.code, 0, r.stderr);

  r = await runCli(['runs', 'list', '--flow', flows[0].flow, '-o', 'json'], env);
  assert.equal(r.code, 0, r.stderr);
  const runs = JSON.parse(r.stdout);
  assert.equal(runs.length, 1);
  const runId = runs[0].id;
  r = await runCli(['runs', 'show', runId], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /status\s+success/);
  assert.match(r.stdout, /records\s+640 read, 640 written, 0 failed/);
  assert.match(r.stdout, /window\s+2023-11-14T00:00:00Z \.\. 2023-11-15T00:00:00Z/);
  const batch = runs[0].activities.find((a) => a.id === 'promotionActivity').targetInfo[0].reference.ids[0];
  assert.match(r.stdout, new RegExp(`batch\\s+${batch}`));
  r = await runCli(['runs', 'errors', runId], env);
  assert.match(r.stdout, /has no errors/);
  r = await runCli(['runs', 'retrigger', runId], env);
  assert.equal(r.code, 2);  // a success with records cannot be re-triggered: the API says why
  assert.match(r.stderr, /FLOW-1387-400/);

  // The failed run of flow 1: its errors, then a re-trigger makes a new run.
  r = await runCli(['runs', 'list', '--flow', flows[1].flow, '-o', 'json'], env);
  const failed = JSON.parse(r.stdout)[0];
  r = await runCli(['runs', 'errors', failed.id, '-o', 'json'], env);
  assert.ok(JSON.parse(r.stdout).length >= 1);
  r = await runCli(['runs', 'retrigger', failed.id, '-o', 'json'], env);
  assert.equal(r.code, 0, r.stderr);
  const again = JSON.parse(r.stdout).id;
  assert.notEqual(again, failed.id);
  r = await runCli(['runs', 'cancel', again], env);
  assert.ok(r.code === 0 || /FLOW-1422-400/.test(r.stderr), r.stderr);  // unless it already failed

  r = await runCli(['datasets', 'preview', flows[0].dataSetId, '-o', 'json', '--limit', '5'], env);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout);
  assert.equal(rows.length, 5);
  assert.ok('updated_at' in rows[0] && 'name' in rows[0]);
  r = await runCli(['datasets', 'preview', flows[0].dataSetId, '--limit', '3'], env);
  assert.match(r.stdout, /^id\s+updated_at\s+name\s+amount/m);
  assert.doesNotMatch(r.stdout, /\dE-?\d/);  // doubles in their shortest form, not 1.5E0
  r = await runCli(['datasets', 'preview', 'nope'], env);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /404/);
});
