"""The per-object use case: a defect in one engine costs one object, never the run, and says nothing of the file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from aiminer.adapters.sqlite_crosswalk import SqliteCrosswalk
from aiminer.crosswalk import Coder
from aiminer.dicom.engine import EngineConfig
from aiminer.dicom.policy import compile_policy
from aiminer.objects import ObjectContext, process_object


def _ctx(tmp_path: Path) -> ObjectContext:
    coder = Coder(SqliteCrosswalk(tmp_path / "cw.sqlite"), "P")
    return ObjectContext(engine=EngineConfig(compile_policy(), coder, coder.site("S")))


def test_an_unexpected_error_in_a_text_engine_quarantines_only_that_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a report and a scrubber with a defect whose message quotes the text
    from aiminer.text import report

    def broken(text: str, *args: object, **kwargs: object) -> object:
        raise RuntimeError(f"bug while reading {text[:20]}")

    monkeypatch.setattr(report, "scrub_text", broken)
    # WHEN the report is processed
    outcome = process_object(io.BytesIO(b"Patient Jane Roe seen today.\n"), io.BytesIO(), "r.txt", _ctx(tmp_path))
    # THEN it is quarantined with a reason that names no value
    assert (outcome.status, outcome.reason) == ("quarantined", "processing_error")


def test_io_errors_reach_the_caller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aiminer.text import report

    def unreachable(*args: object, **kwargs: object) -> object:
        raise TimeoutError("simulated read timeout")

    monkeypatch.setattr(report, "scrub_text", unreachable)
    with pytest.raises(OSError, match="simulated"):
        process_object(io.BytesIO(b"Patient Jane Roe seen today.\n"), io.BytesIO(), "r.txt", _ctx(tmp_path))
