// The span detail panel: what one span is (operation, service, ids, timing,
// kind, status), its warnings (shown first: they explain broken
// propagation), its place in the fan-out (queue wait after a producer,
// position among concurrent siblings), attributes, events, links and the
// resource. Built as one HTML string from escaped values; links to spans of
// the same trace carry data-select-span and are handled by the trace page.

import { escapeHtml, formatDuration, formatTimestamp, serviceColor, plural } from './format.js';
import { FLAG_ERROR, KIND_NAMES, parentSpanId, queueWait, siblingFacts, spanName } from './trace_model.js';

function valueHtml(tag) {
  const type = tag.type || typeof tag.value;
  const cls = { bool: 'v-bool', int64: 'v-num', float64: 'v-num', binary: 'v-bin' }[type] || 'v-str';
  const text = typeof tag.value === 'string' ? tag.value : JSON.stringify(tag.value);
  return `<span class="${cls}">${escapeHtml(text)}</span>`;
}

function tagTable(tags, testid) {
  if (!Array.isArray(tags) || tags.length === 0) return '<p class="muted">none</p>';
  const rows = tags.map(
    (t) =>
      `<tr><th>${escapeHtml(t.key)}</th><td>${valueHtml(t)}` +
      `${t.type && t.type !== 'string' ? ` <span class="v-type">${escapeHtml(t.type)}</span>` : ''}</td></tr>`,
  );
  return `<table class="kv" data-testid="${testid}">${rows.join('')}</table>`;
}

function section(title, body, count) {
  const badge = count === undefined ? '' : ` <span class="count">${count}</span>`;
  return `<section class="detail-section"><h4>${escapeHtml(title)}${badge}</h4>${body}</section>`;
}

// A link to span `i` of this trace (selects it in place).
function spanLink(m, i) {
  return (
    `<a href="/trace/${encodeURIComponent(m.trace.traceID)}?span=${encodeURIComponent(m.spans[i].spanID)}" ` +
    `data-select-span="${i}">${escapeHtml(spanName(m, i))}</a>`
  );
}

function tagValue(span, key) {
  const tag = (span.tags || []).find((t) => t.key === key);
  return tag ? tag.value : undefined;
}

function statusHtml(m, i) {
  const span = m.spans[i];
  const code = tagValue(span, 'otel.status_code');
  const description = tagValue(span, 'otel.status_description');
  const error = m.flags[i] & FLAG_ERROR;
  if (!code && !error) return '<span class="muted">unset</span>';
  const label = code || 'ERROR';
  return (
    `<span class="status ${error ? 'status-error' : 'status-ok'}">${escapeHtml(label)}</span>` +
    `${description ? ` ${escapeHtml(description)}` : ''}${error && tagValue(span, 'error') !== undefined ? ' <span class="muted">(error=true)</span>' : ''}`
  );
}

function parentHtml(m, i) {
  const pid = parentSpanId(m.spans[i]);
  if (!pid) return '<span class="muted">none (root span)</span>';
  const p = m.indexById.get(pid);
  if (p === undefined || p === i)
    return `<span class="mono">${escapeHtml(pid)}</span> <span class="warn-text">not in this trace</span>`;
  return `${spanLink(m, p)} <span class="mono muted">${escapeHtml(pid)}</span>`;
}

function factsHtml(m, i) {
  const span = m.spans[i];
  const offset = m.start[i] - m.traceStart;
  const rows = [
    [
      'Service',
      `<span class="swatch" style="background:${serviceColor(m.services[m.service[i]].name)}"></span>${escapeHtml(m.services[m.service[i]].name)}`,
    ],
    ['Span ID', `<span class="mono">${escapeHtml(span.spanID)}</span>`],
    ['Parent', parentHtml(m, i)],
    [
      'Start',
      `+${escapeHtml(formatDuration(offset))} <span class="muted">${escapeHtml(formatTimestamp(m.start[i]))}</span>`,
    ],
    ['Duration', escapeHtml(formatDuration(m.duration[i]))],
    ['Kind', escapeHtml(KIND_NAMES[m.kind[i]] || 'unspecified')],
    ['Status', statusHtml(m, i)],
    [
      'Critical path',
      m.critical.onPath[i]
        ? '<span class="crit-yes">on the critical path</span>'
        : '<span class="muted">no</span>',
    ],
  ];
  if (m.subtree[i] > 1) rows.push(['Descendants', plural(m.subtree[i] - 1, 'span')]);
  return `<table class="kv facts">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>`;
}

