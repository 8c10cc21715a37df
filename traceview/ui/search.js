// The search page (`/` and `/search?service=..&operation=..&tags=..`):
// the query form, whose state lives in the URL (so every search is a deep
// link), the trace-id box, opening a trace from a JSON file, and the
// results (scatter plot + list, see search_results.js).

import { getServices, getOperations, findTraces, parseTraceFile, rememberLocalTrace } from './api.js';
import { h, errorBox, noticeBox, loadingBox, replace, messageOf } from './dom.js';
import { parseDuration, registerServices } from './format.js';
import { renderResults } from './search_results.js';

const LOOKBACKS = [
  ['5m', 'Last 5 minutes'],
  ['15m', 'Last 15 minutes'],
  ['1h', 'Last hour'],
  ['2h', 'Last 2 hours'],
  ['6h', 'Last 6 hours'],
  ['12h', 'Last 12 hours'],
  ['24h', 'Last 24 hours'],
  ['2d', 'Last 2 days'],
  ['7d', 'Last 7 days'],
];
const DEFAULT_LOOKBACK = '1h';
const DEFAULT_LIMIT = 20;
const LAST_SERVICE_KEY = 'traceview.lastService';

// ---------------------------------------------------------------------------
// Attribute filters: `key=value key2="value with spaces"` ⇄ {"key": "value"}.

