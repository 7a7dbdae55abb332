"""Delivery rules: eligibility, refusals with reasons, expiry cap, manifests (JSON + CSV), audit events."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiminer.governance.catalogue import CatalogueItem, DatasetVersion
from aiminer.governance.delivery import (
    CSV_COLUMNS,
    DEFAULT_MAX_EXPIRY_SECONDS,
    check_delivery,
    effective_expiry,
    issue_delivery,
    manifest_csv,
    signed_expiry,
)
from aiminer.governance.dua import Dua, transition
from aiminer.governance.errors import DeliveryRefusedError, InvalidRecordError

from .conftest import NOW, item


class FakeSigner:
    """Records what it signed; URLs carry SigV4-like parameters."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def presign_get(self, key: str, expires_in: int) -> str:
        self.calls.append((key, expires_in))
        q = urlencode({"X-Amz-Date": NOW.strftime("%Y%m%dT%H%M%SZ"), "X-Amz-Expires": expires_in})
        return f"https://released.example/{key}?{q}"


def current(ds: DatasetVersion, **overrides: CatalogueItem) -> dict[str, CatalogueItem]:
    cur = {m.key: item(0, key=m.key, status="released") for m in ds.members}
    cur.update(overrides)
    return cur


@given(
    requested=st.one_of(st.none(), st.integers(min_value=1, max_value=10**6)),
    maximum=st.integers(min_value=1, max_value=7 * 24 * 3600),
)
def test_effective_expiry_never_exceeds_the_maximum(requested: int | None, maximum: int) -> None:
    # GIVEN any request and configured maximum WHEN capped THEN 1 <= expiry <= maximum
    got = effective_expiry(requested, maximum)
    assert 1 <= got <= maximum
    assert got == (maximum if requested is None else min(requested, maximum))


def test_effective_expiry_defaults_to_one_hour_and_rejects_nonsense() -> None:
    assert effective_expiry(None) == DEFAULT_MAX_EXPIRY_SECONDS == 3600
    assert effective_expiry(7200) == 3600
    for bad in ((0, 3600), (-5, 3600), (None, 0), (None, 8 * 24 * 3600)):
        with pytest.raises(InvalidRecordError):
            effective_expiry(*bad)


def test_active_dua_in_dates_gets_every_member(active_dua: Dua, dataset: DatasetVersion) -> None:
    chosen = check_delivery(active_dua, dataset, current(dataset), NOW)
    assert [m.key for m in chosen] == [m.key for m in dataset.members]


def test_requested_subset_is_delivered_in_request_order(active_dua: Dua, dataset: DatasetVersion) -> None:
    keys = [dataset.members[2].key, dataset.members[0].key, dataset.members[2].key]
    chosen = check_delivery(active_dua, dataset, current(dataset), NOW, keys)
    assert [m.key for m in chosen] == [dataset.members[2].key, dataset.members[0].key]


@pytest.mark.parametrize(
    ("status", "when", "reason"),
    [
        ("revoked", NOW, "dua_revoked"),
        ("suspended", NOW, "dua_suspended"),
        ("expired", NOW, "dua_expired"),
        ("active", datetime(2027, 1, 1, tzinfo=UTC), "dua_ended"),
        ("active", datetime(2025, 12, 31, tzinfo=UTC), "dua_not_started"),
    ],
)
def test_dua_not_active_or_out_of_dates_is_refused(
    active_dua: Dua, dataset: DatasetVersion, status: str, when: datetime, reason: str
) -> None:
    # GIVEN a DUA that is not active or out of its dates WHEN delivery is requested THEN refused with a reason
    dua = active_dua if status == "active" else transition(active_dua, status, "officer", NOW)  # type: ignore[arg-type]
    with pytest.raises(DeliveryRefusedError) as exc:
        check_delivery(dua, dataset, current(dataset), when)
    assert exc.value.reason == reason


def test_draft_dua_is_refused(dataset: DatasetVersion) -> None:
    from .conftest import draft_dua

    with pytest.raises(DeliveryRefusedError) as exc:
        check_delivery(draft_dua(), dataset, current(dataset), NOW)
    assert exc.value.reason == "dua_draft"


def test_object_outside_the_dataset_is_refused(active_dua: Dua, dataset: DatasetVersion) -> None:
    with pytest.raises(DeliveryRefusedError) as exc:
        check_delivery(active_dua, dataset, current(dataset), NOW, [dataset.members[0].key, "other/key.dcm"])
    assert exc.value.reason == "object_not_in_dataset"


