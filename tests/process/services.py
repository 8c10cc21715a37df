"""Starting and stopping spanline service processes for process-level tests."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, headers=None, timeout=10):
    """(status, parsed JSON or text, headers) — HTTP errors are answers too."""
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, raw, hdrs = r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        status, raw, hdrs = e.code, e.read(), dict(e.headers)
    text = raw.decode()
    try:
        return status, json.loads(text), hdrs
    except ValueError:
        return status, text, hdrs


class Service:
    """A service process on a free port, traced to an OTLP/JSON sink."""

    def __init__(self, bin_dir, name, sink=None, env=None):
        self.name = name
        self.port = free_port()
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
        full_env.update({"PORT": str(self.port), "OTEL_BSP_SCHEDULE_DELAY": "50"})
        if sink is not None:
            full_env.update({"OTEL_TRACES_EXPORTER": "otlp",
                             "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
                             "OTEL_EXPORTER_OTLP_ENDPOINT": sink.endpoint})
        else:
            full_env["OTEL_TRACES_EXPORTER"] = "none"
        full_env.update(env or {})
        self.proc = subprocess.Popen([os.path.join(bin_dir, name)], env=full_env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._wait_healthy()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def _wait_healthy(self, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited {self.proc.returncode}: "
                                     f"{self.proc.stderr.read()}")
            try:
                if http("GET", self.url + "/health", timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"{self.name} did not become healthy")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signals the process and returns (exit code, stdout, stderr)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err
