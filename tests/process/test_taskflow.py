"""Taskflow as real processes: task-api → task-worker, traced by the HTTP layer
alone, exported over OTLP/JSON to a sink the test owns."""
import concurrent.futures
import os
import re
import signal
import socket
import subprocess
import time

import pytest

from otlp_json import CLIENT, SERVER, STATUS_ERROR
from services import Service, free_port, http

JSON = {"Content-Type": "application/json"}
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"


@pytest.fixture
def taskflow(bin_dir, otlp_sink):
    worker = Service(bin_dir, "task-worker", otlp_sink)
    api = Service(bin_dir, "task-api", otlp_sink, env={"WORKER_URL": worker.url,
                                                       "WORKER_TIMEOUT_MS": "2000"})
    yield api, worker
    for s in (api, worker):
        if s.proc.poll() is None:
            s.stop()


def trace_of(sink, trace_id, count=3):
    return sink.wait_for_spans(lambda s: s.trace_id == trace_id, count=count)


def one(spans, service, name):
    found = [s for s in spans if s.service_name == service and s.name == name]
    assert len(found) == 1, [(s.service_name, s.name) for s in spans]
    return found[0]


def test_post_task_is_one_trace_across_both_services(taskflow, otlp_sink):
    api, worker = taskflow
    status, task, headers = http("POST", api.url + "/tasks", '{"text": "urgent: fix the login bug"}',
                                 JSON)
    assert status == 201
    assert task["enrichment_status"] == "completed"
    assert task["enrichment"]["priority"] == "high"
    trace_id = headers["traceresponse"].split("-")[1]
    spans = trace_of(otlp_sink, trace_id)
    server = one(spans, "task-api", "POST /tasks")
    client = one(spans, "task-api", "POST")
    remote = one(spans, "task-worker", "POST /enrich")
    assert server.kind == SERVER and server.parent_span_id is None
    assert client.kind == CLIENT and client.parent_span_id == server.span_id
    assert remote.kind == SERVER and remote.parent_span_id == client.span_id
    assert server.attributes["http.route"] == "/tasks"
    assert server.attributes["http.response.status_code"] == 201
    assert server.attributes["http.request.method"] == "POST"
    assert client.attributes["url.full"] == worker.url + "/enrich"
    assert client.attributes["http.response.status_code"] == 200
    assert client.attributes["server.port"] == worker.port
    assert remote.attributes["http.route"] == "/enrich"


def test_incoming_traceparent_and_tracestate_are_continued(taskflow, otlp_sink):
    api, _ = taskflow
    status, _, _ = http("POST", api.url + "/tasks", '{"text": "hello"}',
                        {**JSON, "traceparent": f"00-{TRACE}-{PARENT}-01",
                         "tracestate": "vendor=abc,other=1"})
    assert status == 201
    spans = trace_of(otlp_sink, TRACE)
    server = one(spans, "task-api", "POST /tasks")
    assert server.parent_span_id == PARENT
    assert server.trace_state == "vendor=abc,other=1"
    assert one(spans, "task-worker", "POST /enrich").trace_state == "vendor=abc,other=1"


def test_malformed_traceparent_starts_a_new_trace(taskflow, otlp_sink):
    api, _ = taskflow
    status, _, headers = http("POST", api.url + "/tasks", '{"text": "hello"}',
                              {**JSON, "traceparent": f"00-{TRACE.upper()}-{PARENT}-01"})
    assert status == 201
    trace_id = headers["traceresponse"].split("-")[1]
    assert trace_id != TRACE
    server = one(trace_of(otlp_sink, trace_id), "task-api", "POST /tasks")
    assert server.parent_span_id is None


def test_worker_down_still_stores_the_task_and_marks_the_failure(taskflow, otlp_sink):
    api, worker = taskflow
    code, _, _ = worker.stop()
    assert code == 0
    status, task, headers = http("POST", api.url + "/tasks", '{"text": "keep me"}', JSON)
    assert status == 201
    assert task["enrichment_status"] == "failed"
    assert "unreachable" in task["enrichment_error"]
    status, listing, _ = http("GET", api.url + "/tasks")
    assert [t["id"] for t in listing["tasks"]] == [task["id"]]
    trace_id = headers["traceresponse"].split("-")[1]
    spans = trace_of(otlp_sink, trace_id, count=2)
    client = one(spans, "task-api", "POST")
    assert client.status_code == STATUS_ERROR
    assert "error.type" in client.attributes


