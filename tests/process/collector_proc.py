"""spanline-collector as a test-owned process: start it on a config the test
writes, read its /metrics and its memory from /proc, stop it; plus the YAML
pieces test_collector.py and test_collector_faults.py share.

The process's stdout and stderr go to files beside the config, never to
pipes: a collector that logs a warning per dropped batch would fill a pipe
nobody reads and block mid-test.
"""
import os
import re
import signal
import subprocess
import time

from services import http


def run_collector(bin_dir, *args, env=None):
    return subprocess.run([os.path.join(bin_dir, "spanline-collector"), *args],
                          capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, **(env or {})))


class Collector:
    """A spanline-collector process on a config the test writes; returns once
    its health check answers 200."""

    def __init__(self, bin_dir, tmp_path, name, yaml, health_port, metrics_port=None,
                 args=()):
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml)
        self.name = name
        self.health = f"http://127.0.0.1:{health_port}/"
        self.metrics_url = (f"http://127.0.0.1:{metrics_port}/metrics"
                            if metrics_port else None)
        self._out_path = tmp_path / f"{name}.stdout"
        self._err_path = tmp_path / f"{name}.stderr"
        with open(self._out_path, "w") as out, open(self._err_path, "w") as err:
            self.proc = subprocess.Popen([os.path.join(bin_dir, "spanline-collector"),
                                          "--config", str(path), *args],
                                         stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"{name} exited {self.proc.returncode}: {self.stderr()}")
            try:
                if http("GET", self.health, timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"{name} did not become healthy: {self.stderr()}")

    @property
    def pid(self):
        return self.proc.pid

    def stderr(self):
        return self._err_path.read_text(errors="replace")

    def status_kib(self, field):
        """A kB field of /proc/<pid>/status (VmRSS, VmHWM, ...); None once it has exited."""
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except OSError:
            pass
        return None

    def metrics(self):
        """The /metrics text parsed by parse_metrics()."""
        status, text, _ = http("GET", self.metrics_url, timeout=10)
        assert status == 200, f"/metrics answered {status}: {text}"
        return parse_metrics(text)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signals the process (unless it has exited) and returns (exit code, stderr)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"{self.name} did not exit {timeout}s after signal {sig}; "
                                 f"killed. stderr: {self.stderr()}")
        return self.proc.returncode, self.stderr()

    def kill(self):
        """SIGKILL and reap; for cleanup after a failure. Safe twice."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


# --- /metrics ----------------------------------------------------------------

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Prometheus text → {(name, frozenset of (label, value)): float}."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        assert m, f"malformed /metrics line: {line!r}"
        labels = frozenset(_LABEL.findall(m.group(2) or ""))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples


def metric(samples, name, **labels):
    """The sum of `name`'s series whose labels include `labels` (0 when none)."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


# --- config pieces -----------------------------------------------------------

def collector_yaml(http_port, health_port, metrics_port, exporter, auth_server=False,
                   resource=None, extensions=""):
    auth = "        auth:\n          authenticator: bearertokenauth\n" if auth_server else ""
    actions = "".join(f"      - key: {k}\n        value: {v}\n        action: insert\n"
                      for k, v in (resource or {}).items())
    processors = "  batch:\n    timeout: 20ms\n"
    names = ["batch"]
    if actions:
        processors += "  resource:\n    attributes:\n" + actions
        names.append("resource")
    ext_names = ["health_check"] + [line.strip()[:-1] for line in extensions.splitlines()
                                    if line.startswith("  ") and not line.startswith("    ")]
    return f"""
extensions:
  health_check:
    endpoint: 127.0.0.1:{health_port}
{extensions}
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{http_port}
{auth}
processors:
{processors}
exporters:
{exporter}
service:
  extensions: [{", ".join(ext_names)}]
  telemetry:
    metrics:
      address: 127.0.0.1:{metrics_port}
  pipelines:
    traces:
      receivers: [otlp]
      processors: [{", ".join(names)}]
      exporters: [otlphttp]
"""


def otlphttp(endpoint, auth=None, encoding="proto"):
    text = (f"  otlphttp:\n    endpoint: {endpoint}\n    encoding: {encoding}\n"
            f"    retry_on_failure:\n      initial_interval: 20ms\n      max_elapsed_time: 1s\n")
    if auth:
        text += f"    auth:\n      authenticator: {auth}\n"
    return text
