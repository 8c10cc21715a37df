// The traceview query API (Jaeger query API v1) as promise-returning
// functions. Every failure — network, HTTP status, API error envelope,
// malformed JSON — becomes an ApiError whose message is fit to show.
// Also holds traces opened from a JSON file, which never touch the server.

export class ApiError extends Error {
  constructor(message, status = 0) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

// The message of a {"errors":[{code,msg}], "message"} body, if there is one.
function envelopeMessage(body) {
  if (!body || typeof body !== 'object') return '';
  if (Array.isArray(body.errors) && body.errors.length > 0) {
    return body.errors.map((e) => e.msg || e.message || String(e.code)).join('; ');
  }
  return typeof body.message === 'string' ? body.message : '';
}

// The response index.html started fetching for `path`, once; else a new fetch.
function fetchOnce(path) {
  const early = window.traceviewPrefetch;
  if (early && early.path === path) {
    window.traceviewPrefetch = null;
    return early.response.then((r) => (r instanceof Error ? Promise.reject(r) : r));
  }
  return fetch(path, { headers: { Accept: 'application/json' } });
}

async function request(path) {
  let response;
  try {
    response = await fetchOnce(path);
  } catch (err) {
    throw new ApiError(`Cannot reach the traceview server (${err.message}).`);
  }
  let body = null;
  try {
    body = await response.json();
  } catch (err) {
    if (response.ok) throw new ApiError(`The server sent a malformed answer for ${path}.`, response.status);
  }
  const message = envelopeMessage(body);
  if (!response.ok) {
    const detail = message || response.statusText || 'request failed';
    throw new ApiError(`${response.status}: ${detail}`, response.status);
  }
  if (message) throw new ApiError(message, response.status);
  return body ? body.data : null;
}

export async function getServices() {
  return (await request('/api/services')) || [];
}

export async function getOperations(service) {
  return (await request(`/api/services/${encodeURIComponent(service)}/operations`)) || [];
}

// `params`: URLSearchParams in the API's vocabulary (service, tags, start, ...).
export async function findTraces(params) {
  return (await request(`/api/traces?${params}`)) || [];
}

const localTraces = new Map(); // trace id → trace object opened from a file

export function rememberLocalTrace(trace) {
  localTraces.set(trace.traceID, trace);
}

export function localTrace(id) {
  return localTraces.get(id) || null;
}

export async function getTrace(id) {
  const local = localTrace(id);
  if (local) return local;
  const data = await request(`/api/traces/${encodeURIComponent(id)}`);
  if (!Array.isArray(data) || data.length === 0) throw new ApiError(`Trace ${id} not found.`, 404);
  return data[0];
}

export async function getDependencies(endTsMs, lookbackMs) {
  return (await request(`/api/dependencies?endTs=${endTsMs}&lookback=${lookbackMs}`)) || [];
}

// Parses the contents of a downloaded trace file: {"data":[trace]} or a bare
// trace object. Throws ApiError with a readable message otherwise.
export function parseTraceFile(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ApiError(`The file is not JSON: ${err.message}`);
  }
  const trace = value && Array.isArray(value.data) ? value.data[0] : value;
  if (!trace || typeof trace !== 'object' || !Array.isArray(trace.spans)) {
    throw new ApiError('The file holds no trace: expected {"data":[trace]} or a trace object with "spans".');
  }
  if (trace.spans.length === 0) throw new ApiError('The trace in the file has no spans.');
  if (!trace.traceID) trace.traceID = trace.spans[0].traceID || 'file';
  if (!trace.processes) trace.processes = {};
  return trace;
}
