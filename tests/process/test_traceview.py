"""traceview as a process: OTLP in (HTTP JSON from the test, HTTP protobuf
and gRPC from a real task-worker), the Jaeger query API out, bad parameters,
the command line, SIGTERM."""
import json
import os
import signal
import subprocess
import time
import urllib.parse

import pytest

from services import Service, free_port, http

T0_NS = 1_763_800_000_000_000_000


class Traceview:
    def __init__(self, bin_dir, *args, env=None):
        self.grpc, self.otlp, self.ui = free_port(), free_port(), free_port()
        argv = [os.path.join(bin_dir, "traceview"), "--host", "127.0.0.1",
                "--otlp-grpc-port", str(self.grpc), "--otlp-http-port", str(self.otlp),
                "--http-port", str(self.ui), *args]
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"traceview exited {self.proc.returncode}: "
                                     f"{self.proc.stderr.read()}")
            try:
                if http("GET", self.api("/api/services"), timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError("traceview did not come up")

    def api(self, path, **params):
        query = urllib.parse.urlencode(params, doseq=True)
        return f"http://127.0.0.1:{self.ui}{path}" + (f"?{query}" if query else "")

    def get(self, path, **params):
        status, body, _ = http("GET", self.api(path, **params))
        return status, body

    def ingest_json(self, request):
        status, body, _ = http("POST", f"http://127.0.0.1:{self.otlp}/v1/traces",
                               json.dumps(request), {"Content-Type": "application/json"})
        assert status == 200, body

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=30)
        return self.proc.returncode, err


@pytest.fixture
def traceview(bin_dir):
    tv = Traceview(bin_dir)
    yield tv
    tv.stop()


def kv(key, value):
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": value}}


def span(trace, sid, parent, name, start_us, dur_us, kind, error=False, **attrs):
    s = {"traceId": f"{trace:032x}", "spanId": f"{sid:016x}", "name": name, "kind": kind,
         "startTimeUnixNano": str(T0_NS + start_us * 1000),
         "endTimeUnixNano": str(T0_NS + (start_us + dur_us) * 1000),
         "attributes": [kv(k.replace("_", "."), v) for k, v in attrs.items()]}
    if parent:
        s["parentSpanId"] = f"{parent:016x}"
    if error:
        s["status"] = {"code": 2, "message": "upstream timed out"}
    return s


def resource_spans(service, spans):
    return {"resource": {"attributes": [kv("service.name", service)]},
            "scopeSpans": [{"scope": {"name": "test"}, "spans": spans}]}


def geodns_request(trace, failing_region=None):
    """dns-gateway → dns-orchestrator → dns-worker × 3 regions."""
    workers = [span(trace, 3 + i, 2, f"lookup {r}", 200 + i, 3000 + 1000 * i, 5,
                    error=(r == failing_region), region=r, http_response_status_code=200)
               for i, r in enumerate(["us", "eu", "ap"])]
    return {"resourceSpans": [
        resource_spans("dns-gateway", [span(trace, 1, 0, "GET /resolve", 0, 9000, 2)]),
        resource_spans("dns-orchestrator", [span(trace, 2, 1, "POST /lookup", 100, 8000, 2)]),
        resource_spans("dns-worker", workers)]}