def test_object_withdrawn_since_freeze_is_refused(active_dua: Dua, dataset: DatasetVersion) -> None:
    key = dataset.members[1].key
    cur = current(dataset, **{})
    cur[key] = item(0, key=key, status="withdrawn")
    with pytest.raises(DeliveryRefusedError) as exc:
        check_delivery(active_dua, dataset, cur, NOW)
    assert exc.value.reason == "object_not_released"
    del cur[key]  # gone from the catalogue entirely
    with pytest.raises(DeliveryRefusedError):
        check_delivery(active_dua, dataset, cur, NOW)


def test_other_dataset_version_is_refused(active_dua: Dua, dataset: DatasetVersion) -> None:
    other = DatasetVersion(**{**dataset.__dict__, "version": 2})
    with pytest.raises(DeliveryRefusedError) as exc:
        check_delivery(active_dua, other, current(other), NOW)
    assert exc.value.reason == "dataset_mismatch"


def test_issue_delivery_signs_caps_and_audits(active_dua: Dua, dataset: DatasetVersion) -> None:
    # GIVEN an active DUA WHEN links are requested for 2 hours with a 15-minute maximum
    signer = FakeSigner()
    out = issue_delivery(
        active_dua,
        dataset,
        current(dataset),
        signer,
        "pharma-x",
        NOW,
        max_expiry=900,
        requested_expiry=7200,
        new_id=lambda: "DLV-1",
    )
    # THEN every member is signed for 900 s, the manifest carries size + SHA-256, the event names everything
    assert out.manifest is not None and out.refusal is None
    assert signer.calls == [(m.key, 900) for m in dataset.members]
    objs = out.manifest["objects"]
    assert [(o["path"], o["size"], o["sha256"]) for o in objs] == [(m.key, m.size, m.sha256) for m in dataset.members]
    assert out.manifest["expires_at"] == (NOW + timedelta(seconds=900)).isoformat(timespec="milliseconds")
    for o in objs:
        assert signed_expiry(o["url"]).expires_in <= 900
    ev = out.audit_event
    assert (ev.kind, ev.actor, ev.subject) == ("delivery_issued", "pharma-x", "dua#DUA-1")
    assert ev.details["objects"] == [m.key for m in dataset.members] and ev.details["expiry_seconds"] == 900
    assert ev.details["delivery_id"] == "DLV-1" == out.manifest["delivery_id"]


def test_refused_delivery_signs_nothing_and_is_audited(active_dua: Dua, dataset: DatasetVersion) -> None:
    signer = FakeSigner()
    revoked = transition(active_dua, "revoked", "officer", NOW)
    out = issue_delivery(revoked, dataset, current(dataset), signer, "pharma-x", NOW)
    assert out.manifest is None and signer.calls == []
    assert out.refusal is not None and out.refusal.reason == "dua_revoked"
    assert out.audit_event.kind == "delivery_refused" and out.audit_event.details["reason"] == "dua_revoked"


def test_manifest_csv_has_one_row_per_object(active_dua: Dua, dataset: DatasetVersion) -> None:
    out = issue_delivery(active_dua, dataset, current(dataset), FakeSigner(), "pharma-x", NOW)
    assert out.manifest is not None
    rows = list(csv.DictReader(io.StringIO(manifest_csv(out.manifest))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["sha256"] for r in rows] == [m.sha256 for m in dataset.members]


def test_signed_expiry_parses_sigv4_and_rejects_other_urls() -> None:
    s = signed_expiry("https://b.s3.amazonaws.com/k?X-Amz-Date=20260615T120000Z&X-Amz-Expires=600&X-Amz-Signature=x")
    assert s.expires_in == 600 and s.expires_at == NOW + timedelta(seconds=600)
    with pytest.raises(InvalidRecordError):
        signed_expiry("https://example.com/k")


@pytest.mark.parametrize("status", ["suspended", "expired", "not_approved"])
def test_a_project_whose_irb_approval_is_not_active_is_not_delivered(
    active_dua: Dua, dataset: DatasetVersion, status: str
) -> None:
    # GIVEN an active DUA over a dataset whose project's IRB approval lapsed (red team 12: links were still issued)
    # WHEN delivering / THEN refused with the project's status; an active project (or one with no record) is not
    with pytest.raises(DeliveryRefusedError) as exc:
        check_delivery(active_dua, dataset, current(dataset), NOW, project_status_of=lambda _p: status)
    assert exc.value.reason == f"project_{status}"
    assert check_delivery(active_dua, dataset, current(dataset), NOW, project_status_of=lambda _p: "active")
    assert check_delivery(active_dua, dataset, current(dataset), NOW, project_status_of=lambda _p: None)
