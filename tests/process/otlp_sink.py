"""An OTLP/HTTP JSON trace receiver owned by a test.

Process tests point a service's exporter at it (OTEL_EXPORTER_OTLP_PROTOCOL=
http/json, OTEL_EXPORTER_OTLP_ENDPOINT=sink.endpoint) and assert on the spans
that arrive. Standard library only, so it runs under Debian's python3.

Requests that are not valid OTLP/JSON (wrong path, Content-Type or encoding,
undecodable body, bad ids) get a 4xx, are listed in `errors`, and store
nothing, so a test can assert that its exporter never sent one.

    sink = OtlpSink().start()      # or the `otlp_sink` pytest fixture
    ... run a process with OTEL_EXPORTER_OTLP_ENDPOINT=sink.endpoint ...
    spans = sink.wait_for_spans(9)
    sink.stop()
"""
import gzip
import http.server
import json
import socket
import threading
import time
from dataclasses import dataclass
from typing import Callable, Optional, Union

from otlp_json import (CLIENT, CONSUMER, INTERNAL, PRODUCER, SERVER, STATUS_ERROR, STATUS_OK,
                       STATUS_UNSET, Event, Link, Span, decode_request)

__all__ = ["OtlpSink", "Request", "Span", "Event", "Link", "INTERNAL", "SERVER", "CLIENT",
           "PRODUCER", "CONSUMER", "STATUS_UNSET", "STATUS_OK", "STATUS_ERROR"]


# --- the HTTP server ------------------------------------------------------------

