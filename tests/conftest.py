"""Settings for the whole test suite."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from moto import mock_aws

# No known PHI value in any log record, log line or metric of any test (tests/phi_log_guard.py); the local
# runtime fixtures, one per session (tests/local_runtime.py).
pytest_plugins = ["tests.phi_log_guard", "tests.local_runtime"]

# Every AWS call in the tests goes to moto. Fake credentials make that true on a machine with none configured
# (CI) and keep a developer's real credentials from ever being used by a test.
for _key, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}.items():
    os.environ[_key] = _value
os.environ.pop("AWS_PROFILE", None)


@pytest.fixture
def in_process_moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``mock_aws`` in this process, for tests of moto itself or of an adapter alone.

    A local runtime attached earlier in the same pytest worker (tests/local_runtime.py) sets ``AWS_ENDPOINT_URL``
    for the whole process; clients would then talk to its moto server instead of ``mock_aws``, and see state left
    by other tests (under xdist that depends on which tests shared the worker)."""
    for var in [v for v in os.environ if v.startswith("AWS_ENDPOINT_URL")]:
        monkeypatch.delenv(var)
    with mock_aws():
        yield
