"""tracecontext-test-service against a stand-in for the W3C Trace Context
test harness: the harness POSTs /test with [{"url", "arguments"}], the
service POSTs each `arguments` to `url` with the propagated headers, and the
harness checks what arrived."""
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import json
import threading

import pytest

from services import Service, http

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"


class Harness:
    """Records the requests the service forwards to it."""

    def __init__(self):
        self.received = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.received.append(({k.lower(): v for k, v in self.headers.items()},
                                       json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/callback"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def harness():
    h = Harness()
    yield h
    h.close()


@pytest.fixture
def service(bin_dir):
    s = Service(bin_dir, "tracecontext-test-service")
    yield s
    assert s.stop()[0] == 0


def forward(service, harness, headers, arguments=None):
    body = json.dumps([{"url": harness.url, "arguments": arguments or {"n": 1}}])
    status, _, _ = http("POST", service.url + "/test", body,
                        {"Content-Type": "application/json", **headers})
    assert status == 200
    assert len(harness.received) == 1
    return harness.received[0][0]


def parts(traceparent):
    version, trace_id, parent_id, flags = traceparent.split("-")
    assert version == "00" and len(trace_id) == 32 and len(parent_id) == 16
    return trace_id, parent_id, flags


def test_valid_context_is_continued_with_a_new_parent(service, harness):
    got = forward(service, harness, {"traceparent": f"00-{TRACE}-{PARENT}-01",
                                     "tracestate": "foo=1, bar=2"})
    trace_id, parent_id, flags = parts(got["traceparent"])
    assert (trace_id, flags) == (TRACE, "01")
    assert parent_id != PARENT
    assert got["tracestate"] == "foo=1,bar=2"


def test_unsampled_flag_is_propagated(service, harness):
    got = forward(service, harness, {"traceparent": f"00-{TRACE}-{PARENT}-00"})
    assert parts(got["traceparent"])[::2] == (TRACE, "00")


def test_invalid_traceparent_restarts_the_trace_and_drops_tracestate(service, harness):
    got = forward(service, harness, {"traceparent": f"00-{TRACE.upper()}-{PARENT}-01",
                                     "tracestate": "foo=1"})
    assert parts(got["traceparent"])[0] != TRACE
    assert "tracestate" not in got


def test_invalid_tracestate_is_dropped_whole(service, harness):
    got = forward(service, harness, {"traceparent": f"00-{TRACE}-{PARENT}-01",
                                     "tracestate": "foo=1,foo=2"})
    assert parts(got["traceparent"])[0] == TRACE
    assert "tracestate" not in got


def test_future_version_is_read_and_forwarded_as_version_00(service, harness):
    got = forward(service, harness,
                  {"traceparent": f"cc-{TRACE}-{PARENT}-01-what-the-future-will-be-like"})
    assert parts(got["traceparent"])[::2] == (TRACE, "01")


def test_version_ff_is_invalid(service, harness):
    got = forward(service, harness, {"traceparent": f"ff-{TRACE}-{PARENT}-01"})
    assert parts(got["traceparent"])[0] != TRACE


def test_arguments_are_forwarded_in_order_to_each_url(service, harness):
    body = json.dumps([{"url": harness.url, "arguments": {"n": i}} for i in range(3)])
    status, _, _ = http("POST", service.url + "/test", body, {"Content-Type": "application/json"})
    assert status == 200
    assert [b for _, b in harness.received] == [{"n": 0}, {"n": 1}, {"n": 2}]
    # No incoming context: one new trace shared by the three calls.
    assert len({parts(h["traceparent"])[0] for h, _ in harness.received}) == 1


@pytest.mark.parametrize("body", ['{"url": "x"}', '[{"arguments": {}}]', '[1]', 'nope'])
def test_bad_bodies_get_a_json_error(service, harness, body):
    status, error, _ = http("POST", service.url + "/test", body,
                            {"Content-Type": "application/json"})
    assert status == 400 and set(error) == {"error", "message"}
    assert harness.received == []
