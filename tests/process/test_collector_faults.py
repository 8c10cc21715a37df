"""spanline-collector under faults, as real processes with an OtlpSink (or
nothing at all) downstream: the exporter retries with backoff while the
destination is down and delivers when it is back; past max_elapsed_time, or
with the sending queue full, it drops and counts, and memory stays bounded;
the memory_limiter refuses a flood with 503 + Retry-After before the process
passes its limit; SIGTERM flushes what the batch processor holds.

No assertion is about speed: waits poll with generous timeouts, and the one
rate bound (the number of retries) is derived from the time that actually
passed.
"""
import http.client as http_client
import itertools
import json
import os
import threading
import time
from dataclasses import dataclass

import pytest

from collector_proc import Collector, metric
from otlp_sink import OtlpSink
from services import free_port, http

MIB = 1024 * 1024

SENT = "otelcol_exporter_sent_spans"
FAILED = "otelcol_exporter_send_failed_spans"
QUEUE = "otelcol_exporter_queue_size"
ACCEPTED = "otelcol_receiver_accepted_spans"
REFUSED = "otelcol_receiver_refused_spans"
LIMITER_REFUSED = "otelcol_processor_refused_spans"


# --- config --------------------------------------------------------------------

def flow(value):
    """A YAML flow value: dicts as {k: v}, strings quoted (durations and URLs
    are strings to the collector), ints and booleans plain."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)


@dataclass
class Ports:
    http: int
    health: int
    metrics: int

    @staticmethod
    def free():
        return Ports(free_port(), free_port(), free_port())

    @property
    def traces_url(self):
        return f"http://127.0.0.1:{self.http}/v1/traces"


def pipeline_yaml(ports, processors, exporter):
    """otlp (HTTP) → `processors` ({id: settings}, in order) → otlphttp (`exporter`
    settings), with health_check and /metrics on `ports`."""
    procs = "\n".join(f"  {name}: {flow(settings)}" for name, settings in processors.items())
    return f"""
extensions:
  health_check: {{endpoint: "127.0.0.1:{ports.health}"}}
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{ports.http}"}}
processors:
{procs}
exporters:
  otlphttp: {flow(exporter)}
service:
  extensions: [health_check]
  telemetry:
    metrics: {{address: "127.0.0.1:{ports.metrics}"}}
  pipelines:
    traces:
      receivers: [otlp]
      processors: [{", ".join(processors)}]
      exporters: [otlphttp]
"""


def start_collector(bin_dir, tmp_path, name, ports, processors, exporter, args=()):
    return Collector(bin_dir, tmp_path, name, pipeline_yaml(ports, processors, exporter),
                     ports.health, ports.metrics, args=args)


# --- requests ------------------------------------------------------------------

_span_ids = itertools.count(1)


def new_span_ids(n):
    return [f"{next(_span_ids):016x}" for _ in range(n)]


def spans_body(span_ids, pad=0):
    """An OTLP/JSON ExportTraceServiceRequest with one span per id (one fresh
    trace), each carrying a `pad`-byte string attribute."""
    trace_id = os.urandom(16).hex()
    attrs = [{"key": "pad", "value": {"stringValue": "x" * pad}}] if pad else []
    spans = [{"traceId": trace_id, "spanId": sid, "name": "fault-test", "kind": 1,
              "startTimeUnixNano": "1700000000000000000",
              "endTimeUnixNano": "1700000000001000000", "attributes": attrs}
             for sid in span_ids]
    return json.dumps({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name",
                                     "value": {"stringValue": "fault-test"}}]},
        "scopeSpans": [{"scope": {"name": "fault-test"}, "spans": spans}]}]}).encode()


def post(ports, body):
    return http("POST", ports.traces_url, body, {"Content-Type": "application/json"}, timeout=30)


def send_spans(ports, requests, per_request, pad=0):
    """Sends `requests` requests of `per_request` new spans; each must be taken
    (200). Returns the span ids."""
    ids = []
    for _ in range(requests):
        batch = new_span_ids(per_request)
        status, payload, _ = post(ports, spans_body(batch, pad))
        assert status == 200, (status, payload)
        ids += batch
    return ids


def wait_for(condition, what, timeout=30.0, interval=0.05):
    """Polls condition() until it returns something truthy; returns it."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last!r}")


