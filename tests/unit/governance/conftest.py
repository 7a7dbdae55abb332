"""Shared builders for the governance unit tests (synthetic, coded, PHI-free)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aiminer.governance.catalogue import CatalogueItem, CohortQuery, DatasetVersion, freeze
from aiminer.governance.dua import Dua, new_dua, transition

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def item(n: int, **kw: object) -> CatalogueItem:
    """A released catalogue item with coded IDs."""
    base: dict[str, object] = {
        "project": "lung-ai",
        "key": f"uni-a/lung-ai/S-ABC123/P-{n:04d}/obj{n}.dcm",
        "status": "released",
        "size": 1000 + n,
        "sha256": f"{n:064x}",
        "site": "S-ABC123",
        "modality": "CT",
        "body_part": "CHEST",
        "year": 2020,
        "kind": "dicom",
    }
    base.update(kw)
    return CatalogueItem(**base)  # type: ignore[arg-type]


@pytest.fixture
def dataset() -> DatasetVersion:
    return freeze("DS-TEST01", 1, "chest ct", CohortQuery(), [item(1), item(2), item(3)], "curator", NOW)


@pytest.fixture
def active_dua() -> Dua:
    draft = new_dua(
        "DUA-1", "pharma-x", "DS-TEST01", 1, "train a nodule model", "2026-01-01", "2026-12-31", "curator", NOW
    )
    return transition(draft, "active", "curator", NOW)


def draft_dua(**kw: str) -> Dua:
    args = {"start_date": "2026-01-01", "end_date": "2026-12-31"}
    args.update(kw)
    return new_dua(
        "DUA-1",
        "pharma-x",
        "DS-TEST01",
        1,
        "train a nodule model",
        args["start_date"],
        args["end_date"],
        "curator",
        NOW,
    )
