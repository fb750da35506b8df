// One run: live metrics while in progress (progress bar when the source estimates its total,
// rows/s, bytes, files), activities, errors with codes, the first failed rows with file and line,
// the batch's files with download, and the verification of a finished run (op=verify: the window
// counted again at the source, drift = source - landed - failed).
import { html } from './html.js';
import { api, FLOW, EXPORT, download } from './api.js';
import {
  useLoad, Loaded, Page, Status, Stat, KV, Table, ErrorBox, Empty, ActionButton, num, bytes, duration, utc, utcSeconds,
  runStatus, runWindow, runDuration, isFinal, short,
} from './ui.js';
import { runActions } from './flows.js';

function batchIdOf(run) {
  const promo = (run.activities || []).find((a) => a.id === 'promotionActivity');
  const t = promo && promo.targetInfo && promo.targetInfo[0];
  return t && t.reference && t.reference.ids ? t.reference.ids[0] : null;
}

function Progress({ run }) {
  const m = run.metrics;
  const rs = m.recordSummary || {};
  const ss = m.sizeSummary || {};
  const estRows = rs.estimatedInputRecordCount;
  const estBytes = ss.estimatedInputBytes;
  let frac = null;
  let what = '';
  if (estRows) { frac = (rs.inputRecordCount || 0) / estRows; what = `${num(rs.inputRecordCount || 0)} of about ${num(estRows)} rows`; }
  else if (estBytes) { frac = (ss.inputBytes || 0) / estBytes; what = `${bytes(ss.inputBytes || 0)} of about ${bytes(estBytes)}`; }
  const st = runStatus(run);
  if (st === 'success') frac = 1;
  if (frac === null) {
    if (isFinal(st)) return null;
    return html`<div>
      <div class="progress indeterminate" role="progressbar" aria-label="Run progress" aria-valuetext="no estimate of the total"><div></div></div>
      <div class="muted small">${st === 'scheduled' ? 'waiting for a worker' : 'reading: the source gives no estimate of its total'}</div>
    </div>`;
  }
  const pct = Math.max(0, Math.min(100, frac * 100));
  return html`<div>
    <div class=${`progress st-${st}`} role="progressbar" aria-label="Run progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${Math.round(pct)}><div style=${{ width: `${pct}%` }}></div></div>
    <div class="muted small">${what || 'complete'} · ${pct.toFixed(0)}%</div>
  </div>`;
}

function Metrics({ run }) {
  const m = run.metrics;
  const rs = m.recordSummary || {};
  const ss = m.sizeSummary || {};
  const fs = m.fileSummary || {};
  const ms = runDuration(run);
  const rate = ms && ms > 0 ? ((rs.inputRecordCount || 0) * 1000) / ms : null;
  return html`<div class="stats">
    <${Stat} label="Records read" value=${num(rs.inputRecordCount)} />
    <${Stat} label="Records written" value=${num(rs.outputRecordCount)} />
    <${Stat} label="Failed records" value=${num(rs.failedRecordCount)} />
    <${Stat} label="Rows/s" value=${rate === null ? '–' : num(Math.round(rate))} />
    <${Stat} label="Bytes in / out" value=${bytes(ss.inputBytes)} sub=${`${bytes(ss.outputBytes)} written`} />
    <${Stat} label="Files in / out" value=${`${num(fs.inputFileCount)} / ${num(fs.outputFileCount)}`} />
    <${Stat} label="Duration" value=${duration(ms)} />
  </div>`;
}

function Activities({ run }) {
  return html`<${Table} label="Activities" head=${['Activity', 'Status', 'Started', 'Completed', 'Records in / out', 'Target']}
    rows=${(run.activities || []).map((a) => {
      const d = a.durationSummary || {};
      const rs = a.recordSummary || {};
      const t = (a.targetInfo || [])[0];
      return html`<tr>
        <td>${a.name || a.id}</td>
        <td><${Status} status=${(a.statusSummary || {}).status} /></td>
        <td>${utc(d.startedAtUTC)}</td>
        <td>${utc(d.completedAtUTC)}</td>
        <td class="num">${num(rs.inputRecordCount)} / ${num(rs.outputRecordCount)}</td>
        <td>${t && t.reference ? html`batch <span class="mono">${t.reference.ids.join(', ')}</span>` : '–'}</td>
      </tr>`;
    })} />`;
}

function Errors({ run }) {
  const errors = (run.metrics.statusSummary || {}).errors || [];
  if (!errors.length) return null;
  return html`<section class="card" aria-labelledby="err-title">
    <h2 id="err-title">Errors</h2>
    <ul class="errors">${errors.map((e) => html`<li>
      <span class="code">${e.code}</span> <span class="msg">${e.message}</span>
      ${e.recordCount !== undefined && html` <span class="muted">(${num(e.recordCount)} records)</span>`}
    </li>`)}</ul>
  </section>`;
}

function FailedRows({ batchId }) {
  // The run turns success when its batch commits; the batch is readable a moment later (once
  // its manifest is written): a 404 is asked again a few times before it means "no rows".
  const state = useLoad(async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await api.fetchRaw(`${EXPORT}/batches/${batchId}/meta?path=row_errors`);
        return await res.text();
      } catch (e) {
        if (e.status !== 404) throw e;
        if (attempt >= 5) return '';
        await new Promise((r) => setTimeout(r, 400));
      }
    }
  }, [batchId]);
  return html`<${Loaded} state=${state} what="failed rows">${(text) => {
    const rows = (typeof text === 'string' ? text.split('\n') : []).filter(Boolean).slice(0, 25).map((l) => {
      try { return JSON.parse(l); } catch { return { message: l }; }
    });
    if (!rows.length) return null;
    return html`<section class="card" aria-labelledby="rows-title">
      <h2 id="rows-title">First failed rows</h2>
      <${Table} label="Failed rows" head=${['File', 'Line', 'Code', 'Message', 'Row']}
        rows=${rows.map((r) => html`<tr>
          <td class="mono small">${r.file || '–'}</td><td class="num">${r.line ?? '–'}</td>
          <td><span class="code">${r.code || ''}</span></td><td>${r.message || ''}</td>
          <td class="mono small clip">${r.record !== undefined ? JSON.stringify(r.record) : r.raw || ''}</td>
        </tr>`)} />
    </section>`;
  }}</${Loaded}>`;
}

