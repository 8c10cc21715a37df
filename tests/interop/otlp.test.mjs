// OTLP encoding interop: spans recorded by spanline's C++ SDK and encoded by
// its OTLP encoders (through spanline-interop-probe) are decoded with the
// OpenTelemetry JS definitions (the protobufjs root generated from the
// official .proto files that @opentelemetry/otlp-transformer ships) and
// compared, field by field, with the probe's description of what it recorded.
// The JS SDK's own OTLP serializers then encode the same spans, and both
// requests must decode to the same thing.
//
// Run by ctest (`interop.otlp`), which sets SPANLINE_INTEROP_PROBE.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

const PROBE = process.env.SPANLINE_INTEROP_PROBE;
if (!PROBE) throw new Error('SPANLINE_INTEROP_PROBE is not set (run through ctest)');

// The generated root is not among the package's exports; load it by path.
const require = createRequire(import.meta.url);
const root = require(
  join(dirname(require.resolve('@opentelemetry/otlp-transformer')), 'generated', 'root.js'),
);
const { ExportTraceServiceRequest } = root.opentelemetry.proto.collector.trace.v1;

// OTLP Span.flags / Span.Link.flags (trace.proto, SpanFlags).
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

let workdir;
before(() => {
  workdir = mkdtempSync(join(tmpdir(), 'spanline-interop-'));
});
after(() => rmSync(workdir, { recursive: true, force: true }));

function encode(format) {
  const out = join(workdir, `request.${format}`);
  const description = JSON.parse(
    execFileSync(PROBE, ['encode', '--format', format, '--out', out], { encoding: 'utf8' }),
  );
  const bytes = readFileSync(out);
  assert.equal(bytes.length, description.bytes);
  return { bytes, description };
}

// ---------------------------------------------------------------------------
// One normal form for all sides: OTLP's structure with camelCase names, hex
// ids, 64-bit integers as decimal strings, absent fields as their defaults,
// and attribute values as {type, value} or {type: 'array', values}.
// ---------------------------------------------------------------------------

function typedFromDescription({ type, value }) {
  if (type.endsWith('[]')) {
    const element = type.slice(0, -2);
    return { type: 'array', values: value.map((v) => ({ type: element, value: v })) };
  }
  return { type, value };
}

const attrsFromDescription = (attrs) =>
  attrs.map((a) => ({ key: a.key, value: typedFromDescription(a) }));

// The request the description implies: spans grouped by resource, then by
// scope, in first-seen order; flags per trace.proto's SpanFlags.
function expectedRequest(description) {
  const resources = new Map();
  for (const s of description.spans) {
    const rkey = JSON.stringify(s.resource);
    if (!resources.has(rkey)) {
      resources.set(rkey, {
        resource: { attributes: attrsFromDescription(s.resource.attributes), droppedAttributesCount: 0 },
        schemaUrl: s.resource.schema_url,
        scopes: new Map(),
      });
    }
    const scopes = resources.get(rkey).scopes;
    const skey = JSON.stringify(s.scope);
    if (!scopes.has(skey)) {
      scopes.set(skey, {
        scope: { name: s.scope.name, version: s.scope.version, attributes: [], droppedAttributesCount: 0 },
        schemaUrl: s.scope.schema_url,
        spans: [],
      });
    }
    scopes.get(skey).spans.push(expectedSpan(s));
  }
  return {
    resourceSpans: [...resources.values()].map(({ scopes, ...r }) => ({
      ...r,
      scopeSpans: [...scopes.values()],
    })),
  };
}

