#!/usr/bin/env python3
"""Runs every spanline benchmark and writes build/bench/results.json.

Each figure is {"name", "value", "unit"}; the table printed at the end is the
same data. Figures are measured, never asserted: the bars they are compared
with live in the issues and the closing notes.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time


def cores():
    return sorted(os.sched_getaffinity(0))


def pin(core):
    """taskset prefix pinning a command to one core (none if unavailable)."""
    return ["taskset", "-c", str(core)] if core is not None else []


def run_gbench(binary, core):
    out = subprocess.run(pin(core) + [binary, "--benchmark_format=json"],
                         check=True, capture_output=True, text=True).stdout
    return {b["name"].split("/")[0]: b for b in json.loads(out)["benchmarks"]}


def ns(b):
    unit = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]]
    return b["real_time"] * unit


def sdk_micro(build, figures, sdk_core, _other):
    b = run_gbench(os.path.join(build, "bin", "sdk_bench"), sdk_core)
    figures += [
        ("sdk.spec_recorded_spans_per_s", b["BM_SpecRecordedSpan"]["items_per_second"], "spans/s"),
        ("sdk.span_min_ns", ns(b["BM_SpanMinimal"]), "ns"),
        ("sdk.http_server_span_encoded_ns", ns(b["BM_HttpServerSpanEncoded"]), "ns"),
        ("sdk.http_server_span_connection_set_ns", ns(b["BM_HttpServerSpanConnectionSet"]), "ns"),
        ("sdk.span_unsampled_ns", ns(b["BM_SpanUnsampled"]), "ns"),
        ("sdk.span_disabled_ns", ns(b["BM_SpanDisabledSdk"]), "ns"),
        ("sdk.traceparent_roundtrip_ns", ns(b["BM_TraceparentRoundTrip"]), "ns"),
        ("sdk.traceparent_only_roundtrip_ns", ns(b["BM_TraceparentOnlyRoundTrip"]), "ns"),
        ("sdk.traceparent_roundtrip_map_carrier_ns", ns(b["BM_TraceparentRoundTripMapCarrier"]),
         "ns"),
    ]


def sdk_export(build, figures, sdk_core, other_core):
    sink = subprocess.Popen(pin(other_core) + [os.path.join(build, "bin", "ack_server"), "otlp"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = int(sink.stdout.readline())
        out = subprocess.run(
            pin(sdk_core) + [os.path.join(build, "bin", "sdk_export_bench"), "--endpoint",
                             f"http://127.0.0.1:{port}/v1/traces", "--spans", "2000000"],
            check=True, capture_output=True, text=True, timeout=600).stdout
        r = json.loads(out.strip().splitlines()[-1])
        figures.append(("sdk.spec_exported_spans_per_s", r["exported_spans_per_s"], "spans/s"))
        figures.append(("sdk.spec_exported_dropped", r["dropped"] + r["failed"], "spans"))
    finally:
        sink.terminate()
        sink.wait(timeout=10)


def sdk_queue_full(build, figures, sdk_core, _other):
    out = subprocess.run(
        pin(sdk_core) + [os.path.join(build, "bin", "sdk_export_bench"), "--dead", "--seconds",
                         "10"], check=True, capture_output=True, text=True, timeout=120).stdout
    r = json.loads(out.strip().splitlines()[-1])
    figures.append(("sdk.queue_full_rss_half_mib", r["rss_half_mib"], "MiB"))
    figures.append(("sdk.queue_full_rss_mib", r["rss_mib"], "MiB"))
    figures.append(("sdk.queue_full_spans_dropped", r["dropped"] + r["failed"], "spans"))


class Process:
    """A server process pinned to a core, started on a free port."""

    def __init__(self, argv, core, env=None, port_from_stdout=False):
        full_env = dict(os.environ)
        full_env.update(env or {})
        if not port_from_stdout:
            self.port = free_port()
            full_env["PORT"] = str(self.port)
        self.proc = subprocess.Popen(pin(core) + argv, env=full_env, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        if port_from_stdout:
            self.port = int(self.proc.stdout.readline())
        wait_port(self.port)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=15):
    import socket
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def wrk(core, url, script, seconds=5, connections=64):
    wrk_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wrk")
    env = dict(os.environ, SPANLINE_WRK_DIR=wrk_dir)
    # A short warm-up fills connection pools and caches, then the measured run.
    subprocess.run(pin(core) + ["wrk", "-t1", f"-c{connections}", "-d1s", "-s",
                                os.path.join(wrk_dir, script), url],
                   check=True, capture_output=True, env=env)
    out = subprocess.run(pin(core) + ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s",
                                      os.path.join(wrk_dir, script), url],
                         check=True, capture_output=True, text=True, env=env).stdout
    r = json.loads(out.strip().splitlines()[-1])
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    return r


def http_services(build, figures, server_core, load_core, rounds=9, seconds=4):
    """Servers on one core, wrk (and the OTLP sink) on the other. The ceiling,
    the traced and the untraced worker are measured in turn, `rounds` times
    for `seconds` each, and each rate is the median of its rounds: on a
    shared machine the alternation keeps slow phases from landing on one side
    of a ratio. The traced/untraced ratio is the median of the rounds' own
    ratios (each traced run against the untraced run beside it), with the
    lowest and highest printed too. Single runs vary by about 2% here (other
    tenants), so nine short rounds give a steadier median than five long
    ones in about the same time."""
    bin_dir = os.path.join(build, "bin")
    sink = Process([os.path.join(bin_dir, "ack_server"), "otlp"], load_core, port_from_stdout=True)
    traced_env = {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT":
                  f"http://127.0.0.1:{sink.port}", "OTEL_BSP_MAX_QUEUE_SIZE": "65536",
                  "WORKER_LATENCY_MS": "0", "LOG_LEVEL": "warn"}
    untraced_env = {"OTEL_TRACES_EXPORTER": "none", "SPANLINE_HTTP_INSTRUMENTATION": "off",
                    "WORKER_LATENCY_MS": "0", "LOG_LEVEL": "warn"}
    runs = {"ceiling": [], "traced": [], "untraced": []}
    try:
        for _ in range(rounds):
            hello = Process([os.path.join(bin_dir, "ack_server"), "hello", "0", "1"], server_core,
                            port_from_stdout=True)
            try:
                runs["ceiling"].append(wrk(load_core, f"http://127.0.0.1:{hello.port}/",
                                           "get_hello.lua", seconds))
            finally:
                hello.stop()
            for name, env in (("traced", traced_env), ("untraced", untraced_env)):
                worker = Process([os.path.join(bin_dir, "task-worker")], server_core, env)
                try:
                    runs[name].append(wrk(load_core, f"http://127.0.0.1:{worker.port}",
                                          "post_enrich.lua", seconds))
                finally:
                    worker.stop()
        worker = Process([os.path.join(bin_dir, "task-worker")], server_core, traced_env)
        api = Process([os.path.join(bin_dir, "task-api")], server_core,
                      dict(traced_env, WORKER_URL=f"http://127.0.0.1:{worker.port}",
                           MAX_TASKS="100000"))
        try:
            creates = wrk(load_core, f"http://127.0.0.1:{api.port}", "post_tasks.lua")
        finally:
            api.stop()
            worker.stop()
    finally:
        sink.stop()
    median = {name: statistics.median(r["rps"] for r in rs) for name, rs in runs.items()}
    pair_ratios = [t["rps"] / u["rps"] for t, u in zip(runs["traced"], runs["untraced"])]
    figures += [
        ("http.hello_ceiling_rps", median["ceiling"], "req/s"),
        ("http.task_worker_traced_rps", median["traced"], "req/s"),
        ("http.task_worker_untraced_rps", median["untraced"], "req/s"),
        ("http.task_worker_traced_vs_untraced", statistics.median(pair_ratios), "ratio"),
        ("http.task_worker_traced_vs_untraced_min", min(pair_ratios), "ratio"),
        ("http.task_worker_traced_vs_untraced_max", max(pair_ratios), "ratio"),
        ("http.task_worker_traced_vs_ceiling", median["traced"] / median["ceiling"], "ratio"),
        ("http.task_api_creates_rps", creates["rps"], "req/s"),
        ("http.task_api_p99_ms", creates["p99_us"] / 1000.0, "ms"),
        ("http.errors", sum(r["errors"] for rs in runs.values() for r in rs) + creates["errors"],
         "requests"),
    ]


def read_metrics(port):
    """The collector's /metrics as {name{labels}: value}."""
    import urllib.request
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def proc_status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