export function parseTags(text) {
  const tags = {};
  const token = /\s*([^=\s"]+)=("((?:[^"\\]|\\.)*)"|[^\s"]*)\s*/y;
  let pos = 0;
  const s = text.trim();
  while (pos < s.length) {
    token.lastIndex = pos;
    const m = token.exec(s);
    if (!m)
      throw new Error(
        `Cannot read the attribute filter at "${s.slice(pos, pos + 20)}": use key=value or key="value with spaces".`,
      );
    tags[m[1]] = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2];
    pos = token.lastIndex;
  }
  return tags;
}

export function formatTags(tags) {
  return Object.entries(tags)
    .map(([k, v]) => {
      const value = String(v);
      return /[\s"]/.test(value) || value === ''
        ? `${k}="${value.replace(/(["\\])/g, '\\$1')}"`
        : `${k}=${value}`;
    })
    .join(' ');
}

// The URL's tags parameter: the API's JSON object, or typed key=value text.
function tagsFromUrl(raw) {
  if (!raw) return {};
  try {
    const value = JSON.parse(raw);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value;
  } catch (err) {
    // not JSON: typed text
  }
  return parseTags(raw);
}

function lookbackMicros(lookback) {
  return parseDuration(lookback) || parseDuration(DEFAULT_LOOKBACK);
}

// The API query for the URL's search (start/end from now and the lookback).
function apiQuery(params) {
  const q = new URLSearchParams();
  q.set('service', params.get('service'));
  for (const key of ['operation', 'minDuration', 'maxDuration']) {
    if (params.get(key)) q.set(key, params.get(key));
  }
  const tags = tagsFromUrl(params.get('tags'));
  if (Object.keys(tags).length > 0) q.set('tags', JSON.stringify(tags));
  const lookback = params.get('lookback') || DEFAULT_LOOKBACK;
  const end = Date.now() * 1000;
  q.set('lookback', lookback);
  q.set('start', String(Math.floor(end - lookbackMicros(lookback))));
  q.set('end', String(end));
  q.set('limit', params.get('limit') || String(DEFAULT_LIMIT));
  return q;
}

// ---------------------------------------------------------------------------
// The form.

function field(label, control, hint) {
  return h(
    'label',
    { class: 'field' },
    h('span', { class: 'field-label' }, label),
    control,
    hint ? h('span', { class: 'field-hint' }, hint) : null,
  );
}

function options(select, entries, selected) {
  select.replaceChildren(...entries.map(([value, text]) => h('option', { value }, text)));
  if (entries.some(([value]) => value === selected)) select.value = selected;
}

function buildForm(params) {
  const f = {
    service: h('select', { name: 'service', dataset: { testid: 'service-select' }, required: true }),
    operation: h('select', { name: 'operation', dataset: { testid: 'operation-select' } }),
    tags: h('input', {
      name: 'tags',
      type: 'text',
      placeholder: 'http.status_code=500 error=true',
      dataset: { testid: 'tags-input' },
      autocomplete: 'off',
    }),
    minDuration: h('input', { name: 'minDuration', type: 'text', placeholder: 'e.g. 10ms', size: 8 }),
    maxDuration: h('input', { name: 'maxDuration', type: 'text', placeholder: 'e.g. 1.5s', size: 8 }),
    lookback: h('select', { name: 'lookback' }),
    limit: h('input', {
      name: 'limit',
      type: 'number',
      min: 1,
      max: 1500,
      value: params.get('limit') || DEFAULT_LIMIT,
    }),
    error: h('div', { class: 'form-error', role: 'alert' }),
  };
  options(f.lookback, LOOKBACKS, params.get('lookback') || DEFAULT_LOOKBACK);
  f.operation.append(h('option', { value: '' }, 'all'));
  try {
    f.tags.value = formatTags(tagsFromUrl(params.get('tags')));
  } catch (err) {
    f.tags.value = params.get('tags') || '';
  }
  f.minDuration.value = params.get('minDuration') || '';
  f.maxDuration.value = params.get('maxDuration') || '';
  f.form = h(
    'form',
    { class: 'search-form', dataset: { testid: 'search-form' }, novalidate: true },
    h('h2', {}, 'Search'),
    field('Service', f.service),
    field('Operation', f.operation),
    field('Attributes', f.tags, 'key=value key2="value with spaces"'),
    h(
      'div',
      { class: 'field-row' },
      field('Min duration', f.minDuration),
      field('Max duration', f.maxDuration),
    ),
    h('div', { class: 'field-row' }, field('Lookback', f.lookback), field('Limit', f.limit)),
    f.error,
    h('button', { type: 'submit', class: 'primary', dataset: { testid: 'search-button' } }, 'Find traces'),
  );
  return f;
}

// The URL query for the form's current values; throws with a message to show.
function formQuery(f) {
  const q = new URLSearchParams();
  if (!f.service.value) throw new Error('Choose a service.');
  q.set('service', f.service.value);
  if (f.operation.value) q.set('operation', f.operation.value);
  const tags = parseTags(f.tags.value);
  if (Object.keys(tags).length > 0) q.set('tags', JSON.stringify(tags));
  for (const key of ['minDuration', 'maxDuration']) {
    const text = f[key].value.trim();
    if (!text) continue;
    if (parseDuration(text) === null)
      throw new Error(
        `${key === 'minDuration' ? 'Min' : 'Max'} duration "${text}" is not a duration such as 10ms or 1.5s.`,
      );
    q.set(key, text);
  }
  q.set('lookback', f.lookback.value);
  const limit = Number(f.limit.value);
  if (!Number.isInteger(limit) || limit < 1) throw new Error('Limit must be a positive whole number.');
  q.set('limit', String(limit));
  return q;
}

async function loadOperations(f, service, selected) {
  f.operation.replaceChildren(h('option', { value: '' }, 'all'));
  if (!service) return;
  const ops = await getOperations(service);
  options(
    f.operation,
    [
      ['', 'all'],
      ...ops
        .slice()
        .sort()
        .map((o) => [o, o]),
    ],
    selected || '',
  );
}

// ---------------------------------------------------------------------------
// Trace id box and JSON file.

function traceIdBox(ctx) {
  const input = h('input', {
    type: 'text',
    placeholder: 'Trace id',
    dataset: { testid: 'trace-id-input' },
    autocomplete: 'off',
    spellcheck: false,
  });
  const error = h('div', { class: 'form-error', role: 'alert' });
  const form = h(
    'form',
    { class: 'side-box', dataset: { testid: 'trace-id-form' } },
    h('h3', {}, 'Open a trace by id'),
    h('div', { class: 'inline' }, input, h('button', { type: 'submit' }, 'Open')),
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = input.value.trim().toLowerCase();
    if (!/^[0-9a-f]{1,32}$/.test(id)) {
      error.textContent = 'A trace id is 1 to 32 hexadecimal digits.';
      return;
    }
    ctx.navigate(`/trace/${id}`);
  });
  return form;
}

function fileBox(ctx) {
  const input = h('input', {
    type: 'file',
    accept: '.json,application/json',
    dataset: { testid: 'open-json' },
  });
  const error = h('div', { class: 'form-error', role: 'alert' });
  input.addEventListener('change', async () => {
    error.textContent = '';
    const file = input.files && input.files[0];
    if (!file) return;
    try {
      const trace = parseTraceFile(await file.text());
      rememberLocalTrace(trace);
      ctx.navigate(`/trace/${encodeURIComponent(trace.traceID)}?source=file`);
    } catch (err) {
      error.textContent = messageOf(err);
    }
  });
  return h('div', { class: 'side-box' }, h('h3', {}, 'Open a trace from a JSON file'), input, error);
}

// ---------------------------------------------------------------------------
// The page.

async function fillServices(f, params) {
  const services = await getServices();
  registerServices(services);
  const wanted = params.get('service') || localStorage.getItem(LAST_SERVICE_KEY) || services[0] || '';
  const entries = services.map((s) => [s, s]);
  if (params.get('service') && !services.includes(wanted))
    entries.unshift([wanted, `${wanted} (no spans stored)`]);
  options(f.service, entries, wanted);
  return services;
}

async function runSearch(results, params, ctx) {
  replace(results, loadingBox('Searching…'));
  try {
    const traces = await findTraces(apiQuery(params));
    if (!ctx.isCurrent()) return;
    renderResults(results, traces, ctx);
  } catch (err) {
    if (!ctx.isCurrent()) return;
    replace(results, errorBox(`Search failed: ${messageOf(err)}`));
  }
}

export async function render(root, ctx) {
  const params = ctx.params;
  const f = buildForm(params);
  const results = h('section', { class: 'results', dataset: { testid: 'search-results' } });
  root.append(
    h(
      'div',
      { class: 'search-page' },
      h('aside', { class: 'search-side' }, f.form, traceIdBox(ctx), fileBox(ctx)),
      results,
    ),
  );
  f.service.addEventListener('change', () => {
    loadOperations(f, f.service.value, '').catch((err) => {
      f.error.textContent = messageOf(err);
    });
  });
  f.form.addEventListener('submit', (event) => {
    event.preventDefault();
    try {
      const q = formQuery(f);
      localStorage.setItem(LAST_SERVICE_KEY, f.service.value);
      ctx.navigate(`/search?${q}`);
    } catch (err) {
      f.error.textContent = messageOf(err);
    }
  });
  let services;
  try {
    services = await fillServices(f, params);
    await loadOperations(f, f.service.value, params.get('operation'));
  } catch (err) {
    replace(results, errorBox(`Cannot load the services and operations: ${messageOf(err)}`));
    return null;
  }
  if (!ctx.isCurrent()) return null;
  if (params.get('service')) {
    await runSearch(results, params, ctx);
  } else if (services.length === 0) {
    replace(results, noticeBox('No traces stored yet. Send spans over OTLP to traceview, then search here.'));
  } else {
    replace(results, noticeBox('Choose a service and press “Find traces”.'));
  }
  return null;
}