def wait_metrics(collector, condition, what, timeout=30.0):
    """Polls /metrics until condition(samples) holds; returns those samples.
    On timeout the error shows the last samples."""
    last = {}

    def check():
        last["m"] = collector.metrics()
        return last["m"] if condition(last["m"]) else None
    try:
        return wait_for(check, what, timeout)
    except AssertionError as e:
        shown = {name: v for (name, _), v in last.get("m", {}).items()}
        raise AssertionError(f"{e}; metrics: {shown}") from None


class Sampler:
    """Samples a function every `interval` seconds in a thread until stopped;
    keeps every value that was not None."""

    def __init__(self, read, interval):
        self.values = []
        self._read, self._interval = read, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                v = self._read()
            except OSError:
                v = None
            if v is not None:
                self.values.append(v)
            self._stop.wait(self._interval)

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=10)
        return self.values


@pytest.fixture
def cleanup():
    """Collectors and sinks a test started; killed / stopped even when it fails."""
    things = []
    yield things
    for t in reversed(things):
        if isinstance(t, Collector):
            t.kill()
        else:
            t.stop()


# --- 1. downstream down, then back --------------------------------------------

@pytest.mark.parametrize("down", ["refused", "503"])
def test_downstream_down_is_retried_with_backoff_and_delivered_when_back(
        bin_dir, tmp_path, cleanup, down):
    # "refused": nothing listens on the sink's port until it starts;
    # "503": the sink answers every export 503 (no Retry-After) until healed.
    sink_port = free_port()
    sink = OtlpSink(port=sink_port)
    cleanup.append(sink)
    if down == "503":
        sink.start()
        sink.fail(503)
    ports = Ports.free()
    collector = start_collector(
        bin_dir, tmp_path, "collector", ports,
        {"batch": {"timeout": "20ms", "send_batch_size": 50, "send_batch_max_size": 50}},
        {"endpoint": f"http://127.0.0.1:{sink_port}", "encoding": "json",
         "sending_queue": {"num_consumers": 1, "queue_size": 100},
         "retry_on_failure": {"initial_interval": "100ms", "max_interval": "500ms",
                              "max_elapsed_time": "120s"}})
    cleanup.append(collector)

    started = time.monotonic()
    ids = send_spans(ports, requests=10, per_request=20)
    # The one consumer is stuck retrying a batch; the others wait in the queue.
    wait_metrics(collector, lambda m: metric(m, ACCEPTED) == len(ids) and metric(m, QUEUE) >= 1,
                 "every span accepted and batches queued")
    if down == "503":
        wait_for(lambda: len(sink.requests) >= 4, "four refused export attempts")
        # Backoff, not a hot loop: every delay is at least initial_interval ×
        # (1 − randomization_factor) = 50 ms, so one consumer makes at most
        # elapsed / 50 ms + 1 attempts.
        attempts = len(sink.requests)
        elapsed = time.monotonic() - started
        print(f"503 downstream: {attempts} attempts in {elapsed:.2f}s")
        assert attempts <= elapsed / 0.05 + 1, (attempts, elapsed)
        assert all(r.status == 503 for r in sink.requests)
    m = collector.metrics()
    assert metric(m, SENT) == 0
    assert metric(m, FAILED) == 0  # within max_elapsed_time nothing is dropped
    assert sink.spans == []

    if down == "503":
        sink.heal()
    else:
        sink.start()
    sink.wait_for_spans(len(ids), timeout=30)
    m = wait_metrics(collector, lambda m: metric(m, SENT) == len(ids) and metric(m, QUEUE) == 0,
                     "every span counted as sent and the queue empty")
    assert metric(m, FAILED) == 0
    assert sorted(s.span_id for s in sink.spans) == sorted(ids)  # each exactly once
    assert sink.errors == []
    code, err = collector.stop()
    assert code == 0, err


