// The minimap: every span of the trace drawn once on a canvas (one line per
// span, in tree order, coloured by service), with a window that selects the
// time range the waterfall shows. Drag inside the window to move it, drag
// its edges to resize it, drag elsewhere to draw a new one; double-click
// resets to the whole trace. Only the window overlay is redrawn while
// dragging; the spans are redrawn only when the canvas size changes.

import { h } from './dom.js';
import { formatDuration, serviceColor } from './format.js';
import { FLAG_ERROR } from './trace_model.js';

const HEIGHT = 64;
const EDGE_PX = 6; // how close to a window edge a press resizes it
const MIN_FRACTION = 1e-6;

export class Minimap {
  // `onChange(lo, hi)` gets the new range (fractions of the trace duration).
  constructor(model, onChange) {
    this.m = model;
    this.onChange = onChange;
    this.lo = 0;
    this.hi = 1;
    this.base = document.createElement('canvas');
    this.canvas = h('canvas', {
      class: 'minimap-canvas',
      dataset: { testid: 'minimap' },
      height: HEIGHT,
      title: 'Drag to select a time range; double-click to show the whole trace',
    });
    this.labels = h('div', { class: 'minimap-labels' });
    this.el = h('div', { class: 'minimap' }, this.canvas, this.labels);
    this.drag = null;
    this.frame = 0;
    this.size = [0, 0];
    this.bindPointer();
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(this.canvas);
  }

  dispose() {
    this.resizeObserver.disconnect();
    if (this.frame) cancelAnimationFrame(this.frame);
  }

  setRange(lo, hi) {
    this.lo = lo;
    this.hi = hi;
    this.drawOverlay();
  }

  resize() {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.round(this.canvas.clientWidth * ratio);
    const height = Math.round(HEIGHT * ratio);
    if (width === 0 || (width === this.size[0] && height === this.size[1])) return;
    this.size = [width, height];
    this.canvas.width = this.base.width = width;
    this.canvas.height = this.base.height = height;
    this.drawSpans();
    this.drawOverlay();
    this.renderLabels();
  }

  // All spans, grouped by service so the fill colour changes once per service.
  drawSpans() {
    const m = this.m;
    const ctx = this.base.getContext('2d');
    const [width, height] = this.size;
    ctx.fillStyle = '#fbfbfc';
    ctx.fillRect(0, 0, width, height);
    const duration = m.traceDuration || 1;
    const rowHeight = height / Math.max(1, m.n);
    const barHeight = Math.max(1, Math.min(rowHeight * 0.8, 6 * (window.devicePixelRatio || 1)));
    const byService = m.services.map(() => []);
    for (let p = 0; p < m.n; p++) byService[m.service[m.order[p]]].push(p);
    const drawSet = (positions, color, test) => {
      ctx.fillStyle = color;
      for (const p of positions) {
        const i = m.order[p];
        if (test && !test(i)) continue;
        const x = ((m.start[i] - m.traceStart) / duration) * width;
        const w = Math.max(1, (m.duration[i] / duration) * width);
        ctx.fillRect(x, p * rowHeight, w, barHeight);
      }
    };
    m.services.forEach((s, k) => drawSet(byService[k], serviceColor(s.name)));
    const all = Array.from({ length: m.n }, (_, p) => p);
    ctx.globalAlpha = 0.75;
    drawSet(all, '#d62728', (i) => m.flags[i] & FLAG_ERROR);
    ctx.globalAlpha = 1;
  }

  drawOverlay() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const [width, height] = this.size;
      if (width === 0) return;
      const ctx = this.canvas.getContext('2d');
      ctx.drawImage(this.base, 0, 0);
      const a = this.lo * width;
      const b = this.hi * width;
      ctx.fillStyle = 'rgba(40, 50, 70, 0.22)';
      ctx.fillRect(0, 0, a, height);
      ctx.fillRect(b, 0, width - b, height);
      const ratio = window.devicePixelRatio || 1;
      ctx.fillStyle = '#3b5bdb';
      ctx.fillRect(Math.min(a, width - 2 * ratio), 0, 2 * ratio, height);
      ctx.fillRect(Math.max(0, b - 2 * ratio), 0, 2 * ratio, height);
    });
  }

  renderLabels() {
    const d = this.m.traceDuration;
    this.labels.replaceChildren(
      ...[0, 0.25, 0.5, 0.75, 1].map((f) =>
        h(
          'span',
          { style: `left:${f * 100}%`, class: f === 1 ? 'end' : f === 0 ? 'start' : '' },
          formatDuration(d * f),
        ),
      ),
    );
  }

  // ---- pointer handling ----

  fractionAt(event) {
    const box = this.canvas.getBoundingClientRect();
    return Math.min(1, Math.max(0, (event.clientX - box.left) / (box.width || 1)));
  }

  modeAt(event) {
    const box = this.canvas.getBoundingClientRect();
    const x = event.clientX - box.left;
    const full = this.lo <= 0 && this.hi >= 1;
    if (!full && Math.abs(x - this.lo * box.width) <= EDGE_PX) return 'lo';
    if (!full && Math.abs(x - this.hi * box.width) <= EDGE_PX) return 'hi';
    if (!full && x > this.lo * box.width && x < this.hi * box.width) return 'move';
    return 'new';
  }

  bindPointer() {
    const c = this.canvas;
    c.addEventListener('pointerdown', (event) => {
      if (event.button !== 0) return;
      event.preventDefault();
      c.setPointerCapture(event.pointerId);
      const at = this.fractionAt(event);
      this.drag = { mode: this.modeAt(event), anchor: at, lo: this.lo, hi: this.hi };
    });
    c.addEventListener('pointermove', (event) => {
      if (!this.drag) {
        const mode = this.modeAt(event);
        c.style.cursor =
          mode === 'lo' || mode === 'hi' ? 'ew-resize' : mode === 'move' ? 'grab' : 'crosshair';
        return;
      }
      this.dragTo(this.fractionAt(event));
    });
    const end = () => {
      this.drag = null;
    };
    c.addEventListener('pointerup', end);
    c.addEventListener('pointercancel', end);
    c.addEventListener('dblclick', () => this.apply(0, 1));
  }

  dragTo(at) {
    const d = this.drag;
    if (d.mode === 'new') this.apply(Math.min(d.anchor, at), Math.max(d.anchor, at));
    else if (d.mode === 'lo') this.apply(Math.min(at, d.hi - MIN_FRACTION), d.hi);
    else if (d.mode === 'hi') this.apply(d.lo, Math.max(at, d.lo + MIN_FRACTION));
    else {
      const width = d.hi - d.lo;
      const lo = Math.min(1 - width, Math.max(0, d.lo + at - d.anchor));
      this.apply(lo, lo + width);
    }
  }

  apply(lo, hi) {
    if (hi - lo < MIN_FRACTION) return;
    this.setRange(lo, hi);
    this.onChange(lo, hi);
  }
}
