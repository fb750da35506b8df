// Datasets: the list, and one dataset's schema, batches (with their files) and a preview of its
// first rows, read from the lake by fluxo (GET /export/datasets/{id}/preview).
import { html, useState } from './html.js';
import { api, CATALOG, EXPORT, catalogItems, download } from './api.js';
import { useLoad, Loaded, Page, Status, Empty, Table, KV, ago, utc, num, bytes, short } from './ui.js';
import { PreviewTable } from './connections.js';

export function DatasetsPage() {
  const state = useLoad(async () => catalogItems(await api.get(`${CATALOG}/dataSets?limit=100`)), []);
  return html`<${Page} title="Datasets" sub="Datasets of the data lake">
    <${Loaded} state=${state} what="datasets">${(sets) => html`<${Table} label="Datasets" head=${['Name', 'Schema', 'State', 'Created', 'Updated']}
      empty=${html`<${Empty} title="No datasets yet">A dataset is created with a dataflow's target. <a class="btn primary small" href="#/new">New dataflow</a></${Empty}>`}
      rows=${sets.sort((a, b) => b.createdAt - a.createdAt).map((d) => html`<tr>
        <td><a class="strong" href=${`#/datasets/${d.id}`}>${d.name}</a><div class="muted mono">${d.id}</div></td>
        <td>${d.schema ? `${d.schema.columns.length} columns, v${d.schema.version}` : html`<span class="muted">set by the first batch</span>`}</td>
        <td><${Status} status=${(d.state || 'draft').toLowerCase()} /></td>
        <td title=${utc(d.createdAt)}>${ago(d.createdAt)}</td>
        <td title=${utc(d.updatedAt)}>${ago(d.updatedAt)}</td>
      </tr>`)} />`}</${Loaded}>
  </${Page}>`;
}

function Files({ batchId }) {
  const state = useLoad(() => api.get(`${EXPORT}/batches/${batchId}/files`), [batchId]);
  return html`<${Loaded} state=${state} what="files">${(res) => html`<ul class="files">${res.data.map((f) => html`<li>
    <span class="mono">${f.name}</span> <span class="muted">${num(f.records)} records · ${bytes(f.length)}</span>
    <button class="btn small" onClick=${() => download(`${EXPORT}/files/${f.dataSetFileId}`, f.name)} aria-label=${`Download ${f.name}`}>Download</button>
  </li>`)}</ul>`}</${Loaded}>`;
}

function Batches({ id }) {
  const [open, setOpen] = useState(null);
  const state = useLoad(async () => catalogItems(await api.get(`${CATALOG}/batches?dataSet=${encodeURIComponent(id)}&limit=100`)), [id]);
  return html`<${Loaded} state=${state} what="batches">${(batches) => html`<${Table} label="Batches"
    head=${['Batch', 'Status', 'Records', 'Failed', 'Files', 'Bytes in', 'Created', '']}
    empty=${html`<p class="muted">No batches yet: run the dataflow that targets this dataset.</p>`}
    rows=${batches.sort((a, b) => b.createdAt - a.createdAt).map((b) => {
      const m = b.metrics || {};
      return html`<tr>
        <td class="mono">${b.id}</td>
        <td><${Status} status=${b.status} /></td>
        <td class="num">${num(m.outputRecordCount)}</td>
        <td class="num">${num(m.failedRecordCount)}</td>
        <td class="num">${num((b.files || []).length)}</td>
        <td class="num">${bytes(m.inputByteSize)}</td>
        <td title=${utc(b.createdAt)}>${ago(b.createdAt)}</td>
        <td class="right">${b.status === 'success' && html`<button class="btn small" aria-expanded=${open === b.id} onClick=${() => setOpen(open === b.id ? null : b.id)}>Files</button>`}</td>
      </tr>${open === b.id && html`<tr class="sub-row"><td colspan="8"><${Files} batchId=${b.id} /></td></tr>`}`;
    })} />`}</${Loaded}>`;
}

function Preview({ id }) {
  const state = useLoad(() => api.get(`${EXPORT}/datasets/${id}/preview?limit=50`), [id]);
  return html`<${Loaded} state=${state} what="the preview">${(p) => html`
    <p class="muted small">${p.data.length ? `${p.data.length} rows${p.truncated ? ' (first rows only)' : ''} from ${p.batches.length} batch${p.batches.length === 1 ? '' : 'es'}, newest first, read from the lake's Parquet files.` : 'No committed rows yet.'}</p>
    ${p.data.length > 0 && html`<div class="scroll" tabindex="0" role="region" aria-label="Dataset preview rows"><${PreviewTable} columns=${p.columns} rows=${p.data} label="Dataset preview" /></div>`}`}</${Loaded}>`;
}

export function DatasetPage({ id }) {
  const state = useLoad(async () => {
    const res = await api.get(`${CATALOG}/dataSets/${id}`);
    return { id, ...res[id] };
  }, [id]);
  return html`<${Loaded} state=${state} what="the dataset">${(d) => html`<${Page} title=${d.name} sub=${html`<span class="mono muted">${d.id}</span>`}>
    <div class="card"><${KV} items=${[
      ['State', html`<${Status} status=${(d.state || 'draft').toLowerCase()} />`],
      ['Created', utc(d.createdAt)], ['Updated', utc(d.updatedAt)],
      ['Schema version', d.schema ? d.schema.version : '–'],
    ]} /></div>
    <section class="card" aria-labelledby="schema-title"><h2 id="schema-title">Schema</h2>
      ${d.schema ? html`<${Table} label="Schema" head=${['Column', 'Type', 'Nullable']}
        rows=${d.schema.columns.map((c) => html`<tr><td class="mono">${c.name}</td><td class="mono">${c.type}</td><td>${c.nullable ? 'yes' : 'no'}</td></tr>`)} />`
        : html`<p class="muted">The first batch sets the schema.</p>`}
    </section>
    <section class="card" aria-labelledby="batches-title"><h2 id="batches-title">Batches</h2><${Batches} id=${id} /></section>
    <section class="card" aria-labelledby="preview-title"><h2 id="preview-title">Preview</h2><${Preview} id=${id} /></section>
  </${Page}>`}</${Loaded}>`;
}
