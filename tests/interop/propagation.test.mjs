// Propagation interop: the OpenTelemetry JS SDK and spanline's C++ SDK
// (through spanline-interop-probe) continue each other's traces over W3C
// traceparent/tracestate, W3C baggage and B3 headers.
//
// Run by ctest (`interop.propagation`), which sets SPANLINE_INTEROP_PROBE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import {
  ROOT_CONTEXT,
  baggageEntryMetadataFromString,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  propagation,
  trace,
} from '@opentelemetry/api';
import {
  CompositePropagator,
  TraceState,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  SamplingDecision,
} from '@opentelemetry/sdk-trace-base';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';

const PROBE = process.env.SPANLINE_INTEROP_PROBE;
if (!PROBE) throw new Error('SPANLINE_INTEROP_PROBE is not set (run through ctest)');

function probe(args, stdin) {
  const out = execFileSync(PROBE, args, {
    input: stdin === undefined ? '' : JSON.stringify(stdin),
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

const w3c = new CompositePropagator({
  propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
});
const jsPropagators = {
  'tracecontext,baggage': w3c,
  b3: new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER }),
  b3multi: new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }),
};

// A sampler that starts root spans with a given decision and tracestate, the
// JS SDK's way (like the probe's) to give a new trace its first tracestate.
function fixedSampler(sampled, traceState) {
  return {
    shouldSample: () => ({
      decision: sampled ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD,
      traceState,
    }),
    toString: () => 'FixedSampler',
  };
}

// Starts a JS root span and returns it with the context to inject.
function jsRootSpan({ sampled = true, traceState, baggage } = {}) {
  const sampler =
    sampled || traceState ? fixedSampler(sampled, traceState) : new AlwaysOffSampler();
  const provider = new BasicTracerProvider({ sampler });
  const span = provider.getTracer('interop-js').startSpan('js-root', {}, ROOT_CONTEXT);
  let ctx = trace.setSpan(ROOT_CONTEXT, span);
  if (baggage) ctx = propagation.setBaggage(ctx, propagation.createBaggage(baggage));
  return { span, ctx };
}

function jsInject(ctx, names = 'tracecontext,baggage') {
  const carrier = {};
  jsPropagators[names].inject(ctx, carrier, defaultTextMapSetter);
  return carrier;
}