function expectedSpan(s) {
  return {
    traceId: s.trace_id,
    spanId: s.span_id,
    traceState: s.trace_state,
    parentSpanId: s.parent_span_id,
    flags: s.trace_flags | HAS_IS_REMOTE | (s.parent_is_remote ? IS_REMOTE : 0),
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: s.start_time_unix_nano,
    endTimeUnixNano: s.end_time_unix_nano,
    attributes: attrsFromDescription(s.attributes),
    droppedAttributesCount: s.dropped_attributes_count,
    events: s.events.map((e) => ({
      timeUnixNano: e.time_unix_nano,
      name: e.name,
      attributes: attrsFromDescription(e.attributes),
      droppedAttributesCount: e.dropped_attributes_count,
    })),
    droppedEventsCount: s.dropped_events_count,
    links: s.links.map((l) => ({
      traceId: l.trace_id,
      spanId: l.span_id,
      traceState: l.trace_state,
      attributes: attrsFromDescription(l.attributes),
      droppedAttributesCount: l.dropped_attributes_count,
      flags: l.trace_flags | HAS_IS_REMOTE | (l.is_remote ? IS_REMOTE : 0),
    })),
    droppedLinksCount: s.dropped_links_count,
    status: { message: s.status.message, code: s.status.code },
  };
}

// Walks a request in OTLP's shape; `read` adapts one encoding's leaves.
function normalizeRequest(req, read) {
  const attrs = (list) => (list ?? []).map((kv) => ({ key: kv.key, value: read.anyValue(kv.value) }));
  const count = (v) => read.uint32(v);
  return {
    resourceSpans: (req.resourceSpans ?? []).map((rs) => ({
      resource: {
        attributes: attrs(rs.resource?.attributes),
        droppedAttributesCount: count(rs.resource?.droppedAttributesCount),
      },
      schemaUrl: rs.schemaUrl ?? '',
      scopeSpans: (rs.scopeSpans ?? []).map((ss) => ({
        scope: {
          name: ss.scope?.name ?? '',
          version: ss.scope?.version ?? '',
          attributes: attrs(ss.scope?.attributes),
          droppedAttributesCount: count(ss.scope?.droppedAttributesCount),
        },
        schemaUrl: ss.schemaUrl ?? '',
        spans: (ss.spans ?? []).map((s) => ({
          traceId: read.id(s.traceId),
          spanId: read.id(s.spanId),
          traceState: s.traceState ?? '',
          parentSpanId: read.id(s.parentSpanId),
          flags: count(s.flags),
          name: s.name ?? '',
          kind: read.enumValue(s.kind),
          startTimeUnixNano: read.uint64(s.startTimeUnixNano),
          endTimeUnixNano: read.uint64(s.endTimeUnixNano),
          attributes: attrs(s.attributes),
          droppedAttributesCount: count(s.droppedAttributesCount),
          events: (s.events ?? []).map((e) => ({
            timeUnixNano: read.uint64(e.timeUnixNano),
            name: e.name ?? '',
            attributes: attrs(e.attributes),
            droppedAttributesCount: count(e.droppedAttributesCount),
          })),
          droppedEventsCount: count(s.droppedEventsCount),
          links: (s.links ?? []).map((l) => ({
            traceId: read.id(l.traceId),
            spanId: read.id(l.spanId),
            traceState: l.traceState ?? '',
            attributes: attrs(l.attributes),
            droppedAttributesCount: count(l.droppedAttributesCount),
            flags: count(l.flags),
          })),
          droppedLinksCount: count(s.droppedLinksCount),
          status: { message: s.status?.message ?? '', code: read.enumValue(s.status?.code) },
        })),
      })),
    })),
  };
}

// protobufjs message objects (toObject with longs as strings, bytes as arrays,
// oneofs named by their virtual `value` field).
const protoReader = {
  id: (bytes) => Buffer.from(bytes ?? []).toString('hex'),
  uint32: (v) => v ?? 0,
  uint64: (v) => (v === undefined ? '0' : String(v)),
  enumValue: (v) => v ?? 0,
  anyValue(v) {
    switch (v?.value) {
      case 'stringValue':
        return { type: 'string', value: v.stringValue };
      case 'boolValue':
        return { type: 'bool', value: v.boolValue };
      case 'intValue':
        return { type: 'int', value: String(v.intValue) };
      case 'doubleValue':
        return { type: 'double', value: v.doubleValue };
      case 'arrayValue':
        return { type: 'array', values: (v.arrayValue.values ?? []).map((e) => this.anyValue(e)) };
      default:
        return { type: v?.value ?? 'unset' };
    }
  },
};

