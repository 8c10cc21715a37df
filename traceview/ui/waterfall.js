// The span waterfall: a virtualised list of fixed-height rows. Only the rows
// in view plus a buffer exist in the DOM; a spacer gives the scroll height.
// Each row shows the tree indentation, collapse toggle, service colour,
// operation, error/warning markers and a bar placed by start and duration in
// the selected time range, with the critical-path segments drawn on it.
// Clicks are delegated: one listener for every row.

import { h } from './dom.js';
import { escapeHtml, formatDuration, serviceColor } from './format.js';
import { FLAG_ERROR, FLAG_WARNING, hasChildren, spanEnd } from './trace_model.js';

export const ROW_HEIGHT = 24;
const BUFFER_ROWS = 20; // rendered above and below the viewport
const ALIGN_ROWS = 10; // the rendered window moves in steps of this many rows
const SMALL_TRACE_ROWS = 300; // up to this many rows, all are rendered
const INDENT_PX = 12;
const MAX_INDENT_LEVELS = 20;
const TICK_COUNT = 5;
const MAX_LOG_MARKS = 24;

export class Waterfall {
  // `callbacks`: onSelect(spanIndex), onToggle(spanIndex).
  constructor(model, callbacks) {
    this.m = model;
    this.callbacks = callbacks;
    this.rows = new Int32Array(0);
    this.rowPos = new Int32Array(model.n).fill(-1); // span index → row position
    this.lo = 0; // selected range, as fractions of the trace duration
    this.hi = 1;
    this.selected = -1;
    this.matchFlags = null;
    this.currentMatch = -1;
    this.collapsed = null;
    this.window = [-1, -1];
    this.frame = 0;
    this.buildDom();
  }

  buildDom() {
    this.ticks = h('div', { class: 'wf-ticks' });
    this.grid = h('div', { class: 'wf-grid' });
    this.rowsEl = h('div', { class: 'wf-rows', dataset: { testid: 'waterfall-rows' } });
    this.spacer = h('div', { class: 'wf-spacer' }, this.rowsEl);
    this.scroller = h('div', { class: 'wf-scroll', dataset: { testid: 'waterfall-scroll' } }, this.spacer);
    const splitter = h('div', { class: 'wf-splitter', title: 'Drag to resize' });
    this.el = h(
      'div',
      { class: 'waterfall', dataset: { testid: 'waterfall' } },
      h(
        'div',
        { class: 'wf-head' },
        h('div', { class: 'wf-name-head' }, 'Service · operation', splitter),
        this.ticks,
      ),
      h('div', { class: 'wf-body' }, this.grid, this.scroller),
    );
    this.scroller.addEventListener('scroll', () => this.schedule());
    this.resizeObserver = new ResizeObserver(() => this.schedule()); // a taller view needs more rows
    this.resizeObserver.observe(this.scroller);
    this.rowsEl.addEventListener('click', (event) => this.onClick(event));
    this.enableSplitter(splitter);
  }

  enableSplitter(splitter) {
    splitter.addEventListener('pointerdown', (event) => {
      event.preventDefault();
      splitter.setPointerCapture(event.pointerId);
      const box = this.el.getBoundingClientRect();
      const move = (e) => {
        const pct = Math.min(70, Math.max(15, ((e.clientX - box.left) / box.width) * 100));
        this.el.style.setProperty('--name-width', `${pct}%`);
        this.renderTicks();
      };
      const up = () => {
        splitter.removeEventListener('pointermove', move);
        splitter.removeEventListener('pointerup', up);
      };
      splitter.addEventListener('pointermove', move);
      splitter.addEventListener('pointerup', up);
    });
  }

  onClick(event) {
    const row = event.target.closest('.wf-row');
    if (!row) return;
    const i = Number(row.dataset.index);
    if (event.target.closest('[data-testid="span-toggle"]')) this.callbacks.onToggle(i);
    else this.callbacks.onSelect(i);
  }

  // ---- state setters; each re-renders the rows in view ----

  setRows(rows, collapsed) {
    this.rows = rows;
    this.collapsed = collapsed;
    this.rowPos.fill(-1);
    for (let p = 0; p < rows.length; p++) this.rowPos[rows[p]] = p;
    this.spacer.style.height = `${rows.length * ROW_HEIGHT}px`;
    this.render(true);
  }

  setRange(lo, hi) {
    this.lo = lo;
    this.hi = hi;
    this.renderTicks();
    this.render(true);
  }

