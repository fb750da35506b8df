// "New dataflow": source type, base connection, source, dataset, target and flow on one screen.
// The forms are generated from GET /connectionSpecs (authSpec, sourceSpec, dataSpec) and the
// flow spec from GET /flowSpecs; creation uses only the public API, one call per entity, and
// shows the API's own message at the step that failed.
import { html, useState } from './html.js';
import { api, listAll, FLOW, CATALOG, catalogItems, createdId } from './api.js';
import { useLoad, Loaded, Page, ErrorBox, Empty } from './ui.js';

// An array of {name, type} objects (a declared column list) is entered as "id long, amount double".
const isColumnList = (p) => p.type === 'array' && p.items && p.items.properties && p.items.properties.name
  && p.items.properties.type && (p.items.required || []).includes('type');

// The fields of a JSON Schema object the forms can enter: strings, numbers, booleans, enums and
// column lists.
function fieldsOf(schema) {
  const props = (schema && schema.properties) || {};
  const required = new Set((schema && schema.required) || []);
  return Object.entries(props)
    .filter(([, p]) => ['string', 'integer', 'number', 'boolean'].includes(p.type) || isColumnList(p))
    .map(([name, p]) => ({ name, ...p, columns: isColumnList(p), required: required.has(name) }));
}

function parseColumns(text) {
  return text.split(',').map((c) => c.trim()).filter(Boolean).map((c) => {
    const [name, ...type] = c.split(/\s+/);
    return { name, type: type.join(' ') || 'string' };
  });
}

// The values of `fields` to send: empty inputs are left out; numbers and booleans typed.
function valuesOf(fields, values) {
  const out = {};
  for (const f of fields) {
    const v = values[f.name];
    if (f.type === 'boolean') { if (v !== undefined && v !== (f.default ?? false)) out[f.name] = v; continue; }
    if (v === undefined || v === '') continue;
    out[f.name] = f.columns ? parseColumns(v) : f.type === 'integer' || f.type === 'number' ? Number(v) : v;
  }
  return out;
}

function Field({ f, value, onChange, prefix, options }) {
  const id = `${prefix}-${f.name}`;
  const label = html`<span>${f.name}${f.required ? html`<span class="req" aria-hidden="true"> *</span>` : ''}</span>`;
  const text = f.columns ? `${f.description || ''} Enter as "name type, name type" (e.g. "id long, amount double").` : f.description;
  const hint = text && html`<span class="hint" id=${`${id}-hint`}>${text}</span>`;
  if (f.type === 'boolean') {
    return html`<label class="check" for=${id}><input id=${id} name=${f.name} type="checkbox" checked=${value ?? f.default ?? false}
      onChange=${(e) => onChange(e.target.checked)} aria-describedby=${`${id}-hint`} />${label}${hint}</label>`;
  }
  if (f.enum) {
    return html`<label for=${id}>${label}<select id=${id} name=${f.name} value=${value ?? f.default ?? ''} onChange=${(e) => onChange(e.target.value)} aria-describedby=${`${id}-hint`}>
      ${!f.required && html`<option value="">(default)</option>`}${f.enum.map((o) => html`<option value=${o}>${o}</option>`)}
    </select>${hint}</label>`;
  }
  const type = f.format === 'password' ? 'password' : f.type === 'integer' || f.type === 'number' ? 'number' : 'text';
  return html`<label for=${id}>${label}<input id=${id} name=${f.name} type=${type} step=${f.type === 'number' ? 'any' : undefined} required=${f.required} value=${value ?? ''}
    placeholder=${f.default !== undefined ? String(f.default) : ''} list=${options ? `${id}-list` : undefined}
    autocomplete=${type === 'password' ? 'new-password' : 'off'} onInput=${(e) => onChange(e.target.value)} aria-describedby=${`${id}-hint`} />
    ${options && html`<datalist id=${`${id}-list`}>${options.map((o) => html`<option value=${o} />`)}</datalist>`}${hint}</label>`;
}