function decodeProto(bytes) {
  const message = ExportTraceServiceRequest.decode(bytes);
  assert.equal(ExportTraceServiceRequest.verify(message), null);
  const object = ExportTraceServiceRequest.toObject(message, {
    longs: String,
    enums: Number,
    bytes: Array,
    oneofs: true,
  });
  return normalizeRequest(object, protoReader);
}

// OTLP/JSON (OTLP spec, "JSON Protobuf Encoding"): hex ids, integer enums,
// 64-bit integers as decimal strings. `strict` also asserts the canonical
// types where the protobuf JSON mapping would accept others.
function jsonReader(strict) {
  const isString = (v, what) => {
    if (strict) assert.equal(typeof v, 'string', `${what} must be a JSON string: ${v}`);
    return String(v);
  };
  return {
    id(v) {
      if (v === undefined || v === '') return '';
      assert.match(v, /^([0-9a-f]{32}|[0-9a-f]{16})$/, 'ids are lowercase hex');
      return v;
    },
    uint32(v) {
      if (v !== undefined) assert.equal(typeof v, 'number');
      return v ?? 0;
    },
    uint64: (v) => (v === undefined ? '0' : isString(v, 'uint64')),
    enumValue(v) {
      if (v !== undefined) assert.equal(typeof v, 'number', 'enums are integers');
      return v ?? 0;
    },
    anyValue(v) {
      const keys = Object.keys(v ?? {});
      assert.ok(keys.length <= 1, `AnyValue sets one field: ${keys}`);
      switch (keys[0]) {
        case 'stringValue':
          return { type: 'string', value: v.stringValue };
        case 'boolValue':
          return { type: 'bool', value: v.boolValue };
        case 'intValue':
          return { type: 'int', value: isString(v.intValue, 'intValue') };
        case 'doubleValue':
          return { type: 'double', value: v.doubleValue };
        case 'arrayValue':
          return { type: 'array', values: (v.arrayValue.values ?? []).map((e) => this.anyValue(e)) };
        default:
          return { type: keys[0] ?? 'unset' };
      }
    },
  };
}

// Every key of every message must be an OTLP/JSON field name (lowerCamelCase).
const JSON_FIELDS = {
  request: ['resourceSpans'],
  resourceSpans: ['resource', 'scopeSpans', 'schemaUrl'],
  resource: ['attributes', 'droppedAttributesCount', 'entityRefs'],
  scopeSpans: ['scope', 'spans', 'schemaUrl'],
  scope: ['name', 'version', 'attributes', 'droppedAttributesCount'],
  span: [
    'traceId', 'spanId', 'traceState', 'parentSpanId', 'flags', 'name', 'kind',
    'startTimeUnixNano', 'endTimeUnixNano', 'attributes', 'droppedAttributesCount', 'events',
    'droppedEventsCount', 'links', 'droppedLinksCount', 'status',
  ],
  event: ['timeUnixNano', 'name', 'attributes', 'droppedAttributesCount'],
  link: ['traceId', 'spanId', 'traceState', 'attributes', 'droppedAttributesCount', 'flags'],
  status: ['message', 'code'],
  keyValue: ['key', 'value'],
};

function assertFieldNames(request) {
  const check = (obj, kind) => {
    for (const k of Object.keys(obj ?? {}))
      assert.ok(JSON_FIELDS[kind].includes(k), `unexpected ${kind} field "${k}"`);
  };
  const checkAttrs = (list) => (list ?? []).forEach((kv) => check(kv, 'keyValue'));
  check(request, 'request');
  for (const rs of request.resourceSpans ?? []) {
    check(rs, 'resourceSpans');
    check(rs.resource, 'resource');
    checkAttrs(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      check(ss, 'scopeSpans');
      check(ss.scope, 'scope');
      for (const s of ss.spans ?? []) {
        check(s, 'span');
        check(s.status, 'status');
        checkAttrs(s.attributes);
        (s.events ?? []).forEach((e) => (check(e, 'event'), checkAttrs(e.attributes)));
        (s.links ?? []).forEach((l) => (check(l, 'link'), checkAttrs(l.attributes)));
      }
    }
  }
}

