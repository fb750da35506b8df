// Starts Debian's Chromium headless through playwright-core (no browser download) and gives the
// tests a page that records every console error, uncaught exception and CSP violation, plus a
// screenshot helper writing under $FLUXO_SHOTS (the build folder).
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-extensions',
  '--metrics-recording-only', '--mute-audio',
];

export const SHOTS = process.env.FLUXO_SHOTS || path.resolve('build/browser-shots');

export async function launch() {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) throw new Error(`${executablePath} not found: run scripts/setup.sh (apt chromium)`);
  // Playwright gives the browser a new empty profile folder of its own and removes it on close.
  const browser = await chromium.launch({ executablePath, headless: true, args: ARGS });
  return { browser, close: () => browser.close() };
}

// A fresh page (own context: its own sessionStorage). page.problems lists what went wrong.
export async function newPage(browser, { width = 1360, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.problems = [];
  // An API error answer is logged by Chromium as "Failed to load resource": that is expected (the
  // console shows it); anything else logged as an error (a CSP violation, a script error) is not.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) page.problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => page.problems.push(`exception: ${e.message}`));
  page.setDefaultTimeout(15000);
  return page;
}

export async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// Signs in through the form with fluxo's credentials.json.
export async function signIn(page, base, creds, sandbox = 'prod') {
  await page.goto(base + '/');
  await page.getByLabel('Client id').fill(creds.client_id);
  await page.getByLabel('Client secret').fill(creds.client_secret);
  await page.getByLabel('Sandbox').fill(sandbox);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Dataflows' }).waitFor();
}