def test_query_api_over_ingested_traces(traceview):
    for t in range(1, 6):
        traceview.ingest_json(geodns_request(t, failing_region="eu" if t % 2 else None))
    status, body = traceview.get("/api/services")
    assert status == 200
    assert body["data"] == ["dns-gateway", "dns-orchestrator", "dns-worker"]
    assert body["total"] == 3 and body["errors"] is None
    _, body = traceview.get("/api/services/dns-worker/operations")
    assert sorted(body["data"]) == ["lookup ap", "lookup eu", "lookup us"]
    _, body = traceview.get("/api/operations", service="dns-gateway", spanKind="server")
    assert body["data"] == [{"name": "GET /resolve", "spanKind": "server"}]
    _, body = traceview.get("/api/operations", service="dns-gateway", spanKind="client")
    assert body["data"] == []

    _, body = traceview.get("/api/traces", service="dns-worker", limit=20)
    assert len(body["data"]) == 5
    _, body = traceview.get("/api/traces", service="dns-worker", tags='{"error":"true"}')
    assert sorted(t["traceID"] for t in body["data"]) == [f"{t:032x}" for t in (1, 3, 5)]
    _, body = traceview.get("/api/traces", service="dns-worker", operation="lookup eu",
                            tag="region:eu", minDuration="3.5ms", maxDuration="5ms")
    assert len(body["data"]) == 5
    _, body = traceview.get("/api/traces", service="dns-worker", operation="lookup us",
                            minDuration="3.5ms")
    assert body["data"] == []
    _, body = traceview.get("/api/traces", service="dns-worker", limit=2)
    assert len(body["data"]) == 2

    status, body = traceview.get(f"/api/traces/{3:032x}")
    assert status == 200
    trace = body["data"][0]
    assert trace["traceID"] == f"{3:032x}"
    assert len(trace["spans"]) == 5
    assert {p["serviceName"] for p in trace["processes"].values()} == {
        "dns-gateway", "dns-orchestrator", "dns-worker"}
    by_name = {s["operationName"]: s for s in trace["spans"]}
    eu = by_name["lookup eu"]
    assert eu["references"] == [{"refType": "CHILD_OF", "traceID": f"{3:032x}",
                                 "spanID": f"{2:016x}"}]
    assert eu["startTime"] == T0_NS // 1000 + 201 and eu["duration"] == 4000
    tags = {t["key"]: t for t in eu["tags"]}
    assert tags["error"] == {"key": "error", "type": "bool", "value": True}
    assert tags["http.response.status.code"]["type"] == "int64"
    assert tags["span.kind"]["value"] == "consumer"
    assert trace["processes"][eu["processID"]]["serviceName"] == "dns-worker"

    _, body = traceview.get("/api/traces", traceID=[f"{1:032x}", "2", "ffff"])
    assert sorted(t["traceID"] for t in body["data"]) == [f"{1:032x}", f"{2:032x}"]

    end_ms = T0_NS // 1_000_000 + 60_000
    _, body = traceview.get("/api/dependencies", endTs=end_ms, lookback=3_600_000)
    edges = {(d["parent"], d["child"]): d for d in body["data"]}
    assert edges[("dns-gateway", "dns-orchestrator")]["callCount"] == 5
    assert edges[("dns-orchestrator", "dns-worker")]["callCount"] == 15
    assert edges[("dns-orchestrator", "dns-worker")]["errorCount"] == 3


@pytest.mark.parametrize("path,params", [
    ("/api/traces", {}),
    ("/api/traces", {"service": "s", "limit": "-1"}),
    ("/api/traces", {"service": "s", "minDuration": "fast"}),
    ("/api/traces", {"service": "s", "minDuration": "2s", "maxDuration": "1s"}),
    ("/api/traces", {"service": "s", "start": "yesterday"}),
    ("/api/traces", {"service": "s", "start": "20", "end": "10"}),
    ("/api/traces", {"service": "s", "lookback": "a while"}),
    ("/api/traces", {"service": "s", "tags": "not json"}),
    ("/api/traces", {"service": "s", "tag": "novalue"}),
    ("/api/traces", {"traceID": "xyz"}),
    ("/api/traces/not-hex", {}),
    ("/api/operations", {}),
    ("/api/dependencies", {"endTs": "soon"}),
])
def test_bad_parameters_are_400_with_both_error_shapes(traceview, path, params):
    status, body = traceview.get(path, **params)
    assert status == 400, body
    assert body["data"] is None and body["errors"][0]["code"] == 400
    assert body["error"] == "bad_parameter" and body["message"] == body["errors"][0]["msg"]


def test_unknown_trace_is_404(traceview):
    status, body = traceview.get(f"/api/traces/{0xdead:032x}")
    assert status == 404
    assert body["errors"][0]["code"] == 404 and body["error"] == "not_found"


class _Endpoint:
    def __init__(self, url):
        self.endpoint = url


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_task_worker_spans_arrive_over_otlp(bin_dir, traceview, protocol):
    port = traceview.grpc if protocol == "grpc" else traceview.otlp
    worker = Service(bin_dir, "task-worker", sink=_Endpoint(f"http://127.0.0.1:{port}"),
                     env={"OTEL_EXPORTER_OTLP_PROTOCOL": protocol, "WORKER_LATENCY_MS": "0"})
    try:
        status, _, headers = http("POST", worker.url + "/enrich", json.dumps({"text": "urgent"}),
                                  {"Content-Type": "application/json"})
        assert status == 200
        trace_id = headers["traceresponse"].split("-")[1]
    finally:
        assert worker.stop()[0] == 0  # flushes its spans
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status, body = traceview.get(f"/api/traces/{trace_id}")
        if status == 200:
            break
        time.sleep(0.1)
    assert status == 200, body
    spans = body["data"][0]["spans"]
    assert [s["operationName"] for s in spans] == ["POST /enrich"]
    process = body["data"][0]["processes"][spans[0]["processID"]]
    assert process["serviceName"] == "task-worker"
    _, ops = traceview.get("/api/services/task-worker/operations")
    assert ops["data"] == ["POST /enrich"]