BAD_INPUTS = [
    ('{"text": "x"}', {"Content-Type": "text/plain"}, 415),
    ('{"text": "x"}', {}, 415),
    ('{"text": ', JSON, 400),
    ('["text"]', JSON, 400),
    ('{}', JSON, 400),
    ('{"text": ""}', JSON, 400),
    ('{"text": "   "}', JSON, 400),
    ('{"text": 42}', JSON, 400),
    ('{"text": null}', JSON, 400),
    ('{"text": "' + "a" * 5000 + '"}', JSON, 400),
    (b'{"text": "\xff\xfe"}', JSON, 400),
]


@pytest.mark.parametrize("body,headers,want", BAD_INPUTS)
def test_bad_input_gets_a_json_error_and_stores_nothing(taskflow, body, headers, want):
    api, _ = taskflow
    status, error, _ = http("POST", api.url + "/tasks", body, headers)
    assert status == want
    assert set(error) == {"error", "message"} and error["message"]
    assert http("GET", api.url + "/tasks")[1]["tasks"] == []


def test_oversize_body_is_413_and_stores_nothing(taskflow):
    api, _ = taskflow
    status, error, _ = http("POST", api.url + "/tasks", '{"text": "' + "a" * (2 << 20) + '"}',
                            JSON)
    assert status == 413 and "error" in error
    assert http("GET", api.url + "/tasks")[1]["tasks"] == []


def test_get_task_by_id_list_paging_and_unknown_id(taskflow):
    api, _ = taskflow
    ids = [http("POST", api.url + "/tasks", f'{{"text": "task {i}"}}', JSON)[1]["id"]
           for i in range(3)]
    assert http("GET", f"{api.url}/tasks/{ids[1]}")[1]["text"] == "task 1"
    page = http("GET", api.url + "/tasks?limit=1&offset=1")[1]
    assert [t["id"] for t in page["tasks"]] == [ids[1]] and page["total"] == 3
    assert http("GET", api.url + "/tasks?limit=-1")[0] == 400
    status, error, _ = http("GET", api.url + "/tasks/does-not-exist")
    assert status == 404 and error["error"] == "not_found"
    status, _, headers = http("DELETE", api.url + "/tasks")
    assert status == 405 and "POST" in headers["Allow"]


def test_sigterm_lets_in_flight_requests_finish_and_flushes(bin_dir, otlp_sink):
    worker = Service(bin_dir, "task-worker", otlp_sink, env={"WORKER_LATENCY_MS": "1500",
                                                             "OTEL_BSP_SCHEDULE_DELAY": "60000"})
    api = Service(bin_dir, "task-api", otlp_sink, env={"WORKER_URL": worker.url,
                                                       "OTEL_BSP_SCHEDULE_DELAY": "60000"})
    try:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(http, "POST", api.url + "/tasks", f'{{"text": "t{i}"}}', JSON)
                       for i in range(4)]
            # Give the four requests time to reach task-worker, where each
            # then waits 1.5 s: the signals arrive with all of them in flight.
            time.sleep(0.5)
            worker.proc.send_signal(15)
            api.proc.send_signal(15)
            results = [f.result(timeout=30) for f in futures]
        assert [r[0] for r in results] == [201] * 4
        assert all(r[1]["enrichment_status"] == "completed" for r in results)
        assert api.stop()[0] == 0 and worker.stop()[0] == 0
        # Nothing was exported before SIGTERM (60 s schedule delay): the
        # shutdown flush delivered all 12 spans.
        otlp_sink.wait_for_spans(12)
    finally:
        for s in (api, worker):
            if s.proc.poll() is None:
                s.proc.kill()


