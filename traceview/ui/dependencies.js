// The dependencies page (`/dependencies?lookback=24h`): which service calls
// which, from GET /api/dependencies, drawn as an SVG graph laid out by
// dep_layout.js — edges with arrowheads labelled "N calls · E% errors", red
// when some calls failed — and the same edges as a table. Clicking a service
// searches its traces.

import { getDependencies, getServices } from './api.js';
import { h, errorBox, noticeBox, loadingBox, replace, messageOf } from './dom.js';
import { escapeHtml, parseDuration, registerServices, serviceColor } from './format.js';
import { layoutGraph, NODE_WIDTH, NODE_HEIGHT, LAYER_GAP } from './dep_layout.js';

const LOOKBACKS = [
  ['1h', 'Last hour'],
  ['6h', 'Last 6 hours'],
  ['24h', 'Last 24 hours'],
  ['2d', 'Last 2 days'],
  ['7d', 'Last 7 days'],
];
const DEFAULT_LOOKBACK = '24h';
const MAX_LABEL = 26;

export function errorPercent(calls, errors) {
  if (calls <= 0 || errors <= 0) return '0%';
  const pct = (errors / calls) * 100;
  return `${pct < 10 ? Number(pct.toFixed(1)) : Math.round(pct)}%`;
}

function edgeLabel(e) {
  return `${e.calls} ${e.calls === 1 ? 'call' : 'calls'} · ${errorPercent(e.calls, e.errors)} errors`;
}

// The path of an edge and where its label goes.
function edgeGeometry(e, from, to) {
  const midY = (n) => n.y + NODE_HEIGHT / 2;
  if (e.self) {
    const x = from.x + NODE_WIDTH - 30;
    const y = from.y;
    return {
      d: `M${x},${y} C${x - 10},${y - 45} ${x + 50},${y - 45} ${x + 30},${y + 2}`,
      lx: x + 10,
      ly: y - 38,
    };
  }
  if (e.back) {
    const x1 = from.x + NODE_WIDTH / 2;
    const x2 = to.x + NODE_WIDTH / 2;
    const y = Math.max(from.y, to.y) + NODE_HEIGHT;
    const dip = 50 + Math.abs(x1 - x2) * 0.1;
    return {
      d: `M${x1},${from.y + NODE_HEIGHT} C${x1},${y + dip} ${x2},${y + dip} ${x2},${to.y + NODE_HEIGHT + 2}`,
      lx: (x1 + x2) / 2,
      ly: y + dip * 0.75 + 4,
    };
  }
  const x1 = from.x + NODE_WIDTH;
  const x2 = to.x - 2;
  const bend = (x2 - x1) / 2;
  const points = [
    [x1, midY(from)],
    [x1 + bend, midY(from)],
    [x2 - bend, midY(to)],
    [x2, midY(to)],
  ];
  // The label sits in the gap just before the target, clear of other layers' nodes.
  const lx = Math.max((x1 + x2) / 2, x2 - (LAYER_GAP - NODE_WIDTH) / 2);
  const [p0, p1, p2, p3] = points; // arrays print as "x,y"
  return { d: `M${p0} C${p1} ${p2} ${p3}`, lx, ly: yAtX(points, lx) - 6 };
}

function bezier(points, t) {
  const u = 1 - t;
  const w = [u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t];
  return [0, 1].map((axis) => points.reduce((sum, p, k) => sum + p[axis] * w[k], 0));
}

// The y of a left-to-right cubic Bézier at x (bisection on t).
function yAtX(points, x) {
  let lo = 0;
  let hi = 1;
  for (let k = 0; k < 30; k++) {
    const mid = (lo + hi) / 2;
    if (bezier(points, mid)[0] < x) lo = mid;
    else hi = mid;
  }
  return bezier(points, (lo + hi) / 2)[1];
}

function edgeMarkup(e, byName) {
  const g = edgeGeometry(e, byName.get(e.parent), byName.get(e.child));
  const cls = `dep-edge${e.errors > 0 ? ' has-errors' : ''}${e.back ? ' back' : ''}`;
  const width = Math.min(4, 1.2 + Math.log10(Math.max(1, e.calls)) * 0.6).toFixed(2);
  const label = edgeLabel(e);
  return (
    `<g class="${cls}" data-testid="dep-edge" data-parent="${escapeHtml(e.parent)}" data-child="${escapeHtml(e.child)}" ` +
    `data-calls="${e.calls}" data-errors="${e.errors}"><title>${escapeHtml(`${e.parent} → ${e.child}: ${label}`)}</title>` +
    `<path d="${g.d}" stroke-width="${width}" marker-end="url(#${e.errors > 0 ? 'arrow-error' : 'arrow'})"/>` +
    `<text x="${g.lx}" y="${g.ly}" text-anchor="middle">${escapeHtml(label)}</text></g>`
  );
}