def test_command_line_errors_and_sigterm(bin_dir):
    bad = subprocess.run([os.path.join(bin_dir, "traceview"), "--http-port", "99999"],
                         capture_output=True, text=True, timeout=10)
    assert bad.returncode == 2 and "99999" in bad.stderr
    bad = subprocess.run([os.path.join(bin_dir, "traceview"), "--frobnicate", "1"],
                         capture_output=True, text=True, timeout=10)
    assert bad.returncode == 2 and "unknown argument" in bad.stderr
    env = dict(os.environ, TRACEVIEW_MAX_TRACES="2")
    tv = Traceview(bin_dir, env=env)
    try:
        for t in range(1, 5):
            tv.ingest_json(geodns_request(t))
        _, body = tv.get("/api/traces", service="dns-gateway")
        assert sorted(t["traceID"] for t in body["data"]) == [f"{3:032x}", f"{4:032x}"]
        # A second traceview on the same ports cannot start: exit 1, said why.
        clash = subprocess.run([os.path.join(bin_dir, "traceview"), "--host", "127.0.0.1",
                                "--otlp-grpc-port", str(free_port()),
                                "--otlp-http-port", str(tv.otlp), "--http-port", str(free_port())],
                               capture_output=True, text=True, timeout=15)
        assert clash.returncode == 1 and "cannot" in clash.stderr
    finally:
        code, err = tv.stop()
    assert code == 0
    assert '"traceview stopped"' in err


