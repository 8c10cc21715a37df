"""The OTLP/JSON sink that process tests use: first on its own (hand-written
requests), then against spanline-demo exporting over OTLP/HTTP JSON, plain and
gzip, and through a refusing sink that the exporter must retry past."""
import gzip
import json
import math
import os
import subprocess
import urllib.error
import urllib.request

import pytest

from otlp_sink import CLIENT, SERVER, STATUS_ERROR, STATUS_UNSET

TRACE = "5b8efff798038103d269b633813fc60c"
ROOT = "eee19b7ec3c1b174"
CHILD = "eee19b7ec3c1b173"


def request_body(spans, resource=None):
    return {"resourceSpans": [{
        "resource": {"attributes": resource or [
            {"key": "service.name", "value": {"stringValue": "hand-made"}}]},
        "scopeSpans": [{"scope": {"name": "test-scope", "version": "1.2"}, "spans": spans}],
    }]}


def span_json(span_id, parent="", **extra):
    s = {"traceId": TRACE, "spanId": span_id, "parentSpanId": parent, "name": "op",
         "kind": 2, "startTimeUnixNano": "1000", "endTimeUnixNano": "3500"}
    s.update(extra)
    return s


def post(sink, body, content_type="application/json", encoding=None, path="/v1/traces"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": content_type}
    if encoding:
        headers["Content-Encoding"] = encoding
    req = urllib.request.Request(sink.endpoint + path, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


# --- the sink on its own ----------------------------------------------------------

def test_decodes_typed_attributes_events_links_and_status(otlp_sink):
    attrs = [
        {"key": "s", "value": {"stringValue": "x"}},
        {"key": "b", "value": {"boolValue": True}},
        {"key": "i", "value": {"intValue": "-9007199254740993"}},  # beyond a double's precision
        {"key": "i2", "value": {"intValue": 7}},
        {"key": "d", "value": {"doubleValue": 1.5}},
        {"key": "nan", "value": {"doubleValue": "NaN"}},
        {"key": "a", "value": {"arrayValue": {"values": [{"intValue": "1"},
                                                         {"stringValue": "two"}]}}},
        {"key": "kv", "value": {"kvlistValue": {"values": [{"key": "k",
                                                            "value": {"boolValue": False}}]}}},
        {"key": "bytes", "value": {"bytesValue": "AAH/"}},
        {"key": "empty", "value": {}},
    ]
    body = request_body([
        span_json(ROOT, attributes=attrs, status={"code": 2, "message": "boom"},
                  events=[{"timeUnixNano": "2000", "name": "exception", "attributes": [
                      {"key": "exception.type", "value": {"stringValue": "E"}}]}]),
        span_json(CHILD, parent=ROOT.upper(), kind="SPAN_KIND_CLIENT",
                  links=[{"traceId": TRACE, "spanId": ROOT, "traceState": "a=b"}]),
    ])
    assert post(otlp_sink, body) == (200, {})
    root, child = otlp_sink.wait_for_spans(2)
    assert root.trace_id == TRACE and root.span_id == ROOT and root.parent_span_id is None
    assert root.kind == SERVER and root.duration_ns == 2500
    a = root.attributes
    assert a["s"] == "x" and a["b"] is True and a["i"] == -9007199254740993 and a["i2"] == 7
    assert a["d"] == 1.5 and math.isnan(a["nan"]) and a["a"] == [1, "two"]
    assert a["kv"] == {"k": False} and a["bytes"] == b"\x00\x01\xff" and a["empty"] is None
    assert (root.status_code, root.status_message) == (STATUS_ERROR, "boom")
    assert root.events[0].name == "exception" and root.events[0].time_unix_nano == 2000
    assert root.events[0].attributes == {"exception.type": "E"}
    assert root.service_name == "hand-made" and root.resource == {"service.name": "hand-made"}
    assert (root.scope_name, root.scope_version) == ("test-scope", "1.2")
    assert child.parent_span_id == ROOT  # ids are normalised to lower case
    assert child.kind == CLIENT and child.status_code == STATUS_UNSET
    assert child.links[0].span_id == ROOT and child.links[0].trace_state == "a=b"
    assert otlp_sink.spans_by_trace() == {TRACE: [root, child]}
    assert otlp_sink.errors == []


def test_accepts_gzip_and_charset(otlp_sink):
    data = gzip.compress(json.dumps(request_body([span_json(ROOT)])).encode())
    assert post(otlp_sink, data, "application/json; charset=utf-8", "gzip")[0] == 200
    assert len(otlp_sink.wait_for_spans(1)) == 1
    assert otlp_sink.requests[0].headers["content-encoding"] == "gzip"


@pytest.mark.parametrize("case", ["protobuf", "path", "json", "hex", "zero", "gzip", "shape"])
def test_refuses_what_is_not_otlp_json(otlp_sink, case):
    good = request_body([span_json(ROOT)])
    status, _ = {
        "protobuf": lambda: post(otlp_sink, b"\x0a\x00", "application/x-protobuf"),
        "path": lambda: post(otlp_sink, good, path="/v1/metrics"),
        "json": lambda: post(otlp_sink, b"{not json"),
        "hex": lambda: post(otlp_sink, request_body([span_json("zz" * 8)])),
        "zero": lambda: post(otlp_sink, request_body([span_json(ROOT, parent="0" * 16)])),
        "gzip": lambda: post(otlp_sink, b"not gzip", encoding="gzip"),
        "shape": lambda: post(otlp_sink, [1, 2]),
    }[case]()
    assert 400 <= status < 500
    assert otlp_sink.spans == [] and len(otlp_sink.errors) == 1


def test_fails_when_told_and_heals(otlp_sink):
    otlp_sink.fail(503, count=2, retry_after=1)
    body = request_body([span_json(ROOT)])
    assert post(otlp_sink, body)[0] == 503
    assert post(otlp_sink, body)[0] == 503
    assert post(otlp_sink, body)[0] == 200
    otlp_sink.fail(500)
    assert post(otlp_sink, body)[0] == 500
    otlp_sink.heal()
    assert post(otlp_sink, body)[0] == 200
    assert [r.status for r in otlp_sink.requests] == [503, 503, 200, 500, 200]
    assert len(otlp_sink.spans) == 2 and otlp_sink.errors == []


def test_wait_for_spans_times_out_with_a_useful_message(otlp_sink):
    with pytest.raises(AssertionError, match="0 spans"):
        otlp_sink.wait_for_spans(1, timeout=0.2)
    post(otlp_sink, request_body([span_json(ROOT), span_json(CHILD, parent=ROOT, name="x")]))
    assert [s.span_id for s in otlp_sink.wait_for_spans(lambda s: s.name == "x")] == [CHILD]


# --- spanline-demo through the sink -------------------------------------------------

def run_demo(bin_dir, sink, requests=3, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
                "OTEL_EXPORTER_OTLP_ENDPOINT": sink.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "50"})
    env.update(extra)
    out = subprocess.run([os.path.join(bin_dir, "spanline-demo"), "--requests", str(requests),
                          "--interval-ms", "1"], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return out


def assert_demo_traces(sink, traces, service):
    spans = sink.wait_for_spans(3 * traces)
    assert len(spans) == 3 * traces and sink.errors == []
    by_trace = sink.spans_by_trace()
    assert len(by_trace) == traces
    for trace in by_trace.values():
        names = {s.name: s for s in trace}
        assert set(names) == {"POST /tasks", "POST", "POST /enrich"}
        server, client, worker = names["POST /tasks"], names["POST"], names["POST /enrich"]
        assert server.parent_span_id is None and server.kind == SERVER
        assert client.parent_span_id == server.span_id and client.kind == CLIENT
        # The "remote" server continued the trace from the injected headers.
        assert worker.parent_span_id == client.span_id and worker.kind == SERVER
        assert server.attributes["http.route"] == "/tasks"
        assert server.attributes["http.response.status_code"] == 201  # an int, not "201"
        assert client.attributes["server.port"] == 8090
        assert worker.events[0].name == "enrichment.computed"
        assert {s.service_name for s in trace} == {service}
    return spans


def test_demo_exports_three_traces_over_otlp_json(bin_dir, otlp_sink):
    run_demo(bin_dir, otlp_sink, OTEL_SERVICE_NAME="sink-test")
    assert_demo_traces(otlp_sink, 3, "sink-test")
    for r in otlp_sink.requests:
        assert r.headers["content-type"].startswith("application/json")
        assert "content-encoding" not in r.headers


def test_demo_exports_gzip(bin_dir, otlp_sink):
    run_demo(bin_dir, otlp_sink, OTEL_EXPORTER_OTLP_COMPRESSION="gzip")
    assert_demo_traces(otlp_sink, 3, "spanline-demo")
    assert {r.headers.get("content-encoding") for r in otlp_sink.requests} == {"gzip"}


def test_demo_error_span_carries_status_and_exception_event(bin_dir, otlp_sink):
    # The demo fails every seventh request's "worker" span.
    run_demo(bin_dir, otlp_sink, requests=7)
    spans = assert_demo_traces(otlp_sink, 7, "spanline-demo")
    failed = [s for s in spans if s.status_code == STATUS_ERROR]
    assert {s.name for s in failed} == {"POST /enrich", "POST"}
    worker = next(s for s in failed if s.name == "POST /enrich")
    assert worker.status_message == "enrichment timed out"
    exc = next(e for e in worker.events if e.name == "exception")
    assert exc.attributes["exception.type"] == "TimeoutError"


def test_demo_retries_past_a_refusing_sink(bin_dir, otlp_sink):
    otlp_sink.fail(503, count=1, retry_after=0)
    run_demo(bin_dir, otlp_sink)
    assert_demo_traces(otlp_sink, 3, "spanline-demo")
    assert otlp_sink.requests[0].status == 503
