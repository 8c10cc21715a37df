import os
import pytest


@pytest.fixture(scope="session")
def bin_dir():
    d = os.environ.get("SPANLINE_BIN")
    if not d:
        pytest.fail("SPANLINE_BIN is not set (ctest sets it to build/bin)")
    return d