@dataclass
class Request:
    """What one POST looked like and how the sink answered it."""
    path: str
    headers: dict          # lower-case names
    body_bytes: int        # as received (compressed size when gzip)
    status: int
    span_count: int
    error: Optional[str]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, as exporters expect
    timeout = 10                    # idle keep-alive connections go away
    server: "_Server"

    def setup(self):
        super().setup()
        self.server.sink._track(self.connection, True)

    def finish(self):
        self.server.sink._track(self.connection, False)
        super().finish()

    def log_message(self, *args):  # pytest shows failures; access logs are noise
        pass

    def do_POST(self):
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            body = self._read_body(headers)
        except ValueError as e:
            self.server.sink._record(Request(self.path, headers, 0, 400, 0, str(e)))
            return self._answer(400, {"code": 3, "message": str(e)}, close=True)
        status, payload, spans, error = self.server.sink._handle(self.path, headers, body)
        self.server.sink._record(Request(self.path, headers, len(body), status, len(spans), error))
        self._answer(status, payload)

    def do_GET(self):
        self._answer(405, {"code": 12, "message": "POST OTLP/JSON to /v1/traces"})

    def _read_body(self, headers):
        if "chunked" in headers.get("transfer-encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = headers.get("content-length")
        if length is None or not length.isdigit():
            raise ValueError("Content-Length is missing or malformed")
        return self.rfile.read(int(length))

    def _answer(self, status, payload, close=False):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status == 503 and self.server.sink._retry_after is not None:
            self.send_header("Retry-After", str(self.server.sink._retry_after))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    sink: "OtlpSink"


class OtlpSink:
    """Collects spans POSTed to /v1/traces as OTLP/HTTP JSON.

    Thread-safe: the server runs in its own threads; every accessor returns a
    copy taken under the lock.
    """

    def __init__(self, host="127.0.0.1", port=0):
        self._address = (host, port)
        self._cond = threading.Condition()
        self._spans = []
        self._requests = []
        self._errors = []
        self._fail_status = None
        self._fail_left = None       # None: until heal()
        self._retry_after = None
        self._connections = set()
        self._server = None
        self._thread = None

    # --- lifecycle --------------------------------------------------------------

    def start(self):
        self._server = _Server(self._address, _Handler)
        self._server.sink = self
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stops serving and closes kept-alive connections. Safe twice."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        with self._cond:
            conns = list(self._connections)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(timeout=5)
        self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def endpoint(self):
        """Base URL for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces)."""
        return f"http://127.0.0.1:{self.port}"

    # --- faults -----------------------------------------------------------------

    def fail(self, status=503, count=None, retry_after=None):
        """Answer the next `count` exports (None: all, until heal()) with `status`,
        storing nothing; `retry_after` seconds go into a Retry-After header on 503."""
        with self._cond:
            self._fail_status, self._fail_left, self._retry_after = status, count, retry_after

    def heal(self):
        self.fail(None)

    # --- what arrived -----------------------------------------------------------

    @property
    def spans(self):
        with self._cond:
            return list(self._spans)

    @property
    def requests(self):
        with self._cond:
            return list(self._requests)

    @property
    def errors(self):
        """Why requests were refused with 4xx (empty when every export was valid)."""
        with self._cond:
            return list(self._errors)

    def clear(self):
        with self._cond:
            self._spans.clear()
            self._requests.clear()
            self._errors.clear()

    def spans_by_trace(self):
        """{trace_id: [spans in arrival order]}"""
        out = {}
        for s in self.spans:
            out.setdefault(s.trace_id, []).append(s)
        return out

    def wait_until(self, condition: Callable[[list], bool], timeout=10.0):
        """Waits until condition(all spans so far) holds; returns those spans.
        Raises AssertionError on timeout, listing what did arrive."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not condition(list(self._spans)):
                left = deadline - time.monotonic()
                if left <= 0:
                    names = [f"{s.service_name}:{s.name}" for s in self._spans]
                    raise AssertionError(f"timed out after {timeout}s; {len(names)} spans: "
                                         f"{names}; refused requests: {self._errors}")
                self._cond.wait(left)
            return list(self._spans)

    def wait_for_spans(self, what: Union[int, Callable[[Span], bool]] = 1, timeout=10.0,
                       count=None):
        """`what` is a number of spans, or a predicate over one span; with a
        predicate, waits for `count` (default 1) matching spans. Returns the
        matching spans (all spans for a number)."""
        if callable(what):
            pred, need = what, 1 if count is None else count
        else:
            pred, need = (lambda s: True), what
        spans = self.wait_until(lambda all_: sum(1 for s in all_ if pred(s)) >= need, timeout)
        return [s for s in spans if pred(s)]

    # --- called by the handler threads -------------------------------------------

    def _track(self, conn, opened):
        with self._cond:
            (self._connections.add if opened else self._connections.discard)(conn)

    def _record(self, request):
        with self._cond:
            self._requests.append(request)
            if request.error and 400 <= request.status < 500:
                self._errors.append(request.error)
            self._cond.notify_all()

    def _handle(self, path, headers, body):
        """(status, response payload, spans stored, error) for one POST."""
        if path.split("?")[0] != "/v1/traces":
            return 404, {"code": 5, "message": f"no such path {path}"}, [], f"POST {path}"
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":
            return 415, {"code": 3, "message": "this sink speaks OTLP/JSON only"}, [], \
                f"Content-Type {headers.get('content-type')!r}"
        encoding = headers.get("content-encoding", "identity").strip().lower()
        try:
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding != "identity":
                return 415, {"code": 3, "message": f"unknown encoding {encoding}"}, [], \
                    f"Content-Encoding {encoding!r}"
            spans = decode_request(json.loads(body))
        except (ValueError, KeyError, TypeError, EOFError, OSError) as e:
            return 400, {"code": 3, "message": str(e)}, [], f"bad request: {e}"
        with self._cond:
            if self._fail_status is not None:
                status = self._fail_status
                if self._fail_left is not None:
                    self._fail_left -= 1
                    if self._fail_left <= 0:
                        self._fail_status = None
                return status, {"code": 14, "message": "sink told to fail"}, [], None
            self._spans.extend(spans)
        return 200, {}, spans, None


if __name__ == "__main__":
    # Manual use: `python3 tests/process/otlp_sink.py` prints spans as they come.
    with OtlpSink(port=4318) as sink:
        print(f"listening on {sink.endpoint}", flush=True)
        seen = 0
        while True:
            spans = sink.wait_until(lambda all_: len(all_) > seen, timeout=3600)
            for s in spans[seen:]:
                print(f"{s.service_name} {s.name} kind={s.kind} trace={s.trace_id} "
                      f"span={s.span_id} parent={s.parent_span_id or '-'}", flush=True)
            seen = len(spans)
