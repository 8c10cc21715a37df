// Collector receiver interop: the OpenTelemetry JS OTLP exporters from npm
// (exporter-trace-otlp-grpc, -proto and -http, each without and with gzip)
// send spans to spanline-collector's `otlp` receiver; the collector forwards
// them through a batch processor and its `otlphttp` exporter to a sink this
// test runs. Every span must arrive intact: ids, parent, flags, trace state,
// name, kind, times in nanoseconds, attributes of every type the JS SDK can
// record, events, links, status, dropped counts, resource and scope. The
// expectation is what the JS SDK recorded (an InMemorySpanExporter beside the
// OTLP exporter), so a field the collector loses or alters shows as a diff.
// The collector process, the sink and the normal form both sides are compared
// in live in collector_harness.mjs.
//
// Run by ctest (`interop.collector_receiver`), which sets SPANLINE_COLLECTOR.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { ExportResultCode, TraceState } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

import {
  Collector,
  JSON_NUMBERS,
  PROTOBUF_NUMBERS,
  Sink,
  differences,
  expectedEntry,
  serviceNameOf,
  withTimeout,
} from './collector_harness.mjs';

const COLLECTOR = process.env.SPANLINE_COLLECTOR;
if (!COLLECTOR) throw new Error('SPANLINE_COLLECTOR is not set (run through ctest)');

// Hermetic: the exporters read OTEL_* and grpc-js honours *_proxy; everything
// here is on loopback with explicit settings.
for (const name of Object.keys(process.env)) {
  if (/^OTEL_|_proxy$/i.test(name)) delete process.env[name];
}

const randomHex = (bytes) => randomBytes(bytes).toString('hex');

// ---------------------------------------------------------------------------
// The spans the JS SDK records and exports
// ---------------------------------------------------------------------------

const SPAN_LIMITS = {
  attributeCountLimit: 64,
  eventCountLimit: 6,
  linkCountLimit: 4,
  attributePerEventCountLimit: 5,
  attributePerLinkCountLimit: 5,
};
const MANY_CHILDREN = 150;
const SPAN_COUNT = 9 + MANY_CHILDREN;
const T0 = 1_700_000_000; // seconds since the epoch; explicit times are T0 + offset
const at = (seconds, nanos) => [T0 + seconds, nanos];
// fixed64 nanoseconds past int64's range (year 2540): still a valid OTLP time.
const BEYOND_INT64 = [18_000_000_000, 1];
const PARENT_TRACE_STATE = 'vendor1=abc,vendor2=x-y';
const LINK_TRACE_STATE = 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7';
const ERROR_MESSAGE = 'upstream said "no" — 503';

// One attribute of each kind the JS SDK can record.
function everyAttributeType() {
  return {
    'str': 'hello',
    'str.empty': '',
    'str.unicode': 'héllo wörld ✓ 𝄞 日本語',
    'str.escapes': 'quote " backslash \\ newline \n tab \t nul \u0000 del \u007f',
    'str.long': 'x'.repeat(20_000),
    'int.zero': 0,
    'int.positive': 42,
    'int.negative': -7,
    'int.max_safe': Number.MAX_SAFE_INTEGER,
    'int.min_safe': Number.MIN_SAFE_INTEGER,
    'int.2^60': 2 ** 60,
    'int.-2^62': -(2 ** 62),
    'double': 3.14159,
    'double.negative': -0.5,
    'double.one_tenth': 0.1,
    'double.third': 1 / 3,
    'double.tiny': 1.2345e-300,
    'double.subnormal': 5e-324,
    'double.nan': NaN,
    'double.inf': Infinity,
    'double.-inf': -Infinity,
    'bool.true': true,
    'bool.false': false,
    'array.string': ['a', '', 'ü'],
    'array.int': [1, -2, Number.MAX_SAFE_INTEGER],
    'array.double': [1.5, -2.25, 0.1],
    'array.bool': [true, false, true],
    'array.empty': [],
    'array.int_and_double': [1, 2.5],
    'array.with_nulls': ['a', null, 'b'],
  };
}

