// The harness of the collector receiver interop test
// (collector_receiver.test.mjs): the spanline-collector process under test,
// started from a YAML config on free loopback ports and stopped by signal; the
// OTLP/HTTP sink its otlphttp exporter posts to; and one normal form for spans,
// both as the JS SDK recorded them and as they arrived, with a field-by-field
// comparison. Not a test file itself (ctest runs only *.test.mjs).
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createRequire } from 'node:module';
import { createServer as createNetServer } from 'node:net';
import { constants as osConstants } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import { gunzipSync } from 'node:zlib';

// The generated root is not among the package's exports; load it by path.
const require = createRequire(import.meta.url);
const root = require(
  join(dirname(require.resolve('@opentelemetry/otlp-transformer')), 'generated', 'root.js'),
);
const { ExportTraceServiceRequest, ExportTraceServiceResponse } =
  root.opentelemetry.proto.collector.trace.v1;

// OTLP Span.flags / Span.Link.flags (trace.proto, SpanFlags).
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

const START_TIMEOUT_MS = 15_000;
const ARRIVAL_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 20_000;

// ---------------------------------------------------------------------------
// Waiting and ports
// ---------------------------------------------------------------------------

// Rejects with a message naming what hung instead of letting the test hang.
export async function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// n distinct free loopback ports (held together so none repeats).
export async function freePorts(n) {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise((resolve, reject) => {
      const server = createNetServer();
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

// ---------------------------------------------------------------------------
// One normal form for both sides: per span, its resource and scope beside it
// (the collector may regroup spans into other requests), hex ids, 64-bit
// integers as decimal strings, absent fields as their defaults, and attribute
// values as {type, value} or {type: 'array', values}.
// ---------------------------------------------------------------------------

// How an exporter's encoding carries JS numbers. Protobuf carries them all.
// JSON cannot carry an integer beyond 2^53 exactly (JSON.stringify(2 ** 60)
// is "1152921504606847000", which the collector rightly reads as that int64),
// nor NaN or ±Infinity (JSON.stringify writes null, which proto3 JSON reads as
// no value): over JSON an integer is intact when it denotes the same JS
// number, and a non-finite double arrives as an empty value.
export const PROTOBUF_NUMBERS = {
  int: (text) => text,
  nonFinite: (value) => ({ type: 'double', value }),
};
export const JSON_NUMBERS = {
  int: (text) => String(Number(text)),
  nonFinite: () => ({ type: 'unset' }),
};

// A value as the JS SDK recorded it (the OTLP transformer's mapping: integral
// numbers are intValue, other numbers doubleValue, null array elements an
// empty AnyValue).
function typedFromJs(value, numbers) {
  if (value === null || value === undefined) return { type: 'unset' };
  if (Array.isArray(value)) {
    return { type: 'array', values: value.map((v) => typedFromJs(v, numbers)) };
  }
  switch (typeof value) {
    case 'string':
      return { type: 'string', value };
    case 'boolean':
      return { type: 'bool', value };
    case 'number':
      if (!Number.isFinite(value)) return numbers.nonFinite(value);
      return Number.isInteger(value)
        ? { type: 'int', value: numbers.int(BigInt(value).toString()) }
        : { type: 'double', value };
    default:
      throw new Error(`unexpected JS attribute value ${value}`);
  }
}

const attrsFromJs = (attrs, numbers) =>
  Object.entries(attrs ?? {}).map(([key, value]) => ({ key, value: typedFromJs(value, numbers) }));

const hrNanos = ([seconds, nanos]) => (BigInt(seconds) * 1_000_000_000n + BigInt(nanos)).toString();

const contextFlags = (traceFlags, isRemote) =>
  traceFlags | HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0);

// What must arrive for one ReadableSpan the JS SDK recorded.
export function expectedEntry(s, numbers) {
  const ctx = s.spanContext();
  const attrs = (a) => attrsFromJs(a, numbers);
  return {
    resource: { attributes: attrs(s.resource.attributes), droppedAttributesCount: 0 },
    resourceSchemaUrl: s.resource.schemaUrl ?? '',
    scope: {
      name: s.instrumentationScope.name,
      version: s.instrumentationScope.version ?? '',
      attributes: [],
      droppedAttributesCount: 0,
    },
    scopeSchemaUrl: s.instrumentationScope.schemaUrl ?? '',
    span: {
      traceId: ctx.traceId,
      spanId: ctx.spanId,
      traceState: ctx.traceState?.serialize() ?? '',
      parentSpanId: s.parentSpanContext?.spanId ?? '',
      flags: contextFlags(ctx.traceFlags, s.parentSpanContext?.isRemote),
      name: s.name,
      kind: s.kind + 1, // the JS API's SpanKind has no "unspecified"
      startTimeUnixNano: hrNanos(s.startTime),
      endTimeUnixNano: hrNanos(s.endTime),
      attributes: attrs(s.attributes),
      droppedAttributesCount: s.droppedAttributesCount,
      events: s.events.map((e) => ({
        timeUnixNano: hrNanos(e.time),
        name: e.name,
        attributes: attrs(e.attributes),
        droppedAttributesCount: e.droppedAttributesCount ?? 0,
      })),
      droppedEventsCount: s.droppedEventsCount,
      links: s.links.map((l) => ({
        traceId: l.context.traceId,
        spanId: l.context.spanId,
        traceState: l.context.traceState?.serialize() ?? '',
        attributes: attrs(l.attributes),
        droppedAttributesCount: l.droppedAttributesCount ?? 0,
        flags: contextFlags(l.context.traceFlags, l.context.isRemote),
      })),
      droppedLinksCount: s.droppedLinksCount,
      status: { message: s.status.message ?? '', code: s.status.code },
    },
  };
}

// An AnyValue from protobufjs' toObject (longs as strings, bytes as arrays,
// oneofs named by their virtual `value` field).
function typedFromWire(v, numbers) {
  switch (v?.value) {
    case 'stringValue':
      return { type: 'string', value: v.stringValue };
    case 'boolValue':
      return { type: 'bool', value: v.boolValue };
    case 'intValue':
      return { type: 'int', value: numbers.int(String(v.intValue)) };
    case 'doubleValue':
      return { type: 'double', value: v.doubleValue };
    case 'arrayValue':
      return {
        type: 'array',
        values: (v.arrayValue.values ?? []).map((e) => typedFromWire(e, numbers)),
      };
    case 'bytesValue':
      return { type: 'bytes', value: Buffer.from(v.bytesValue).toString('hex') };
    case 'kvlistValue':
      return { type: 'kvlist', values: attrsFromWire(v.kvlistValue.values, numbers) };
    default:
      return { type: 'unset' };
  }
}

const attrsFromWire = (list, numbers) =>
  (list ?? []).map((kv) => ({ key: kv.key, value: typedFromWire(kv.value, numbers) }));

const hexId = (bytes) => Buffer.from(bytes ?? []).toString('hex');
const u64 = (v) => (v === undefined ? '0' : String(v));

// Every span of a decoded request, in the normal form.
export function entriesFromWire(request, numbers) {
  const attrs = (list) => attrsFromWire(list, numbers);
  return (request.resourceSpans ?? []).flatMap((rs) =>
    (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((s) => ({
        resource: {
          attributes: attrs(rs.resource?.attributes),
          droppedAttributesCount: rs.resource?.droppedAttributesCount ?? 0,
        },
        resourceSchemaUrl: rs.schemaUrl ?? '',
        scope: {
          name: ss.scope?.name ?? '',
          version: ss.scope?.version ?? '',
          attributes: attrs(ss.scope?.attributes),
          droppedAttributesCount: ss.scope?.droppedAttributesCount ?? 0,
        },
        scopeSchemaUrl: ss.schemaUrl ?? '',
        span: {
          traceId: hexId(s.traceId),
          spanId: hexId(s.spanId),
          traceState: s.traceState ?? '',
          parentSpanId: hexId(s.parentSpanId),
          flags: s.flags ?? 0,
          name: s.name ?? '',
          kind: s.kind ?? 0,
          startTimeUnixNano: u64(s.startTimeUnixNano),
          endTimeUnixNano: u64(s.endTimeUnixNano),
          attributes: attrs(s.attributes),
          droppedAttributesCount: s.droppedAttributesCount ?? 0,
          events: (s.events ?? []).map((e) => ({
            timeUnixNano: u64(e.timeUnixNano),
            name: e.name ?? '',
            attributes: attrs(e.attributes),
            droppedAttributesCount: e.droppedAttributesCount ?? 0,
          })),
          droppedEventsCount: s.droppedEventsCount ?? 0,
          links: (s.links ?? []).map((l) => ({
            traceId: hexId(l.traceId),
            spanId: hexId(l.spanId),
            traceState: l.traceState ?? '',
            attributes: attrs(l.attributes),
            droppedAttributesCount: l.droppedAttributesCount ?? 0,
            flags: l.flags ?? 0,
          })),
          droppedLinksCount: s.droppedLinksCount ?? 0,
          status: { message: s.status?.message ?? '', code: s.status?.code ?? 0 },
        },
      })),
    ),
  );
}

// Where two normal forms differ, one line per leaf, for a failure message
// that names the field (an assertion diff would elide nested arrays).
export function differences(actual, expected, path = '') {
  if (Object.is(actual, expected)) return [];
  const isObject = (v) => typeof v === 'object' && v !== null;
  if (isObject(actual) && isObject(expected) && Array.isArray(actual) === Array.isArray(expected)) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    return [...keys].flatMap((k) => {
      const step = Array.isArray(expected) ? `[${expected[k]?.key ?? k}]` : `.${k}`;
      return differences(actual[k], expected[k], path + step);
    });
  }
  const show = (v) => inspect(v, { depth: 3, breakLength: Infinity, maxStringLength: 80 });
  return [`${path}: ${show(actual)}, expected ${show(expected)}`];
}

export const serviceNameOf = (entry) =>
  entry.resource.attributes.find((a) => a.key === 'service.name')?.value.value;

// ---------------------------------------------------------------------------
// The sink: what the collector's otlphttp exporter posts to <endpoint>/v1/traces
// ---------------------------------------------------------------------------

export class Sink {
  requests = []; // {headers, request: the decoded toObject form}
  errors = []; // anything the collector sent that is not a valid OTLP/HTTP request

  async start() {
    this.server = createHttpServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => this.#handle(req, Buffer.concat(chunks), res));
    });
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = this.server.address().port;
  }

  #handle(req, body, res) {
    const fail = (status, message) => {
      this.errors.push(`${req.method} ${req.url}: ${message}`);
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(message);
    };
    if (req.method !== 'POST' || req.url !== '/v1/traces') return fail(404, 'not found');
    if (req.headers['content-type'] !== 'application/x-protobuf')
      return fail(415, `content-type ${req.headers['content-type']}`);
    let message;
    try {
      const bytes = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
      message = ExportTraceServiceRequest.decode(bytes);
      const invalid = ExportTraceServiceRequest.verify(message);
      if (invalid) throw new Error(invalid);
    } catch (e) {
      return fail(400, `undecodable request: ${e.message}`);
    }
    const request = ExportTraceServiceRequest.toObject(message, {
      longs: String,
      enums: Number,
      bytes: Array,
      oneofs: true,
    });
    this.requests.push({ headers: req.headers, request });
    const response = ExportTraceServiceResponse.encode({}).finish();
    res.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end(response);
  }

  entries(serviceName, numbers) {
    return this.requests
      .flatMap(({ request }) => entriesFromWire(request, numbers))
      .filter((e) => serviceNameOf(e) === serviceName);
  }

  // Waits for `count` spans of the service, then a little longer so that a
  // duplicate (a retried batch) would show too.
  async waitForSpans(serviceName, count, describe) {
    const deadline = Date.now() + ARRIVAL_TIMEOUT_MS;
    while (this.entries(serviceName, PROTOBUF_NUMBERS).length < count) {
      if (Date.now() > deadline) {
        const got = this.entries(serviceName, PROTOBUF_NUMBERS).length;
        throw new Error(
          `${got} of ${count} spans of ${serviceName} reached the sink within ` +
            `${ARRIVAL_TIMEOUT_MS} ms; sink errors: ${JSON.stringify(this.errors)}\n${describe()}`,
        );
      }
      await sleep(25);
    }
    await sleep(300);
  }

  close() {
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve()));
  }
}

