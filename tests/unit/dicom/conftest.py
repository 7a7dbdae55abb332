"""Fixtures for the DICOM engine: a crosswalk per test, a compiled policy, and the synthetic-PHI corpus."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pydicom
import pytest

from aiminer.adapters.sqlite_crosswalk import SqliteCrosswalk
from aiminer.crosswalk import Coder
from aiminer.dicom.burnedin import load_mask_rules
from aiminer.dicom.engine import DeidResult, EngineConfig, configure_pydicom, deidentify_stream
from aiminer.dicom.policy import DeidOptions, compile_policy
from aiminer.samples import Corpus, make_corpus

configure_pydicom()


@pytest.fixture
def coder(tmp_path: Path) -> Coder:
    return Coder(SqliteCrosswalk(tmp_path / "crosswalk.sqlite"), "PRJ-TEST")


@pytest.fixture
def engine(coder: Coder):
    """Return a function ``deid(dataset_or_bytes, **options) -> (output dataset, result)``."""
    return _engine(coder, None)


@pytest.fixture
def scrubbing_engine(coder: Coder):
    """``engine`` with the report scrubber as the Clean Descriptors cleaner, as the CLI and the Lambda run it."""
    from aiminer.text.dicom_cleaner import cleaner_factory

    return _engine(coder, cleaner_factory)


def _engine(coder: Coder, cleaner: Any):
    rules = load_mask_rules()

    def deid(source: pydicom.Dataset | bytes | Path, **options: bool) -> tuple[pydicom.Dataset, DeidResult, bytes]:
        cfg = EngineConfig(compile_policy(DeidOptions(**options)), coder, coder.site("Test General"), rules, cleaner)
        if isinstance(source, pydicom.Dataset):
            buf = io.BytesIO()
            source.save_as(buf, enforce_file_format=False)
            data = buf.getvalue()
        elif isinstance(source, Path):
            data = source.read_bytes()
        else:
            data = source
        out = io.BytesIO()
        result = deidentify_stream(io.BytesIO(data), out, cfg)
        return pydicom.dcmread(io.BytesIO(out.getvalue())), result, out.getvalue()

    return deid


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return make_corpus(tmp_path_factory.mktemp("corpus"))
