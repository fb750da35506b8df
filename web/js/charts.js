// SVG charts: the runs timeline (every run's [windowStart, windowEnd) on a time axis, coloured by
// status, overlapping windows on separate lanes, gaps marked) and small per-run bar charts.
import { html } from './html.js';
import { runStatus, runWindow, utcSeconds, num, duration, runDuration } from './ui.js';

const W = 960;

function ticks(lo, hi, n = 6) {
  const span = hi - lo;
  const steps = [60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400, 365 * 86400];
  const step = steps.find((s) => span / s <= n) || Math.ceil(span / n / 86400) * 86400;
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) out.push(t);
  return { out, step };
}

function tickLabel(t, step) {
  const iso = new Date(t * 1000).toISOString();
  if (step >= 86400) return iso.slice(0, 10);
  return iso.slice(5, 16).replace('T', ' ');
}

// Lanes: a run goes on the first lane whose last window ends at or before its start.
function pack(windows) {
  const laneEnds = [];
  return windows.map((w) => {
    let lane = laneEnds.findIndex((end) => end <= w.start);
    if (lane < 0) { lane = laneEnds.length; laneEnds.push(w.end); } else laneEnds[lane] = w.end;
    return { ...w, lane };
  });
}

// Gaps between the union of windows: [end, nextStart) where nothing was covered.
function gapsOf(windows) {
  const sorted = [...windows].sort((a, b) => a.start - b.start);
  const gaps = [];
  let reach = -Infinity;
  for (const w of sorted) {
    if (reach !== -Infinity && w.start > reach) gaps.push([reach, w.start]);
    reach = Math.max(reach, w.end);
  }
  return gaps;
}

export function Timeline({ runs, onOpen }) {
  const windows = runs.map((r) => {
    const [start, end] = runWindow(r);
    return { run: r, start, end, status: runStatus(r) };
  }).filter((w) => Number.isFinite(w.start) && Number.isFinite(w.end));
  if (!windows.length) return null;
  // A backfill window from the epoch would flatten the axis: the axis starts at the earliest
  // non-zero start (or a span before the earliest end) and such bars are cut with an arrow.
  const ends = windows.map((w) => w.end);
  const realStarts = windows.map((w) => w.start).filter((s) => s > 0);
  let lo = realStarts.length ? Math.min(...realStarts) : Math.min(...ends);
  let hi = Math.max(...ends);
  if (hi - lo < 60) lo = hi - Math.max(3600, (hi - lo) * 2);
  const pad = (hi - lo) * 0.02;
  lo -= pad; hi += pad;
  const x = (t) => 16 + ((Math.max(lo, Math.min(hi, t)) - lo) / (hi - lo)) * (W - 32);
  const packed = pack([...windows].sort((a, b) => a.start - b.start || a.end - b.end));
  const lanes = Math.max(...packed.map((p) => p.lane)) + 1;
  const laneH = 22;
  const top = 8;
  const axisY = top + lanes * (laneH + 6) + 4;
  const H = axisY + 26;
  const { out: tks, step } = ticks(lo, hi);
  const gaps = gapsOf(windows);
  const overlaps = lanes > 1;
  return html`<figure class="timeline">
    <svg viewBox=${`0 0 ${W} ${H}`} role="group" aria-label=${`Timeline of ${windows.length} run windows${gaps.length ? `, ${gaps.length} gap(s)` : ''}${overlaps ? ', with overlaps' : ''}`}>
      ${tks.map((t) => html`<line class="grid" x1=${x(t)} x2=${x(t)} y1=${top - 4} y2=${axisY} />`)}
      ${gaps.map(([a, b]) => html`<g class="gap"><rect x=${x(a)} y=${top - 4} width=${Math.max(2, x(b) - x(a))} height=${axisY - top + 4}><title>Gap: ${utcSeconds(a)} – ${utcSeconds(b)} is covered by no run</title></rect></g>`)}
      ${packed.map((p) => {
        const x0 = x(p.start);
        const w = Math.max(3, x(p.end) - x0);
        const y = top + p.lane * (laneH + 6);
        const cut = p.start < lo;
        return html`<g class=${`win st-${p.status}`} tabindex="0" role="link"
            aria-label=${`Run ${p.run.id}: ${p.status}, window ${utcSeconds(p.start)} to ${utcSeconds(p.end)}`}
            onClick=${() => onOpen(p.run)} onKeyDown=${(e) => { if (e.key === 'Enter') onOpen(p.run); }}>
          <rect x=${x0} y=${y} width=${w} height=${laneH} rx="3" />
          ${cut && html`<path class="cut" d=${`M${x0 + 10} ${y + 5} l-6 6 l6 6`} />`}
          <title>${p.status}: [${utcSeconds(p.start)}, ${utcSeconds(p.end)})${cut ? ' (starts before the axis)' : ''}</title>
        </g>`;
      })}
      <line class="axis" x1="16" x2=${W - 16} y1=${axisY} y2=${axisY} />
      ${tks.map((t) => html`<text class="tick" x=${x(t)} y=${axisY + 16} text-anchor="middle">${tickLabel(t, step)}</text>`)}
    </svg>
    <figcaption>
      <span class="legend st-success">success</span><span class="legend st-failed">failed</span>
      <span class="legend st-inProgress">in progress</span><span class="legend st-scheduled">scheduled</span>
      <span class="legend st-cancelled">cancelled</span><span class="legend gap-key">gap</span>
      <span class="note">${gaps.length ? `${gaps.length} gap${gaps.length > 1 ? 's' : ''}` : 'no gaps'} · ${overlaps ? `overlapping windows on ${lanes} lanes` : 'no overlaps'} · windows in UTC</span>
    </figcaption>
  </figure>`;
}

// Vertical bars, one per run (oldest left). value(run) -> number; label(v) -> text.
export function RunBars({ runs, title, value, label, onOpen }) {
  const data = runs.map((r) => ({ run: r, v: value(r) || 0, status: runStatus(r) }));
  if (!data.length) return null;
  const w = 460;
  const h = 150;
  const max = Math.max(1, ...data.map((d) => d.v));
  const bw = Math.max(3, Math.min(28, (w - 50) / data.length - 3));
  return html`<figure class="bars">
    <figcaption>${title} <span class="note">max ${label(max)}</span></figcaption>
    <svg viewBox=${`0 0 ${w} ${h}`} role="group" aria-label=${`${title} for ${data.length} runs`}>
      <line class="axis" x1="40" x2=${w} y1=${h - 18} y2=${h - 18} />
      <text class="tick" x="36" y="12" text-anchor="end">${label(max)}</text>
      <text class="tick" x="36" y=${h - 18} text-anchor="end">0</text>
      ${data.map((d, i) => {
        const bh = ((h - 32) * d.v) / max;
        return html`<g class=${`bar st-${d.status}`} onClick=${() => onOpen(d.run)}>
          <rect x=${44 + i * (bw + 3)} y=${h - 18 - bh} width=${bw} height=${Math.max(bh, 1)} rx="2" />
          <title>${label(d.v)} (${d.status})</title>
        </g>`;
      })}
    </svg>
  </figure>`;
}

export const recordsOf = (r) => (r.metrics.recordSummary || {}).outputRecordCount;
export const RecordsChart = ({ runs, onOpen }) => html`<${RunBars} runs=${runs} title="Records per run" value=${recordsOf} label=${num} onOpen=${onOpen} />`;
export const DurationChart = ({ runs, onOpen }) => html`<${RunBars} runs=${runs} title="Duration per run" value=${runDuration} label=${duration} onOpen=${onOpen} />`;
