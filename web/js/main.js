// The console's shell: hash routes (#/flows/ID: no server-side routes, no token in any URL),
// sign-in, the org and sandbox switch, and the banners for an expired session or a server that
// went away.
import { html, render, useState, useEffect } from './html.js';
import * as A from './api.js';
import { ErrorBox } from './ui.js';
import { FlowsPage, FlowPage } from './flows.js';
import { RunPage } from './run.js';
import { ConnectionsPage, ConnectionPage } from './connections.js';
import { DatasetsPage, DatasetPage } from './datasets.js';
import { NewFlowPage } from './newflow.js';

const routes = [
  [/^\/flows$/, FlowsPage],
  [/^\/flows\/([^/]+)$/, FlowPage],
  [/^\/runs\/([^/]+)$/, RunPage],
  [/^\/connections$/, ConnectionsPage],
  [/^\/connections\/([^/]+)$/, ConnectionPage],
  [/^\/datasets$/, DatasetsPage],
  [/^\/datasets\/([^/]+)$/, DatasetPage],
  [/^\/new$/, NewFlowPage],
];

export const go = (path) => { location.hash = '#' + path; };
const currentPath = () => decodeURI(location.hash.replace(/^#/, '')) || '/flows';

function SignIn({ notice, onCancel }) {
  const [form, setForm] = useState({ clientId: A.lastClientId(), clientSecret: '', org: '', sandbox: 'prod' });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await A.signIn(form);
      window.dispatchEvent(new Event('fluxo-session'));
    } catch (err) {
      setError(err);
    }
    setBusy(false);
  };
  return html`<main class="signin" id="main">
    <form class="card signin-card" onSubmit=${submit} aria-labelledby="signin-title">
      <div class="brand big"><span class="logo" aria-hidden="true"></span>fluxo</div>
      <h1 id="signin-title">Sign in</h1>
      <p class="muted">With an API client's id and secret (<code>fluxo-data/credentials.json</code>, or <code>fluxo clients create</code>).</p>
      ${notice && html`<div class="alert warn" role="status">${notice}</div>`}
      <label>Client id<input name="clientId" autocomplete="username" required value=${form.clientId} onInput=${set('clientId')} /></label>
      <label>Client secret<input name="clientSecret" type="password" autocomplete="current-password" required value=${form.clientSecret} onInput=${set('clientSecret')} /></label>
      <div class="row2">
        <label>Sandbox<input name="sandbox" required value=${form.sandbox} onInput=${set('sandbox')} /></label>
        <label>Org<input name="org" placeholder="optional: from the token" value=${form.org} onInput=${set('org')} /></label>
      </div>
      <${ErrorBox} error=${error} />
      <button class="btn primary wide" type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
      ${onCancel && html`<button class="btn wide cancel" type="button" onClick=${onCancel}>Back to the console</button>`}
    </form>
  </main>`;
}

function OrgSandbox({ s, onChange }) {
  const [sandbox, setSandbox] = useState(s.sandbox);
  useEffect(() => setSandbox(s.sandbox), [s.org, s.sandbox]);
  const orgs = A.sessions().filter((x) => x.token);
  const pickOrg = (e) => {
    if (e.target.value === '+') { window.dispatchEvent(new Event('fluxo-add-org')); return; }
    A.switchOrg(e.target.value);
    onChange();
  };
  const applySandbox = (e) => {
    e.preventDefault();
    if (sandbox && sandbox !== s.sandbox) { A.switchSandbox(sandbox); onChange(); }
  };
  return html`<div class="scope">
    <label class="inline">Org
      <select value=${s.org} onChange=${pickOrg} aria-label="Org">
        ${orgs.map((o) => html`<option value=${o.org}>${o.org}</option>`)}
        <option value="+">Sign in to another org…</option>
      </select>
    </label>
    <form class="inline" onSubmit=${applySandbox}>
      <label class="inline">Sandbox
        <input list="sandboxes" value=${sandbox} size="8" aria-label="Sandbox" onInput=${(e) => setSandbox(e.target.value)} onChange=${applySandbox} />
      </label>
      <datalist id="sandboxes">${s.sandboxes.map((n) => html`<option value=${n} />`)}</datalist>
    </form>
  </div>`;
}

function Shell({ s, path, onScope }) {
  const [offline, setOffline] = useState(null);
  useEffect(() => A.onFailure((f) => { if (f.kind === 'offline') setOffline(f); }), []);
  let view = null;
  for (const [re, View] of routes) {
    const m = path.match(re);
    if (m) { view = html`<${View} key=${`${s.org}/${s.sandbox}/${path}`} id=${m[1]} go=${go} />`; break; }
  }
  const nav = [['/flows', 'Dataflows'], ['/connections', 'Connections'], ['/datasets', 'Datasets']];
  const active = (p) => path === p || path.startsWith(p + '/');
  return html`<div class="shell">
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main').focus(); }}>Skip to content</a>
    <header class="topbar">
      <a class="brand" href="#/flows"><span class="logo" aria-hidden="true"></span>fluxo</a>
      <nav aria-label="Main">
        ${nav.map(([p, label]) => html`<a href=${'#' + p} class=${active(p) ? 'on' : ''} aria-current=${active(p) ? 'page' : undefined}>${label}</a>`)}
      </nav>
      <a class="btn primary small" href="#/new">New dataflow</a>
      <div class="spacer"></div>
      <${OrgSandbox} s=${s} onChange=${onScope} />
      <button class="btn ghost small" onClick=${() => { A.signOut(); onScope(); }}>Sign out</button>
    </header>
    ${offline && html`<div class="banner" role="alert">
      <strong>The server went away.</strong> ${offline.message}
      <button class="btn small" onClick=${() => { setOffline(null); onScope(); }}>Retry</button>
    </div>`}
    <main id="main" tabindex="-1">${view || html`<div class="page"><h1>Not found</h1><p>No console page at ${path}.</p></div>`}</main>
  </div>`;
}

function App() {
  const [path, setPath] = useState(currentPath());
  const [tick, setTick] = useState(0);
  const [notice, setNotice] = useState('');
  const [adding, setAdding] = useState(false);
  useEffect(() => {
    const onHash = () => setPath(currentPath());
    const onSession = () => { setNotice(''); setAdding(false); setTick((t) => t + 1); };
    const onAdd = () => { setNotice('Sign in with a client of the other org.'); setAdding(true); };
    window.addEventListener('hashchange', onHash);
    window.addEventListener('fluxo-session', onSession);
    window.addEventListener('fluxo-add-org', onAdd);
    const off = A.onFailure((f) => {
      if (f.kind === 'expired') { setNotice('Your session expired: sign in again.'); setTick((t) => t + 1); }
    });
    return () => {
      window.removeEventListener('hashchange', onHash);
      window.removeEventListener('fluxo-session', onSession);
      window.removeEventListener('fluxo-add-org', onAdd);
      off();
    };
  }, []);
  const s = A.session();
  if (!s || adding) {
    return html`<${SignIn} key=${tick} notice=${notice} onCancel=${s ? () => { setAdding(false); setNotice(''); } : null} />`;
  }
  return html`<${Shell} key=${tick} s=${s} path=${path} onScope=${() => setTick((t) => t + 1)} />`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
