// The trace page (`/trace/{id}`, `?span={spanId}` selects a span, and
// `?source=file` shows a trace opened from a JSON file). Loads the trace,
// builds the model, and wires the header, minimap, toolbar (collapse, span
// search), waterfall and detail panel together. Owns the view state:
// collapsed spans, time range, selection and search matches.

import { getServices, getTrace, localTrace, ApiError } from './api.js';
import { h, errorBox, noticeBox, loadingBox, replace, downloadText, messageOf } from './dom.js';
import { formatDuration, formatTimestamp, registerServices, serviceColor, plural } from './format.js';
import {
  buildTraceModel,
  visibleRows,
  searchSpans,
  ancestors,
  spanName,
  FLAG_WARNING,
} from './trace_model.js';
import { Waterfall } from './waterfall.js';
import { Minimap } from './minimap.js';
import { spanDetailHtml } from './span_detail.js';

const SEARCH_DELAY_MS = 120;

async function loadTrace(id, fromFile) {
  if (fromFile) {
    const trace = localTrace(id);
    if (!trace)
      throw new ApiError(
        'This trace was opened from a file that is no longer loaded. Open the file again from the search page.',
      );
    return trace;
  }
  const colours = getServices().then(registerServices, () => {}); // colours only; failure is harmless
  const [trace] = await Promise.all([getTrace(id), colours]);
  return trace;
}

function headerStat(label, value, testid) {
  return h(
    'div',
    { class: 'stat', dataset: testid ? { testid } : undefined },
    h('span', { class: 'stat-label' }, label),
    h('span', { class: 'stat-value' }, value),
  );
}

function warningButton(m, onClick) {
  if (m.warningCount === 0) return null;
  return h(
    'button',
    {
      type: 'button',
      class: 'warning-button',
      dataset: { testid: 'first-warning' },
      onclick: onClick,
      title: 'Show the first span with warnings',
    },
    `⚠ ${plural(m.warningCount, 'span')} with warnings`,
  );
}

function traceHeader(m, actions) {
  const rootName = m.root >= 0 ? spanName(m, m.root) : '(no spans)';
  const legend = m.services
    .filter((s) => s.spanCount > 0)
    .map((s) =>
      h(
        'span',
        { class: 'chip', title: `${s.name}: ${plural(s.spanCount, 'span')}` },
        h('span', { class: 'swatch', style: `background:${serviceColor(s.name)}` }),
        s.name,
        h('span', { class: 'chip-count' }, String(s.spanCount)),
      ),
    );
  const serviceCount = m.services.filter((s) => s.spanCount > 0).length;
  return h(
    'header',
    {
      class: 'trace-header',
      dataset: { testid: 'trace-header', spanCount: m.n, serviceCount, errorCount: m.errorCount },
    },
    h(
      'div',
      { class: 'trace-title' },
      h('h1', {}, rootName),
      h('span', { class: 'mono muted trace-id' }, m.trace.traceID),
      h('span', { class: 'spacer' }),
      warningButton(m, actions.firstWarning),
      h(
        'button',
        { type: 'button', dataset: { testid: 'download-json' }, onclick: actions.download },
        'Download JSON',
      ),
    ),
    h(
      'div',
      { class: 'stats' },
      headerStat('Start', formatTimestamp(m.traceStart)),
      headerStat('Duration', formatDuration(m.traceDuration)),
      headerStat('Services', String(serviceCount)),
      headerStat('Spans', String(m.n)),
      headerStat('Errors', String(m.errorCount), 'trace-error-count'),
      headerStat('Depth', String(m.maxDepth)),
    ),
    h('div', { class: 'chips legend' }, legend),
  );
}

class TraceView {
  constructor(root, model, ctx) {
    this.m = model;
    this.ctx = ctx;
    this.collapsed = new Uint8Array(model.n);
    this.selected = -1;
    this.matches = [];
    this.matchPos = -1;
    this.matchFlags = new Uint8Array(model.n);
    this.searchTimer = 0;
    this.waterfall = new Waterfall(model, {
      onSelect: (i) => this.select(i, false),
      onToggle: (i) => this.toggle(i),
    });
    this.minimap = new Minimap(model, (lo, hi) => this.setRange(lo, hi));
    this.detail = h('aside', { class: 'span-detail', dataset: { testid: 'span-detail' }, hidden: true });
    this.detail.addEventListener('click', (event) => this.onDetailClick(event));
    this.onKey = (event) => this.keydown(event);
    document.addEventListener('keydown', this.onKey);
    replace(
      root,
      h(
        'div',
        { class: 'trace-page' },
        traceHeader(model, {
          download: () => this.download(),
          firstWarning: () => this.selectFirstWarning(),
        }),
        this.minimap.el,
        this.toolbar(),
        h('div', { class: 'trace-body' }, this.waterfall.el, this.detail),
      ),
    );
    this.refreshRows();
    this.waterfall.setRange(0, 1);
    this.publish();
  }