// ---------------------------------------------------------------------------
// The JS SDK's serializers over the same span data
// ---------------------------------------------------------------------------

// Attribute values the JS attribute model carries faithfully: it has one
// number type, encodes integral numbers as intValue and cannot hold int64
// beyond 2^53, so those attributes are left out of the JS comparison (the
// description comparison covers them).
function jsFaithful(v) {
  switch (v.type) {
    case 'string':
    case 'bool':
      return true;
    case 'int':
      return Number.isSafeInteger(Number(v.value));
    case 'double':
      return !Number.isInteger(v.value);
    case 'array':
      return v.values.every(jsFaithful);
    default:
      return false;
  }
}

function jsValue(v) {
  if (v.type === 'array') return v.values.map(jsValue);
  return v.type === 'int' ? Number(v.value) : v.value;
}

function jsAttributes(attrs) {
  const out = {};
  for (const a of attrsFromDescription(attrs)) if (jsFaithful(a.value)) out[a.key] = jsValue(a.value);
  return out;
}

const hrTime = (nanos) => {
  const n = BigInt(nanos);
  return [Number(n / 1_000_000_000n), Number(n % 1_000_000_000n)];
};

// ReadableSpan-shaped objects (what the JS exporters hand to the serializers)
// holding exactly the recorded data.
function jsReadableSpans(description) {
  const resources = new Map();
  const scopes = new Map();
  const traceState = (ts) => (ts ? { serialize: () => ts } : undefined);
  return description.spans.map((s) => {
    const rkey = JSON.stringify(s.resource);
    if (!resources.has(rkey)) {
      resources.set(rkey, {
        attributes: jsAttributes(s.resource.attributes),
        schemaUrl: s.resource.schema_url || undefined,
      });
    }
    const skey = JSON.stringify(s.scope);
    if (!scopes.has(skey)) {
      scopes.set(skey, {
        name: s.scope.name,
        version: s.scope.version || undefined,
        schemaUrl: s.scope.schema_url || undefined,
      });
    }
    return {
      name: s.name,
      kind: s.kind - 1, // the JS API's SpanKind has no "unspecified"
      spanContext: () => ({
        traceId: s.trace_id,
        spanId: s.span_id,
        traceFlags: s.trace_flags,
        traceState: traceState(s.trace_state),
      }),
      parentSpanContext: s.parent_span_id
        ? { traceId: s.trace_id, spanId: s.parent_span_id, traceFlags: 1, isRemote: s.parent_is_remote }
        : undefined,
      startTime: hrTime(s.start_time_unix_nano),
      endTime: hrTime(s.end_time_unix_nano),
      status: { code: s.status.code, message: s.status.message || undefined },
      attributes: jsAttributes(s.attributes),
      droppedAttributesCount: s.dropped_attributes_count,
      events: s.events.map((e) => ({
        name: e.name,
        time: hrTime(e.time_unix_nano),
        attributes: jsAttributes(e.attributes),
        droppedAttributesCount: e.dropped_attributes_count,
      })),
      droppedEventsCount: s.dropped_events_count,
      links: s.links.map((l) => ({
        context: {
          traceId: l.trace_id,
          spanId: l.span_id,
          traceFlags: l.trace_flags,
          isRemote: l.is_remote,
          traceState: traceState(l.trace_state),
        },
        attributes: jsAttributes(l.attributes),
        droppedAttributesCount: l.dropped_attributes_count,
      })),
      droppedLinksCount: s.dropped_links_count,
      resource: resources.get(rkey),
      instrumentationScope: scopes.get(skey),
      ended: true,
      duration: [0, 0],
    };
  });
}

// Keeps only the attributes the JS model carries faithfully.
function onlyJsFaithful(request) {
  const keep = (attrs) => attrs.filter((a) => jsFaithful(a.value));
  for (const rs of request.resourceSpans) {
    rs.resource.attributes = keep(rs.resource.attributes);
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        s.attributes = keep(s.attributes);
        for (const e of s.events) e.attributes = keep(e.attributes);
        for (const l of s.links) l.attributes = keep(l.attributes);
      }
    }
  }
  return request;
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