COLLECTOR_BENCH_YAML = """
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{http_port}
processors:
  batch:
  memory_limiter:
    check_interval: 1s
    limit_mib: 512
    spike_limit_mib: 128
  resource:
    attributes:
      - key: collector.type
        value: sidecar
        action: insert
      - key: collector.name
        value: bench-sidecar
        action: insert
  attributes:
    actions:
      - key: deployment.environment
        value: bench
        action: upsert
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:{sink_port}
    compression: none
service:
  telemetry:
    metrics:
      address: 127.0.0.1:{metrics_port}
  pipelines:
    traces:
      receivers: [otlp]
      processors: [{processors}]
      exporters: [otlphttp]
"""


def run_collector(bin_dir, work, body, processors, collector_core, load_core):
    """One collector run: returns (spans/s delivered, peak RSS MiB, wrk
    figures, spans lost)."""
    sink = Process([os.path.join(bin_dir, "ack_server"), "otlp"], load_core, port_from_stdout=True)
    http_port, metrics_port = free_port(), free_port()
    config = os.path.join(work, "collector.yaml")
    with open(config, "w") as f:
        f.write(COLLECTOR_BENCH_YAML.format(http_port=http_port, sink_port=sink.port,
                                            metrics_port=metrics_port, processors=processors))
    col = subprocess.Popen(pin(collector_core) + [os.path.join(bin_dir, "spanline-collector"),
                                                  "--config", config],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(http_port)
        wait_port(metrics_port)
        sent = 'otelcol_exporter_sent_spans{exporter="otlphttp"}'
        url = f"http://127.0.0.1:{http_port}"
        wrk_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wrk")
        env = dict(os.environ, SPANLINE_WRK_DIR=wrk_dir, SPANLINE_OTLP_BODY=body)
        script = os.path.join(wrk_dir, "post_otlp.lua")
        subprocess.run(pin(load_core) + ["wrk", "-t1", "-c8", "-d1s", "-s", script, url],
                       check=True, capture_output=True, env=env)
        before = read_metrics(metrics_port)
        t0 = time.time()
        out = subprocess.run(pin(load_core) + ["wrk", "-t1", "-c8", "-d8s", "-s", script, url],
                             check=True, capture_output=True, text=True, env=env).stdout
        after = read_metrics(metrics_port)
        elapsed = time.time() - t0
        load = json.loads(out.strip().splitlines()[-1])
        peak_mib = proc_status_kib(col.pid, "VmHWM") / 1024.0
        lost = (after.get('otelcol_exporter_send_failed_spans{exporter="otlphttp"}', 0) +
                after.get('otelcol_receiver_refused_spans{receiver="otlp",transport="http"}', 0))
    finally:
        col.terminate()
        col.wait(timeout=60)
        sink.stop()
    return (after[sent] - before[sent]) / elapsed, peak_mib, load, lost


def collector(build, figures, collector_core, load_core):
    """OTLP/HTTP protobuf in → batch (defaults) → OTLP/HTTP out to an acking
    sink, the collector pinned to one core, wrk and the sink on the other;
    requests of 500 spans with 10 attributes each. The rate is the spans the
    exporter delivered per second of the measured run, RSS the peak. Then the
    same with a sidecar's processors (memory_limiter, resource, batch: the
    resource processor rewrites resources, spans stay undecoded), and with an
    attributes processor on spans, which decodes every request."""
    import tempfile
    bin_dir = os.path.join(build, "bin")
    work = tempfile.mkdtemp(prefix="spanline-bench-collector-")
    try:
        body = os.path.join(work, "body.pb")
        made = json.loads(subprocess.run([os.path.join(bin_dir, "otlp_body"), "--out", body,
                                          "--spans", "500", "--attributes", "10"],
                                         check=True, capture_output=True, text=True).stdout)
        rate, rss, load, lost = run_collector(bin_dir, work, body, "batch", collector_core,
                                              load_core)
        side_rate, side_rss, side_load, side_lost = run_collector(
            bin_dir, work, body, "memory_limiter, resource, batch", collector_core, load_core)
        span_rate, span_rss, span_load, span_lost = run_collector(
            bin_dir, work, body, "attributes, batch", collector_core, load_core)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    figures += [
        ("collector.spans_per_s_core", rate, "spans/s"),
        ("collector.rss_mib", rss, "MiB"),
        ("collector.request_p99_ms", load["p99_us"] / 1000.0, "ms"),
        ("collector.sidecar_spans_per_s_core", side_rate, "spans/s"),
        ("collector.sidecar_rss_mib", side_rss, "MiB"),
        ("collector.span_attributes_spans_per_s_core", span_rate, "spans/s"),
        ("collector.span_attributes_rss_mib", span_rss, "MiB"),
        ("collector.request_bytes", made["bytes"], "bytes"),
        ("collector.spans_lost", lost + side_lost + span_lost +
         (load["errors"] + side_load["errors"] + span_load["errors"]) * 500, "spans"),
    ]


def traceview(build, figures, server_core, load_core):
    """traceview pinned to one core; traceview_load on the other sends
    100,000 distinct traces of 10 spans (10 attributes each) over OTLP/HTTP
    protobuf: the ingest rate, then memory per span (RSS growth over the
    spans stored), then the p95 of /api/traces searches (service + tag +
    duration filters, some matching nothing) over those 1,000,000 spans."""
    import random
    import urllib.parse
    import urllib.request
    bin_dir = os.path.join(build, "bin")
    ui, grpc, otlp = free_port(), free_port(), free_port()
    tv = subprocess.Popen(pin(server_core) + [
        os.path.join(bin_dir, "traceview"), "--host", "127.0.0.1", "--http-port", str(ui),
        "--otlp-grpc-port", str(grpc), "--otlp-http-port", str(otlp),
        "--max-traces", "200000", "--max-mib", "4096"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(ui)
        wait_port(otlp)
        rss_before = proc_status_kib(tv.pid, "VmRSS")
        load = json.loads(subprocess.run(
            pin(load_core) + [os.path.join(bin_dir, "traceview_load"), "--url",
                              f"http://127.0.0.1:{otlp}/v1/traces", "--traces", "100000"],
            check=True, capture_output=True, text=True).stdout)
        rss_after = proc_status_kib(tv.pid, "VmRSS")
        rng = random.Random(7)
        latencies = []
        for i in range(300):
            service = f"service-{rng.randrange(5)}"
            tag = rng.choice([{"http.response.status_code": "500"},
                              {"cloud.region": rng.choice(["us-east", "eu-west", "ap-south"])},
                              {"customer.id": f"c-{rng.randrange(1200)}"},
                              {"http.request.method": "POST", "error": "true"}])
            params = {"service": service, "tags": json.dumps(tag), "limit": "20",
                      "minDuration": f"{rng.choice([1, 20, 50, 90])}ms"}
            if i % 3 == 0:
                params["operation"] = f"op-{service[-1]}-{rng.randrange(4)}"
            url = f"http://127.0.0.1:{ui}/api/traces?" + urllib.parse.urlencode(params)
            t0 = time.perf_counter()
            with urllib.request.urlopen(url, timeout=30) as r:
                r.read()
            latencies.append((time.perf_counter() - t0) * 1000)
        latencies.sort()
    finally:
        tv.terminate()
        tv.wait(timeout=60)
    # The web UI opening big traces, in headless chromium (its own traceview;
    # not pinned: chromium is several processes).
    ui = json.loads(subprocess.run(
        ["node", os.path.join(os.path.dirname(os.path.abspath(__file__)), "ui_open.mjs"),
         os.path.join(bin_dir, "traceview")],
        check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    figures += [
        ("traceview.ui_open_10k_ms", ui["open_10k_ms"], "ms"),
        ("traceview.ui_open_50k_ms", ui["open_50k_ms"], "ms"),
        ("traceview.ingest_spans_per_s", load["spans_per_s"], "spans/s"),
        ("traceview.bytes_per_span", (rss_after - rss_before) * 1024 / load["spans"], "bytes"),
        ("traceview.search_p50_ms", latencies[len(latencies) // 2], "ms"),
        ("traceview.search_p95_ms", latencies[int(len(latencies) * 0.95)], "ms"),
        ("traceview.ingest_failed_requests", load["failed"], "requests"),
    ]


SUITES = {"sdk_micro": sdk_micro, "sdk_export": sdk_export, "sdk_queue_full": sdk_queue_full,
          "http": http_services, "collector": collector,
          "traceview": traceview}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", nargs="*", choices=sorted(SUITES), help="suites to run")
    args = ap.parse_args()
    cs = cores()
    sdk_core = cs[0] if len(cs) > 1 else None
    other_core = cs[1] if len(cs) > 1 else None
    figures = []
    for name, fn in SUITES.items():
        if args.only and name not in args.only:
            continue
        t0 = time.time()
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        fn(args.build, figures, sdk_core, other_core)
        print(f"bench: {name} done in {time.time() - t0:.0f}s", file=sys.stderr, flush=True)
    out_dir = os.path.join(args.build, "bench")
    os.makedirs(out_dir, exist_ok=True)
    results = [{"name": n, "value": round(v, 3), "unit": u} for n, v, u in figures]
    path = os.path.join(out_dir, "results.json")
    if args.only and os.path.exists(path):
        # A partial run updates its figures and keeps the others.
        with open(path) as f:
            fresh = {r["name"] for r in results}
            results = [r for r in json.load(f) if r["name"] not in fresh] + results
    with open(path, "w") as f:
        json.dump(results, f, indent=2)
    width = max(len(r["name"]) for r in results)
    print(f"{'figure':<{width}}  {'value':>14}  unit")
    for r in results:
        precision = 3 if r["unit"] == "ratio" else 1
        print(f"{r['name']:<{width}}  {r['value']:>14,.{precision}f}  {r['unit']}")
    print(f"written to {os.path.join(out_dir, 'results.json')}")


if __name__ == "__main__":
    main()