function Fields({ fields, values, set, prefix, options = {} }) {
  return html`<div class="fields">${fields.map((f) => html`<${Field} f=${f} prefix=${prefix} value=${values[f.name]}
    options=${options[f.name]} onChange=${(v) => set({ ...values, [f.name]: v })} />`)}</div>`;
}

const FREQS = ['once', 'minute', 'hour', 'day', 'week'];

function Wizard({ specs, flowSpecs, conns, datasets, go }) {
  const sources = specs.filter((s) => s.attributes && s.attributes.isSource);
  const lake = specs.find((s) => s.attributes && s.attributes.isDestination);
  const [specId, setSpecId] = useState('');
  const spec = sources.find((s) => s.id === specId);
  const [connMode, setConnMode] = useState('new');
  const [connId, setConnId] = useState('');
  const [authName, setAuthName] = useState('');
  const [connName, setConnName] = useState('');
  const [auth, setAuth] = useState({});
  const [srcVals, setSrcVals] = useState({});
  const [format, setFormat] = useState('');
  const [dsMode, setDsMode] = useState('new');
  const [dsId, setDsId] = useState('');
  const [dsName, setDsName] = useState('');
  const [flowName, setFlowName] = useState('');
  const [freq, setFreq] = useState('once');
  const [interval, setEvery] = useState('');
  const [delta, setDelta] = useState('');
  const [opts, setOpts] = useState({});
  const [steps, setSteps] = useState([]);
  const [busy, setBusy] = useState(false);

  const flowSpec = spec && flowSpecs.find((f) => (f.sourceConnectionSpecIds || []).includes(spec.id));
  const tableBased = spec && spec.attributes.fluxo ? spec.attributes.fluxo.sourceKind === 'table' : spec && spec.sourceSpec.name === 'Database';
  const authSpec = spec && (spec.authSpec.find((a) => a.name === authName) || spec.authSpec[0]);
  const authFields = authSpec ? fieldsOf(authSpec.spec) : [];
  const srcFields = spec ? fieldsOf(spec.sourceSpec.spec) : [];
  const optFields = flowSpec && flowSpec.optionSpec ? fieldsOf(flowSpec.optionSpec.spec) : [];
  const formats = spec && spec.sourceSpec.dataSpec ? ((spec.sourceSpec.dataSpec.properties.format || {}).enum || []) : [];
  const specConns = spec ? conns.filter((c) => c.connectionSpec.id === spec.id) : [];
  const tables = useLoad(async () => (connMode === 'existing' && connId && tableBased
    ? (await api.get(`${FLOW}/connections/${connId}/explore?objectType=root`)).map((t) => t.path) : []), [connMode, connId, tableBased]);

  const pick = (s) => {
    setSpecId(s.id);
    setAuthName(s.authSpec[0] ? s.authSpec[0].name : '');
    setAuth({});
    setSrcVals({});
    const fmts = s.sourceSpec.dataSpec ? ((s.sourceSpec.dataSpec.properties.format || {}).enum || []) : [];
    setFormat(fmts[0] || '');
    setConnMode(conns.some((c) => c.connectionSpec.id === s.id) ? 'existing' : 'new');
    setConnId((conns.find((c) => c.connectionSpec.id === s.id) || {}).id || '');
    setSteps([]);
  };

  const create = async (e) => {
    e.preventDefault();
    setBusy(true);
    const log = [];
    const step = async (what, fn) => {
      log.push({ what, state: 'busy' });
      setSteps([...log]);
      try {
        const v = await fn();
        log[log.length - 1] = { what, state: 'done', id: v };
        setSteps([...log]);
        return v;
      } catch (error) {
        log[log.length - 1] = { what, state: 'failed', error };
        setSteps([...log]);
        throw error;
      }
    };
    const name = flowName || `${spec.name} to ${dsMode === 'new' ? dsName || 'dataset' : 'dataset'}`;
    try {
      const ver = { id: spec.id, version: '1.0' };
      const base = connMode === 'existing' ? connId : await step('Base connection', async () => createdId(await api.post(`${FLOW}/connections`, {
        name: connName || `${spec.name} connection`, connectionSpec: ver, auth: { specName: authSpec.name, params: valuesOf(authFields, auth) },
      })));
      // A connection that cannot connect is removed again, so a corrected retry starts clean.
      await step('Connection test', async () => {
        try {
          await api.get(`${FLOW}/connections/${base}/test`);
        } catch (err) {
          if (connMode === 'new') await api.del(`${FLOW}/connections/${base}`).catch(() => {});
          throw err;
        }
        return base;
      });
      const src = await step('Source connection', async () => createdId(await api.post(`${FLOW}/sourceConnections`, {
        name: `${name} source`, baseConnectionId: base, connectionSpec: ver,
        data: { format: format || 'tabular' }, params: valuesOf(srcFields, srcVals),
      })));
      const ds = dsMode === 'existing' ? dsId : await step('Dataset', async () => createdId(await api.post(`${CATALOG}/dataSets`, { name: dsName || `${name} dataset` })));
      const tgt = await step('Target connection', async () => createdId(await api.post(`${FLOW}/targetConnections`, {
        name: `${name} target`, connectionSpec: { id: lake.id, version: '1.0' }, data: { format: 'parquet_xdm' }, params: { dataSetId: ds },
      })));
      const body = {
        name, flowSpec: { id: flowSpec.id, version: '1.0' }, sourceConnectionIds: [src], targetConnectionIds: [tgt],
        scheduleParams: { startTime: Math.floor(Date.now() / 1000) + (freq === 'once' ? 0 : 60), frequency: freq },
      };
      if (freq !== 'once' && interval) body.scheduleParams.interval = Number(interval);
      const options = valuesOf(optFields, opts);
      if (Object.keys(options).length) body.options = options;
      if (freq !== 'once' && delta && tableBased) body.transformations = [{ name: 'Copy', params: { deltaColumn: { name: delta } } }];
      const flow = await step('Dataflow', async () => createdId(await api.post(`${FLOW}/flows`, body)));
      go(`/flows/${flow}`);
    } catch {
      // The failed step shows the API's message.
    }
    setBusy(false);
  };

  return html`<form class="wizard" onSubmit=${create} aria-label="New dataflow">
    <section class="card"><h2><span class="stepno">1</span>Source type</h2>
      <div class="cards" role="radiogroup" aria-label="Source type">${sources.map((s) => html`<button type="button" role="radio" aria-checked=${s.id === specId}
          class=${`pick ${s.id === specId ? 'on' : ''}`} onClick=${() => pick(s)}>
        <span class="pick-title">${s.name}</span><span class="muted small">${(s.attributes.category || '').replace('cloudStorage', 'files')}</span>
      </button>`)}</div>
    </section>
    ${spec && html`
    <section class="card"><h2><span class="stepno">2</span>Connection</h2>
      <div class="seg" role="radiogroup" aria-label="Connection">
        <label><input type="radio" name="connMode" checked=${connMode === 'existing'} disabled=${!specConns.length} onChange=${() => setConnMode('existing')} /> Existing${specConns.length ? ` (${specConns.length})` : ''}</label>
        <label><input type="radio" name="connMode" checked=${connMode === 'new'} onChange=${() => setConnMode('new')} /> New</label>
      </div>
      ${connMode === 'existing' ? html`<label>Connection<select name="connection" value=${connId} onChange=${(e) => setConnId(e.target.value)}>
          ${specConns.map((c) => html`<option value=${c.id}>${c.name}</option>`)}</select></label>`
        : html`<div class="fields">
          <label for="conn-name">Name<input id="conn-name" name="connName" value=${connName} placeholder=${`${spec.name} connection`} onInput=${(e) => setConnName(e.target.value)} /></label>
          ${spec.authSpec.length > 1 && html`<label>Authentication<select value=${authName} onChange=${(e) => { setAuthName(e.target.value); setAuth({}); }}>${spec.authSpec.map((a) => html`<option value=${a.name}>${a.name}</option>`)}</select></label>`}
        </div>
        <${Fields} fields=${authFields} values=${auth} set=${setAuth} prefix="auth" />`}
    </section>
    <section class="card"><h2><span class="stepno">3</span>Source</h2>
      ${formats.length > 1 && html`<label>Format<select name="format" value=${format} onChange=${(e) => setFormat(e.target.value)}>${formats.map((f) => html`<option value=${f}>${f}</option>`)}</select></label>`}
      <${Fields} fields=${srcFields} values=${srcVals} set=${setSrcVals} prefix="src" options=${{ tableName: tables.data || [] }} />
    </section>
    <section class="card"><h2><span class="stepno">4</span>Target dataset</h2>
      <div class="seg" role="radiogroup" aria-label="Dataset">
        <label><input type="radio" name="dsMode" checked=${dsMode === 'existing'} disabled=${!datasets.length} onChange=${() => { setDsMode('existing'); setDsId(dsId || (datasets[0] || {}).id || ''); }} /> Existing</label>
        <label><input type="radio" name="dsMode" checked=${dsMode === 'new'} onChange=${() => setDsMode('new')} /> New</label>
      </div>
      ${dsMode === 'existing' ? html`<label>Dataset<select name="dataset" value=${dsId} onChange=${(e) => setDsId(e.target.value)}>${datasets.map((d) => html`<option value=${d.id}>${d.name}</option>`)}</select></label>`
        : html`<label for="ds-name">Dataset name<input id="ds-name" name="datasetName" value=${dsName} placeholder="e.g. orders" onInput=${(e) => setDsName(e.target.value)} /></label>`}
    </section>
    <section class="card"><h2><span class="stepno">5</span>Dataflow</h2>
      <div class="fields">
        <label for="flow-name">Name<input id="flow-name" name="flowName" value=${flowName} placeholder=${`${spec.name} to the lake`} onInput=${(e) => setFlowName(e.target.value)} /></label>
        <label for="freq">Schedule<select id="freq" name="frequency" value=${freq} onChange=${(e) => setFreq(e.target.value)}>${FREQS.map((f) => html`<option value=${f}>${f === 'once' ? 'once (Run now)' : `every ${f}`}</option>`)}</select></label>
        ${freq !== 'once' && html`<label for="interval">Interval<input id="interval" name="interval" type="number" min="1" placeholder=${freq === 'minute' ? '15' : '1'} value=${interval} onInput=${(e) => setEvery(e.target.value)} /></label>`}
        ${freq !== 'once' && tableBased && html`<label for="delta">Delta column<input id="delta" name="deltaColumn" placeholder="e.g. updated_at" value=${delta} onInput=${(e) => setDelta(e.target.value)} /></label>`}
      </div>
      ${optFields.length > 0 && html`<h3>Options</h3><${Fields} fields=${optFields} values=${opts} set=${setOpts} prefix="opt" />`}
      ${freq === 'once' && tableBased && html`<p class="muted small">A once dataflow runs with Run now; its first run names the delta column.</p>`}
      <ol class="steps" aria-label="Creation steps">${steps.map((s) => html`<li class=${s.state}>
        <span class="step-state">${s.state === 'done' ? '✓' : s.state === 'failed' ? '✕' : '…'}</span> ${s.what}
        ${s.error && html`<${ErrorBox} error=${s.error} />`}
      </li>`)}</ol>
      <button class="btn primary" type="submit" disabled=${busy || !flowSpec}>${busy ? 'Creating…' : 'Create dataflow'}</button>
    </section>`}
  </form>`;
}

export function NewFlowPage({ go }) {
  const state = useLoad(async () => {
    const [specs, flowSpecs, conns, ds] = await Promise.all([
      api.get(`${FLOW}/connectionSpecs`), api.get(`${FLOW}/flowSpecs`), listAll(`${FLOW}/connections?limit=100`),
      api.get(`${CATALOG}/dataSets?limit=100`)]);
    return { specs: specs.items, flowSpecs: flowSpecs.items, conns, datasets: catalogItems(ds) };
  }, []);
  return html`<${Page} title="New dataflow" sub="From a table or a folder of files to a dataset of the lake">
    <${Loaded} state=${state} what="connection specs">${(d) => (d.specs.length
      ? html`<${Wizard} ...${d} go=${go} />` : html`<${Empty} title="No connection specs">This fluxo build lists no sources.</${Empty}>`)}</${Loaded}>
  </${Page}>`;
}