test('the recorded span set covers what the encoders must handle', () => {
  const { description } = encode('proto');
  const spans = description.spans;
  assert.deepEqual([...new Set(spans.map((s) => s.kind))].sort(), [1, 2, 3, 4, 5]);
  assert.equal(new Set(spans.map((s) => JSON.stringify(s.resource))).size, 2);
  assert.equal(new Set(spans.map((s) => JSON.stringify(s.scope))).size, 3);
  const types = new Set(spans.flatMap((s) => s.attributes.map((a) => a.type)));
  for (const t of ['string', 'bool', 'int', 'double', 'string[]', 'bool[]', 'int[]', 'double[]'])
    assert.ok(types.has(t), `an attribute of type ${t}`);
  assert.ok(spans.some((s) => s.parent_is_remote));
  assert.ok(spans.some((s) => s.links.some((l) => l.trace_state)));
  assert.ok(spans.some((s) => s.status.code === 2 && s.status.message));
  assert.ok(spans.some((s) => s.dropped_attributes_count && s.dropped_events_count && s.dropped_links_count));
});

test('protobuf: decodes with the JS OTLP definitions and matches the recorded spans', () => {
  const { bytes, description } = encode('proto');
  assert.deepEqual(decodeProto(bytes), expectedRequest(description));
});

test('protobuf: empty-valued oneof members are present on the wire', () => {
  // AnyValue is a oneof: "" / false / 0 must be encoded, or the value is unset.
  const { bytes } = encode('proto');
  const message = ExportTraceServiceRequest.decode(bytes);
  const attrs = message.resourceSpans[0].scopeSpans[0].spans
    .flatMap((s) => s.attributes)
    .filter((kv) => ['str.empty', 'bool.false', 'int.zero', 'double.zero'].includes(kv.key));
  assert.deepEqual(
    attrs.map((kv) => [kv.key, kv.value.value]),
    [
      ['str.empty', 'stringValue'],
      ['bool.false', 'boolValue'],
      ['int.zero', 'intValue'],
      ['double.zero', 'doubleValue'],
    ],
  );
});

test('JSON: OTLP/JSON field names and types, matching the recorded spans', () => {
  const { bytes, description } = encode('json');
  const request = JSON.parse(bytes.toString('utf8'));
  assertFieldNames(request);
  assert.deepEqual(normalizeRequest(request, jsonReader(true)), expectedRequest(description));
});

test('JSON: the protobuf JSON mapping reads it into the same message as the description', () => {
  // protobufjs' fromObject reads proto3 JSON except that bytes are base64;
  // OTLP/JSON's hex ids are converted first.
  const { bytes, description } = encode('json');
  const request = JSON.parse(bytes.toString('utf8'), function (key, value) {
    if (['traceId', 'spanId', 'parentSpanId'].includes(key) && typeof value === 'string')
      return Buffer.from(value, 'hex').toString('base64');
    return value;
  });
  const message = ExportTraceServiceRequest.fromObject(request);
  const wire = ExportTraceServiceRequest.encode(message).finish();
  assert.deepEqual(decodeProto(wire), expectedRequest(description));
});

test('JS ProtobufTraceSerializer encodes the same spans to the same request', () => {
  const { bytes, description } = encode('proto');
  const theirs = ProtobufTraceSerializer.serializeRequest(jsReadableSpans(description));
  assert.deepEqual(decodeProto(theirs), onlyJsFaithful(decodeProto(bytes)));
});

test('JS JsonTraceSerializer encodes the same spans to the same request', () => {
  const { bytes, description } = encode('json');
  const theirs = JSON.parse(
    new TextDecoder().decode(JsonTraceSerializer.serializeRequest(jsReadableSpans(description))),
  );
  const ours = JSON.parse(bytes.toString('utf8'));
  // The JS serializer writes intValue as a JSON number (proto3 JSON accepts
  // both); only our side is held to the canonical string form.
  assert.deepEqual(
    normalizeRequest(theirs, jsonReader(false)),
    onlyJsFaithful(normalizeRequest(ours, jsonReader(true))),
  );
});
