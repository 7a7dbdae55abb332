"""Audit record shapes and the usage ledger aggregation (including GB-months)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from aiminer.governance import audit, usage
from aiminer.governance._dates import iso
from aiminer.governance.usage import GIB, UsageEvent, aggregate, report_csv, usage_event

from .conftest import NOW


def test_audit_event_has_sortable_unique_ids_and_round_trips() -> None:
    a = audit.event("dua#D1", "dua_changed", "officer", NOW, to="active")
    b = audit.event("dua#D1", "dua_changed", "officer", NOW, to="active")
    assert a.event_id != b.event_id and a.event_id.startswith(NOW.isoformat(timespec="milliseconds"))
    assert audit.AuditEvent.from_record(a.to_record()) == a


def test_audit_event_refuses_unknown_kind_and_missing_actor() -> None:
    with pytest.raises(ValueError):
        audit.event("x", "deleted_everything", "a", NOW)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        audit.event("x", "upload", "", NOW)


def test_audit_filter() -> None:
    ev = audit.event("dua#D1", "delivery_issued", "pharma-x", NOW)
    assert audit.matches(ev, kind="delivery_issued", actor="pharma-x", since="2026-01-01")
    assert not audit.matches(ev, kind="upload")
    assert not audit.matches(ev, actor="other")
    assert not audit.matches(ev, since="2027-01-01")


def at(day: int, month: int = 6, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_month_counts_per_kind_only_for_the_project_and_month() -> None:
    # GIVEN events in several months and projects WHEN June of lung-ai is aggregated THEN only those count
    events = [
        usage_event("lung-ai", "received", 10, 10 * GIB, at(1)),
        usage_event("lung-ai", "deidentified", 8, 4 * GIB, at(1)),
        usage_event("lung-ai", "quarantined", 2, GIB, at(1)),
        usage_event("lung-ai", "delivered", 8, 4 * GIB, at(20)),
        usage_event("other", "received", 99, 99, at(2)),
        usage_event("lung-ai", "received", 5, 5, at(1, month=7)),
    ]
    s = aggregate(events, "lung-ai", "2026-06")
    assert (s.received_objects, s.received_bytes) == (10, 10 * GIB)
    assert (s.deidentified_objects, s.quarantined_objects, s.delivered_objects) == (8, 2, 8)
    assert s.delivered_bytes == 4 * GIB


def test_gb_months_integrates_storage_over_the_month() -> None:
    # GIVEN 3 GiB carried from May, +3 GiB on June 16 00:00 (half of a 30-day month), -3 GiB never
    events = [
        usage_event("lung-ai", "deidentified", 1, 3 * GIB, at(10, month=5)),
        usage_event("lung-ai", "deidentified", 1, 3 * GIB, at(16)),
    ]
    s = aggregate(events, "lung-ai", "2026-06")
    # THEN 3 GiB x 1 month + 3 GiB x 0.5 month = 4.5 GB-months; May's object is not counted as June's work
    assert s.stored_gb_months == pytest.approx(4.5)
    assert s.stored_bytes_end == 6 * GIB and s.deidentified_objects == 1


def test_deletions_reduce_storage_and_never_below_zero() -> None:
    events = [
        usage_event("lung-ai", "deidentified", 1, 2 * GIB, at(1)),
        usage_event("lung-ai", "deleted", 1, 5 * GIB, at(16)),
    ]
    s = aggregate(events, "lung-ai", "2026-06")
    assert s.stored_gb_months == pytest.approx(1.0)
    assert s.stored_bytes_end == 0


def test_usage_event_validation_and_round_trip() -> None:
    for args in (
        ("p", "stolen", 1, 1, NOW),
        ("p", "received", -1, 1, NOW),
        ("p", "received", 1, 1, at(1).replace(tzinfo=None)),
    ):
        with pytest.raises(ValueError):
            usage_event(*args)  # type: ignore[arg-type]
    rec = usage_event("p", "received", 1, 2, NOW).to_record()
    back = UsageEvent.from_record(rec)
    assert (back.project, back.kind, back.objects, back.bytes, back.at) == ("p", "received", 1, 2, NOW)
    assert rec["event_id"].startswith("2026-06-15T12:00:00.000+00:00#")


def test_invalid_month_is_refused() -> None:
    from aiminer.governance.errors import InvalidRecordError

    with pytest.raises(InvalidRecordError):
        aggregate([], "p", "2026-13")


def test_report_csv_prices_services_only() -> None:
    s = aggregate([usage_event("p", "received", 1, GIB, at(1))], "p", "2026-06")
    rows = list(csv.reader(io.StringIO(report_csv(s, {"ingest_gb": 2.0}))))
    assert rows[0] == ["project", "month", "measure", "objects", "bytes"]
    assert ["p", "2026-06", "received", "1", str(GIB)] in rows
    assert rows[-1] == ["total", "", "", "", "2.00"]
    with pytest.raises(ValueError, match="only services"):
        report_csv(s, {"per_patient": 10.0})


def test_chart_writes_a_png(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("PIL")
    from aiminer.governance.chart import usage_chart

    s = aggregate([usage_event("p", "received", 3, GIB, at(1))], "p", "2026-06")
    path = usage_chart(s, tmp_path / "u.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pipeline_entries_have_ids_stable_per_cause_and_kind() -> None:
    # GIVEN the same landing object version recorded twice (a retry) and a second object
    cause = ("landing", "uni-a/lung-ai/sub/files/a.dcm", "v1")
    first = audit.pipeline_event(cause, "submission#S1", "deidentification", "uni-a/deidentify_object", NOW, bytes=1)
    retry = audit.pipeline_event(cause, "submission#S1", "deidentification", "uni-a/deidentify_object", NOW, bytes=1)
    other = audit.pipeline_event((*cause[:2], "v2"), "submission#S1", "deidentification", "x", NOW)
    # THEN the retry has the same ID (the append-only put keeps the first), another cause or kind does not
    assert first.event_id == retry.event_id and first.event_id.startswith(iso(NOW) + "#")
    assert other.event_id != first.event_id
    assert audit.pipeline_event(cause, "submission#S1", "quarantine", "x", NOW).event_id != first.event_id
    received = usage.usage_event("lung-ai", "received", 1, 10, NOW, cause)
    assert received.to_record()["event_id"] == usage.usage_event("lung-ai", "received", 1, 10, NOW, cause).event_id
    assert received.event_id != usage.usage_event("lung-ai", "deidentified", 1, 10, NOW, cause).event_id
    # AND without a cause every event is new
    assert usage.usage_event("lung-ai", "received", 1, 10, NOW).to_record()["event_id"] != received.event_id


def test_a_deletion_stamped_earlier_in_the_same_second_still_empties_the_store() -> None:
    # GIVEN an object de-identified at .600 s and rejected within the same second: the deletion is stamped with its
    # S3 copy's LastModified, whole seconds, so it sorts before the de-identification
    t = datetime(2026, 12, 6, 10, 0, 0, tzinfo=UTC)
    events = [
        usage_event("lung-ai", "deidentified", 1, 45_358, t.replace(microsecond=600_000)),
        usage_event("lung-ai", "deleted", 1, 45_358, t),
    ]
    # WHEN the month is aggregated / THEN nothing is left stored, and no negative bytes were counted
    summary = aggregate(events, "lung-ai", "2026-12")
    assert summary.stored_bytes_end == 0
    assert summary.stored_gb_months >= 0
