// Shared pieces of the views: formatting, loading hooks, status badges, error boxes, empty states.
import { html, useState, useEffect, useRef, useCallback } from './html.js';

// --- formatting -------------------------------------------------------------------------------

const nf = new Intl.NumberFormat('en-US');
export const num = (n) => (n === undefined || n === null ? '–' : nf.format(n));

export function bytes(n) {
  if (n === undefined || n === null) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

export function duration(ms) {
  if (ms === undefined || ms === null || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

// "2024-01-31 23:59:59 UTC" (the API's times are UTC; the console shows UTC everywhere).
export function utc(ms) {
  if (!ms && ms !== 0) return '–';
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}
export const utcSeconds = (s) => utc(s * 1000);

export function ago(ms, now = Date.now()) {
  if (!ms) return '–';
  const d = (now - ms) / 1000;
  const abs = Math.abs(d);
  const f = abs < 60 ? `${Math.round(abs)} s` : abs < 3600 ? `${Math.round(abs / 60)} min`
    : abs < 86400 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86400)} d`;
  return d >= 0 ? `${f} ago` : `in ${f}`;
}

export const runStatus = (run) => (run && run.metrics && run.metrics.statusSummary
  ? run.metrics.statusSummary.status : 'unknown');
export const runWindow = (run) => [Number(run.params.windowStartTime), Number(run.params.windowEndTime)];
export function runDuration(run) {
  const d = run.metrics && run.metrics.durationSummary;
  if (!d || !d.startedAtUTC) return null;
  return (d.completedAtUTC || Date.now()) - d.startedAtUTC;
}
export const isFinal = (status) => ['success', 'failed', 'cancelled'].includes(status);

// --- data loading -----------------------------------------------------------------------------

// Runs `load()` when `deps` change; with `pollMs`, again every pollMs while `keepPolling(data)`.
// Returns {data, error, loading, reload}.
export function useLoad(load, deps, { pollMs = 0, keepPolling = () => true } = {}) {
  const [state, setState] = useState({ data: undefined, error: null, loading: true });
  const gen = useRef(0);
  const reload = useCallback(async () => {
    const my = ++gen.current;
    try {
      const data = await load();
      if (my === gen.current) setState({ data, error: null, loading: false });
      return data;
    } catch (error) {
      if (my === gen.current) setState((s) => ({ data: s.data, error, loading: false }));
      return undefined;
    }
  }, deps);
  useEffect(() => {
    let stopped = false;
    let timer = null;
    const tick = async () => {
      const data = await reload();
      if (!stopped && pollMs && (data === undefined || keepPolling(data))) timer = setTimeout(tick, pollMs);
    };
    setState({ data: undefined, error: null, loading: true });
    tick();
    return () => { stopped = true; clearTimeout(timer); gen.current++; };
  }, [reload]);
  return { ...state, reload };
}

// --- components -------------------------------------------------------------------------------

export function Status({ status }) {
  const s = String(status || 'unknown');
  const label = { inProgress: 'in progress' }[s] || s;
  return html`<span class=${`badge st-${s}`}><span class="dot" aria-hidden="true"></span>${label}</span>`;
}

export function ErrorBox({ error, onRetry }) {
  if (!error) return null;
  if (error.kind === 'offline') {
    return html`<div class="alert warn" role="alert">
      <strong>The server went away.</strong> ${error.message} Check that <code>fluxo serve</code> is running.
      ${onRetry && html` <button class="btn small" onClick=${onRetry}>Retry</button>`}
    </div>`;
  }
  return html`<div class="alert error" role="alert">
    ${error.code && html`<span class="code">${error.code}</span> `}<span class="msg">${error.message}</span>
    ${error.detail && html`<div class="detail">${error.detail}</div>`}
    ${error.requestId && html`<div class="rid">request ${error.requestId}</div>`}
    ${onRetry && html` <button class="btn small" onClick=${onRetry}>Retry</button>`}
  </div>`;
}

export function Loading({ what = '' }) {
  return html`<div class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Loading ${what}…</div>`;
}

export function Empty({ title, children }) {
  return html`<div class="empty"><div class="empty-title">${title}</div><div class="empty-body">${children}</div></div>`;
}

// A view's frame: loading, error (with retry) and empty states around `children(data)`.
export function Loaded({ state, what, children }) {
  if (state.loading && state.data === undefined) return html`<${Loading} what=${what} />`;
  if (state.error && state.data === undefined) return html`<${ErrorBox} error=${state.error} onRetry=${state.reload} />`;
  return html`${state.error && html`<${ErrorBox} error=${state.error} onRetry=${state.reload} />`}${children(state.data)}`;
}

export function Page({ title, sub, actions, children }) {
  return html`<section class="page">
    <header class="page-head">
      <div><h1>${title}</h1>${sub && html`<div class="sub">${sub}</div>`}</div>
      <div class="actions">${actions}</div>
    </header>
    ${children}
  </section>`;
}

export function KV({ items }) {
  return html`<dl class="kv">${items.filter(Boolean).map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>`;
}

export function Stat({ label, value, sub }) {
  return html`<div class="stat"><div class="stat-label">${label}</div><div class="stat-value">${value}</div>${sub && html`<div class="stat-sub">${sub}</div>`}</div>`;
}

export const short = (id) => (id ? String(id).slice(0, 8) : '');

// A button that runs an async action, shows it is busy, and reports the API's error beside it.
export function ActionButton({ onAction, children, kind = '', label, disabled }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const click = async () => {
    setBusy(true);
    setError(null);
    try { await onAction(); } catch (e) { setError(e); }
    setBusy(false);
  };
  return html`<span class="action">
    <button class=${`btn ${kind}`} onClick=${click} disabled=${busy || disabled} aria-label=${label}>${busy ? '…' : children}</button>
    ${error && html`<${ErrorBox} error=${error} />`}
  </span>`;
}

// A table with a header row; `rows` of cells; empty rows render `empty`.
export function Table({ head, rows, empty, label }) {
  if (!rows.length && empty) return empty;
  return html`<div class="table-wrap"><table aria-label=${label}>
    <thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
    <tbody>${rows}</tbody>
  </table></div>`;
}