// ---------------------------------------------------------------------------
// The collector under test
// ---------------------------------------------------------------------------

function collectorYaml(ports, sinkPort) {
  return `extensions:
  health_check:
    endpoint: 127.0.0.1:${ports.health}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${ports.grpc}
      http:
        endpoint: 127.0.0.1:${ports.http}
processors:
  batch:
    timeout: 100ms
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:${sinkPort}
    compression: none
service:
  extensions: [health_check]
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlphttp]
`;
}

// Collectors never outlive this process, even when it ends before the test's
// after() runs: `node --test` stops a test file's process with SIGTERM when
// its own output breaks, and SIGINT is ^C.
const running = new Set();
process.once('exit', () => running.forEach((proc) => proc.kill('SIGKILL')));
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => process.exit(128 + osConstants.signals[signal]));
}

export class Collector {
  output = '';

  // Validates the config, starts `binary` (spanline-collector) with it and
  // waits for health_check; the config files go to `workdir`.
  // Ports come from freePorts(), so another process may take one first:
  // "Address already in use" gets new ports, twice at most.
  static async start(binary, workdir, sinkPort) {
    for (let attempt = 1; ; attempt++) {
      const [grpc, http, health] = await freePorts(3);
      const ports = { grpc, http, health };
      const config = join(workdir, `collector-${attempt}.yaml`);
      writeFileSync(config, collectorYaml(ports, sinkPort));
      execFileSync(binary, ['validate', '--config', config], { timeout: 10_000 });
      const collector = new Collector(binary, config, ports);
      try {
        await collector.#waitHealthy();
        return collector;
      } catch (e) {
        await collector.kill();
        if (attempt < 3 && collector.output.includes('Address already in use')) continue;
        throw e;
      }
    }
  }