# --- 2. down past max_elapsed_time; a full queue -----------------------------

def test_downstream_down_past_max_elapsed_time_drops_and_counts(bin_dir, tmp_path, cleanup):
    sink_port = free_port()  # nothing listens here yet
    ports = Ports.free()
    collector = start_collector(
        bin_dir, tmp_path, "collector", ports,
        {"batch": {"timeout": "20ms", "send_batch_size": 50, "send_batch_max_size": 50}},
        {"endpoint": f"http://127.0.0.1:{sink_port}", "encoding": "json",
         "sending_queue": {"num_consumers": 2, "queue_size": 100},
         "retry_on_failure": {"initial_interval": "100ms", "max_interval": "500ms",
                              "max_elapsed_time": "1s"}})
    cleanup.append(collector)

    lost = send_spans(ports, requests=5, per_request=20)
    m = wait_metrics(collector, lambda m: metric(m, FAILED) == len(lost),
                     f"{len(lost)} spans counted as failed")
    assert metric(m, SENT) == 0
    assert metric(m, QUEUE) == 0
    assert "exporting failed, spans dropped" in collector.stderr()

    # Back: new spans flow; the dropped ones are gone for good.
    sink = OtlpSink(port=sink_port).start()
    cleanup.append(sink)
    fresh = send_spans(ports, requests=1, per_request=20)
    sink.wait_for_spans(len(fresh), timeout=30)
    m = wait_metrics(collector, lambda m: metric(m, SENT) == len(fresh), "fresh spans sent")
    assert metric(m, FAILED) == len(lost)
    assert sorted(s.span_id for s in sink.spans) == sorted(fresh)
    code, err = collector.stop()
    assert code == 0, err


def test_full_sending_queue_drops_and_memory_stays_bounded(bin_dir, tmp_path, cleanup):
    queue_size, batch = 4, 64
    rounds, requests, per_request, pad = 3, 48, 128, 8 * 1024  # 3 × 48 requests of ~1 MiB
    sink_port = free_port()  # nothing listens: the consumer retries its batch forever
    ports = Ports.free()
    collector = start_collector(
        bin_dir, tmp_path, "collector", ports,
        {"batch": {"timeout": "20ms", "send_batch_size": batch, "send_batch_max_size": batch}},
        {"endpoint": f"http://127.0.0.1:{sink_port}", "compression": "none",
         "sending_queue": {"num_consumers": 1, "queue_size": queue_size},
         "retry_on_failure": {"initial_interval": "100ms", "max_interval": "500ms",
                              "max_elapsed_time": "0"}},
        args=["--shutdown-timeout", "1"])
    cleanup.append(collector)

    # Warm up first (thread stacks, arenas, the first batch in flight), so
    # that the baseline is a running collector's, not an idle one's.
    send_spans(ports, requests=2, per_request=per_request, pad=pad)
    wait_metrics(collector, lambda m: metric(m, QUEUE) >= 1, "a batch queued")
    rss_before = collector.status_kib("VmRSS")
    queue = Sampler(lambda: metric(collector.metrics(), QUEUE), 0.02)
    rss = Sampler(lambda: collector.status_kib("VmRSS"), 0.02)
    peaks, round_bytes = [], 0  # peak RSS (KiB) after each round
    try:
        for _ in range(rounds):
            round_bytes = 0
            for _ in range(requests):
                body = spans_body(new_span_ids(per_request), pad)
                status, payload, _ = post(ports, body)
                assert status == 200, (status, payload)  # the batch processor took them
                round_bytes += len(body)
            peaks.append(max(rss.values + [collector.status_kib("VmHWM")]))
        total = (rounds * requests + 2) * per_request
        # Every span is either dropped (counted) or held: in the queue or the
        # one batch the consumer is retrying, each at most send_batch_max_size
        # spans. Nothing is kept anywhere else.
        m = wait_metrics(
            collector,
            lambda m: metric(m, FAILED) >= total - batch * (metric(m, QUEUE) + 1),
            "every span dropped or held by the queue")
    finally:
        queue_sizes = queue.stop()
        rss.stop()
    assert metric(m, ACCEPTED) == total
    assert metric(m, SENT) == 0
    assert total - batch * (queue_size + 1) <= metric(m, FAILED) < total
    assert max(queue_sizes) <= queue_size, queue_sizes
    # What is retained is at most queue_size + 1 batches of ~0.5 MiB; keeping
    # the data would grow RSS by about what was sent. On top come transient
    # buffers (bodies being read and decoded, encoded batches) and allocator
    # slack, a roughly fixed ~15 MiB whatever the volume, hence two ratios:
    # over everything sent, and for the last round alone, where that fixed
    # part is already paid.
    sent_bytes = rounds * round_bytes
    growth = (peaks[-1] - rss_before) * 1024
    last_round = (peaks[-1] - peaks[-2]) * 1024
    print(f"queue full: sent {sent_bytes / MIB:.1f} MiB, RSS {rss_before / 1024:.1f} MiB → "
          f"peaks {[round(p / 1024, 1) for p in peaks]} MiB (growth {growth / sent_bytes:.1%} "
          f"of sent, last round {last_round / round_bytes:.1%}), max queue "
          f"{max(queue_sizes):.0f}, failed {metric(m, FAILED):.0f}/{total}")
    assert growth < sent_bytes / 4, (rss_before, peaks, sent_bytes)
    assert last_round < round_bytes / 4, (peaks, round_bytes)
    code, err = collector.stop()
    assert code == 0, err