def rfc3339(ns):
    import datetime
    t = datetime.datetime.fromtimestamp(ns // 1_000_000_000, tz=datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{ns % 1_000_000_000:09d}Z"


def test_api_v3_returns_otlp_json(traceview):
    for t in range(1, 4):
        traceview.ingest_json(geodns_request(t, failing_region="eu" if t == 2 else None))
    _, body = traceview.get("/api/v3/services")
    assert body == {"services": ["dns-gateway", "dns-orchestrator", "dns-worker"]}
    _, body = traceview.get("/api/v3/operations", service="dns-worker", span_kind="consumer")
    assert sorted(o["name"] for o in body["operations"]) == ["lookup ap", "lookup eu", "lookup us"]

    status, body = traceview.get(f"/api/v3/traces/{2:032x}")
    assert status == 200
    resource_spans = body["result"]["resourceSpans"]
    services = [[kv["value"]["stringValue"] for kv in rs["resource"]["attributes"]
                 if kv["key"] == "service.name"][0] for rs in resource_spans]
    assert services == ["dns-gateway", "dns-orchestrator", "dns-worker"]
    spans = [s for rs in resource_spans for ss in rs["scopeSpans"] for s in ss["spans"]]
    assert len(spans) == 5 and {s["traceId"] for s in spans} == {f"{2:032x}"}
    eu = next(s for s in spans if s["name"] == "lookup eu")
    assert eu["status"]["code"] == 2 and eu["parentSpanId"] == f"{2:016x}"
    assert resource_spans[2]["scopeSpans"][0]["scope"]["name"] == "test"

    _, body = traceview.get("/api/v3/traces", **{
        "query.service_name": "dns-worker", "query.attributes": '{"error":"true"}',
        "query.start_time_min": rfc3339(T0_NS - 1_000_000_000),
        "query.start_time_max": rfc3339(T0_NS + 1_000_000_000),
        "query.duration_min": "1ms", "query.search_depth": "10"})
    ids = {s["traceId"] for rs in body["result"]["resourceSpans"]
           for ss in rs["scopeSpans"] for s in ss["spans"]}
    assert ids == {f"{2:032x}"}
    _, body = traceview.get("/api/v3/traces", **{
        "query.service_name": "dns-worker",
        "query.start_time_min": rfc3339(T0_NS + 1_000_000_000)})
    assert body["result"].get("resourceSpans", []) == []


@pytest.mark.parametrize("path,params,status", [
    ("/api/v3/traces", {}, 400),
    ("/api/v3/traces", {"query.service_name": "s", "query.start_time_min": "yesterday"}, 400),
    ("/api/v3/traces", {"query.service_name": "s", "query.duration_min": "long"}, 400),
    ("/api/v3/traces", {"query.service_name": "s", "query.search_depth": "0"}, 400),
    ("/api/v3/traces", {"query.service_name": "s", "query.attributes": "[1]"}, 400),
    ("/api/v3/operations", {}, 400),
    ("/api/v3/traces/zz", {}, 400),
    (f"/api/v3/traces/{0xbeef:032x}", {}, 404),
])
def test_api_v3_bad_requests(traceview, path, params, status):
    got, body = traceview.get(path, **params)
    assert got == status, body
    assert body["errors"][0]["httpCode"] == status and body["message"]


def test_a_ten_thousand_span_trace_comes_back_whole(traceview):
    trace = 0x10000
    by_service = {f"svc-{i}": [] for i in range(5)}
    for i in range(1, 10_001):
        parent = i // 2 if i > 1 else 0  # a binary tree under span 1
        by_service[f"svc-{i % 5}"].append(
            span(trace, i, parent, f"op-{i % 7}", i, 50, 2 if i == 1 else 1, index=i))
    traceview.ingest_json({"resourceSpans": [resource_spans(s, spans)
                                             for s, spans in by_service.items()]})
    status, body = traceview.get(f"/api/traces/{trace:032x}")
    assert status == 200
    got = body["data"][0]
    assert len(got["spans"]) == 10_000
    assert len(got["processes"]) == 5
    ids = {s["spanID"] for s in got["spans"]}
    assert len(ids) == 10_000
    roots = [s for s in got["spans"] if not s["references"]]
    assert [r["spanID"] for r in roots] == [f"{1:016x}"]
    for s in got["spans"]:
        for ref in s["references"]:
            assert ref["refType"] == "CHILD_OF" and ref["spanID"] in ids
    _, body = traceview.get("/api/traces", service="svc-3", operation="op-3", limit=5)
    assert [t["traceID"] for t in body["data"]] == [f"{trace:032x}"]


def test_data_dir_keeps_traces_across_a_restart(bin_dir, tmp_path):
    data = tmp_path / "data"
    tv = Traceview(bin_dir, "--data-dir", str(data))
    try:
        for t in range(1, 4):
            tv.ingest_json(geodns_request(t, failing_region="eu" if t == 2 else None))
        _, before = tv.get(f"/api/traces/{2:032x}")
    finally:
        assert tv.stop()[0] == 0
    # A crash mid-write leaves a torn record: it is cut off, the rest loads.
    with open(data / "traces.log", "ab") as f:
        f.write(b"\x40\x00\x00\x00torn")
    tv = Traceview(bin_dir, "--data-dir", str(data))
    try:
        _, services = tv.get("/api/services")
        assert services["data"] == ["dns-gateway", "dns-orchestrator", "dns-worker"]
        _, after = tv.get(f"/api/traces/{2:032x}")
        assert after == before
        _, found = tv.get("/api/traces", service="dns-worker", tags='{"error":"true"}')
        assert [t["traceID"] for t in found["data"]] == [f"{2:032x}"]
    finally:
        code, err = tv.stop()
    assert code == 0
    assert '"records":3' in err and '"dropped.bytes":8' in err, err


def test_an_unusable_data_dir_is_exit_1(bin_dir, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = subprocess.run([os.path.join(bin_dir, "traceview"), "--host", "127.0.0.1",
                             "--otlp-grpc-port", "0", "--otlp-http-port", "0", "--http-port", "0",
                             "--data-dir", str(blocker)], capture_output=True, text=True,
                            timeout=15)
    assert result.returncode == 1
    assert "data directory" in result.stderr


def test_the_trace_view_flags_where_propagation_broke(traceview):
    # The gateway's call (span 2) is joined by nothing; the orchestrator
    # starts a new trace (2) while it is in flight.
    traceview.ingest_json({"resourceSpans": [
        resource_spans("dns-gateway", [span(1, 1, 0, "GET /resolve", 0, 6000, 2),
                                       span(1, 2, 1, "POST", 1000, 4000, 3)])]})
    traceview.ingest_json({"resourceSpans": [
        resource_spans("dns-orchestrator", [span(2, 10, 0, "POST /lookup", 1500, 2000, 2)])]})
    _, body = traceview.get(f"/api/traces/{1:032x}")
    by_name = {s["operationName"]: s for s in body["data"][0]["spans"]}
    assert by_name["GET /resolve"]["warnings"] is None
    assert "dns-orchestrator started a new trace" in by_name["POST"]["warnings"][0]
    _, body = traceview.get(f"/api/traces/{2:032x}")
    assert "dns-gateway was calling" in body["data"][0]["spans"][0]["warnings"][0]


def _raw_get(url):
    import urllib.error
    import urllib.request
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read()


def test_the_ui_is_served_from_the_binary(traceview):
    root = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "traceview", "ui")
    base = f"http://127.0.0.1:{traceview.ui}"
    with open(os.path.join(root, "index.html"), "rb") as f:
        index = f.read()
    for page in ("/", "/search?service=x", f"/trace/{1:032x}", "/dependencies"):
        status, ctype, body = _raw_get(base + page)
        assert status == 200 and ctype.startswith("text/html") and body == index, page
    for name in os.listdir(root):
        status, ctype, body = _raw_get(f"{base}/ui/{name}")
        with open(os.path.join(root, name), "rb") as f:
            assert status == 200 and body == f.read(), name
        if name.endswith(".js"):
            assert ctype.startswith("text/javascript")
    for bad in ("/ui/nope.js", "/ui/..%2FCMakeLists.txt", "/ui/.hidden"):
        assert _raw_get(base + bad)[0] == 404, bad


def test_ui_dir_serves_files_from_disk(bin_dir, tmp_path):
    (tmp_path / "index.html").write_text("<p>dev copy</p>")
    (tmp_path / "extra.css").write_text("p{}")
    tv = Traceview(bin_dir, "--ui-dir", str(tmp_path))
    try:
        base = f"http://127.0.0.1:{tv.ui}"
        assert _raw_get(base + "/")[2] == b"<p>dev copy</p>"
        status, ctype, body = _raw_get(base + "/ui/extra.css")
        assert status == 200 and ctype.startswith("text/css") and body == b"p{}"
    finally:
        assert tv.stop()[0] == 0


def test_geodns_shaped_trace_with_five_services_and_concurrent_lookups(traceview):
    """gateway → orchestrator → three regional workers (a service each),
    every region answering two concurrent lookups: 5 services, one trace."""
    trace = 0x6e0
    spans = {"dns-gateway": [span(trace, 1, 0, "GET /resolve", 0, 20_000, 2)],
             "dns-orchestrator": [span(trace, 2, 1, "POST /lookup", 100, 19_000, 2)]}
    next_id = 10
    for r, region in enumerate(["us", "eu", "ap"]):
        producer = next_id
        spans["dns-orchestrator"].append(
            span(trace, producer, 2, f"publish dns.{region}", 200 + r, 30, 4))
        spans[f"dns-worker-{region}"] = [
            span(trace, producer + 1 + k, producer, f"lookup {q}", 400 + r * 10 + k, 5_000 + 700 * k,
                 5, error=(region == "eu" and k == 1), dns_question=q, region=region)
            for k, q in enumerate(["example.com", "example.org"])]
        next_id += 10
    traceview.ingest_json({"resourceSpans": [resource_spans(s, v) for s, v in spans.items()]})

    _, body = traceview.get("/api/services")
    assert body["data"] == ["dns-gateway", "dns-orchestrator", "dns-worker-ap", "dns-worker-eu",
                            "dns-worker-us"]
    _, body = traceview.get(f"/api/traces/{trace:032x}")
    got = body["data"][0]
    assert len(got["spans"]) == 11 and len(got["processes"]) == 5
    consumers = [s for s in got["spans"]
                 if {"key": "span.kind", "type": "string", "value": "consumer"} in s["tags"]]
    assert len(consumers) == 6
    for region in ("us", "eu", "ap"):
        _, found = traceview.get("/api/traces", service=f"dns-worker-{region}",
                                 tag=f"dns.question:example.org")
        assert [t["traceID"] for t in found["data"]] == [f"{trace:032x}"]
    _, found = traceview.get("/api/traces", service="dns-worker-eu", tags='{"error":"true"}',
                             minDuration="5.5ms")
    assert len(found["data"]) == 1
    _, found = traceview.get("/api/traces", service="dns-worker-us", tags='{"error":"true"}')
    assert found["data"] == []
    _, deps = traceview.get("/api/dependencies", endTs=T0_NS // 1_000_000 + 60_000,
                            lookback=3_600_000)
    edges = {(d["parent"], d["child"]): (d["callCount"], d["errorCount"]) for d in deps["data"]}
    assert edges == {("dns-gateway", "dns-orchestrator"): (1, 0),
                     ("dns-orchestrator", "dns-worker-us"): (2, 0),
                     ("dns-orchestrator", "dns-worker-eu"): (2, 1),
                     ("dns-orchestrator", "dns-worker-ap"): (2, 0)}