  dispose() {
    document.removeEventListener('keydown', this.onKey);
    clearTimeout(this.searchTimer);
    this.waterfall.dispose();
    this.minimap.dispose();
    if (window.traceview && window.traceview.model === this.m) delete window.traceview;
  }

  // Testing and benchmark hooks.
  publish() {
    const view = this;
    window.traceview = {
      model: this.m,
      spanCount: this.m.n,
      get visibleRowCount() {
        return view.waterfall.rows.length;
      },
      get renderedRowCount() {
        return view.waterfall.visibleRowCount();
      },
    };
  }

  // ---- toolbar ----

  toolbar() {
    this.searchInput = h('input', {
      type: 'search',
      placeholder: 'Find spans: operation, service, id, attribute…',
      dataset: { testid: 'span-search' },
      autocomplete: 'off',
      spellcheck: false,
    });
    this.searchCount = h('span', { class: 'search-count', dataset: { testid: 'span-search-count' } });
    this.resetZoom = h(
      'button',
      { type: 'button', hidden: true, onclick: () => this.applyRange(0, 1) },
      'Reset zoom',
    );
    this.searchInput.addEventListener('input', () => {
      clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(
        () => this.search(this.searchInput.value),
        this.m.n > 2000 ? SEARCH_DELAY_MS : 0,
      );
    });
    this.searchInput.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter') return;
      event.preventDefault();
      if (this.searchTimer)
        this.search(this.searchInput.value); // typed faster than the delay
      else this.stepMatch(event.shiftKey ? -1 : 1);
    });
    return h(
      'div',
      { class: 'toolbar' },
      h(
        'button',
        { type: 'button', dataset: { testid: 'collapse-all' }, onclick: () => this.collapseAll(true) },
        'Collapse all',
      ),
      h(
        'button',
        { type: 'button', dataset: { testid: 'expand-all' }, onclick: () => this.collapseAll(false) },
        'Expand all',
      ),
      this.resetZoom,
      h(
        'span',
        { class: 'legend-crit', title: 'The spans that determine when the trace ends' },
        h('span', { class: 'crit-sample' }),
        'critical path',
      ),
      h('span', { class: 'spacer' }),
      this.searchInput,
      this.searchCount,
      h(
        'button',
        {
          type: 'button',
          title: 'Previous match (Shift+Enter)',
          dataset: { testid: 'span-search-prev' },
          onclick: () => this.stepMatch(-1),
        },
        '↑',
      ),
      h(
        'button',
        {
          type: 'button',
          title: 'Next match (Enter)',
          dataset: { testid: 'span-search-next' },
          onclick: () => this.stepMatch(1),
        },
        '↓',
      ),
    );
  }

  // ---- rows, collapsing, range ----

  refreshRows() {
    this.waterfall.setRows(visibleRows(this.m, this.collapsed), this.collapsed);
  }

  toggle(i) {
    this.collapsed[i] = this.collapsed[i] ? 0 : 1;
    this.refreshRows();
  }

  collapseAll(collapse) {
    if (collapse) {
      for (let i = 0; i < this.m.n; i++) this.collapsed[i] = this.m.subtree[i] > 1 ? 1 : 0;
    } else {
      this.collapsed.fill(0);
    }
    this.refreshRows();
  }

  // Expands the ancestors of span i so it has a row.
  reveal(i) {
    let changed = false;
    for (const a of ancestors(this.m, i)) {
      if (this.collapsed[a]) {
        this.collapsed[a] = 0;
        changed = true;
      }
    }
    if (changed) this.refreshRows();
  }

  setRange(lo, hi) {
    this.waterfall.setRange(lo, hi);
    this.resetZoom.hidden = lo <= 0 && hi >= 1;
  }

  applyRange(lo, hi) {
    this.minimap.setRange(lo, hi);
    this.setRange(lo, hi);
  }

  // ---- selection and detail ----

  select(i, scroll) {
    this.selected = i;
    if (i >= 0) this.reveal(i);
    this.waterfall.setSelected(i);
    if (i >= 0 && scroll) this.waterfall.scrollToSpan(i);
    this.detail.hidden = i < 0;
    this.detail.innerHTML = i >= 0 ? spanDetailHtml(this.m, i) : '';
    const params = new URLSearchParams(this.ctx.params);
    if (i >= 0) params.set('span', this.m.spans[i].spanID);
    else params.delete('span');
    this.ctx.replaceQuery(params);
  }

  onDetailClick(event) {
    if (event.target.closest('[data-action="close"]')) {
      this.select(-1, false);
      return;
    }
    const link = event.target.closest('[data-select-span]');
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    this.select(Number(link.dataset.selectSpan), true);
  }

  // Esc closes the detail; the arrow keys move the selection between rows.
  keydown(event) {
    const target = event.target instanceof Element ? event.target : document.body;
    if (target.closest('input, select, textarea, [contenteditable]')) return;
    if (event.key === 'Escape' && this.selected >= 0) this.select(-1, false);
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const rows = this.waterfall.rows;
    const at = this.selected >= 0 ? this.waterfall.rowPos[this.selected] : -1;
    const next = Math.min(rows.length - 1, Math.max(0, at + (event.key === 'ArrowDown' ? 1 : -1)));
    if (rows.length === 0 || next === at) return;
    event.preventDefault();
    this.select(rows[next], true);
  }

  selectFirstWarning() {
    for (let p = 0; p < this.m.n; p++) {
      const i = this.m.order[p];
      if (this.m.flags[i] & FLAG_WARNING) {
        this.select(i, true);
        return;
      }
    }
  }

  // Selects the span named by ?span=, if it is in the trace.
  selectFromUrl() {
    const id = this.ctx.params.get('span');
    if (!id) return;
    const i = this.m.indexById.get(id);
    if (i === undefined) {
      this.detail.hidden = false;
      replace(this.detail, errorBox(`Span ${id} is not in this trace.`));
      return;
    }
    this.select(i, true);
  }

  download() {
    const text = JSON.stringify({ data: [this.m.trace] }, null, 1);
    downloadText(`trace-${this.m.trace.traceID}.json`, text);
  }

  // ---- span search ----

  search(query) {
    clearTimeout(this.searchTimer);
    this.searchTimer = 0;
    this.matchFlags.fill(0);
    this.matches = query.trim() ? searchSpans(this.m, query) : [];
    for (const i of this.matches) this.matchFlags[i] = 1;
    this.matchPos = this.matches.length > 0 ? 0 : -1;
    this.showMatch();
  }

  stepMatch(step) {
    if (this.matches.length === 0) return;
    this.matchPos = (this.matchPos + step + this.matches.length) % this.matches.length;
    this.showMatch();
  }

  // Updates the "n of m" count and highlights, and scrolls to the current match.
  showMatch() {
    const current = this.matchPos >= 0 ? this.matches[this.matchPos] : -1;
    if (!this.searchInput.value.trim()) this.searchCount.textContent = '';
    else this.searchCount.textContent = `${this.matchPos + 1} of ${this.matches.length}`;
    if (current >= 0) this.reveal(current);
    this.waterfall.setMatches(this.matches.length > 0 ? this.matchFlags : null, current);
    if (current >= 0) this.waterfall.scrollToSpan(current);
  }
}

export async function render(root, ctx, [id]) {
  const fromFile = ctx.params.get('source') === 'file';
  root.append(loadingBox(`Loading trace ${id}…`));
  let trace;
  try {
    trace = await loadTrace(id, fromFile);
  } catch (err) {
    if (!ctx.isCurrent()) return null;
    replace(
      root,
      errorBox(`Cannot open trace ${id}: ${messageOf(err)}`),
      h('p', {}, h('a', { href: '/search' }, 'Back to search')),
    );
    return null;
  }
  if (!ctx.isCurrent()) return null;
  if (fromFile) registerServices(Object.values(trace.processes || {}).map((p) => p.serviceName || 'unknown'));
  const model = buildTraceModel(trace);
  if (model.n === 0) {
    replace(root, noticeBox(`Trace ${id} has no spans.`));
    return null;
  }
  document.title = `${spanName(model, model.root)} · traceview`;
  const view = new TraceView(root, model, ctx);
  view.selectFromUrl();
  return () => {
    document.title = 'traceview';
    view.dispose();
  };
}
