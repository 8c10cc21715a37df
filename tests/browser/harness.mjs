// Shared by the browser tests and the UI benchmark: a traceview process on
// free ports, OTLP/JSON trace builders, and Debian's chromium through
// playwright-core (headless, fresh profile, no background networking).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.SPANLINE_CHROMIUM || '/usr/bin/chromium';
// Ten minutes ago: inside the UI's default lookback.
export const T0_NS = BigInt(Date.now() - 600_000) * 1_000_000n;

// Ports below the kernel's ephemeral range: a port the kernel hands out for
// port 0 may be taken by any outgoing connection before traceview binds it;
// these are only ever taken by listeners.
function ephemeralLow() {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}
const PORT_FIRST = ephemeralLow() > 21000 ? 20000 : 1024;
const PORT_SPAN = Math.max(ephemeralLow() - PORT_FIRST, 1);
let nextPort = (process.pid * 7919) % PORT_SPAN;

function tryListen(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function freePort() {
  for (let i = 0; i < PORT_SPAN; i++) {
    const port = PORT_FIRST + nextPort;
    nextPort = (nextPort + 1) % PORT_SPAN;
    if (await tryListen(port)) return port;
  }
  throw new Error('no free port below the ephemeral range');
}

async function waitFor(what, fn, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await fn()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class Traceview {
  static async start(binary) {
    const tv = new Traceview();
    tv.ui = await freePort();
    tv.otlp = await freePort();
    tv.grpc = await freePort();
    tv.proc = spawn(binary, ['--host', '127.0.0.1', '--http-port', String(tv.ui),
      '--otlp-http-port', String(tv.otlp), '--otlp-grpc-port', String(tv.grpc)],
    { stdio: ['ignore', 'ignore', 'pipe'] });
    tv.stderr = '';
    tv.proc.stderr.on('data', (d) => { tv.stderr += d; });
    await waitFor('traceview', async () => (await fetch(`${tv.base}/api/services`)).ok);
    return tv;
  }

  get base() {
    return `http://127.0.0.1:${this.ui}`;
  }

  async ingest(request) {
    const r = await fetch(`http://127.0.0.1:${this.otlp}/v1/traces`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(request),
    });
    if (!r.ok) throw new Error(`ingest: HTTP ${r.status}: ${await r.text()}`);
  }

  async stop() {
    if (this.proc.exitCode !== null) return this.proc.exitCode;
    const exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
    this.proc.kill('SIGTERM');
    return exited;
  }
}

const hex = (n, width) => n.toString(16).padStart(width, '0');

function kv(key, value) {
  if (typeof value === 'number') return { key, value: { intValue: String(value) } };
  if (typeof value === 'boolean') return { key, value: { boolValue: value } };
  return { key, value: { stringValue: String(value) } };
}

// A span in OTLP/JSON; times in µs after T0.
export function span({ trace, id, parent = 0, name, startUs, durUs, kind = 1, error = false,
  attrs = {} }) {
  const start = T0_NS + BigInt(startUs) * 1000n;
  return {
    traceId: hex(trace, 32), spanId: hex(id, 16), ...(parent ? { parentSpanId: hex(parent, 16) } : {}),
    name, kind, startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + BigInt(durUs) * 1000n),
    attributes: Object.entries(attrs).map(([k, v]) => kv(k, v)),
    ...(error ? { status: { code: 2, message: 'lookup timed out' } } : {}),
  };
}

export function request(byService) {
  return {
    resourceSpans: Object.entries(byService).map(([service, spans]) => ({
      resource: { attributes: [kv('service.name', service)] },
      scopeSpans: [{ scope: { name: 'browser-test' }, spans }],
    })),
  };
}

// dns-gateway → dns-orchestrator → 3 producers → 3 dns-worker consumers
// (one per region, concurrent; the eu one fails): 8 spans, 3 services.
export function geodnsTrace(trace) {
  const s = (o) => span({ trace, ...o });
  return request({
    'dns-gateway': [s({ id: 1, name: 'GET /resolve', startUs: 0, durUs: 9000, kind: 2,
      attrs: { 'http.request.method': 'GET', 'http.route': '/resolve' } })],
    'dns-orchestrator': [
      s({ id: 2, parent: 1, name: 'POST /lookup', startUs: 100, durUs: 8500, kind: 2 }),
      ...['us', 'eu', 'ap'].map((r, i) => s({ id: 10 + i, parent: 2, name: `publish ${r}`,
        startUs: 200 + i * 10, durUs: 50, kind: 4, attrs: { 'messaging.destination.name': `dns.${r}` } })),
    ],
    'dns-worker': ['us', 'eu', 'ap'].map((r, i) => s({ id: 20 + i, parent: 10 + i,
      name: `lookup ${r}`, startUs: 400 + i * 30, durUs: 3000 + 1000 * i, kind: 5, error: r === 'eu',
      attrs: { 'dns.region': r, 'dns.question.name': 'example.com' } })),
  });
}

// A trace of n spans over 5 services (a wide, shallow tree), split into
// requests of at most 5,000 spans.
export function bigTraceRequests(trace, n) {
  const requests = [];
  for (let first = 1; first <= n; first += 5000) {
    const byService = {};
    for (let i = first; i < Math.min(first + 5000, n + 1); i++) {
      const service = `svc-${i % 5}`;
      (byService[service] ||= []).push(span({ trace, id: i, parent: i > 1 ? Math.floor(i / 4) || 1 : 0,
        name: `op-${i % 13}`, startUs: i * 3, durUs: 50 + (i % 17) * 10, kind: i === 1 ? 2 : 1,
        attrs: { index: i, 'http.route': `/items/${i % 100}` } }));
    }
    requests.push(request(byService));
  }
  return requests;
}

export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'spanline-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export { hex, waitFor };
