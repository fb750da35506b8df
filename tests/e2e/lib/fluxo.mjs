// Test harness: starts the real fluxo binary on a free port with a temp data dir and speaks
// HTTP to it. Every server started here is killed when the test process exits.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FLOW = '/data/foundation/flowservice';
export const CATALOG = '/data/foundation/catalog';
export const EXPORT = '/data/foundation/export';

export const SPEC = {
  postgres: '74a1c565-4e59-48d7-9d67-7c03b8a13137',
  mysql: '26d738e0-8963-47ea-aadf-c60de735468a',
  s3: 'ecadc60c-7455-4d87-84dc-2a0e293d997b',
  lake: 'c604ff05-7f1a-43c0-8e18-33bf874cb11c',
  crmToAep: '14518937-270c-4525-bdec-c2ba7cce3860',
  cloudStorageToAep: '9753525b-82c7-4dce-8a9b-5ccfce2b9876',
};

const live = new Set();
const killAll = () => { for (const p of live) { try { p.kill('SIGKILL'); } catch {} } };
process.on('exit', killAll);
// A failed test may skip its own stop(): kill what is left so the test process can end. Only under
// the test runner (benchmarks import this module too, and node:test would print TAP output).
if (process.env.NODE_TEST_CONTEXT) {
  const { after } = await import('node:test');
  after(killAll);
}

