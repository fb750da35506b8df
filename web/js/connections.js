// Connections (base connections): the list with a test button, and one connection's explorer:
// tables and folders as a tree, with the columns and a preview of the rows of what is selected.
import { html, useState } from './html.js';
import { api, listAll, FLOW } from './api.js';
import { useLoad, Loaded, Page, Status, Empty, Table, ErrorBox, KV, ago, utc, short, bytes, Loading } from './ui.js';

function TestButton({ id }) {
  const [state, setState] = useState(null);
  const run = async () => {
    setState({ busy: true });
    try {
      const r = await api.get(`${FLOW}/connections/${id}/test`);
      setState({ ok: r.result === true });
    } catch (error) {
      setState({ error });
    }
  };
  return html`<span class="action">
    <button class="btn small" onClick=${run} disabled=${state && state.busy}>${state && state.busy ? 'Testing…' : 'Test'}</button>
    ${state && state.ok && html`<span class="ok-text" role="status">✓ connected</span>`}
    ${state && state.error && html`<${ErrorBox} error=${state.error} />`}
  </span>`;
}

export function ConnectionsPage() {
  const state = useLoad(async () => {
    const [conns, specs] = await Promise.all([listAll(`${FLOW}/connections?limit=100`), api.get(`${FLOW}/connectionSpecs`)]);
    return { conns, specName: Object.fromEntries(specs.items.map((s) => [s.id, s.name])) };
  }, []);
  return html`<${Page} title="Connections" sub="Base connections (accounts) to sources">
    <${Loaded} state=${state} what="connections">${({ conns, specName }) => html`<${Table} label="Connections"
      head=${['Name', 'Source', 'State', 'Created', '']}
      empty=${html`<${Empty} title="No connections yet">A connection is created with its first dataflow. <a class="btn primary small" href="#/new">New dataflow</a></${Empty}>`}
      rows=${conns.map((c) => html`<tr>
        <td><a class="strong" href=${`#/connections/${c.id}`}>${c.name}</a><div class="muted mono">${short(c.id)}</div></td>
        <td>${specName[c.connectionSpec.id] || c.connectionSpec.id}</td>
        <td><${Status} status=${c.state || 'enabled'} /></td>
        <td title=${utc(c.createdAt)}>${ago(c.createdAt)}</td>
        <td class="right"><${TestButton} id=${c.id} /> <a class="btn small" href=${`#/connections/${c.id}`}>Explore</a></td>
      </tr>`)} />`}</${Loaded}>
  </${Page}>`;
}

// A node of the explore tree: folders and the root expand into children; tables and files
// select (their preview shows beside the tree).
function Node({ conn, item, selected, onSelect, depth }) {
  const [open, setOpen] = useState(false);
  const expandable = item.type === 'folder';
  const children = useLoad(async () => (open && expandable
    ? api.get(`${FLOW}/connections/${conn}/explore?objectType=folder&object=${encodeURIComponent(item.path)}`) : null), [open]);
  const icon = { table: '▦', view: '▦', folder: open ? '▾' : '▸', file: '▤' }[item.type] || '•';
  const isSel = selected && selected.path === item.path;
  return html`<li role="treeitem" aria-expanded=${expandable ? open : undefined} aria-selected=${isSel}>
    <button class=${`node ${isSel ? 'sel' : ''}`} style=${{ paddingLeft: `${8 + depth * 16}px` }}
      onClick=${() => (expandable ? setOpen(!open) : onSelect(item))}>
      <span class="icon" aria-hidden="true">${icon}</span>${item.name}
      ${item.type === 'file' && item.size !== undefined && html`<span class="muted small"> ${bytes(item.size)}</span>`}
    </button>
    ${open && expandable && (children.loading ? html`<${Loading} />` : children.error ? html`<${ErrorBox} error=${children.error} />`
      : html`<ul role="group">${(children.data || []).map((c) => html`<${Node} conn=${conn} item=${c} selected=${selected} onSelect=${onSelect} depth=${depth + 1} />`)}</ul>`)}
  </li>`;
}

export function PreviewTable({ columns, rows, label }) {
  const names = columns && columns.length ? columns.map((c) => c.name) : Object.keys(rows[0] || {});
  const cell = (v) => (v === null || v === undefined ? html`<span class="null">null</span>` : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return html`<${Table} label=${label} head=${names}
    empty=${html`<p class="muted">No rows.</p>`}
    rows=${rows.map((r) => html`<tr>${names.map((n) => html`<td class="clip">${cell(r[n])}</td>`)}</tr>`)} />`;
}

function Selected({ conn, item }) {
  const type = item.type === 'file' ? 'file' : 'table';
  const state = useLoad(() => api.get(`${FLOW}/connections/${conn}/explore?objectType=${type}&object=${encodeURIComponent(item.path)}`), [item.path]);
  return html`<div class="card">
    <h2>${item.name} <span class="muted small">${item.type}</span></h2>
    <${Loaded} state=${state} what="the preview">${(res) => {
      const cols = (res.schema && res.schema.columns) || res.columns || [];
      return html`
        ${res.format && html`<p class="muted small">${res.format} · ${bytes(res.size)} · modified ${utc(res.lastModified)}</p>`}
        ${cols.length > 0 && html`<div class="chips" aria-label="Columns">${cols.map((c) => html`<span class="chip">${c.name} <span class="muted">${(c.meta && c.meta.fluxoType) || c.type}</span></span>`)}</div>`}
        ${!res.data ? html`<p class="muted small">The API describes the columns of a file; rows are previewed for tables.</p>` : html`<h3>First rows</h3>`}
        ${res.data && html`<div class="scroll" tabindex="0" role="region" aria-label=${`Rows of ${item.name}`}><${PreviewTable} columns=${cols} rows=${res.data} label=${`Preview of ${item.name}`} /></div>`}`;
    }}</${Loaded}>
  </div>`;
}

export function ConnectionPage({ id }) {
  const [selected, setSelected] = useState(null);
  const state = useLoad(async () => {
    const conn = (await api.get(`${FLOW}/connections/${id}`)).items[0];
    const root = await api.get(`${FLOW}/connections/${id}/explore?objectType=root`);
    return { conn, root };
  }, [id]);
  return html`<${Loaded} state=${state} what="the connection">${({ conn, root }) => html`<${Page} title=${conn.name}
      sub=${html`<span class="mono muted">${conn.id}</span>`} actions=${html`<${TestButton} id=${conn.id} />`}>
    <div class="card"><${KV} items=${Object.entries((conn.auth && conn.auth.params) || {}).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)])} /></div>
    <div class="explore">
      <nav class="card tree" aria-label="Explore">
        <h2>Explore</h2>
        ${root.length ? html`<ul role="tree" aria-label="Tables and folders">${root.map((it) => html`<${Node} conn=${id} item=${it} selected=${selected} onSelect=${setSelected} depth=${0} />`)}</ul>`
          : html`<p class="muted">Nothing to explore: no tables or files.</p>`}
      </nav>
      <div class="explore-main">${selected ? html`<${Selected} key=${selected.path} conn=${id} item=${selected} />`
        : html`<${Empty} title="Pick a table or a file">Its columns and first rows show here.</${Empty}>`}</div>
    </div>
  </${Page}>`}</${Loaded}>`;
}