  setSelected(i) {
    this.selected = i;
    this.render(true);
  }

  setMatches(flags, current) {
    this.matchFlags = flags;
    this.currentMatch = current;
    this.render(true);
  }

  // Scrolls so that span i's row is in view (a third from the top).
  scrollToSpan(i) {
    const p = this.rowPos[i];
    if (p < 0) return;
    const top = p * ROW_HEIGHT;
    const view = this.scroller.clientHeight;
    if (top < this.scroller.scrollTop || top + ROW_HEIGHT > this.scroller.scrollTop + view) {
      this.scroller.scrollTop = Math.max(0, top - Math.floor(view / 3));
    }
    this.render(false);
  }

  visibleRowCount() {
    return this.rowsEl.childElementCount;
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render(false);
    });
  }

  dispose() {
    this.resizeObserver.disconnect();
    if (this.frame) cancelAnimationFrame(this.frame);
  }

  // ---- rendering ----

  windowOfRows() {
    const total = this.rows.length;
    if (total <= SMALL_TRACE_ROWS) return [0, total];
    const top = this.scroller.scrollTop;
    const view = this.scroller.clientHeight || 800;
    let first = Math.floor(top / ROW_HEIGHT) - BUFFER_ROWS;
    first = Math.max(0, Math.floor(first / ALIGN_ROWS) * ALIGN_ROWS);
    let last = Math.ceil((top + view) / ROW_HEIGHT) + BUFFER_ROWS;
    last = Math.min(total, Math.ceil(last / ALIGN_ROWS) * ALIGN_ROWS);
    return [first, last];
  }

  render(force) {
    const [first, last] = this.windowOfRows();
    if (!force && first === this.window[0] && last === this.window[1]) return;
    this.window = [first, last];
    let html = '';
    for (let p = first; p < last; p++) html += this.rowHtml(this.rows[p]);
    this.rowsEl.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    this.rowsEl.innerHTML = html;
  }

  // Position of time t (µs) in the selected range, in percent of the timeline.
  pct(t) {
    const m = this.m;
    const span = (this.hi - this.lo) * m.traceDuration || 1;
    return ((t - m.traceStart - this.lo * m.traceDuration) / span) * 100;
  }

  rowClasses(i) {
    let cls = 'wf-row';
    if (i === this.selected) cls += ' selected';
    if (this.matchFlags && this.matchFlags[i]) cls += ' match';
    if (i === this.currentMatch) cls += ' current-match';
    if (this.m.critical.onPath[i]) cls += ' critical';
    if (this.m.flags[i] & FLAG_ERROR) cls += ' error';
    return cls;
  }

  rowHtml(i) {
    const m = this.m;
    const span = m.spans[i];
    const service = m.services[m.service[i]].name;
    const color = serviceColor(service);
    const depth = m.depth[i];
    const attrs =
      `data-testid="span-row" data-index="${i}" data-span-id="${escapeHtml(span.spanID)}" data-depth="${depth}"` +
      `${m.critical.onPath[i] ? ' data-critical="true"' : ''}${m.flags[i] & FLAG_WARNING ? ' data-warning="true"' : ''}`;
    return (
      `<div class="${this.rowClasses(i)}" ${attrs}>${this.nameHtml(i, service, color, depth)}` +
      `${this.timelineHtml(i, color)}</div>`
    );
  }

  nameHtml(i, service, color, depth) {
    const m = this.m;
    const indent = Math.min(depth, MAX_INDENT_LEVELS) * INDENT_PX;
    const deep =
      depth > MAX_INDENT_LEVELS ? `<span class="wf-depth" title="depth ${depth}">${depth}</span>` : '';
    let toggle = '<span class="wf-toggle-space"></span>';
    let hidden = '';
    if (hasChildren(m, i)) {
      const open = !this.collapsed[i];
      toggle =
        `<button type="button" class="wf-toggle" data-testid="span-toggle" aria-expanded="${open}" ` +
        `title="${open ? 'Collapse' : 'Expand'}">${open ? '▾' : '▸'}</button>`;
      if (!open) hidden = `<span class="wf-hidden">+${m.subtree[i] - 1}</span>`;
    }
    const error = m.flags[i] & FLAG_ERROR ? '<span class="mark-error" title="error">!</span>' : '';
    const warning =
      m.flags[i] & FLAG_WARNING ? '<span class="mark-warning" title="has warnings">⚠</span>' : '';
    const op = escapeHtml(m.spans[i].operationName);
    // The service is named where it changes; below that its colour says it.
    const p = m.treeParent[i];
    const svc =
      p >= 0 && m.service[p] === m.service[i] ? '' : `<span class="wf-svc">${escapeHtml(service)}</span>`;
    return (
      `<div class="wf-name" style="padding-left:${indent + 4}px" title="${escapeHtml(service)}: ${op}">${deep}${toggle}` +
      `<span class="wf-svc-mark" style="background:${color}"></span>${error}${warning}` +
      `${svc}<span class="wf-op">${op}</span>${hidden}</div>`
    );
  }

  timelineHtml(i, color) {
    const m = this.m;
    const left = this.pct(m.start[i]);
    const right = this.pct(spanEnd(m, i));
    const shownLeft = Math.max(0, Math.min(100, left));
    const shownRight = Math.max(0, Math.min(100, right));
    const width = shownRight - shownLeft;
    const inner = m.critical.onPath[i] ? this.criticalHtml(i, left, right) : '';
    const outside = right < 0 ? -1 : left > 100 ? 1 : 0;
    const bar =
      outside !== 0
        ? ''
        : `<div class="wf-bar" style="left:${shownLeft.toFixed(3)}%;width:${width.toFixed(3)}%;background:${color}">${inner}</div>`;
    return `<div class="wf-timeline">${bar}${this.logMarks(i)}${this.labelHtml(m.duration[i], shownLeft, shownRight, outside)}</div>`;
  }

  criticalHtml(i, left, right) {
    const segments = this.m.critical.segments.get(i);
    if (!segments || right - left <= 0) return '';
    let html = '';
    const shownLeft = Math.max(0, left);
    const shownWidth = Math.min(100, right) - shownLeft;
    if (shownWidth <= 0) return '';
    for (const [from, to] of segments) {
      const a = Math.max(this.pct(from), shownLeft);
      const b = Math.min(this.pct(to), shownLeft + shownWidth);
      if (b < a) continue;
      html +=
        `<div class="wf-crit" style="left:${(((a - shownLeft) / shownWidth) * 100).toFixed(2)}%;` +
        `width:${Math.max(0.5, ((b - a) / shownWidth) * 100).toFixed(2)}%"></div>`;
    }
    return html;
  }

  logMarks(i) {
    const logs = this.m.spans[i].logs;
    if (!Array.isArray(logs) || logs.length === 0) return '';
    let html = '';
    for (let k = 0; k < logs.length && k < MAX_LOG_MARKS; k++) {
      const x = this.pct(Number(logs[k].timestamp));
      if (x >= 0 && x <= 100) html += `<span class="wf-log" style="left:${x.toFixed(3)}%"></span>`;
    }
    return html;
  }

  // The duration label: beside the bar where there is room, else inside it;
  // an arrow points to a bar outside the selected range.
  labelHtml(duration, left, right, outside) {
    const text = formatDuration(duration);
    if (outside < 0) return `<span class="wf-label" style="left:4px">◂ ${text}</span>`;
    if (outside > 0) return `<span class="wf-label" style="right:4px">${text} ▸</span>`;
    if (right <= 70)
      return `<span class="wf-label" style="left:calc(${right.toFixed(3)}% + 4px)">${text}</span>`;
    if (left >= 30)
      return `<span class="wf-label" style="right:calc(${(100 - left).toFixed(3)}% + 4px)">${text}</span>`;
    return `<span class="wf-label inside" style="left:calc(${left.toFixed(3)}% + 4px)">${text}</span>`;
  }

  renderTicks() {
    const m = this.m;
    const from = this.lo * m.traceDuration;
    const to = this.hi * m.traceDuration;
    const labels = [];
    const lines = [];
    for (let k = 0; k <= TICK_COUNT; k++) {
      const p = (k / TICK_COUNT) * 100;
      const t = from + ((to - from) * k) / TICK_COUNT;
      const align = k === TICK_COUNT ? 'end' : k === 0 ? 'start' : 'mid';
      labels.push(`<span class="tick ${align}" style="left:${p}%">${formatDuration(t)}</span>`);
      lines.push(`<span style="left:${p}%"></span>`);
    }
    this.ticks.innerHTML = labels.join('');
    this.grid.innerHTML = lines.join('');
  }
}