# --- 3. memory_limiter under a flood -------------------------------------------

def test_memory_limiter_refuses_a_flood_with_503_and_stays_under_its_limit(
        bin_dir, tmp_path, cleanup):
    limit_mib, spike_mib = 160, 60  # soft limit 100 MiB; idle RSS is ~15 MiB
    clients, per_request, pad = 4, 64, 32 * 1024  # ~2 MiB of JSON per request
    # spike_limit_mib is, as in the Collector, the most the process may grow
    # between two checks; the limiter cannot stop what arrives before it
    # next looks. Unpaced, 4 clients on loopback push ~1 GB/s and grow RSS
    # by ~60 MiB in one 50 ms check_interval. So each client waits `pace`
    # after each request: at most 4 × 2 MiB per 25 ms, 16 MiB of payload per
    # check_interval (~30 MiB of RSS: the queued protobuf plus allocator
    # slack), on any machine — half the spike limit.
    pace = 0.025
    sink_port = free_port()  # nothing listens: batches pile up in the sending queue
    ports = Ports.free()
    collector = start_collector(
        bin_dir, tmp_path, "collector", ports,
        {"memory_limiter": {"check_interval": "50ms", "limit_mib": limit_mib,
                            "spike_limit_mib": spike_mib},
         "batch": {"timeout": "50ms", "send_batch_size": 256, "send_batch_max_size": 256}},
        {"endpoint": f"http://127.0.0.1:{sink_port}", "compression": "none",
         "sending_queue": {"num_consumers": 1, "queue_size": 100000},
         "retry_on_failure": {"initial_interval": "10s", "max_interval": "30s",
                              "max_elapsed_time": "0"}},
        args=["--shutdown-timeout", "1"])
    cleanup.append(collector)
    idle_kib = collector.status_kib("VmRSS")
    assert idle_kib < (limit_mib - spike_mib) * 1024 / 2, "the limit must leave room to fill"

    body = spans_body(new_span_ids(per_request), pad)
    results, errors = [], []  # (status, headers, payload); client exceptions
    lock = threading.Lock()
    stop = threading.Event()

    def client():
        conn = http_client.HTTPConnection("127.0.0.1", ports.http, timeout=30)
        try:
            while not stop.is_set():
                conn.request("POST", "/v1/traces", body, {"Content-Type": "application/json"})
                r = conn.getresponse()
                payload = r.read()
                with lock:
                    results.append((r.status, dict(r.getheaders()), payload))
                time.sleep(pace)  # not Retry-After: a flood doesn't wait that long
        except (OSError, http_client.HTTPException) as e:
            with lock:
                errors.append(repr(e))
        finally:
            conn.close()

    def refused():
        with lock:
            return sum(1 for s, _, _ in results if s == 503)

    # The limiter samples RSS every check_interval, and a request already
    # past it when it starts refusing still lands (4 clients × ~2 MiB, each
    # decoded, batched and re-encoded: several times its size at its peak).
    # 10% over limit_mib covers that. A limiter that never refused, or
    # refused too late, passes the limit by far more: the queue is unbounded.
    tolerance_kib = limit_mib * 1024 * 1.10
    rss = Sampler(lambda: collector.status_kib("VmRSS"), 0.01)
    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    try:
        # Until the limiter has been refusing for a while (~1 s); stops at
        # once when RSS passes the bound, so a broken limiter fails fast
        # instead of eating the machine's memory.
        wait_for(lambda: refused() >= 100 or errors or
                 (rss.values and rss.values[-1] > tolerance_kib),
                 "100 refusals (503)", timeout=30)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
        samples = rss.stop()
    hwm = collector.status_kib("VmHWM")
    m = collector.metrics()

    assert errors == []  # the collector answered every request, none reset
    statuses = [s for s, _, _ in results]
    assert set(statuses) <= {200, 503}, statuses
    taken, refusals = statuses.count(200), statuses.count(503)
    print(f"memory_limiter: {taken} requests taken, {refusals} refused (503); idle RSS "
          f"{idle_kib / 1024:.1f} MiB, sampled max {max(samples) / 1024:.1f} MiB, VmHWM "
          f"{hwm / 1024:.1f} MiB; limit {limit_mib} MiB, soft {limit_mib - spike_mib} MiB")
    assert refusals > 0
    for status, headers, payload in results:
        if status != 503:
            continue
        assert int(headers["Retry-After"]) >= 1, headers
        assert headers["Content-Type"].startswith("application/json"), headers
        error = json.loads(payload)  # a google.rpc.Status in the request's encoding
        assert error["code"] == 14, error  # UNAVAILABLE
        assert "memory" in error["message"], error
    assert metric(m, REFUSED) == refusals * per_request
    assert metric(m, LIMITER_REFUSED, processor="memory_limiter") == refusals * per_request
    assert metric(m, ACCEPTED) == taken * per_request
    assert max(samples) <= tolerance_kib, max(samples)
    assert hwm <= tolerance_kib, hwm
    assert http("GET", collector.health, timeout=10)[0] == 200  # alive and serving
    code, err = collector.stop()
    assert code == 0, err


# --- 4. SIGTERM drains ----------------------------------------------------------

def test_sigterm_flushes_the_batch_and_retries_before_exit(bin_dir, tmp_path, cleanup):
    sink = OtlpSink().start()
    cleanup.append(sink)
    sink.fail(503, count=2)  # the flush at shutdown needs two retries
    ports = Ports.free()
    collector = start_collector(
        bin_dir, tmp_path, "collector", ports,
        # Far longer than the test: only shutdown can send this batch.
        {"batch": {"timeout": "60s", "send_batch_size": 100000}},
        {"endpoint": sink.endpoint, "encoding": "json",
         "retry_on_failure": {"initial_interval": "100ms", "max_interval": "500ms",
                              "max_elapsed_time": "30s"}})
    cleanup.append(collector)

    ids = send_spans(ports, requests=5, per_request=40)
    m = collector.metrics()
    assert metric(m, ACCEPTED) == len(ids)
    assert metric(m, SENT) == 0
    assert sink.requests == []  # the batch processor holds them all

    code, err = collector.stop()
    assert code == 0, err
    assert "collector stopped" in err
    assert sorted(s.span_id for s in sink.spans) == sorted(ids)  # each exactly once
    assert [r.status for r in sink.requests] == [503, 503, 200]