const numbered = (prefix, n) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}.${i}`, i]));

function remoteContext(traceFlags, traceState) {
  return { traceId: randomHex(16), spanId: randomHex(8), traceFlags, isRemote: true, traceState };
}

// Records SPAN_COUNT spans: a trace continued from a remote parent with a
// trace state (every kind, attribute type, events, links, statuses, limits,
// extreme times) and a local trace of MANY_CHILDREN children, so that the
// exporter sends several requests.
function emitSpans(provider) {
  const tracer = provider.getTracer('spanline.interop.main', '1.2.3', {
    schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
  });
  const other = provider.getTracer('spanline.interop.other');

  const parent = remoteContext(TraceFlags.SAMPLED, new TraceState(PARENT_TRACE_STATE));
  const rootSpan = tracer.startSpan(
    'GET /things/{id}',
    { kind: SpanKind.SERVER, startTime: at(0, 1), attributes: { 'http.request.method': 'GET' } },
    trace.setSpanContext(ROOT_CONTEXT, parent),
  );
  const ctx = trace.setSpan(ROOT_CONTEXT, rootSpan);

  const typed = tracer.startSpan(
    'every-attribute-type',
    { kind: SpanKind.INTERNAL, startTime: at(0, 1000), attributes: everyAttributeType() },
    ctx,
  );
  typed.end(at(0, 2000));

  const evented = tracer.startSpan('events', { kind: SpanKind.CLIENT, startTime: at(1, 0) }, ctx);
  evented.addEvent('no-attributes', at(1, 5));
  evented.addEvent(
    'with-attributes',
    {
      'event.str': 'v',
      'event.int': 42,
      'event.double': 0.5,
      'event.bool': false,
      'event.array': ['a', 'b'],
    },
    at(1, 999_999_999),
  );
  evented.recordException(new TypeError('boom'), at(1, 500));
  evented.setStatus({ code: SpanStatusCode.ERROR, message: ERROR_MESSAGE });
  evented.end(at(2, 0));

  const linked = other.startSpan(
    'links',
    {
      kind: SpanKind.PRODUCER,
      startTime: at(3, 0),
      links: [
        {
          context: remoteContext(TraceFlags.SAMPLED, new TraceState(LINK_TRACE_STATE)),
          attributes: { 'link.str': 'remote', 'link.int': 7, 'link.array': [0.25, 0.5] },
        },
        { context: typed.spanContext() },
      ],
    },
    ctx,
  );
  linked.addLink({ context: remoteContext(TraceFlags.NONE), attributes: { 'link.added': true } });
  linked.setStatus({ code: SpanStatusCode.OK });
  linked.end(at(3, 1));

  // No name, no status message, zero duration.
  const consumer = other.startSpan('', { kind: SpanKind.CONSUMER, startTime: at(4, 0) }, ctx);
  consumer.setStatus({ code: SpanStatusCode.ERROR });
  consumer.end(at(4, 0));

  // Past every limit: the dropped counts must arrive too.
  const limited = tracer.startSpan('over-the-limits', { startTime: at(5, 0) }, ctx);
  limited.setAttributes(numbered('attr', SPAN_LIMITS.attributeCountLimit + 3));
  for (let i = 0; i < SPAN_LIMITS.eventCountLimit + 2; i++) {
    const attrs = numbered('e', SPAN_LIMITS.attributePerEventCountLimit + 2);
    limited.addEvent(`event-${i}`, attrs, at(5, i));
  }
  for (let i = 0; i < SPAN_LIMITS.linkCountLimit + 2; i++) {
    limited.addLink({
      context: remoteContext(TraceFlags.SAMPLED),
      attributes: numbered('l', SPAN_LIMITS.attributePerLinkCountLimit + 1),
    });
  }
  limited.end(at(5, 100));

  const far = other.startSpan('beyond-int64-nanoseconds', { startTime: BEYOND_INT64 }, ctx);
  far.end([BEYOND_INT64[0], BEYOND_INT64[1] + 1]);

  tracer.startSpan('default-clock', {}, ctx).end();

  rootSpan.setStatus({ code: SpanStatusCode.OK });
  rootSpan.end(at(9, 0));

  const many = tracer.startSpan('many', { root: true, startTime: at(10, 0) });
  const manyCtx = trace.setSpan(ROOT_CONTEXT, many);
  for (let i = 0; i < MANY_CHILDREN; i++) {
    tracer
      .startSpan(`child-${i}`, { startTime: at(10, i), attributes: { 'child.index': i } }, manyCtx)
      .end(at(10, i + 1));
  }
  many.end(at(11, 0));
}

function resourceFor(serviceName) {
  return defaultResource().merge(
    resourceFromAttributes(
      {
        'service.name': serviceName,
        'service.version': '0.0.1-interop',
        'deployment.environment.name': 'interop',
        'host.cpu.count': 2,
        'sample.ratio': 0.25,
        'feature.enabled': true,
        'process.command_args': ['node', '--test'],
        'resource.ints': [1, 2, 3],
      },
      { schemaUrl: 'https://opentelemetry.io/schemas/1.25.0' },
    ),
  );
}

// The OTLP exporter with every export result recorded, so that a refused or
// failed export is reported as such rather than as missing spans.
function recordingExporter(inner, results) {
  return {
    export(spans, done) {
      inner.export(spans, (result) => {
        results.push({ spans: spans.length, code: result.code, error: result.error?.message });
        done(result);
      });
    },
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
  };
}

// Literal checks on what arrived, so that the comparison with the recorded
// spans cannot pass vacuously (both sides empty, or both missing a field).
// `exact` is the same spans with integers exactly as the collector sent them.
function assertLiterals(arrived, exact, exporter, serviceName) {
  const byName = (name) => arrived.find((e) => e.span.name === name);
  const typed = byName('every-attribute-type');
  const attr = (key) => typed.span.attributes.find((a) => a.key === key)?.value;
  assert.deepEqual(attr('int.max_safe'), { type: 'int', value: '9007199254740991' });
  assert.deepEqual(attr('str.empty'), { type: 'string', value: '' });
  assert.deepEqual(attr('array.with_nulls').values[1], { type: 'unset' });
  assert.equal(attr('str.long').value.length, 20_000);
  // 2^60 exactly over protobuf; over JSON, exactly the integer the text wrote.
  const int60 = exact
    .find((e) => e.span.spanId === typed.span.spanId)
    .span.attributes.find((a) => a.key === 'int.2^60').value;
  if (exporter.protobuf) {
    assert.deepEqual(int60, { type: 'int', value: '1152921504606846976' });
    assert.ok(Number.isNaN(attr('double.nan').value));
  } else {
    assert.deepEqual(int60, { type: 'int', value: '1152921504606847000' });
    assert.deepEqual(attr('double.nan'), { type: 'unset' });
  }

  const rootEntry = byName('GET /things/{id}');
  assert.equal(serviceNameOf(rootEntry), serviceName);
  assert.equal(rootEntry.resourceSchemaUrl, 'https://opentelemetry.io/schemas/1.25.0');
  assert.deepEqual(
    [rootEntry.scope.name, rootEntry.scope.version, rootEntry.scopeSchemaUrl],
    ['spanline.interop.main', '1.2.3', 'https://opentelemetry.io/schemas/1.26.0'],
  );
  assert.equal(rootEntry.span.traceState, PARENT_TRACE_STATE);
  assert.equal(rootEntry.span.flags, 0x301); // sampled, remote parent
  assert.equal(rootEntry.span.startTimeUnixNano, '1700000000000000001');
  assert.equal(typed.span.parentSpanId, rootEntry.span.spanId);
  assert.equal(typed.span.traceId, rootEntry.span.traceId);
  assert.deepEqual(
    [...new Set(arrived.map((e) => e.span.kind))].sort(),
    [1, 2, 3, 4, 5],
  );

  const events = byName('events').span;
  assert.deepEqual(events.status, { code: 2, message: ERROR_MESSAGE });
  assert.deepEqual(
    events.events.map((e) => e.name),
    ['no-attributes', 'with-attributes', 'exception'],
  );
  const links = byName('links').span.links;
  assert.equal(links[0].traceState, LINK_TRACE_STATE);
  assert.equal(links[2].flags, 0x300); // not sampled, remote
  const limited = byName('over-the-limits').span;
  assert.deepEqual(
    [limited.droppedAttributesCount, limited.droppedEventsCount, limited.droppedLinksCount],
    [3, 2, 2],
  );
  assert.equal(limited.events[0].droppedAttributesCount, 2);
  assert.equal(limited.links[0].droppedAttributesCount, 1);
  const far = byName('beyond-int64-nanoseconds').span;
  assert.equal(far.startTimeUnixNano, '18000000000000000001');
  assert.equal(byName('many').span.parentSpanId, '');
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

let workdir;
let sink;
let collector;

before(async () => {
  workdir = mkdtempSync(join(tmpdir(), 'spanline-collector-interop-'));
  process.once('exit', () => rmSync(workdir, { recursive: true, force: true }));
  sink = new Sink();
  await sink.start();
  collector = await Collector.start(COLLECTOR, workdir, sink.port);
});

after(async () => {
  await collector?.kill();
  await sink?.close();
  rmSync(workdir, { recursive: true, force: true });
});

const EXPORTERS = [
  {
    name: 'grpc',
    protobuf: true,
    create: (options) =>
      new GrpcExporter({ url: `http://127.0.0.1:${collector.ports.grpc}`, ...options }),
  },
  {
    name: 'http/protobuf',
    protobuf: true,
    create: (options) =>
      new ProtoExporter({ url: `http://127.0.0.1:${collector.ports.http}/v1/traces`, ...options }),
  },
  {
    name: 'http/json',
    protobuf: false,
    create: (options) =>
      new JsonExporter({ url: `http://127.0.0.1:${collector.ports.http}/v1/traces`, ...options }),
  },
];