// Header names arrive lowercased from an HTTP stack (Node's http does it);
// the JS getters look names up as given.
function lowercaseKeys(headers) {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

// The context both sides extracted, in one shape. Baggage entries are sorted
// by name: the W3C Baggage spec gives their order no meaning.
function normalize({ valid, traceId, spanId, traceFlags, traceState, baggage }) {
  const entries = [...(baggage ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));
  return valid
    ? { valid, traceId, spanId, traceFlags, traceState: traceState ?? '', baggage: entries }
    : { valid, baggage: entries };
}

function jsExtract(headers, names = 'tracecontext,baggage') {
  const ctx = jsPropagators[names].extract(ROOT_CONTEXT, lowercaseKeys(headers), defaultTextMapGetter);
  const sc = trace.getSpanContext(ctx);
  const bag = propagation.getBaggage(ctx);
  return normalize({
    valid: sc !== undefined && isSpanContextValid(sc),
    traceId: sc?.traceId,
    spanId: sc?.spanId,
    traceFlags: sc?.traceFlags,
    traceState: sc?.traceState?.serialize(),
    baggage: (bag?.getAllEntries() ?? []).map(([name, e]) => ({
      name,
      value: e.value,
      metadata: e.metadata?.toString() ?? '',
    })),
  });
}

function cppExtract(headers, names = 'tracecontext,baggage') {
  const out = probe(['extract', '--propagators', names], headers);
  const e = out.extracted;
  return {
    out,
    normalized: normalize({
      valid: e.valid,
      traceId: e.trace_id,
      spanId: e.span_id,
      traceFlags: e.trace_flags,
      traceState: e.tracestate,
      baggage: out.baggage,
    }),
  };
}

const BAGGAGE = {
  user: { value: 'Jöhn Doe' },
  'session.id': { value: 'a=b,c;d "q" 100% ✓' },
  'with-props': { value: 'v', metadata: baggageEntryMetadataFromString('p1=1;flag') },
};
const EXPECTED_BAGGAGE = [
  { name: 'session.id', value: 'a=b,c;d "q" 100% ✓', metadata: '' },
  { name: 'user', value: 'Jöhn Doe', metadata: '' },
  { name: 'with-props', value: 'v', metadata: 'p1=1;flag' },
];

// ---------------------------------------------------------------------------
// (1) JS → C++
// ---------------------------------------------------------------------------

for (const sampled of [true, false]) {
  test(`JS ${sampled ? 'sampled' : 'unsampled'} span → C++ extract continues it`, () => {
    const traceState = new TraceState('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
    const { span, ctx } = jsRootSpan({ sampled, traceState, baggage: BAGGAGE });
    const js = span.spanContext();
    const headers = jsInject(ctx);
    assert.equal(headers.traceparent, `00-${js.traceId}-${js.spanId}-0${sampled ? 1 : 0}`);

    const { out, normalized } = cppExtract(headers);
    assert.deepEqual(normalized, {
      valid: true,
      traceId: js.traceId,
      spanId: js.spanId,
      traceFlags: sampled ? 1 : 0,
      traceState: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
      baggage: EXPECTED_BAGGAGE,
    });
    assert.equal(out.extracted.is_remote, true);

    // The C++ child continues the trace under the JS span.
    const child = out.child;
    assert.equal(child.trace_id, js.traceId);
    assert.notEqual(child.span_id, js.spanId);
    assert.equal(child.sampled, sampled);
    assert.equal(child.recording, sampled);
    if (sampled) assert.equal(child.parent_span_id, js.spanId);
    assert.equal(out.headers.traceparent, `00-${js.traceId}-${child.span_id}-0${sampled ? 1 : 0}`);
    assert.equal(out.headers.tracestate, 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
    span.end();
  });
}

// ---------------------------------------------------------------------------
// (2) C++ → JS
// ---------------------------------------------------------------------------

for (const sampled of [true, false]) {
  test(`C++ ${sampled ? 'sampled' : 'unsampled'} root span → JS extract`, () => {
    const args = ['inject', '--tracestate', 'vendor=opaque,rojo=00f067aa0ba902b7'];
    if (!sampled) args.push('--unsampled');
    for (const e of EXPECTED_BAGGAGE) args.push('--baggage', `${e.name}=${e.value}`);
    args.push('--baggage-metadata', 'with-props=p1=1;flag');
    const out = probe(args);

    assert.deepEqual(jsExtract(out.headers), {
      valid: true,
      traceId: out.span.trace_id,
      spanId: out.span.span_id,
      traceFlags: sampled ? 1 : 0,
      traceState: 'vendor=opaque,rojo=00f067aa0ba902b7',
      baggage: EXPECTED_BAGGAGE,
    });
    // And a JS child continues it.
    const ctx = w3c.extract(ROOT_CONTEXT, out.headers, defaultTextMapGetter);
    const provider = new BasicTracerProvider();
    const child = provider.getTracer('interop-js').startSpan('js-child', {}, ctx);
    assert.equal(child.spanContext().traceId, out.span.trace_id);
    assert.equal(child.isRecording(), sampled);
    if (sampled) assert.equal(child.parentSpanContext?.spanId, out.span.span_id);
    child.end();
  });
}

// ---------------------------------------------------------------------------
// (3) JS → C++ → JS
// ---------------------------------------------------------------------------

test('round trip JS → C++ → JS keeps trace, flags, tracestate and baggage', () => {
  const traceState = new TraceState('a@b=x,c=y_z');
  const { span, ctx } = jsRootSpan({ traceState, baggage: BAGGAGE });
  const js = span.spanContext();
  const { out } = cppExtract(jsInject(ctx));
  const back = jsExtract(out.headers);
  assert.deepEqual(back, {
    valid: true,
    traceId: js.traceId,
    spanId: out.child.span_id,
    traceFlags: 1,
    traceState: 'a@b=x,c=y_z',
    baggage: EXPECTED_BAGGAGE,
  });
  span.end();
});

// ---------------------------------------------------------------------------
// B3 (single and multi header)
// ---------------------------------------------------------------------------

for (const names of ['b3', 'b3multi']) {
  for (const sampled of [true, false]) {
    test(`${names} ${sampled ? 'sampled' : 'unsampled'}: JS → C++ → JS`, () => {
      const { span, ctx } = jsRootSpan({ sampled });
      const js = span.spanContext();
      const headers = jsInject(ctx, names);
      const { out, normalized } = cppExtract(headers, names);
      assert.deepEqual(normalized, {
        valid: true,
        traceId: js.traceId,
        spanId: js.spanId,
        traceFlags: sampled ? 1 : 0,
        traceState: '',
        baggage: [],
      });
      assert.deepEqual(Object.keys(out.headers).sort(), Object.keys(headers).sort());
      assert.deepEqual(jsExtract(out.headers, names), {
        valid: true,
        traceId: js.traceId,
        spanId: out.child.span_id,
        traceFlags: sampled ? 1 : 0,
        traceState: '',
        baggage: [],
      });
      span.end();
    });
  }
}

// ---------------------------------------------------------------------------
// Differential extraction: the same headers through both SDKs
// ---------------------------------------------------------------------------

const TP = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const VALID = {
  valid: true,
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: 1,
};

// `cpp`, when given, is what our SDK must extract (per spec) where the JS SDK
// legitimately or knowingly differs; `js` pins the JS SDK's answer so that a
// change on its side shows up here.
const CASES = [
  { name: 'plain', headers: { traceparent: TP }, both: { ...VALID, traceState: '' } },
  {
    name: 'mixed-case header names',
    headers: { TraceParent: TP, TraceState: 'k=v' },
    both: { ...VALID, traceState: 'k=v' },
  },
  { name: 'uppercase hex is invalid', headers: { traceparent: TP.toUpperCase() }, both: { valid: false } },
  { name: 'version ff is invalid', headers: { traceparent: 'ff' + TP.slice(2) }, both: { valid: false } },
  { name: 'zero trace id', headers: { traceparent: `00-${'0'.repeat(32)}-b7ad6b7169203331-01` }, both: { valid: false } },
  { name: 'zero span id', headers: { traceparent: `00-0af7651916cd43dd8448eb211c80319c-${'0'.repeat(16)}-01` }, both: { valid: false } },
  { name: 'version 00 with trailing data', headers: { traceparent: TP + '-extra' }, both: { valid: false } },
  {
    name: 'future version with trailing data',
    headers: { traceparent: 'cc' + TP.slice(2) + '-what-the-future-holds' },
    both: { ...VALID, traceState: '' },
  },
  {
    name: 'unknown flag bits are kept',
    headers: { traceparent: TP.slice(0, -2) + '09' },
    both: { ...VALID, traceFlags: 9, traceState: '' },
  },
  {
    name: 'surrounding whitespace',
    headers: { traceparent: ` ${TP} ` },
    both: { ...VALID, traceState: '' },
  },
  {
    name: 'surrounding whitespace of several characters',
    headers: { traceparent: `\t ${TP} \t` },
    // OWS is any run of SP/HTAB; the W3C test suite (test_traceparent_ows_handling)
    // sends "\t 00-…-01 \t" and expects the trace to continue. The JS regex
    // allows one whitespace character on each side.
    cpp: { ...VALID, traceState: '' },
    js: { valid: false },
  },
  {
    name: 'two traceparent headers',
    headers: { traceparent: [TP, '00-11111111111111111111111111111111-2222222222222222-01'] },
    // The W3C test suite (test_traceparent_duplicated) expects a new trace;
    // the JS SDK continues the first header's.
    cpp: { valid: false },
    js: { ...VALID, traceState: '' },
  },
  { name: 'short span id', headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333-01' }, both: { valid: false } },
  {
    name: 'repeated tracestate headers are one list',
    headers: { traceparent: TP, tracestate: ['a=1,b=2', 'c=3'] },
    both: { ...VALID, traceState: 'a=1,b=2,c=3' },
  },
  {
    name: 'tracestate whitespace and empty members',
    headers: { traceparent: TP, tracestate: ' a=1 ,, b@v=2\t' },
    both: { ...VALID, traceState: 'a=1,b@v=2' },
  },
  // For an invalid tracestate the W3C processing model allows discarding the
  // whole header or only the bad members ("MAY"); the W3C test suite at its
  // default strictness (test_tracestate_key_illegal_vendor_format,
  // test_tracestate_duplicated_keys, test_tracestate_member_count_limit)
  // expects the whole header gone, which is what we do. The JS SDK keeps the
  // valid members, the last value of a duplicate key, and the first 32 members.
  {
    name: 'tracestate with an invalid member',
    headers: { traceparent: TP, tracestate: 'a=1,Bad=2,c=3' },
    cpp: { ...VALID, traceState: '' },
    js: { ...VALID, traceState: 'a=1,c=3' },
  },
  {
    name: 'tracestate with a duplicate key',
    headers: { traceparent: TP, tracestate: 'a=1,b=2,a=3' },
    cpp: { ...VALID, traceState: '' },
    js: { ...VALID, traceState: 'a=3,b=2' },
  },
  {
    name: 'tracestate with 33 members',
    headers: {
      traceparent: TP,
      tracestate: Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(','),
    },
    cpp: { ...VALID, traceState: '' },
    js: {
      ...VALID,
      traceState: Array.from({ length: 32 }, (_, i) => `k${i}=v`).join(','),
    },
  },
  {
    name: 'baggage: percent-decoding and whitespace',
    headers: { baggage: ' k1 = v%201 , k2=%E2%9C%93,k3=a%2Cb' },
    both: {
      valid: false,
      baggage: [
        { name: 'k1', value: 'v 1', metadata: '' },
        { name: 'k2', value: '✓', metadata: '' },
        { name: 'k3', value: 'a,b', metadata: '' },
      ],
    },
  },
  {
    name: 'baggage: properties with whitespace',
    headers: { baggage: 'k1=v1 ; p1 = x ;p2 ,k2=v2;p3' },
    // W3C Baggage, "property": leading and trailing OWS "MUST be trimmed when
    // converting the header into a data structure"; the JS SDK keeps it.
    cpp: {
      valid: false,
      baggage: [
        { name: 'k1', value: 'v1', metadata: 'p1 = x ;p2' },
        { name: 'k2', value: 'v2', metadata: 'p3' },
      ],
    },
    js: {
      valid: false,
      baggage: [
        { name: 'k1', value: 'v1', metadata: ' p1 = x ;p2 ' },
        { name: 'k2', value: 'v2', metadata: 'p3' },
      ],
    },
  },
  {
    name: 'baggage: repeated headers are one list',
    headers: { baggage: ['a=1', 'b=2'] },
    both: {
      valid: false,
      baggage: [
        { name: 'a', value: '1', metadata: '' },
        { name: 'b', value: '2', metadata: '' },
      ],
    },
  },
  {
    name: 'baggage: a later duplicate wins',
    headers: { baggage: 'a=1,a=2' },
    both: { valid: false, baggage: [{ name: 'a', value: '2', metadata: '' }] },
  },
  {
    name: 'baggage: bad percent escape drops the member',
    headers: { baggage: 'bad=%zz,good=1' },
    both: { valid: false, baggage: [{ name: 'good', value: '1', metadata: '' }] },
  },
  {
    name: 'baggage: empty value',
    headers: { baggage: 'empty=,x=1' },
    // W3C Baggage grammar: value = *baggage-octet, so an empty value is valid;
    // the JS SDK drops the member.
    cpp: {
      valid: false,
      baggage: [
        { name: 'empty', value: '', metadata: '' },
        { name: 'x', value: '1', metadata: '' },
      ],
    },
    js: { valid: false, baggage: [{ name: 'x', value: '1', metadata: '' }] },
  },
  {
    name: 'baggage: key with a percent escape',
    headers: { baggage: 'a%20b=1' },
    // W3C Baggage: key = token, with no percent-encoding; the JS SDK
    // percent-decodes keys (and encodes them with encodeURIComponent on inject).
    cpp: { valid: false, baggage: [{ name: 'a%20b', value: '1', metadata: '' }] },
    js: { valid: false, baggage: [{ name: 'a b', value: '1', metadata: '' }] },
  },
  {
    name: 'b3 single, 64-bit trace id, debug',
    propagators: 'b3',
    headers: { b3: '8448eb211c80319c-b7ad6b7169203331-d' },
    both: {
      valid: true,
      traceId: '00000000000000008448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      traceState: '',
    },
  },
  {
    name: 'b3 multi with parent span id',
    propagators: 'b3multi',
    headers: {
      'X-B3-TraceId': '0af7651916cd43dd8448eb211c80319c',
      'X-B3-SpanId': 'b7ad6b7169203331',
      'X-B3-ParentSpanId': '00f067aa0ba902b7',
      'X-B3-Sampled': '1',
    },
    both: { ...VALID, traceState: '' },
  },
  {
    name: 'b3 single deny-only carries no ids',
    propagators: 'b3',
    headers: { b3: '0' },
    both: { valid: false },
  },
];

for (const c of CASES) {
  test(`differential extract: ${c.name}`, () => {
    const names = c.propagators ?? 'tracecontext,baggage';
    const fill = (r) => normalize({ baggage: [], ...r });
    const js = jsExtract(c.headers, names);
    const { normalized: cpp } = cppExtract(c.headers, names);
    if (c.both) {
      assert.deepEqual(cpp, fill(c.both), 'C++');
      assert.deepEqual(js, fill(c.both), 'JS');
    } else {
      assert.deepEqual(cpp, fill(c.cpp), 'C++');
      assert.deepEqual(js, fill(c.js), 'JS (known divergence)');
    }
  });
}
