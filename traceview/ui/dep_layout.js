// Layout of the service dependency graph (pure, no DOM): services in
// left-to-right layers by longest-path layering. Cycles are tolerated: a
// depth-first search marks the edges that close a cycle as back edges, which
// are left out of the layering and drawn differently. Within a layer, nodes
// are ordered by the mean position of their callers (a few sweeps) to cut
// crossings.

export const NODE_WIDTH = 210;
export const NODE_HEIGHT = 40;
export const LAYER_GAP = 390; // x distance between layers
const ROW_GAP = 96; // y distance between nodes of a layer
const MARGIN = 40;
const SWEEPS = 4;

// Edges (by index) that close a cycle, found by an iterative DFS in name order.
function backEdges(names, out) {
  const state = new Map(names.map((n) => [n, 0])); // 0 new, 1 on stack, 2 done
  const back = new Set();
  for (const start of names) {
    if (state.get(start) !== 0) continue;
    const stack = [{ node: start, k: 0 }];
    state.set(start, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const edges = out.get(top.node);
      if (top.k >= edges.length) {
        state.set(top.node, 2);
        stack.pop();
        continue;
      }
      const { index, child } = edges[top.k++];
      if (state.get(child) === 1) back.add(index);
      else if (state.get(child) === 0) {
        state.set(child, 1);
        stack.push({ node: child, k: 0 });
      }
    }
  }
  return back;
}

// Longest-path layer of every node over the forward (non-back) edges.
function layers(names, edges, back) {
  const indegree = new Map(names.map((n) => [n, 0]));
  const forward = edges.filter((_, i) => !back.has(i));
  for (const e of forward) indegree.set(e.child, indegree.get(e.child) + 1);
  const layer = new Map(names.map((n) => [n, 0]));
  const queue = names.filter((n) => indegree.get(n) === 0);
  const outs = new Map(names.map((n) => [n, []]));
  for (const e of forward) outs.get(e.parent).push(e.child);
  while (queue.length > 0) {
    const n = queue.shift();
    for (const c of outs.get(n)) {
      layer.set(c, Math.max(layer.get(c), layer.get(n) + 1));
      indegree.set(c, indegree.get(c) - 1);
      if (indegree.get(c) === 0) queue.push(c);
    }
  }
  return layer;
}

// Orders each layer by the mean position of the node's callers.
function orderLayers(columns, edges, back) {
  const callers = new Map();
  edges.forEach((e, i) => {
    if (back.has(i)) return;
    if (!callers.has(e.child)) callers.set(e.child, []);
    callers.get(e.child).push(e.parent);
  });
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    const position = new Map();
    for (const col of columns) col.forEach((n, k) => position.set(n, k));
    for (let c = 1; c < columns.length; c++) {
      const score = (n) => {
        const ps = (callers.get(n) || []).filter((p) => position.has(p));
        return ps.length ? ps.reduce((s, p) => s + position.get(p), 0) / ps.length : position.get(n);
      };
      columns[c].sort((a, b) => score(a) - score(b) || a.localeCompare(b));
      columns[c].forEach((n, k) => position.set(n, k));
    }
  }
}

// `deps`: [{parent, child, callCount, errorCount}]. Returns {nodes: [{name,
// x, y, layer}], edges: [{parent, child, calls, errors, back, self}], width, height}.
export function layoutGraph(deps) {
  const edges = deps.map((d) => ({
    parent: String(d.parent),
    child: String(d.child),
    calls: Number(d.callCount) || 0,
    errors: Number(d.errorCount) || 0,
  }));
  const names = [...new Set(edges.flatMap((e) => [e.parent, e.child]))].sort();
  const out = new Map(names.map((n) => [n, []]));
  edges.forEach((e, index) => out.get(e.parent).push({ index, child: e.child }));
  const back = backEdges(names, out);
  const layer = layers(names, edges, back);
  const depth = Math.max(0, ...layer.values()) + 1;
  const columns = Array.from({ length: depth }, () => []);
  for (const n of names) columns[layer.get(n)].push(n);
  orderLayers(columns, edges, back);
  const tallest = Math.max(1, ...columns.map((c) => c.length));
  const height = MARGIN * 2 + (tallest - 1) * ROW_GAP + NODE_HEIGHT + 60;
  const nodes = [];
  columns.forEach((col, c) => {
    const offset = ((tallest - col.length) * ROW_GAP) / 2;
    col.forEach((name, k) =>
      nodes.push({ name, layer: c, x: MARGIN + c * LAYER_GAP, y: MARGIN + offset + k * ROW_GAP }),
    );
  });
  return {
    nodes,
    edges: edges.map((e, i) => ({
      ...e,
      back: back.has(i) && e.parent !== e.child,
      self: e.parent === e.child,
    })),
    width: MARGIN * 2 + (depth - 1) * LAYER_GAP + NODE_WIDTH + 40,
    height,
  };
}
