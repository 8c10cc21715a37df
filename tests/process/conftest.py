import os
import pytest

from otlp_sink import OtlpSink


@pytest.fixture(scope="session")
def bin_dir():
    d = os.environ.get("SPANLINE_BIN")
    if not d:
        pytest.fail("SPANLINE_BIN is not set (ctest sets it to build/bin)")
    return d


@pytest.fixture
def otlp_sink():
    """A started OtlpSink on a free loopback port, stopped after the test."""
    sink = OtlpSink().start()
    try:
        yield sink
    finally:
        sink.stop()