export function tempDir(prefix = 'fluxo-e2e-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// The metastore switch: FLUXO_E2E_METASTORE=postgres runs every fluxo of this test process on one
// PostgreSQL 15 (scripts/test-services/postgres.sh, started on first use, stopped at exit), with a
// database of its own per data dir, so processes that share a data dir share a metastore as they
// would share meta.db. Unset (or "sqlite"): the default SQLite file in the data dir.
export const METASTORE = process.env.FLUXO_E2E_METASTORE || 'sqlite';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let pgServer = null;  // {dir, port}
const pgDatabases = new Map();  // data dir -> URL

export function postgresServer() {
  if (pgServer) return pgServer;
  const dir = tempDir('fluxo-e2e-pg-');
  const script = path.join(ROOT, 'scripts/test-services/postgres.sh');
  const port = Number(execFileSync(script, ['start', path.join(dir, 'srv')], { encoding: 'utf8' }).trim());
  pgServer = { dir, port, script };
  process.on('exit', () => {
    try { execFileSync(script, ['stop', path.join(dir, 'srv')]); } catch {}
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return pgServer;
}

// Stops / starts the test server again on the same port and data (a metastore outage).
function pgCtl(args) {
  const pg = postgresServer();
  const bin = '/usr/lib/postgresql/15/bin/pg_ctl';
  const cmd = process.getuid() === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  execFileSync(cmd[0], cmd[1], { stdio: 'ignore' });
  return pg;
}
export function stopPostgres() {
  pgCtl(['-D', path.join(postgresServer().dir, 'srv/data'), '-m', 'fast', '-w', 'stop']);
}
export function startPostgres() {
  const pg = postgresServer();
  const srv = path.join(pg.dir, 'srv');
  pgCtl(['-D', path.join(srv, 'data'), '-l', path.join(srv, 'server.log'), '-w', '-t', '60', '-o',
    `-c listen_addresses=127.0.0.1 -p ${pg.port} -k ${srv} -c fsync=off -c synchronous_commit=off`, 'start']);
}

// A fresh, empty PostgreSQL database on the test server; its URL.
export function newPostgresDatabase() {
  const pg = postgresServer();
  const name = 'e2e_' + Math.random().toString(36).slice(2, 10);
  execFileSync('/usr/lib/postgresql/15/bin/psql',
    ['-h', path.join(pg.dir, 'srv'), '-p', String(pg.port), '-U', 'postgres', '-d', 'postgres',
     '-v', 'ON_ERROR_STOP=1', '-q', '-c', `CREATE DATABASE ${name}`]);
  return `postgresql://postgres:postgres@127.0.0.1:${pg.port}/${name}`;
}

// ['--metastore', URL] for `dataDir` under the postgres switch; [] otherwise.
export function metastoreArgs(dataDir) {
  if (METASTORE !== 'postgres') return [];
  const key = path.resolve(dataDir);
  if (!pgDatabases.has(key)) pgDatabases.set(key, newPostgresDatabase());
  return ['--metastore', pgDatabases.get(key)];
}

// Operator commands open the store: they get the switch's metastore for their --data.
const STORE_COMMANDS = new Set(['serve', 'worker', 'clients', 'sandboxes', 'metastore']);
export function withMetastore(args) {
  if (!STORE_COMMANDS.has(args[0]) || args.includes('--metastore')) return args;
  const i = args.indexOf('--data');
  return i >= 0 ? [...args, ...metastoreArgs(args[i + 1])] : args;
}

export function fluxoBin() {
  const bin = process.env.FLUXO_BIN || path.resolve('build/fluxo');
  if (!fs.existsSync(bin)) throw new Error(`fluxo binary not found at ${bin} (set FLUXO_BIN)`);
  return bin;
}

// Runs a fluxo CLI command to completion; resolves {code, stdout, stderr}.
export function runCli(args, opts = {}) {
  return new Promise((resolve) => {
    const p = spawn(fluxoBin(), withMetastore(args), { env: { ...process.env, ...(opts.env || {}) } });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

export class Fluxo {
  constructor(dataDir, extraArgs = [], env = {}) {
    this.dataDir = dataDir;
    this.extraArgs = extraArgs;
    this.env = env;
    this.logs = '';
  }

  // Starts `fluxo serve` and waits for its "listening" line.
  async start() {
    const args = withMetastore(['serve', '--listen', '127.0.0.1:0', '--data', this.dataDir, ...this.extraArgs]);
    this.proc = spawn(fluxoBin(), args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.env } });
    live.add(this.proc);
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => {
      live.delete(this.proc);
      resolve({ code, signal });
    }));
    this.proc.stderr.on('data', (d) => { this.logs += d; });
    const url = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('fluxo did not start:\n' + this.logs)), 20000);
      this.proc.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/listening (http:\/\/\S+)/);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      });
      this.proc.on('exit', () => reject(new Error('fluxo exited:\n' + this.logs)));
    });
    this.base = url;
    this.creds = JSON.parse(fs.readFileSync(path.join(this.dataDir, 'credentials.json'), 'utf8'));
    return this;
  }

  async stop(signal = 'SIGTERM') {
    if (!this.proc || this.proc.exitCode !== null) return this.exited;
    this.proc.kill(signal);
    return this.exited;
  }

  // Raw HTTP: returns {status, headers, body (parsed JSON or text), text}.
  async http(method, urlPath, { body, headers = {}, raw = false } = {}) {
    const init = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = raw ? body : JSON.stringify(body);
      if (!raw && !init.headers['Content-Type']) init.headers['Content-Type'] = 'application/json';
    }
    const res = await fetch(this.base + urlPath, init);
    const text = await res.text();
    let parsed = text;
    try { parsed = text ? JSON.parse(text) : null; } catch {}
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  async token(creds = this.creds) {
    const res = await this.http('POST', '/ims/token/v3', {
      raw: true,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials', client_id: creds.client_id, client_secret: creds.client_secret,
      }).toString(),
    });
    if (res.status !== 200) throw new Error('token failed: ' + res.text);
    return res.body.access_token;
  }

  // An authenticated client for (creds, sandbox).
  async client(creds = this.creds, sandbox = 'prod') {
    const token = await this.token(creds);
    const headers = {
      Authorization: `Bearer ${token}`,
      'x-api-key': creds.client_id,
      'x-gw-ims-org-id': creds.org_id,
      'x-sandbox-name': sandbox,
    };
    const self = this;
    return {
      headers,
      creds,
      call(method, p, opts = {}) {
        return self.http(method, p, { ...opts, headers: { ...headers, ...(opts.headers || {}) } });
      },
      get(p, opts) { return this.call('GET', p, opts); },
      post(p, body, opts = {}) { return this.call('POST', p, { ...opts, body }); },
      patch(p, body, etag, opts = {}) {
        const h = etag === undefined ? {} : { 'If-Match': etag };
        return this.call('PATCH', p, { ...opts, body, headers: { ...h, ...(opts.headers || {}) } });
      },
      del(p, opts) { return this.call('DELETE', p, opts); },
    };
  }
}

export async function startFluxo(extraArgs = []) {
  return new Fluxo(tempDir(), extraArgs).start();
}

// Polls `fn` until it returns a truthy value or the deadline passes.
export async function eventually(fn, { timeoutMs = 10000, intervalMs = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

export function pgConnectionBody(name = 'pg', password = 's3cr3t-Pa55') {
  return {
    name,
    connectionSpec: { id: SPEC.postgres, version: '1.0' },
    auth: {
      specName: 'Connection String Based Authentication',
      params: { connectionString: `Server=localhost;Database=crm;Port=5432;UID=app;Password=${password}` },
    },
  };
}