function BatchFiles({ batchId }) {
  // Retried every second while it fails (the batch becomes readable just after the run ends).
  const state = useLoad(() => api.get(`${EXPORT}/batches/${batchId}/files`), [batchId],
    { pollMs: 1000, keepPolling: () => false });
  return html`<section class="card" aria-labelledby="files-title">
    <h2 id="files-title">Batch files <span class="mono muted">${batchId}</span></h2>
    <${Loaded} state=${state} what="files">${(res) => html`<${Table} label="Batch files" head=${['File', 'Records', 'Size', '']}
      empty=${html`<p class="muted">No files.</p>`}
      rows=${res.data.map((f) => html`<tr>
        <td class="mono">${f.name}</td><td class="num">${num(f.records)}</td><td class="num">${bytes(f.length)}</td>
        <td class="right"><button class="btn small" onClick=${() => download(`${EXPORT}/files/${f.dataSetFileId}`, f.name)} aria-label=${`Download ${f.name}`}>Download</button></td>
      </tr>`)} />`}</${Loaded}>
  </section>`;
}


// fluxo.verification of the run, and a button that verifies it (again). Only finished runs.
function Verification({ run, reload }) {
  const v = (run.fluxo || {}).verification;
  const verify = async () => {
    await api.post(`${FLOW}/runs/${run.id}/action?op=verify`);
    await reload();
  };
  const drift = v ? v.drift : null;
  const verdict = v === undefined ? null : drift === 0
    ? html`<span class="verdict clean">Clean: every row of the window is accounted for</span>`
    : html`<span class="verdict drift">Drift of ${num(drift)} ${Math.abs(drift) === 1 ? 'row' : 'rows'}: ${drift > 0
      ? 'the source has rows of this window the run did not land (re-run the window with replace)'
      : 'the source has fewer rows than the run took'}</span>`;
  return html`<section class="card verification" aria-labelledby="verify-title" data-drift=${v ? String(drift) : ''}>
    <div class="card-head">
      <h2 id="verify-title">Verification</h2>
      <${ActionButton} kind="small" label=${`Verify run ${run.id}`} onAction=${verify}>${v ? 'Verify again' : 'Verify'}</${ActionButton}>
    </div>
    ${v ? html`
      <div class="stats">
        <${Stat} label="Source records" value=${num(v.sourceRecordCount)} />
        <${Stat} label="Landed" value=${num(v.landedRecordCount)} />
        <${Stat} label="Failed" value=${num(v.failedRecordCount)} />
        <${Stat} label="Drift" value=${num(v.drift)} sub=${`verified ${utc(v.verifiedAt)}`} />
      </div>
      <p>${verdict}</p>`
    : html`<p class="muted">Counts the rows of this window at the source again, with the run's predicate, and compares them with what the run landed.</p>`}
  </section>`;
}

export function RunPage({ id, go }) {
  const state = useLoad(async () => (await api.get(`${FLOW}/runs/${id}`)).items[0], [id],
    { pollMs: 1000, keepPolling: (run) => !isFinal(runStatus(run)) });
  return html`<${Loaded} state=${state} what="the run">${(run) => {
    const st = runStatus(run);
    const [a, b] = runWindow(run);
    const batchId = batchIdOf(run);
    const rs = run.metrics.recordSummary || {};
    return html`<${Page} title=${html`Run <span class="mono">${short(run.id)}</span>`}
        sub=${html`<${Status} status=${st} /> <a href=${`#/flows/${run.flowId}`}>dataflow ${short(run.flowId)}</a> · window [${utcSeconds(a)}, ${utcSeconds(b)})`}
        actions=${runActions(run, state.reload, go)}>
      <div class="card" data-status=${st}>
        <${Progress} run=${run} />
        <${Metrics} run=${run} />
        <${KV} items=${[
          ['Run id', html`<span class="mono">${run.id}</span>`],
          ['Created', utc(run.createdAt)],
          ['Started', utc((run.metrics.durationSummary || {}).startedAtUTC)],
          ['Completed', utc((run.metrics.durationSummary || {}).completedAtUTC)],
          run.fluxo && ['Attempt', num(run.fluxo.attempt)],
          run.fluxo && run.fluxo.nullDeltaRows ? ['Rows with a NULL delta', num(run.fluxo.nullDeltaRows)] : null,
        ]} />
      </div>
      <${Errors} run=${run} />
      ${batchId && rs.failedRecordCount > 0 && isFinal(st) && html`<${FailedRows} batchId=${batchId} />`}
      <section class="card" aria-labelledby="act-title"><h2 id="act-title">Activities</h2><${Activities} run=${run} /></section>
      ${isFinal(st) && html`<${Verification} run=${run} reload=${state.reload} />`}
      ${batchId && st === 'success' && html`<${BatchFiles} batchId=${batchId} />`}
      ${st === 'scheduled' && html`<${Empty} title="Waiting for a worker">The run starts when a worker claims it; this page updates by itself.</${Empty}>`}
    </${Page}>`;
  }}</${Loaded}>`;
}
