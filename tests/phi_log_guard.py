"""pytest plugin: no test may see a known PHI value in a log record, a log line or a metric.

Registered from ``tests/conftest.py``. From each test's setup to the end of its body it captures

* every log record of every logger, whatever its handlers or ``propagate`` (``logging.Logger.handle`` is wrapped):
  the message, the ``extra`` fields, the formatted exception, and for Powertools loggers the JSON line exactly as
  CloudWatch would receive it (appended keys such as ``key_hash`` included);
* every EMF metric blob Powertools Metrics serializes (dimensions and metadata included);
* what the background local runtime (``aiminer local up``, the integration tests' moto process, which hosts the QC
  workflow's handlers) appends to its ``server.log`` meanwhile;

and fails the test if any known PHI value appears in any of it. Known values: everything
:func:`aiminer.samples.make_corpus` injects (a default corpus computed once per session, plus every corpus any test
builds: the function is wrapped to register its ``phi``), the generator's seed lists (names, streets, cities,
hospitals), :data:`REGISTRY` and what a test adds to the ``phi_values`` fixture. Matching is case-insensitive on
whole tokens (a value bordered by letters or digits is another word); all-digit values shorter than 6 digits are
left out (ports, byte counts and ZIP codes would collide).

A test that must log PHI on purpose (there should be none) opts out with ``@pytest.mark.allow_phi_logs``. The
``log_guard`` fixture gives a test the capture itself (``lines``, ``json_lines()``, ``metrics``).
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

#: Values tests register for the whole session (``register_phi``); the ``phi_values`` fixture adds per test.
REGISTRY: set[str] = set()
_BASELINE: set[str] = set()
_LOCK = threading.Lock()
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
_GUARD = pytest.StashKey["Guard"]()
_VALUES = pytest.StashKey[set[str]]()


def register_phi(*values: str) -> None:
    """Add values every later test is checked against."""
    with _LOCK:
        REGISTRY.update(v for v in values if _usable(v))


def _usable(value: str) -> bool:
    value = value.strip()
    return len(value) >= 4 and not (value.isdigit() and len(value) < 6)


def _forms(value: str) -> set[str]:
    low = value.strip().lower()
    return {low, low.replace("^", " ")}


_ALNUM = re.compile(r"[0-9a-z]")


def find_phi(text: str, values: Iterable[str]) -> set[str]:
    """Values that occur in ``text`` as whole tokens (case-insensitive)."""
    low = text.lower()
    found: set[str] = set()
    for value in values:
        for form in _forms(value):
            start = low.find(form)
            while start >= 0:
                end = start + len(form)
                before = low[start - 1] if start else ""
                after = low[end] if end < len(low) else ""
                left_ok = not (_ALNUM.match(form[0]) and before and _ALNUM.match(before))
                right_ok = not (_ALNUM.match(form[-1]) and after and _ALNUM.match(after))
                if left_ok and right_ok:
                    found.add(value)
                    break
                start = low.find(form, start + 1)
    return found


# ---------------------------------------------------------------------------------------------------- capture


@dataclass
class Guard:
    """What one test logged and emitted."""

    lines: list[str] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    server_logs: dict[Path, int] = field(default_factory=dict)
    server_text: str = ""
    stopped: bool = False

    def json_lines(self) -> list[dict[str, Any]]:
        """The Powertools JSON lines (as CloudWatch receives them)."""
        out = []
        for line in self.lines:
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    continue
        return out

    def all_text(self) -> str:
        return "\n".join([*self.lines, *(json.dumps(m, default=str) for m in self.metrics), self.server_text])


_ACTIVE: list[Guard] = []
_ORIGINAL_HANDLE = logging.Logger.handle


def _render(logger: logging.Logger, record: logging.LogRecord) -> list[str]:
    out: list[str] = []
    try:
        out.append(record.getMessage())
    except Exception:
        out.append(f"{record.msg!r} {record.args!r}")
    extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
    if extras:
        out.append(json.dumps(extras, default=repr))
    if record.exc_info:
        out.append(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        out.append(record.stack_info)
    from aws_lambda_powertools.logging.formatter import BasePowertoolsFormatter

    for handler in logger.handlers:
        if isinstance(handler.formatter, BasePowertoolsFormatter):
            try:
                out.insert(0, handler.formatter.format(record))
            except Exception:  # a formatter that fails here fails for the handler too; the raw parts are kept
                pass
            break
    return out


def _handle(self: logging.Logger, record: logging.LogRecord) -> None:
    if _ACTIVE and not self.disabled and self.filter(record):  # what the logger's filters let through, as rewritten
        lines = _render(self, record)
        with _LOCK:
            for guard in _ACTIVE:
                guard.lines.extend(lines)
    _ORIGINAL_HANDLE(self, record)


def _install_metrics_tap() -> None:
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

    original = AmazonCloudWatchEMFProvider.serialize_metric_set
    if getattr(original, "_phi_guard", False):
        return

    def serialize(self: Any, *args: Any, **kwargs: Any) -> Any:
        blob = original(self, *args, **kwargs)
        if _ACTIVE:
            with _LOCK:
                for guard in _ACTIVE:
                    guard.metrics.append(blob)
        return blob

    serialize._phi_guard = True  # type: ignore[attr-defined]
    AmazonCloudWatchEMFProvider.serialize_metric_set = serialize  # type: ignore[method-assign]


def _install_corpus_tap() -> None:
    from aiminer import samples

    original = samples.make_corpus
    if getattr(original, "_phi_guard", False):
        return

    def make_corpus(*args: Any, **kwargs: Any) -> Any:
        corpus = original(*args, **kwargs)
        register_phi(*corpus.phi)
        register_phi(*(p.last for p in corpus.patients), *(p.first for p in corpus.patients))
        return corpus

    make_corpus._phi_guard = True  # type: ignore[attr-defined]
    make_corpus.__wrapped__ = original  # type: ignore[attr-defined]
    samples.make_corpus = make_corpus  # type: ignore[assignment]


def _baseline() -> set[str]:
    """The default corpus's values and the generator's seed lists (once per process)."""
    if _BASELINE:
        return _BASELINE
    from aiminer import samples

    values: set[str] = set(samples.FIRST) | set(samples.LAST) | set(samples.STREETS) | set(samples.HOSPITALS)
    values |= {city for city, _, _ in samples.CITIES}
    make = getattr(samples.make_corpus, "__wrapped__", samples.make_corpus)
    with tempfile.TemporaryDirectory() as tmp:
        values |= make(Path(tmp) / "corpus").phi
    _BASELINE.update(v for v in values if _usable(v))
    return _BASELINE


def _server_logs(config: pytest.Config) -> list[Path]:
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is None:
        return []
    try:
        base = factory.getbasetemp()
    except Exception:
        return []
    return sorted(base.glob("*/server.log"))


# ---------------------------------------------------------------------------------------------------- hooks


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_phi_logs(reason): this test logs PHI on purpose (no PHI log guard)")
    logging.Logger.handle = _handle  # type: ignore[method-assign]
    _install_metrics_tap()
    _install_corpus_tap()


def pytest_unconfigure(config: pytest.Config) -> None:
    logging.Logger.handle = _ORIGINAL_HANDLE  # type: ignore[method-assign]


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    if item.get_closest_marker("allow_phi_logs") is None:
        guard = Guard()
        for path in _server_logs(item.config):
            guard.server_logs[path] = path.stat().st_size
        item.stash[_GUARD] = guard
        item.stash[_VALUES] = set()
        with _LOCK:
            _ACTIVE.append(guard)
    yield


def _stop(item: pytest.Item) -> Guard | None:
    guard = item.stash.get(_GUARD, None)
    if guard is None or guard.stopped:
        return None
    guard.stopped = True
    with _LOCK:
        if guard in _ACTIVE:
            _ACTIVE.remove(guard)
    for path in _server_logs(item.config):
        start = guard.server_logs.get(path, 0)
        with path.open("rb") as fp:
            fp.seek(start)
            guard.server_text += fp.read().decode("utf-8", "replace")
    return guard


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    outcome = yield
    guard = _stop(item)
    if guard is None:
        return
    values = _baseline() | REGISTRY | {v for v in item.stash.get(_VALUES, set()) if _usable(v)}
    leaks = find_phi(guard.all_text(), values)
    if leaks and outcome.excinfo is None:
        # Name the leaked values by category only: the report itself must not repeat them in full.
        shown = sorted(f"{v[:2]}…({len(v)} chars)" for v in leaks)
        outcome.force_exception(
            AssertionError(f"known PHI values appeared in logs or metrics during this test: {', '.join(shown)}")
        )


def pytest_runtest_teardown(item: pytest.Item) -> None:
    _stop(item)  # when setup failed, the call hook never ran


@pytest.fixture
def phi_values(request: pytest.FixtureRequest) -> set[str]:
    """Values this test adds to the known PHI (checked at the end of the test body)."""
    values: set[str] = request.node.stash.setdefault(_VALUES, set())
    return values


@pytest.fixture
def log_guard(request: pytest.FixtureRequest) -> Guard:
    """The capture of this test's log records and metrics (see the module's docstring)."""
    guard = request.node.stash.get(_GUARD, None)
    if guard is None:
        pytest.skip("the PHI log guard is off for this test")
    return guard