function nodeMarkup(n) {
  const label = n.name.length > MAX_LABEL ? `${n.name.slice(0, MAX_LABEL - 1)}…` : n.name;
  return (
    `<g class="dep-node" data-testid="dep-node" data-service="${escapeHtml(n.name)}" transform="translate(${n.x},${n.y})" tabindex="0">` +
    `<title>${escapeHtml(n.name)} — click to search its traces</title>` +
    `<rect width="${NODE_WIDTH}" height="${NODE_HEIGHT}" rx="6"/>` +
    `<rect class="dep-node-mark" width="6" height="${NODE_HEIGHT}" rx="2" style="fill:${serviceColor(n.name)}"/>` +
    `<text x="16" y="${NODE_HEIGHT / 2 + 4}">${escapeHtml(label)}</text></g>`
  );
}

function graphSvg(layout) {
  const byName = new Map(layout.nodes.map((n) => [n.name, n]));
  const defs = ['arrow', 'arrow-error']
    .map(
      (id) =>
        `<marker id="${id}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse">` +
        '<path d="M0,0 L10,5 L0,10 z"/></marker>',
    )
    .join('');
  return (
    `<svg class="dep-graph" data-testid="dep-graph" width="${layout.width}" height="${layout.height}" ` +
    `viewBox="0 0 ${layout.width} ${layout.height}" role="img" aria-label="Service dependency graph"><defs>${defs}</defs>` +
    `${layout.edges.map((e) => edgeMarkup(e, byName)).join('')}${layout.nodes.map(nodeMarkup).join('')}</svg>`
  );
}

function edgeTable(deps) {
  const rows = deps
    .slice()
    .sort((a, b) => b.callCount - a.callCount)
    .map((d) =>
      h(
        'tr',
        { class: d.errorCount > 0 ? 'has-errors' : '' },
        h('td', {}, d.parent),
        h('td', {}, d.child),
        h('td', { class: 'num' }, String(d.callCount)),
        h('td', { class: 'num' }, String(d.errorCount)),
        h('td', { class: 'num' }, errorPercent(d.callCount, d.errorCount)),
      ),
    );
  return h(
    'table',
    { class: 'dep-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Caller'),
        h('th', {}, 'Callee'),
        h('th', { class: 'num' }, 'Calls'),
        h('th', { class: 'num' }, 'Errors'),
        h('th', { class: 'num' }, 'Error rate'),
      ),
    ),
    h('tbody', {}, rows),
  );
}

function lookbackSelect(current, ctx) {
  const select = h(
    'select',
    { dataset: { testid: 'dep-lookback' } },
    LOOKBACKS.map(([value, label]) => h('option', { value }, label)),
  );
  select.value = LOOKBACKS.some(([v]) => v === current) ? current : DEFAULT_LOOKBACK;
  select.addEventListener('change', () => ctx.navigate(`/dependencies?lookback=${select.value}`));
  return select;
}

export async function render(root, ctx) {
  const lookback = ctx.params.get('lookback') || DEFAULT_LOOKBACK;
  const lookbackMs = Math.round((parseDuration(lookback) || parseDuration(DEFAULT_LOOKBACK)) / 1000);
  const body = h('div', { class: 'dep-body' }, loadingBox('Loading dependencies…'));
  root.append(
    h(
      'div',
      { class: 'dep-page' },
      h(
        'div',
        { class: 'page-head' },
        h('h1', {}, 'Service dependencies'),
        h('span', { class: 'spacer' }),
        h('label', {}, 'Lookback ', lookbackSelect(lookback, ctx)),
      ),
      body,
    ),
  );
  let deps;
  try {
    const [data] = await Promise.all([
      getDependencies(Date.now(), lookbackMs),
      getServices().then(registerServices, () => {}),
    ]);
    deps = data;
  } catch (err) {
    if (ctx.isCurrent()) replace(body, errorBox(`Cannot load dependencies: ${messageOf(err)}`));
    return null;
  }
  if (!ctx.isCurrent()) return null;
  if (deps.length === 0) {
    replace(body, noticeBox('No calls between services in this time range.'));
    return null;
  }
  const graph = h('div', { class: 'dep-graph-box' });
  graph.innerHTML = graphSvg(layoutGraph(deps));
  graph.addEventListener('click', (event) => {
    const node = event.target.closest('[data-testid="dep-node"]');
    if (node) ctx.navigate(`/search?service=${encodeURIComponent(node.dataset.service)}`);
  });
  replace(body, graph, edgeTable(deps));
  return null;
}
