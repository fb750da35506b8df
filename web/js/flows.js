// Dataflows: the list (state, schedule, last run, next run, enable/disable) and one dataflow's
// page (runs timeline, records and duration per run, Run now with a window picker, re-trigger,
// cancel).
import { html, useState } from './html.js';
import { api, listAll, FLOW, CATALOG } from './api.js';
import {
  useLoad, Loaded, Page, Status, Empty, Table, ActionButton, ErrorBox, KV, ago, utc, utcSeconds, num,
  bytes, duration, runStatus, runWindow, runDuration, isFinal, short,
} from './ui.js';
import { Timeline, RecordsChart, DurationChart } from './charts.js';

const PERIOD = { minute: 60, hour: 3600, day: 86400, week: 604800 };

export function schedule(flow) {
  const p = flow.scheduleParams || {};
  if (!p.frequency || p.frequency === 'once') return 'once (Run now)';
  const n = Number(p.interval || 1);
  return `every ${n === 1 ? '' : n + ' '}${p.frequency}${n === 1 ? '' : 's'}`;
}

// The next scheduled run time (ms) from scheduleParams, or null for a `once` or disabled flow.
export function nextRun(flow, now = Date.now()) {
  const p = flow.scheduleParams || {};
  if (!p.frequency || p.frequency === 'once' || flow.state !== 'enabled') return null;
  const period = PERIOD[p.frequency] * Number(p.interval || 1);
  const start = Number(p.startTime);
  const t = now / 1000;
  if (t <= start) return start * 1000;
  return (start + Math.ceil((t - start) / period) * period) * 1000;
}

async function toggle(flow, reload) {
  const op = flow.state === 'enabled' ? 'disable' : 'enable';
  await api.post(`${FLOW}/flows/${flow.id}/action?op=${op}`);
  await reload();
}

const LAST_STATES = ['success', 'failed', 'inProgress', 'scheduled', 'cancelled'];