def test_log_lines_carry_trace_and_span_ids(taskflow):
    api, _ = taskflow
    _, task, headers = http("POST", api.url + "/tasks", '{"text": "log me"}', JSON)
    trace_id = headers["traceresponse"].split("-")[1]
    _, _, err = api.stop()
    lines = [l for l in err.splitlines() if '"task created"' in l]
    assert len(lines) == 1
    assert f'"trace_id":"{trace_id}"' in lines[0]
    assert re.search(r'"span_id":"[0-9a-f]{16}"', lines[0])
    assert task["id"] in lines[0]


def test_service_code_holds_no_tracing_code():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run(["grep", "-rnEi", r"\b(tracer|span|start_span|otel)\b",
                          os.path.join(root, "services", "taskflow"), "--include=*.cpp",
                          "--include=*.h"], capture_output=True, text=True)
    assert out.stdout == "", out.stdout


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UP_PORTS = ("TASK_API_PORT", "TASK_WORKER_PORT", "TRACEVIEW_HTTP_PORT", "TRACEVIEW_OTLP_GRPC_PORT",
            "TRACEVIEW_OTLP_HTTP_PORT", "CENTRAL_OTLP_GRPC_PORT", "CENTRAL_OTLP_HTTP_PORT",
            "CENTRAL_HEALTH_PORT", "CENTRAL_METRICS_PORT")


def start_up_script(bin_dir, ports):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update({k: str(v) for k, v in ports.items()})
    env["OTEL_BSP_SCHEDULE_DELAY"] = "50"
    return subprocess.Popen([os.path.join(ROOT, "scripts", "up.sh"), os.path.dirname(bin_dir)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def interrupt_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGINT)
    except ProcessLookupError:  # already gone: the assertions say why
        pass


def test_up_script_runs_taskflow_until_interrupted(bin_dir):
    """`make up` runs scripts/up.sh: traceview, the central collector and both
    services come up; a task's trace reaches traceview through the collector
    (with its resource tags and the debug exporter's line); Ctrl-C (SIGINT)
    stops everything gracefully."""
    ports = {name: free_port() for name in UP_PORTS}
    api = f"http://127.0.0.1:{ports['TASK_API_PORT']}"
    traceview = f"http://127.0.0.1:{ports['TRACEVIEW_HTTP_PORT']}"
    proc = start_up_script(bin_dir, ports)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if http("GET", f"{api}/health", timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "task-api did not come up"
            time.sleep(0.1)
        status, task, headers = http("POST", f"{api}/tasks", '{"text": "from make up"}', JSON)
        assert status == 201 and task["enrichment_status"] == "completed"
        trace_id = headers["traceresponse"].split("-")[1]
        deadline = time.monotonic() + 15
        while True:
            status, body, _ = http("GET", f"{traceview}/api/traces/{trace_id}")
            if status == 200 and len(body["data"][0]["spans"]) == 3:
                break
            assert time.monotonic() < deadline, f"the trace did not reach traceview: {body}"
            time.sleep(0.2)
        trace = body["data"][0]
        services = sorted(trace["processes"][s["processID"]]["serviceName"]
                          for s in trace["spans"])
        assert services == ["task-api", "task-api", "task-worker"]
        for process in trace["processes"].values():
            tags = {t["key"]: t["value"] for t in process["tags"]}
            assert tags["collector.type"] == "central"
    finally:
        interrupt_group(proc)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Ctrl-C to stop" in err and "traceview" in err
    assert re.search(r"^Traces \{", err, re.M), err  # the collector's debug exporter
    assert '"traceview stopped"' in err


def test_up_script_fails_and_stops_the_rest_when_a_part_cannot_start(bin_dir):
    """With task-api's port already taken, up.sh says which part did not come
    up, stops the parts it started (each gracefully) and exits non-zero."""
    ports = {name: free_port() for name in UP_PORTS}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", ports["TASK_API_PORT"]))
        taken.listen(1)
        proc = start_up_script(bin_dir, ports)
        try:
            out, err = proc.communicate(timeout=60)
        finally:
            interrupt_group(proc)
    assert proc.returncode == 1, err
    assert "task-api did not come up" in err, err
    assert '"server failed to start"' in err and "Address already in use" in err, err
    assert '"traceview stopped"' in err and '"collector stopped"' in err, err
    with socket.socket() as s:  # traceview is gone: its port is free again
        s.bind(("127.0.0.1", ports["TRACEVIEW_HTTP_PORT"]))