// Records the spans with a JS SDK whose BatchSpanProcessor exports through
// `otlpExporter` (an InMemorySpanExporter beside it keeps what was recorded);
// returns the recorded spans and the result of every export request.
async function recordAndExport(otlpExporter, serviceName, label) {
  const memory = new InMemorySpanExporter();
  const results = [];
  const provider = new BasicTracerProvider({
    resource: resourceFor(serviceName),
    spanLimits: SPAN_LIMITS,
    spanProcessors: [
      new SimpleSpanProcessor(memory),
      new BatchSpanProcessor(recordingExporter(otlpExporter, results), {
        maxExportBatchSize: 64,
        maxQueueSize: 4096,
        scheduledDelayMillis: 50,
        exportTimeoutMillis: 10_000,
      }),
    ],
  });
  emitSpans(provider);
  await withTimeout(provider.forceFlush(), 30_000, `${label}: forceFlush`);
  const recorded = memory.getFinishedSpans(); // before shutdown, which clears it
  await withTimeout(provider.shutdown(), 30_000, `${label}: shutdown`);
  return { recorded, results };
}

// Field by field: every recorded span arrived once, as recorded.
function assertArrivedIntact(arrived, recorded, numbers) {
  const bySpanId = new Map(arrived.map((e) => [e.span.spanId, e]));
  assert.equal(bySpanId.size, arrived.length, 'no span arrived twice');
  assert.equal(arrived.length, recorded.length, 'no unexpected spans arrived');
  for (const s of recorded) {
    const got = bySpanId.get(s.spanContext().spanId);
    assert.ok(got, `span "${s.name}" arrived`);
    const expected = expectedEntry(s, numbers);
    const diff = differences(got, expected);
    assert.ok(diff.length === 0, `span "${s.name}" arrived altered:\n  ${diff.join('\n  ')}`);
    assert.deepEqual(got, expected);
  }
}