export function FlowsPage({ go }) {
  const [filter, setFilter] = useState('');
  const [last, setLast] = useState('');
  const [source, setSource] = useState('');
  const state = useLoad(async () => {
    const [flows, specs] = await Promise.all([
      listAll(`${FLOW}/flows?limit=100`), api.get(`${FLOW}/connectionSpecs`)]);
    const specName = Object.fromEntries(specs.items.map((s) => [s.id, s.name]));
    return { flows, specName };
  }, [], { pollMs: 5000 });
  return html`<${Page} title="Dataflows" sub="Every dataflow of this org and sandbox"
      actions=${html`<input type="search" placeholder="Filter by name" aria-label="Filter dataflows by name" value=${filter} onInput=${(e) => setFilter(e.target.value)} />`}>
    <${Loaded} state=${state} what="dataflows">${({ flows, specName }) => {
      const srcSpec = (f) => {
        const sc = (f.inheritedAttributes || {}).sourceConnections || [];
        return sc.length ? specName[sc[0].connectionSpec.id] || sc[0].connectionSpec.id : '–';
      };
      const sources = [...new Set(flows.map(srcSpec))].sort();
      const shown = flows.filter((f) => f.name.toLowerCase().includes(filter.toLowerCase())
        && (!last || (f.lastRunDetails || {}).state === last) && (!source || srcSpec(f) === source));
      const counts = LAST_STATES.map((st) => [st, flows.filter((f) => (f.lastRunDetails || {}).state === st).length]);
      const filters = flows.length > 0 && html`<div class="filters">
        <label class="inline">Last run<select aria-label="Filter by last run status" value=${last} onChange=${(e) => setLast(e.target.value)}>
          <option value="">any</option>${counts.map(([st, n]) => html`<option value=${st}>${st} (${n})</option>`)}
        </select></label>
        <label class="inline">Source<select aria-label="Filter by source" value=${source} onChange=${(e) => setSource(e.target.value)}>
          <option value="">any</option>${sources.map((n) => html`<option value=${n}>${n}</option>`)}
        </select></label>
        <span class="muted small">${shown.length} of ${flows.length} dataflows · ${counts.find(([st]) => st === 'failed')[1]} with a failed last run</span>
      </div>`;
      return html`${filters}<${Table} label="Dataflows" head=${['Name', 'Source', 'State', 'Schedule', 'Last run', 'Next run', '']}
        empty=${html`<${Empty} title=${flows.length ? 'No dataflow matches the filter' : 'No dataflows yet'}>
          ${flows.length ? 'Clear the filter to see every dataflow.' : html`Create one from a SQLite, PostgreSQL or MySQL table, a local folder or S3. <a class="btn primary small" href="#/new">New dataflow</a>`}
        </${Empty}>`}
        rows=${shown.map((f) => {
          const last = f.lastRunDetails;
          const next = nextRun(f);
          return html`<tr>
            <td><a class="strong" href=${`#/flows/${f.id}`}>${f.name}</a><div class="muted mono">${short(f.id)}</div></td>
            <td>${srcSpec(f)}</td>
            <td><${Status} status=${f.state} /></td>
            <td>${schedule(f)}</td>
            <td>${last ? html`<a href=${`#/runs/${last.id}`}><${Status} status=${last.state} /></a> <span class="muted">${ago(last.completedAtUTC || last.startedAtUTC)}</span>` : html`<span class="muted">never</span>`}</td>
            <td>${next ? html`<span title=${utc(next)}>${ago(next)}</span>` : html`<span class="muted">–</span>`}</td>
            <td class="right"><${ActionButton} kind="small" label=${`${f.state === 'enabled' ? 'Disable' : 'Enable'} ${f.name}`} onAction=${() => toggle(f, state.reload)}>${f.state === 'enabled' ? 'Disable' : 'Enable'}</${ActionButton}></td>
          </tr>`;
        })} />`;
    }}</${Loaded}>
  </${Page}>`;
}

// --- one dataflow -----------------------------------------------------------------------------

function toLocalInput(s) { return new Date(s * 1000).toISOString().slice(0, 16); }
function fromInput(v) { return Math.floor(Date.parse(v + ':00Z') / 1000); }

function RunNow({ flow, runs, onDone }) {
  const now = Math.floor(Date.now() / 1000);
  const lastEnd = runs.reduce((m, r) => Math.max(m, runWindow(r)[1] || 0), 0);
  const [start, setStart] = useState(toLocalInput(lastEnd || now - 86400));
  const [end, setEnd] = useState(toLocalInput(now));
  const copy = (flow.transformations || []).find((t) => t.name === 'Copy');
  const hasDelta = copy && copy.params && copy.params.deltaColumn;
  const tableBased = flow.flowSpec.id === '14518937-270c-4525-bdec-c2ba7cce3860';
  const [delta, setDelta] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const presets = [['Last hour', 3600], ['Last day', 86400], ['Last 7 days', 604800]];
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const params = { windowStartTime: fromInput(start), windowEndTime: fromInput(end) };
    if (delta) params.deltaColumn = { name: delta };
    try {
      const r = await api.post(`${FLOW}/runs`, { flowId: flow.id, params });
      onDone(r.items[0].id);
    } catch (err) {
      setError(err);
    }
    setBusy(false);
  };
  return html`<form class="card runnow" onSubmit=${submit} aria-label="Run now">
    <h2>Run now</h2>
    <p class="muted">The run reads the half-open window [start, end) in UTC${tableBased ? ' of the delta column' : ' (files modified in it)'}.</p>
    <div class="presets">
      ${lastEnd > 0 && html`<button type="button" class="btn small" onClick=${() => { setStart(toLocalInput(lastEnd)); setEnd(toLocalInput(now)); }}>Since the last window</button>`}
      ${presets.map(([label, s]) => html`<button type="button" class="btn small" onClick=${() => { setStart(toLocalInput(now - s)); setEnd(toLocalInput(now)); }}>${label}</button>`)}
      <button type="button" class="btn small" onClick=${() => { setStart(toLocalInput(0)); setEnd(toLocalInput(now)); }}>Everything until now</button>
    </div>
    <div class="row3">
      <label>Window start (UTC)<input type="datetime-local" name="windowStart" required value=${start} onInput=${(e) => setStart(e.target.value)} /></label>
      <label>Window end (UTC)<input type="datetime-local" name="windowEnd" required value=${end} onInput=${(e) => setEnd(e.target.value)} /></label>
      ${tableBased && html`<label>Delta column ${hasDelta ? html`<span class="muted">(flow: ${copy.params.deltaColumn.name})</span>` : ''}
        <input name="deltaColumn" placeholder=${hasDelta ? copy.params.deltaColumn.name : 'e.g. updated_at'} value=${delta} onInput=${(e) => setDelta(e.target.value)} /></label>`}
    </div>
    <${ErrorBox} error=${error} />
    <button class="btn primary" type="submit" disabled=${busy}>${busy ? 'Starting…' : 'Start run'}</button>
  </form>`;
}

export function RunsTable({ runs, reload, go }) {
  return html`<${Table} label="Runs" head=${['Run', 'Status', 'Window (UTC)', 'Records', 'Failed', 'Bytes', 'Duration', 'Started', '']}
    empty=${html`<${Empty} title="No runs yet">Use Run now to ingest a window.</${Empty}>`}
    rows=${runs.map((r) => {
      const st = runStatus(r);
      const [a, b] = runWindow(r);
      const rs = r.metrics.recordSummary || {};
      return html`<tr>
        <td><a class="mono" href=${`#/runs/${r.id}`}>${short(r.id)}</a></td>
        <td><${Status} status=${st} /></td>
        <td class="mono small">${utcSeconds(a)} → ${utcSeconds(b)}</td>
        <td class="num">${num(rs.outputRecordCount)}</td>
        <td class=${`num ${rs.failedRecordCount ? 'bad' : ''}`}>${num(rs.failedRecordCount)}</td>
        <td class="num">${bytes((r.metrics.sizeSummary || {}).inputBytes)}</td>
        <td class="num">${duration(runDuration(r))}</td>
        <td>${ago((r.metrics.durationSummary || {}).startedAtUTC || r.createdAt)}</td>
        <td class="right">${runActions(r, reload, go)}</td>
      </tr>`;
    })} />`;
}

export function runActions(r, reload, go) {
  const st = runStatus(r);
  const out = [];
  if (st === 'failed' || (st === 'success' && !(r.metrics.recordSummary || {}).outputRecordCount)) {
    out.push(html`<${ActionButton} kind="small" label=${`Re-trigger run ${r.id}`} onAction=${async () => {
      const res = await api.post(`${FLOW}/runs/${r.id}/action?op=re-trigger`);
      if (go && res.id) go(`/runs/${res.id}`); else await reload();
    }}>Re-trigger</${ActionButton}>`);
  }
  if (!isFinal(st)) {
    out.push(html`<${ActionButton} kind="small danger" label=${`Cancel run ${r.id}`} onAction=${async () => {
      await api.post(`${FLOW}/runs/${r.id}/action?op=cancel`);
      await reload();
    }}>Cancel</${ActionButton}>`);
  }
  return out;
}

export function FlowPage({ id, go }) {
  const [showRun, setShowRun] = useState(false);
  const state = useLoad(async () => {
    const flow = (await api.get(`${FLOW}/flows/${id}`)).items[0];
    const runs = await listAll(`${FLOW}/runs?property=flowId==${encodeURIComponent(id)}&limit=200`, 400);
    const src = flow.sourceConnectionIds[0] ? (await api.get(`${FLOW}/sourceConnections/${flow.sourceConnectionIds[0]}`)).items[0] : null;
    const tgt = flow.targetConnectionIds[0] ? (await api.get(`${FLOW}/targetConnections/${flow.targetConnectionIds[0]}`)).items[0] : null;
    return { flow, runs, src, tgt };
  }, [id], { pollMs: 2000 });
  return html`<${Loaded} state=${state} what="the dataflow">${({ flow, runs, src, tgt }) => {
    const chron = [...runs].sort((a, b) => a.createdAt - b.createdAt);
    const open = (r) => go(`/runs/${r.id}`);
    const copy = (flow.transformations || []).find((t) => t.name === 'Copy');
    const dsId = tgt && tgt.params && tgt.params.dataSetId;
    const okRuns = runs.filter((r) => runStatus(r) === 'success');
    const total = okRuns.reduce((s, r) => s + ((r.metrics.recordSummary || {}).outputRecordCount || 0), 0);
    const finished = runs.filter((r) => isFinal(runStatus(r)) && runStatus(r) !== 'cancelled');
    const failedRecords = runs.reduce((s, r) => s + ((r.metrics.recordSummary || {}).failedRecordCount || 0), 0);
    return html`<${Page} title=${flow.name} sub=${html`<${Status} status=${flow.state} /> <span class="mono muted">${flow.id}</span>`}
        actions=${html`
          <${ActionButton} label=${flow.state === 'enabled' ? 'Disable dataflow' : 'Enable dataflow'} onAction=${() => toggle(flow, state.reload)}>${flow.state === 'enabled' ? 'Disable' : 'Enable'}</${ActionButton}>
          <button class="btn primary" onClick=${() => setShowRun(!showRun)} aria-expanded=${showRun}>Run now</button>`}>
      ${showRun && html`<${RunNow} flow=${flow} runs=${runs} onDone=${(rid) => { setShowRun(false); go(`/runs/${rid}`); }} />`}
      <div class="card">
        <${KV} items=${[
          ['Source', src ? html`${src.name} <span class="muted">(${src.params.tableName || src.params.path || ''})</span>` : '–'],
          ['Target dataset', dsId ? html`<a href=${`#/datasets/${dsId}`}>${dsId}</a>` : '–'],
          ['Schedule', schedule(flow)],
          ['Delta column', copy && copy.params && copy.params.deltaColumn ? copy.params.deltaColumn.name : '–'],
          ['Runs', `${runs.length} (${okRuns.length} successful, ${num(total)} records)`],
          ['Success rate', finished.length ? `${Math.round((100 * okRuns.length) / finished.length)}% of ${finished.length} finished runs` : '–'],
          ['Failed records', num(failedRecords)],
          ['Next run', nextRun(flow) ? utc(nextRun(flow)) : '–'],
        ]} />
      </div>
      <section class="card" aria-labelledby="tl-title">
        <h2 id="tl-title">Windows</h2>
        ${runs.length ? html`<${Timeline} runs=${chron} onOpen=${open} />` : html`<p class="muted">No runs yet: the timeline shows each run's window once there are runs.</p>`}
      </section>
      ${runs.length > 0 && html`<div class="grid2">
        <div class="card"><${RecordsChart} runs=${chron} onOpen=${open} /></div>
        <div class="card"><${DurationChart} runs=${chron} onOpen=${open} /></div>
      </div>`}
      <section class="card" aria-labelledby="runs-title">
        <h2 id="runs-title">Runs</h2>
        <${RunsTable} runs=${runs} reload=${state.reload} go=${go} />
      </section>
    </${Page}>`;
  }}</${Loaded}>`;
}
