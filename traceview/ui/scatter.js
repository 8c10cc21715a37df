// The duration-over-time scatter plot of search results: x = trace start,
// y = duration, one SVG dot per trace (red when it has errors, larger with
// more spans). Dots are placed in percentages so the plot stretches with
// its box without distorting; axis labels are HTML around it. One delegated
// click listener opens the trace under the pointer.

import { h } from './dom.js';
import { escapeHtml, formatDuration, formatClock, formatTimestamp, plural } from './format.js';

const TICKS = 4;

// Evenly spaced values from lo to hi (both included).
function ticks(lo, hi, count) {
  const out = [];
  for (let k = 0; k <= count; k++) out.push(lo + ((hi - lo) * k) / count);
  return out;
}

function radius(spanCount) {
  return Math.min(9, 3.5 + Math.sqrt(spanCount) / 4).toFixed(1);
}

function dotMarkup(s, x, y) {
  const cls = s.errorCount > 0 ? 'dot error' : 'dot';
  const tip =
    `${s.name}\n${formatDuration(s.duration)} · ${plural(s.spanCount, 'span')}` +
    `${s.errorCount > 0 ? ` · ${plural(s.errorCount, 'error')}` : ''}\n${formatTimestamp(s.start)}`;
  return (
    `<circle class="${cls}" data-testid="scatter-dot" data-trace-id="${escapeHtml(s.traceID)}" ` +
    `cx="${x.toFixed(2)}%" cy="${y.toFixed(2)}%" r="${radius(s.spanCount)}"><title>${escapeHtml(tip)}</title></circle>`
  );
}

function range(values) {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi - lo < 1) {
    lo -= 1;
    hi += 1;
  }
  return [lo, hi];
}

// `summaries` from summarizeTrace; `open(traceId)` is called on a dot click.
export function scatterPlot(summaries, open) {
  const [t0, t1] = range(summaries.map((s) => s.start));
  const dMax = Math.max(1, ...summaries.map((s) => s.duration)) * 1.08;
  const xOf = (t) => 2 + ((t - t0) / (t1 - t0)) * 96; // keep dots off the edges
  const yOf = (d) => 100 - (d / dMax) * 96 - 2;
  // Longer traces drawn last so short ones underneath stay clickable at the bottom.
  const dots = summaries
    .slice()
    .sort((a, b) => b.spanCount - a.spanCount)
    .map((s) => dotMarkup(s, xOf(s.start), yOf(s.duration)))
    .join('');
  const durations = ticks(0, dMax / 1.08, TICKS);
  const grid = durations
    .map((d) => `<line class="grid" x1="0" x2="100%" y1="${yOf(d)}%" y2="${yOf(d)}%"/>`)
    .join('');
  const svg = h('div', { class: 'scatter-plot' });
  svg.innerHTML = `<svg width="100%" height="100%" role="img" aria-label="Trace durations over time">${grid}${dots}</svg>`;
  svg.addEventListener('click', (event) => {
    const dot = event.target.closest('[data-testid="scatter-dot"]');
    if (dot) open(dot.dataset.traceId);
  });
  const yLabels = durations.map((d) => h('span', { style: `bottom:${100 - yOf(d)}%` }, formatDuration(d)));
  const xLabels = ticks(t0, t1, TICKS).map((t) =>
    h('span', { style: `left:${xOf(t)}%` }, formatClock(t, t1 - t0)),
  );
  return h(
    'div',
    { class: 'scatter', dataset: { testid: 'scatter' } },
    h('div', { class: 'scatter-y' }, yLabels),
    svg,
    h('div', { class: 'scatter-x' }, xLabels),
  );
}
