// Every `fluxo serve` flag the README lists as having a FLUXO_<NAME> variable has it, as
// `fluxo serve --help` shows; and the variable really sets the flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Fluxo, runCli, tempDir } from './lib/fluxo.mjs';

const README = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../README.md');

// The flags of the README paragraph that starts with "`fluxo serve` flags (each also an
// environment variable `FLUXO_<NAME>`)" and ends at the next blank line.
function readmeServeFlags() {
  const text = fs.readFileSync(README, 'utf8');
  const start = text.indexOf('`fluxo serve` flags (each also an environment variable `FLUXO_<NAME>`)');
  assert.ok(start >= 0, 'README has the serve flags paragraph');
  const para = text.slice(start, text.indexOf('\n\n', start));
  return [...new Set([...para.matchAll(/`(--[a-z][a-z-]*)/g)].map((m) => m[1]))];
}

test('every serve flag of the README has its FLUXO_<NAME> variable in --help', async () => {
  const flags = readmeServeFlags();
  assert.ok(flags.length >= 10, flags.join(' '));
  const help = await runCli(['serve', '--help']);
  assert.equal(help.code, 0);
  for (const flag of flags) {
    const env = 'FLUXO_' + flag.slice(2).toUpperCase().replaceAll('-', '_');
    // CLI11 prints "  --flag TYPE ... (Env:FLUXO_FLAG)" on the flag's line.
    const line = help.stdout.split('\n').find((l) => l.trimStart().startsWith(flag + ' ') || l.trim() === flag);
    assert.ok(line, `${flag} is not a serve flag:\n${help.stdout}`);
    assert.match(line, new RegExp(`\\(Env:${env}\\)`), `${flag} has no ${env}: ${line}`);
  }
});

test('the variables set the flags, and the allowed folders are logged at start', async () => {
  const data = tempDir();
  const allowed = tempDir('fluxo-allowed-');
  const fx = new Fluxo(data, [], { FLUXO_ALLOW_PATH: allowed, FLUXO_CONNECTION_WORKERS: '3',
    FLUXO_NO_ENGINE: '1', FLUXO_LOG_FORMAT: 'json' });
  await fx.start();
  try {
    const start = fx.logs.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
    assert.ok(start.some((l) => l.msg === `local-file and SQLite sources may read: ${allowed}`),
      fx.logs);
    assert.ok(!start.some((l) => /worker \d of/.test(l.msg)), 'FLUXO_NO_ENGINE=1 starts no worker');
  } finally {
    await fx.stop();
  }
  const bad = await runCli(['serve', '--data', data], { env: { FLUXO_CONNECTION_WORKERS: '0' } });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /connection-workers/);
});
