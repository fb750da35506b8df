// Connection test and explore run on a bounded worker pool, never on the HTTP I/O threads: while
// explores hang on a peer that accepts TCP and never answers, the server keeps answering other
// requests, a full pool answers 429 FLOW-1429, and every hung call ends when the peer goes away.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { FLOW, SPEC, startFluxo } from './lib/fluxo.mjs';

let fx, api, silent, sockets = [];

before(async () => {
  // An unresponsive PostgreSQL: accepts connections and never says a word.
  silent = net.createServer((s) => { sockets.push(s); s.on('error', () => {}); });
  await new Promise((r) => silent.listen(0, '127.0.0.1', r));
  // One HTTP thread, so a single blocked handler would stall the whole server.
  fx = await startFluxo(['--http-threads', '1', '--connection-workers', '2', '--connection-queue', '1',
    '--no-engine']);
  api = await fx.client();
});

after(async () => {
  await fx?.stop();
  for (const s of sockets) s.destroy();
  silent?.close();
});

async function silentConnection() {
  const port = silent.address().port;
  const c = await api.post(`${FLOW}/connections`, {
    name: 'silent', connectionSpec: { id: SPEC.postgres, version: '1.0' },
    auth: { specName: 'Connection String Based Authentication',
      params: { connectionString: `Server=127.0.0.1;Database=crm;Port=${port};UID=app;Password=x` } },
  });
  assert.equal(c.status, 201, c.text);
  return c.body.id;
}

test('slow explores do not stall the server; a full pool answers 429 with FLOW-1429', async () => {
  const id = await silentConnection();
  // Two run (workers) and one waits (queue): three admitted calls that hang.
  const hung = [
    api.get(`${FLOW}/connections/${id}/explore?objectType=root`),
    api.get(`${FLOW}/connections/${id}/test`),
    api.get(`${FLOW}/connections/${id}/explore`),
  ];
  const until = Date.now() + 5000;
  while (sockets.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  assert.ok(sockets.length >= 2, 'the two workers reached the silent peer');

  // The one I/O thread still answers at once, health and metastore reads alike.
  let t0 = Date.now();
  const health = await fx.http('GET', '/healthz');
  assert.equal(health.status, 200);
  const conn = await api.get(`${FLOW}/connections/${id}`);
  assert.equal(conn.status, 200);
  assert.ok(Date.now() - t0 < 1500, `answered in ${Date.now() - t0} ms while explores hang`);

  // Full: refused at once, with a clear code and Retry-After.
  t0 = Date.now();
  const full = await api.get(`${FLOW}/connections/${id}/explore`);
  assert.equal(full.status, 429, full.text);
  assert.equal(full.body.type, 'https://ns.adobe.com/aep/errors/FLOW-1429-429');
  assert.match(full.body.report['detailed-message'], /2 running, 1 waiting/);
  assert.equal(full.headers.get('retry-after'), '1');
  assert.ok(Date.now() - t0 < 1500);

  // The peer goes away: every hung call gets its answer (a connection error, not a hang).
  for (const s of sockets) s.destroy();
  silent.close();
  const answers = await Promise.all(hung);
  for (const a of answers) {
    assert.ok(a.status === 400 || a.status === 503, `${a.status} ${a.text}`);
    assert.match(a.body.type, /FLOW-1[45]\d\d-(400|503)$/);
    assert.equal(a.body.report.id, id);
  }
  // And the pool takes work again.
  const again = await api.get(`${FLOW}/connections/${id}/test`);
  assert.ok(again.status === 400 || again.status === 503, again.text);
});
