"""Starting and stopping spanline service processes for process-level tests."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(x) for x in f.read().split())
            return low, high
    except (OSError, ValueError):
        return 32768, 60999


_handed_out = set()
_next = [None]


def free_port():
    """A port that is free now, below the kernel's ephemeral range and never
    handed out before in this run. Asking the kernel for port 0 would give an
    ephemeral port, which any outgoing connection (a collector's export, a
    client's keep-alive) may take between this call and the server's bind;
    ports below the range are only ever taken by a listener."""
    low, _ = _ephemeral_range()
    first = 20000 if low > 21000 else 1024
    span = max(low - first, 1)
    if _next[0] is None:  # concurrent test runs start in different places
        _next[0] = (os.getpid() * 7919) % span
    for _ in range(span):
        port = first + _next[0]
        _next[0] = (_next[0] + 1) % span
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free port below the ephemeral range")


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
