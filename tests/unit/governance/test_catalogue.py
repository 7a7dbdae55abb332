"""Cohort queries and freezing datasets."""

from __future__ import annotations

import pytest

from aiminer.governance.catalogue import CatalogueItem, CohortQuery, freeze, members_digest, search
from aiminer.governance.errors import InvalidRecordError

from .conftest import NOW, item

ITEMS = [
    item(1),
    item(2, modality="MR", body_part="BRAIN", year=2018),
    item(3, site="S-XYZ789", year=2023),
    item(4, status="deidentified"),
    item(5, project="brain-mr", modality="mr", body_part="brain", year=2021),
    item(6, year=None),
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (CohortQuery(), {1, 2, 3, 5, 6}),
        (CohortQuery(released_only=False), {1, 2, 3, 4, 5, 6}),
        (CohortQuery(modalities=("MR",)), {2, 5}),  # case-insensitive
        (CohortQuery(body_parts=("chest",)), {1, 3, 6}),
        (CohortQuery(year_from=2019, year_to=2021), {1, 5}),  # unknown years excluded from a range
        (CohortQuery(year_from=2022), {3}),
        (CohortQuery(sites=("S-XYZ789",)), {3}),
        (CohortQuery(projects=("brain-mr",)), {5}),
        (CohortQuery(kinds=("report",)), set()),
    ],
)
def test_search_filters(query: CohortQuery, expected: set[int]) -> None:
    # GIVEN a catalogue WHEN searched THEN exactly the matching released items come back, sorted
    got = search(ITEMS, query)
    assert {int(i.key.rsplit("obj", 1)[1].split(".")[0]) for i in got} == expected
    assert got == sorted(got, key=lambda i: (i.project, i.key))


def test_impossible_year_range_is_refused() -> None:
    with pytest.raises(InvalidRecordError):
        search(ITEMS, CohortQuery(year_from=2024, year_to=2020))


def test_query_round_trips_through_json_form() -> None:
    q = CohortQuery(modalities=("CT",), year_from=2019, sites=("S-A",))
    assert CohortQuery.from_dict(q.to_dict()) == q


def test_catalogue_item_reads_a_stored_record() -> None:
    rec = {
        "dataset_id": "lung-ai",
        "item": "object#k",
        "key": "k",
        "status": "released",
        "size": 5,
        "sha256": "a" * 64,
        "site": "S-1",
        "modality": "CT",
        "year": "2020",
        "released_key": "r/k",
    }
    it = CatalogueItem.from_record(rec)
    assert (it.project, it.year, it.delivery_key) == ("lung-ai", 2020, "r/k")


def test_freeze_builds_a_versioned_immutable_selection() -> None:
    # GIVEN a resolved cohort WHEN frozen THEN members, digest and header describe it
    cohort = search(ITEMS, CohortQuery(modalities=("CT",)))
    ds = freeze("DS-1", 2, "ct", CohortQuery(modalities=("CT",)), cohort, "curator", NOW)
    assert ds.ref == "DS-1@2"
    assert [m.key for m in ds.members] == sorted(i.key for i in cohort)
    assert ds.digest == members_digest(ds.members)
    assert ds.header()["count"] == len(cohort) and ds.header()["total_bytes"] == sum(i.size for i in cohort)
    assert ds.query["modalities"] == ["CT"]


@pytest.mark.parametrize(
    ("cohort", "reason"),
    [
        ([], "empty_cohort"),
        ([item(4, status="deidentified")], "object_not_released"),
        ([item(1, sha256="")], "missing_checksum"),
        ([item(1), item(1)], "duplicate_object"),
    ],
)
def test_freeze_refuses(cohort: list[CatalogueItem], reason: str) -> None:
    with pytest.raises(InvalidRecordError) as exc:
        freeze("DS-1", 1, "x", CohortQuery(), cohort, "curator", NOW)
    assert exc.value.reason == reason


def test_freeze_refuses_version_zero() -> None:
    with pytest.raises(InvalidRecordError):
        freeze("DS-1", 0, "x", CohortQuery(), [item(1)], "curator", NOW)
