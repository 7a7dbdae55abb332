"""Fixtures of the reliability fuzz: one production-like fuzzer per session, and a tally of the inputs tried.

The tally is printed at the end of the run and written to ``.aiminer/fuzz-counts.json`` (one file per xdist
worker: ``fuzz-counts.<worker>.json``) so the documentation can quote how many mutated inputs were tried.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.reliability.test_fuzz_inputs import CaseResult, Fuzzer

COUNTS_DIR = Path(__file__).resolve().parents[2] / ".aiminer"


@dataclass
class Tally:
    """Inputs tried per path, outcomes per status/reason, the slowest input and the problems found."""

    paths: Counter[str] = field(default_factory=Counter)
    labels: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    max_seconds: float = 0.0
    max_peak_mb: float = 0.0
    problems: int = 0
    garbled_misses: int = 0
    started: float = field(default_factory=time.time)

    def add(self, result: CaseResult) -> None:
        self.paths[result.path] += 1
        self.labels[f"{result.path}:{result.label}"] += 1
        self.outcomes[f"{result.status}:{result.reason or '-'}"] += 1
        self.max_seconds = max(self.max_seconds, result.seconds)
        self.max_peak_mb = max(self.max_peak_mb, result.peak_mb)
        self.problems += bool(result.problems)
        self.garbled_misses += bool(result.garbled_misses)

    def as_dict(self) -> dict[str, object]:
        return {
            "total": sum(self.paths.values()),
            "paths": dict(sorted(self.paths.items())),
            "outcomes": dict(self.outcomes.most_common()),
            "mutations": dict(sorted(self.labels.items())),
            "max_seconds_per_input": round(self.max_seconds, 3),
            "max_traced_peak_mb": round(self.max_peak_mb, 1),
            "inputs_with_problems": self.problems,
            "misses_next_to_garbled_text": self.garbled_misses,
            "wall_seconds": round(time.time() - self.started, 1),
        }


_TALLIES: list[Tally] = []


@pytest.fixture(scope="session")
def fuzz_tally() -> Iterator[Tally]:
    tally = Tally()
    _TALLIES.append(tally)
    yield tally
    if not tally.paths:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    COUNTS_DIR.mkdir(exist_ok=True)
    name = f"fuzz-counts.{worker}.json" if worker else "fuzz-counts.json"
    (COUNTS_DIR / name).write_text(json.dumps(tally.as_dict(), indent=1) + "\n", encoding="utf-8")


@pytest.fixture(scope="session")
def fuzzer(tmp_path_factory: pytest.TempPathFactory) -> Fuzzer:
    from tests.reliability.test_fuzz_inputs import make_fuzzer

    return make_fuzzer(tmp_path_factory.mktemp("fuzz"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for tally in _TALLIES:
        if tally.paths:
            data = tally.as_dict()
            terminalreporter.section("fuzzed inputs (tests/reliability)")
            terminalreporter.write_line(json.dumps({k: data[k] for k in ("total", "paths", "outcomes")}))
            terminalreporter.write_line(
                f"max seconds per input {data['max_seconds_per_input']}, "
                f"max traced peak {data['max_traced_peak_mb']} MB, inputs with problems {data['inputs_with_problems']}"
            )
