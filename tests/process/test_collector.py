"""spanline-collector as a process: validate, the sidecar → central (bearer
token) → sink hierarchy with a real traced service in front, and SIGTERM."""
import json
import os
import time

from collector_proc import Collector, collector_yaml, otlphttp, run_collector
from otlp_json import SERVER
from services import Service, free_port, http

HERE = os.path.dirname(os.path.abspath(__file__))
DEPLOY = os.path.join(HERE, "..", "..", "deploy", "otelcol")


def test_validate_accepts_the_deploy_configs(bin_dir):
    for name in ("central.yaml", "gateway-sidecar.yaml", "orchestrator-sidecar.yaml"):
        r = run_collector(bin_dir, "validate", "--config", os.path.join(DEPLOY, name))
        assert r.returncode == 0, r.stderr
        assert "valid" in r.stdout


def test_validate_names_the_problem_and_lenient_only_warns(bin_dir, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("receivers:\n  otlp:\n    protocols:\n      http:\n"
                   "processors:\n  tail_sampling: {}\n"
                   "exporters:\n  debug:\n"
                   "service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n"
                   "      processors: [tail_sampling]\n      exporters: [debug]\n")
    r = run_collector(bin_dir, "validate", "--config", str(bad))
    assert r.returncode == 1
    assert "tail_sampling" in r.stderr and "batch" in r.stderr  # names it, lists what exists
    r = run_collector(bin_dir, "validate", "--lenient", "--config", str(bad))
    assert r.returncode == 0, r.stderr
    assert "warning" in r.stderr
    r = run_collector(bin_dir, "--config")
    assert r.returncode == 2


def test_sidecar_to_central_with_token_to_sink(bin_dir, tmp_path, otlp_sink):
    central_http, central_health, central_metrics = free_port(), free_port(), free_port()
    sidecar_http, sidecar_health, sidecar_metrics = free_port(), free_port(), free_port()
    token = "  bearertokenauth:\n    token: t0ken\n"
    central = Collector(bin_dir, tmp_path, "central", collector_yaml(
        central_http, central_health, central_metrics,
        otlphttp(otlp_sink.endpoint, encoding="json"), auth_server=True,
        resource={"collector.type": "central", "central.seen": "yes"}, extensions=token),
        central_health)
    sidecar = Collector(bin_dir, tmp_path, "sidecar", collector_yaml(
        sidecar_http, sidecar_health, sidecar_metrics,
        otlphttp(f"http://127.0.0.1:{central_http}", auth="bearertokenauth/client"),
        resource={"collector.type": "sidecar", "collector.name": "gateway-sidecar"},
        extensions="  bearertokenauth/client:\n    token: t0ken\n"), sidecar_health)
    worker = Service(bin_dir, "task-worker", env={
        "OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{sidecar_http}"})
    try:
        status, _, _ = http("POST", worker.url + "/enrich", json.dumps({"text": "urgent fix"}),
                            {"Content-Type": "application/json"})
        assert status == 200
        spans = otlp_sink.wait_for_spans(lambda s: s.name == "POST /enrich")
        span = [s for s in spans if s.name == "POST /enrich"][0]
        assert span.resource["service.name"] == "task-worker"
        assert span.resource["collector.type"] == "sidecar"  # insert keeps the first
        assert span.resource["collector.name"] == "gateway-sidecar"
        assert span.resource["central.seen"] == "yes"
        # The worker exports http/protobuf, so its attributes went out packed
        # (written as protobuf when set) and must arrive typed and whole.
        assert span.attributes["http.request.method"] == "POST"
        assert span.attributes["http.route"] == "/enrich"
        assert span.attributes["url.path"] == "/enrich"
        assert span.attributes["http.response.status_code"] == 200
        assert span.attributes["server.port"] == worker.port
        assert span.attributes["network.protocol.version"] == "1.1"
        # The connection's attributes, packed once for all its spans.
        assert span.attributes["server.address"] == "127.0.0.1"
        assert span.attributes["client.address"] == "127.0.0.1"
        assert span.attributes["url.scheme"] == "http"
        _, text, _ = http("GET", f"http://127.0.0.1:{sidecar_metrics}/metrics")
        assert 'otelcol_exporter_sent_spans{exporter="otlphttp"}' in text
    finally:
        assert worker.stop()[0] == 0
        code, err = sidecar.stop()
        assert code == 0, err
        code, err = central.stop()
        assert code == 0, err


def test_wrong_token_is_refused_and_nothing_forwarded(bin_dir, tmp_path, otlp_sink):
    central_http, central_health, central_metrics = free_port(), free_port(), free_port()
    central = Collector(bin_dir, tmp_path, "central", collector_yaml(
        central_http, central_health, central_metrics,
        otlphttp(otlp_sink.endpoint, encoding="json"), auth_server=True,
        extensions="  bearertokenauth:\n    token: right\n"), central_health)
    try:
        url = f"http://127.0.0.1:{central_http}/v1/traces"
        body = json.dumps({"resourceSpans": []})
        json_type = {"Content-Type": "application/json"}
        for auth in ({}, {"Authorization": "Bearer wrong"}):
            status, _, _ = http("POST", url, body, dict(json_type, **auth))
            assert status == 401
        status, _, _ = http("POST", url, body, dict(json_type, Authorization="Bearer right"))
        assert status == 200
        time.sleep(0.2)
        assert otlp_sink.requests == []
    finally:
        code, err = central.stop()
        assert code == 0, err


def test_route_path_and_status_attributes_arrive_typed_over_protobuf(bin_dir, tmp_path, otlp_sink):
    # task-api exports http/protobuf, so each span's method, route, path and
    # status went out as prepared bytes (per endpoint, per status); a route
    # with a parameter keeps the request's own path.
    http_port, health, metrics = free_port(), free_port(), free_port()
    collector = Collector(bin_dir, tmp_path, "c", collector_yaml(
        http_port, health, metrics, otlphttp(otlp_sink.endpoint, encoding="json")), health)
    api = Service(bin_dir, "task-api", env={
        "OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{http_port}",
        "WORKER_URL": f"http://127.0.0.1:{free_port()}", "WORKER_TIMEOUT_MS": "500"})
    try:
        json_type = {"Content-Type": "application/json"}
        status, task, _ = http("POST", api.url + "/tasks", '{"text": "hello"}', json_type)
        assert status == 201
        for target, want in ((f"/tasks/{task['id']}", 200), ("/tasks/nope", 404),
                             (f"/tasks/{task['id']}", 200), ("/tasks", 200)):
            assert http("GET", api.url + target)[0] == want
        spans = otlp_sink.wait_for_spans(lambda s: s.service_name == "task-api", count=6)
        servers = sorted((s for s in spans if s.kind == SERVER), key=lambda s: s.start_time_unix_nano)
        got = [(s.name, s.attributes["http.request.method"], s.attributes["http.route"],
                s.attributes["url.path"], s.attributes["http.response.status_code"])
               for s in servers]
        assert got == [
            ("POST /tasks", "POST", "/tasks", "/tasks", 201),
            ("GET /tasks/{id}", "GET", "/tasks/{id}", f"/tasks/{task['id']}", 200),
            ("GET /tasks/{id}", "GET", "/tasks/{id}", "/tasks/nope", 404),
            ("GET /tasks/{id}", "GET", "/tasks/{id}", f"/tasks/{task['id']}", 200),
            ("GET /tasks", "GET", "/tasks", "/tasks", 200),
        ]
        for s in servers:
            assert s.attributes["url.scheme"] == "http"
            assert s.attributes["client.address"] == "127.0.0.1"
    finally:
        assert api.stop()[0] == 0
        code, err = collector.stop()
        assert code == 0, err
