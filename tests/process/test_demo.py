"""spanline-demo as a real process: the SDK configured from OTEL_* variables,
spans on the console exporter, context carried through headers, and a clean
SIGTERM that flushes what was recorded."""
import os
import re
import signal
import subprocess
import time

LINE = re.compile(r"^(?P<service>\S+) (?P<name>.+?) kind=(?P<kind>\w+) trace=(?P<trace>[0-9a-f]{32}) "
                  r"span=(?P<span>[0-9a-f]{16}) parent=(?P<parent>[0-9a-f]{16}|-) dur=[0-9.]+ms "
                  r"status=(?P<status>\w+)")


def run_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update({"OTEL_TRACES_EXPORTER": "console", "OTEL_BSP_SCHEDULE_DELAY": "50"})
    env.update(extra)
    return env


def parse(stdout):
    spans = [LINE.match(l) for l in stdout.splitlines() if l.strip()]
    assert all(spans), stdout
    return [m.groupdict() for m in spans]


def test_demo_traces_one_request_across_headers(bin_dir):
    out = subprocess.run([os.path.join(bin_dir, "spanline-demo"), "--requests", "3",
                          "--interval-ms", "1"], env=run_env(OTEL_SERVICE_NAME="demo-test"),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    spans = parse(out.stdout)
    assert len(spans) == 9
    assert {s["service"] for s in spans} == {"demo-test"}
    by_trace = {}
    for s in spans:
        by_trace.setdefault(s["trace"], []).append(s)
    assert len(by_trace) == 3
    for trace in by_trace.values():
        names = {s["name"]: s for s in trace}
        server, client, worker = names["POST /tasks"], names["POST"], names["POST /enrich"]
        assert server["parent"] == "-" and server["kind"] == "server"
        assert client["parent"] == server["span"] and client["kind"] == "client"
        # The worker span was continued from the injected headers alone.
        assert worker["parent"] == client["span"] and worker["kind"] == "server"


def test_demo_sigterm_flushes_and_exits_zero(bin_dir):
    proc = subprocess.Popen([os.path.join(bin_dir, "spanline-demo"), "--interval-ms", "20"],
                            env=run_env(OTEL_BSP_SCHEDULE_DELAY="60000"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    # Nothing was exported before SIGTERM (60 s schedule delay, small load):
    # every line came from the shutdown flush.
    spans = parse(stdout)
    assert len(spans) >= 3 and len(spans) % 3 == 0


def test_sdk_disabled_prints_nothing(bin_dir):
    out = subprocess.run([os.path.join(bin_dir, "spanline-demo"), "--requests", "2",
                          "--interval-ms", "1"], env=run_env(OTEL_SDK_DISABLED="true"),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    assert out.stdout == ""


def test_bad_otel_values_warn_and_fall_back(bin_dir):
    out = subprocess.run([os.path.join(bin_dir, "spanline-demo"), "--requests", "1",
                          "--interval-ms", "1"],
                         env=run_env(OTEL_TRACES_SAMPLER="nonsense", OTEL_BSP_MAX_QUEUE_SIZE="x"),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    assert len(parse(out.stdout)) == 3
    assert "OTEL_TRACES_SAMPLER" in out.stderr and "OTEL_BSP_MAX_QUEUE_SIZE" in out.stderr


def test_bad_arguments_exit_2(bin_dir):
    out = subprocess.run([os.path.join(bin_dir, "spanline-demo"), "--bogus"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2
    assert "usage" in out.stderr