for (const exporter of EXPORTERS) {
  for (const compression of ['none', 'gzip']) {
    const label = `${exporter.name} (compression ${compression})`;
    test(`${label}: every span arrives intact`, { timeout: 90_000 }, async () => {
      const serviceName = `${exporter.name.replace('/', '-')}-${compression}-${randomHex(4)}`;
      const { recorded, results } = await recordAndExport(
        exporter.create({ compression, timeoutMillis: 10_000 }),
        serviceName,
        label,
      );

      // The JS side recorded what we meant to send, in several requests, and
      // the collector accepted every one.
      assert.equal(recorded.length, SPAN_COUNT);
      assert.ok(results.length >= 3, `several export requests: ${JSON.stringify(results)}`);
      assert.deepEqual(
        results.filter((r) => r.code !== ExportResultCode.SUCCESS),
        [],
        'every export succeeded',
      );
      assert.equal(results.reduce((n, r) => n + r.spans, 0), SPAN_COUNT);

      await sink.waitForSpans(serviceName, recorded.length, () => collector.describe());
      assert.deepEqual(sink.errors, [], 'the collector sent valid OTLP/HTTP requests');

      const numbers = exporter.protobuf ? PROTOBUF_NUMBERS : JSON_NUMBERS;
      const arrived = sink.entries(serviceName, numbers);
      assertArrivedIntact(arrived, recorded, numbers);
      assertLiterals(arrived, sink.entries(serviceName, PROTOBUF_NUMBERS), exporter, serviceName);
    });
  }
}

test('the collector forwarded uncompressed OTLP/HTTP protobuf', () => {
  assert.ok(sink.requests.length > 0);
  for (const { headers } of sink.requests) {
    assert.equal(headers['content-type'], 'application/x-protobuf');
    assert.equal(headers['content-encoding'], undefined);
  }
});

test('SIGTERM stops the collector with exit code 0', async () => {
  const status = await collector.stop();
  assert.deepEqual(status, { code: 0, signal: null }, collector.describe());
});
