// Search results: a summary line with a sort order, the duration-over-time
// scatter plot, and one entry per trace (root "service: operation", span and
// error counts, services with colours and span counts, duration, start).

import { h, noticeBox, replace } from './dom.js';
import { formatDuration, formatTimestamp, formatAgo, serviceColor, plural } from './format.js';
import { summarizeTrace } from './trace_model.js';
import { scatterPlot } from './scatter.js';

const SORTS = {
  recent: ['Most recent', (a, b) => b.start - a.start],
  longest: ['Longest first', (a, b) => b.duration - a.duration],
  shortest: ['Shortest first', (a, b) => a.duration - b.duration],
  spans: ['Most spans', (a, b) => b.spanCount - a.spanCount],
  errors: ['Most errors', (a, b) => b.errorCount - a.errorCount],
};

function serviceChip(service) {
  return h(
    'span',
    { class: 'chip', title: `${service.name}: ${plural(service.spanCount, 'span')}` },
    h('span', { class: 'swatch', style: `background:${serviceColor(service.name)}` }),
    service.name,
    h('span', { class: 'chip-count' }, String(service.spanCount)),
  );
}

function resultEntry(s, maxDuration) {
  const width = maxDuration > 0 ? Math.max(0.5, (s.duration / maxDuration) * 100) : 0;
  return h(
    'a',
    {
      class: `result${s.errorCount > 0 ? ' has-errors' : ''}`,
      href: `/trace/${encodeURIComponent(s.traceID)}`,
      dataset: {
        testid: 'trace-result',
        traceId: s.traceID,
        spanCount: s.spanCount,
        errorCount: s.errorCount,
      },
    },
    h(
      'div',
      { class: 'result-head' },
      h('span', { class: 'result-name' }, s.name),
      h('span', { class: 'result-id mono' }, s.traceID.slice(0, 7)),
      h('span', { class: 'result-duration' }, formatDuration(s.duration)),
    ),
    h('div', { class: 'result-bar' }, h('div', { style: `width:${width}%` })),
    h(
      'div',
      { class: 'result-body' },
      h('span', { class: 'badge' }, plural(s.spanCount, 'span')),
      s.errorCount > 0 ? h('span', { class: 'badge error' }, plural(s.errorCount, 'error')) : null,
      h('span', { class: 'chips' }, s.services.map(serviceChip)),
      h(
        'span',
        { class: 'result-time', title: formatTimestamp(s.start) },
        `${formatTimestamp(s.start)} · ${formatAgo(s.start)}`,
      ),
    ),
  );
}

function sortSelect(current, onChange) {
  const select = h(
    'select',
    { dataset: { testid: 'sort-select' } },
    Object.entries(SORTS).map(([key, [label]]) => h('option', { value: key }, label)),
  );
  select.value = current;
  select.addEventListener('change', () => onChange(select.value));
  return select;
}

// Renders `traces` (Jaeger JSON) into `root`.
export function renderResults(root, traces, ctx) {
  if (traces.length === 0) {
    replace(root, noticeBox('No traces match. Widen the lookback, or remove filters.'));
    return;
  }
  const summaries = traces.map(summarizeTrace);
  const maxDuration = Math.max(...summaries.map((s) => s.duration));
  const list = h('div', { class: 'result-list' });
  const showSorted = (key) => {
    replace(
      list,
      summaries
        .slice()
        .sort(SORTS[key][1])
        .map((s) => resultEntry(s, maxDuration)),
    );
  };
  const errors = summaries.filter((s) => s.errorCount > 0).length;
  replace(
    root,
    h(
      'div',
      { class: 'results-head' },
      h('strong', { dataset: { testid: 'result-count' } }, plural(summaries.length, 'trace')),
      errors > 0 ? h('span', { class: 'badge error' }, `${errors} with errors`) : null,
      h('span', { class: 'spacer' }),
      h('label', {}, 'Sort ', sortSelect('recent', showSorted)),
    ),
    scatterPlot(summaries, (id) => ctx.navigate(`/trace/${encodeURIComponent(id)}`)),
    list,
  );
  showSorted('recent');
}
