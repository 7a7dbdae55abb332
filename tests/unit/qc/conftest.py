"""Fixtures for QC: outputs of the real de-identification engine on the synthetic-PHI corpus, and a demo submission."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pydicom
import pytest

from aiminer.adapters.sqlite_crosswalk import SqliteCrosswalk
from aiminer.crosswalk import Coder
from aiminer.dicom.burnedin import load_mask_rules
from aiminer.dicom.engine import EngineConfig, configure_pydicom, deidentify_stream
from aiminer.dicom.policy import DeidOptions, compile_policy
from aiminer.qc.checks import QcPolicy, check_object
from aiminer.qc.report import ObjectQc
from aiminer.samples import Corpus, make_corpus
from aiminer.text.dicom_cleaner import cleaner_factory

if TYPE_CHECKING:
    from collections.abc import Callable

configure_pydicom()


@dataclass(frozen=True)
class Deidentified:
    """One engine output: its bytes, its PHI-free key, and whether pixels were masked."""

    data: bytes
    key: str
    masked: bool

    def dataset(self) -> pydicom.Dataset:
        return pydicom.dcmread(io.BytesIO(self.data))


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return make_corpus(tmp_path_factory.mktemp("qc-corpus"), patients=2, studies_per_patient=1)


@pytest.fixture(scope="session")
def coder(tmp_path_factory: pytest.TempPathFactory) -> Coder:
    return Coder(SqliteCrosswalk(tmp_path_factory.mktemp("qc-cw") / "crosswalk.sqlite"), "PRJ-QC")


@pytest.fixture(scope="session")
def deid(coder: Coder) -> Callable[..., Deidentified]:
    """``deid(path, **options) -> Deidentified``: the engine as ``aiminer deid`` runs it (scrubber as cleaner)."""
    rules = load_mask_rules()
    site = coder.site("Test General")

    def run(source: Path, **options: bool) -> Deidentified:
        cfg = EngineConfig(compile_policy(DeidOptions(**options)), coder, site, rules, cleaner_factory)
        out = io.BytesIO()
        result = deidentify_stream(io.BytesIO(source.read_bytes()), out, cfg)
        return Deidentified(out.getvalue(), result.coded.relative_path(), result.pixels_masked)

    return run


def template_file(corpus: Corpus, key: str) -> Path:
    """The first corpus file made from template ``key`` (``ct``, ``mr``, ``sr``, ``rtplan``, ...)."""
    suffix = f"_{key}_"
    return next(p for p in corpus.files if suffix in p.name and p.suffix == ".dcm")


def ultrasound_file(corpus: Corpus) -> Path:
    return next(p for p in corpus.files if p.name == "US_0001.dcm")


def to_bytes(ds: pydicom.Dataset) -> bytes:
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def demo_submission(corpus: Corpus, deid: Callable[..., Deidentified]) -> tuple[list[ObjectQc], dict[str, object]]:
    """A realistic submission: clean CT/MR/US/SR/RT outputs, one masked US, two planted failures."""
    policy = QcPolicy()
    results: list[ObjectQc] = []
    for key in ("ct", "mr", "mr_implicit", "mr_bigendian", "enhanced_ct", "overlay", "sr", "rtplan", "rtdose"):
        out = deid(template_file(corpus, key))
        results.append(ObjectQc(out.key, "dicom", check_object(out.data, "dicom", policy)))
    us = deid(ultrasound_file(corpus))
    results.append(ObjectQc(us.key, "dicom", check_object(us.data, "dicom", policy)))
    # Two objects a curator must see blocked: a name typed into a comment, and a full date left in place.
    bad = deid(template_file(corpus, "mr"))
    ds = bad.dataset()
    ds.ImageComments = "Reviewed with Dr. Octavia Brannigan"
    ds.StudyDate = "20190314"
    results.append(ObjectQc(bad.key.replace(".dcm", "-b.dcm"), "dicom", check_object(to_bytes(ds), "dicom", policy)))
    report = b"FINDINGS: Stable 4 mm nodule.\nIMPRESSION: [PATIENT P-0123456789] stable. Signed [NAME] [DATE 2019]\n"
    study = us.key.rsplit("/", 2)[0]
    results.append(ObjectQc(f"{study}/reports/R-7Q2M4K9D1X.txt", "report", check_object(report, "report", policy)))
    summary: dict[str, object] = {
        "project": "PRJ-QC",
        "sites": sorted({r.key.split("/")[1] for r in results}),
        "quarantined": {"burned_in_risk": 1, "truncated": 1, "not_dicom": 1, "empty_file": 1},
        "rejected": {"os_metadata": 1},
        "policy": "aiminer-safe-harbor@1",
        "generated_at": "2026-11-25 10:00 UTC",
    }
    return results, summary