  constructor(binary, config, ports) {
    this.ports = ports;
    this.proc = spawn(binary, ['--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk) => {
      this.output = (this.output + chunk).slice(-20_000);
    };
    this.proc.stdout.setEncoding('utf8').on('data', keep);
    this.proc.stderr.setEncoding('utf8').on('data', keep);
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => resolve({ code, signal }));
      this.proc.on('error', (error) => resolve({ code: null, signal: null, error: error.message }));
    });
    this.exitStatus = undefined;
    this.exited.then((status) => (this.exitStatus = status));
    running.add(this.proc);
    this.exited.then(() => running.delete(this.proc));
  }

  async #waitHealthy() {
    const url = `http://127.0.0.1:${this.ports.health}/`;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.exitStatus) {
        throw new Error(`collector exited ${JSON.stringify(this.exitStatus)}:\n${this.output}`);
      }
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    throw new Error(
      `collector not healthy at ${url} within ${START_TIMEOUT_MS} ms:\n${this.output}`,
    );
  }

  describe() {
    const status = this.exitStatus ? `collector exited ${JSON.stringify(this.exitStatus)}; ` : '';
    return `${status}collector output (tail):\n${this.output.slice(-4000)}`;
  }

  // SIGTERM, then the exit status.
  async stop() {
    if (!this.exitStatus) this.proc.kill('SIGTERM');
    return withTimeout(this.exited, STOP_TIMEOUT_MS, 'collector exit after SIGTERM');
  }

  async kill() {
    if (!this.exitStatus) this.proc.kill('SIGKILL');
    await this.exited;
  }
}
