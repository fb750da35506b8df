// The console's API client: sign-in (POST /ims/token/v3), the signed-in sessions (one per org,
// in sessionStorage: gone when the tab closes, never in a URL), and calls to the public API with
// the four AEP headers. Errors become ApiFailure values carrying the API's own message.
export const FLOW = '/data/foundation/flowservice';
export const CATALOG = '/data/foundation/catalog';
export const EXPORT = '/data/foundation/export';

const STORE_KEY = 'fluxo.console.sessions';

// A failed call. kind: 'http' (the API answered an error), 'offline' (no answer), 'expired'
// (the token is no longer valid: sign in again).
export class ApiFailure extends Error {
  constructor(kind, { status = 0, code = '', message = '', detail = '', requestId = '' } = {}) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.requestId = requestId;
  }
}

// The error envelope (Flow Service), the gateway shape and IMS's shape, as the API wrote them.
function failureOf(status, body, text, requestId) {
  if (body && typeof body === 'object') {
    const code = body.type ? String(body.type).split('/').pop() : (body.error_code || body.error || '');
    const message = body.errorMessage || body.message || body.error_description || body.title || text;
    const detail = (body.report && body.report['detailed-message']) || '';
    return { status, code, message, detail: detail !== message ? detail : '', requestId };
  }
  return { status, code: String(status), message: text || `HTTP ${status}`, requestId };
}

// --- sessions ---------------------------------------------------------------------------------

function loadStore() {
  try {
    return JSON.parse(sessionStorage.getItem(STORE_KEY)) || { active: '', sessions: {} };
  } catch {
    return { active: '', sessions: {} };
  }
}
function saveStore(s) { sessionStorage.setItem(STORE_KEY, JSON.stringify(s)); }

// The active session {org, clientId, token, expiresAt (ms), sandbox, sandboxes[]} or null.
export function session() {
  const s = loadStore();
  const cur = s.sessions[s.active];
  return cur && cur.token ? cur : null;
}
export function sessions() { return Object.values(loadStore().sessions); }
export function lastClientId() {
  const s = loadStore();
  return (s.sessions[s.active] || {}).clientId || '';
}

export function switchOrg(org) {
  const s = loadStore();
  if (s.sessions[org]) { s.active = org; saveStore(s); }
}
export function switchSandbox(name) {
  const s = loadStore();
  const cur = s.sessions[s.active];
  if (!cur) return;
  cur.sandbox = name;
  if (!cur.sandboxes.includes(name)) cur.sandboxes.push(name);
  saveStore(s);
}
export function signOut() {
  const s = loadStore();
  delete s.sessions[s.active];
  s.active = Object.keys(s.sessions)[0] || '';
  saveStore(s);
}
// Forgets the active token (kept: client id, sandbox) so sign-in asks again.
export function expire() {
  const s = loadStore();
  const cur = s.sessions[s.active];
  if (cur) { cur.token = ''; saveStore(s); }
}

function orgOfToken(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload)).org || '';
  } catch {
    return '';
  }
}

// Signs in with the client-credentials grant. `org` may be empty: the token's org is used.
export async function signIn({ clientId, clientSecret, org = '', sandbox = 'prod' }) {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
  const res = await send('/ims/token/v3', {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.toString(),
  });
  const token = res.access_token;
  const theOrg = org || orgOfToken(token);
  if (!theOrg) throw new ApiFailure('http', { message: 'The token names no org: enter the org id (x-gw-ims-org-id).' });
  const s = loadStore();
  const prev = s.sessions[theOrg] || { sandboxes: [] };
  const sandboxes = prev.sandboxes.includes(sandbox) ? prev.sandboxes : [...prev.sandboxes, sandbox];
  s.sessions[theOrg] = {
    org: theOrg, clientId, token, expiresAt: Date.now() + (res.expires_in || 86400) * 1000, sandbox, sandboxes,
  };
  s.active = theOrg;
  saveStore(s);
  // Check the sandbox now, so a wrong name fails here with the API's message.
  try {
    await api.get(`${FLOW}/flows?limit=1`);
  } catch (e) {
    if (e.kind === 'http') { delete s.sessions[theOrg]; saveStore(s); }
    throw e;
  }
}

// --- calls ------------------------------------------------------------------------------------

const listeners = new Set();
// fn(failure) is called for every 'expired' and 'offline' failure (the shell reacts to them).
export function onFailure(fn) { listeners.add(fn); return () => listeners.delete(fn); }

async function send(path, init, { raw = false } = {}) {
  let res;
  try {
    res = await fetch(path, { ...init, credentials: 'omit', cache: 'no-store' });
  } catch {
    const f = new ApiFailure('offline', { message: `fluxo at ${location.host} is not answering.` });
    listeners.forEach((fn) => fn(f));
    throw f;
  }
  const requestId = res.headers.get('x-request-id') || '';
  if (raw && res.ok) return res;
  const text = await res.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  if (res.ok) return raw ? text : body;
  const info = failureOf(res.status, body, text, requestId);
  const expired = res.status === 401 && path !== '/ims/token/v3';
  const f = new ApiFailure(expired ? 'expired' : 'http', info);
  if (expired) { expire(); listeners.forEach((fn) => fn(f)); }
  if (res.status >= 502 && res.status <= 504) listeners.forEach((fn) => fn(new ApiFailure('offline', info)));
  return Promise.reject(f);
}

function headers(extra = {}) {
  const s = session();
  if (!s) throw new ApiFailure('expired', { message: 'Sign in first.' });
  return {
    Authorization: `Bearer ${s.token}`, 'x-api-key': s.clientId, 'x-gw-ims-org-id': s.org,
    'x-sandbox-name': s.sandbox, ...extra,
  };
}

export const api = {
  get: (path, opts = {}) => send(path, { headers: headers() }, opts),
  post: (path, body) => send(path, {
    method: 'POST',
    headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    body: body === undefined ? undefined : JSON.stringify(body),
  }),
  del: (path) => send(path, { method: 'DELETE', headers: headers() }),
  // The response itself (for downloads).
  fetchRaw: (path) => send(path, { headers: headers() }, { raw: true }),
};

// Every item of a Flow Service list (follows _links.next, at most `max` items).
export async function listAll(path, max = 1000) {
  const items = [];
  let next = path;
  while (next && items.length < max) {
    const page = await api.get(next);
    items.push(...(page.items || []));
    const href = page._links && page._links.next && page._links.next.href;
    next = href ? FLOW + href.replace(/^\/data\/foundation\/flowservice/, '') : null;
  }
  return items;
}

// A Catalog answer {"id": {...}, ...} as an array of objects with their id.
export function catalogItems(obj) {
  return Object.entries(obj || {}).map(([id, v]) => ({ id, ...v }));
}

// The created entity's id from a 201 answer (Flow Service {"id"} or Catalog ["@/dataSets/ID"]).
export function createdId(body) {
  if (Array.isArray(body)) return String(body[0]).split('/').pop();
  if (body && body.items) return body.items[0].id;
  return body.id;
}

// Downloads a batch file through the API (the token travels in a header, never in the URL).
export async function download(path, name) {
  const res = await api.fetchRaw(path);
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