function fanOutHtml(m, i) {
  const lines = [];
  const queue = queueWait(m, i);
  if (queue) {
    lines.push(
      `<li data-testid="queue-wait">queue wait: <strong>${escapeHtml(formatDuration(queue.sinceStart))}</strong> since the producer span ` +
        `${spanLink(m, queue.producer)} started (${escapeHtml(formatDuration(queue.sinceEnd))} after it ended)</li>`,
    );
  }
  const siblings = siblingFacts(m, i);
  if (siblings) {
    const kind = siblings.overlapping > 0 ? 'concurrent' : 'sequential';
    const overlap =
      siblings.overlapping > 0
        ? ` <span class="muted">(overlaps ${plural(siblings.overlapping, 'sibling')})</span>`
        : '';
    lines.push(
      `<li data-testid="sibling-facts">${siblings.position} of ${siblings.count} ${kind} children of ${spanLink(m, siblings.parent)}${overlap}</li>`,
    );
  }
  const children = m.childFrom[i + 1] - m.childFrom[i];
  if (children > 1) lines.push(`<li>fans out to ${children} children</li>`);
  return lines.length === 0 ? '' : section('Fan-out', `<ul class="fanout">${lines.join('')}</ul>`);
}

function warningsHtml(span) {
  if (!Array.isArray(span.warnings) || span.warnings.length === 0) return '';
  return (
    `<div class="warnings" data-testid="span-warnings" role="alert"><strong>⚠ ${plural(span.warnings.length, 'warning')}</strong>` +
    `<ul>${span.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul></div>`
  );
}

function eventsHtml(m, i) {
  const logs = m.spans[i].logs;
  if (!Array.isArray(logs) || logs.length === 0) return '';
  const items = logs.map((log) => {
    const fields = Array.isArray(log.fields) ? log.fields : [];
    const name = fields.find((f) => f.key === 'event');
    const rest = fields.filter((f) => f !== name);
    const offset = Number(log.timestamp) - m.start[i];
    return (
      `<li><div class="event-head"><span class="event-time">+${escapeHtml(formatDuration(offset))}</span> ` +
      `<strong>${escapeHtml(name ? name.value : 'event')}</strong></div>${rest.length ? tagTable(rest, 'event-fields') : ''}</li>`
    );
  });
  return section('Events', `<ul class="events">${items.join('')}</ul>`, logs.length);
}

function linksHtml(m, i) {
  const span = m.spans[i];
  const parent = parentSpanId(span);
  const refs = (span.references || []).filter((r) => r.refType !== 'CHILD_OF' || r.spanID !== parent);
  if (refs.length === 0) return '';
  const items = refs.map((r) => {
    const same = !r.traceID || r.traceID === m.trace.traceID;
    const target = same ? m.indexById.get(r.spanID) : undefined;
    const label =
      target !== undefined
        ? spanLink(m, target)
        : `<a href="/trace/${encodeURIComponent(r.traceID || m.trace.traceID)}?span=${encodeURIComponent(r.spanID)}">` +
          `${same ? 'span' : 'trace'} <span class="mono">${escapeHtml(same ? r.spanID : `${r.traceID} / ${r.spanID}`)}</span></a>`;
    return `<li><span class="ref-type">${escapeHtml(r.refType)}</span> ${label}${same ? '' : ' <span class="muted">(another trace)</span>'}</li>`;
  });
  return section('Links', `<ul class="links" data-testid="span-links">${items.join('')}</ul>`, refs.length);
}

function resourceHtml(m, i) {
  const pid = m.spans[i].processID;
  const proc = (m.trace.processes || {})[pid];
  const tags = [{ key: 'service.name', type: 'string', value: m.services[m.service[i]].name }];
  if (proc && Array.isArray(proc.tags)) tags.push(...proc.tags);
  return section('Resource', tagTable(tags, 'span-resource'));
}

// The panel's HTML for span i of model m.
export function spanDetailHtml(m, i) {
  const span = m.spans[i];
  const color = serviceColor(m.services[m.service[i]].name);
  const error = m.flags[i] & FLAG_ERROR ? '<span class="mark-error" title="error">!</span>' : '';
  return (
    `<div class="detail-head" style="border-left-color:${color}">` +
    `<h3>${error}${escapeHtml(span.operationName)}</h3>` +
    `<button type="button" class="close" data-action="close" title="Close (Esc)" aria-label="Close">×</button></div>` +
    `<div class="detail-scroll">${warningsHtml(span)}${factsHtml(m, i)}${fanOutHtml(m, i)}` +
    `${section('Attributes', tagTable(span.tags, 'span-attributes'), (span.tags || []).length)}` +
    `${eventsHtml(m, i)}${linksHtml(m, i)}${resourceHtml(m, i)}</div>`
  );
}
