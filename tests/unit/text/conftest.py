"""Fixtures for report and table scrubbing tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aiminer.adapters.sqlite_crosswalk import SqliteCrosswalk
from aiminer.crosswalk import Coder
from aiminer.text.synthetic import LabeledReport, generate_reports


@pytest.fixture
def coder(tmp_path: Path) -> Iterator[Coder]:
    """A coder over a fresh SQLite crosswalk."""
    cw = SqliteCrosswalk(tmp_path / "crosswalk.sqlite")
    yield Coder(cw, "PRJ1")
    cw.close()


@pytest.fixture(scope="session")
def synthetic_reports() -> list[LabeledReport]:
    """The labeled synthetic set (600 reports, fixed seed)."""
    return generate_reports(600, seed=20240501)
