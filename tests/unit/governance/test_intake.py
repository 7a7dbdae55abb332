"""What validate_manifest records from a partner's inbound manifest (aiminer.governance.intake): pure rules."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from aiminer.governance import usage
from aiminer.governance.intake import CATALOGUE_FIELDS, MAX_FIELD_CHARS, Submission, intake_records, when

UPLOADED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SUB = Submission("S-20260301-0001", "lung-ai", "uni-a", "SITE-7Q2K", UPLOADED)
ACTOR = "uni-a/deidentify_object"


def ref(n: int) -> str:
    return hashlib.sha256(f"landing\nsite-1/lung-ai/S/files/{n}\nv{n}".encode()).hexdigest()


def deidentified(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "key": f"uni-a/lung-ai/SITE-7Q2K/P-1/ST-1/SE-1/I-{n}.dcm",
        "sha256": "ab" * 32,
        "size": 1000 + n,
        "kind": "dicom",
        "file": ref(n),
        "at": "2026-03-01T09:05:00+00:00",
        "received_bytes": 2000 + n,
        "catalogue": {"patient": "P-1", "study": "ST-1", "modality": "CT", "year": "2019", "pixels_masked": False},
        **extra,
    }


def quarantined(n: int, status: str = "quarantined") -> dict[str, Any]:
    return {
        "file": ref(n),
        "status": status,
        "reason": "not_dicom",
        "kind": "other",
        "at": "2026-03-01T09:06:00Z",
        "bytes": 77,
    }


def test_one_catalogue_item_per_deidentified_object_with_the_validated_identity() -> None:
    records = intake_records(SUB, [deidentified(1), quarantined(2)], actor=ACTOR)
    ((key, item),) = records.objects
    assert key.endswith("I-1.dcm")
    assert item["status"] == "deidentified" and item["submission_id"] == SUB.submission_id
    assert (item["partner_id"], item["site"], item["size"], item["kind"]) == ("uni-a", "SITE-7Q2K", 1001, "dicom")
    assert (item["patient"], item["modality"], item["year"], item["pixels_masked"]) == ("P-1", "CT", "2019", False)


def test_only_the_known_descriptive_fields_reach_the_catalogue_and_they_are_bounded() -> None:
    entry = deidentified(1)
    entry["catalogue"] = {"patient": "P" * 500, "PatientName": "DOE^JANE", "body_part": {"nested": 1}}
    ((_, item),) = intake_records(SUB, [entry], actor=ACTOR).objects
    assert "PatientName" not in item and "body_part" not in item
    assert len(item["patient"]) == MAX_FIELD_CHARS
    assert set(item) - {"status", "partner_id", "site", "submission_id", "kind", "size", "sha256"} <= set(
        CATALOGUE_FIELDS
    )


def test_audit_upload_then_one_outcome_per_file_timed_by_arrival() -> None:
    records = intake_records(SUB, [deidentified(1), quarantined(2), quarantined(3, "rejected")], actor=ACTOR)
    kinds = [(e.kind, e.details.get("status")) for e in records.audit]
    assert kinds == [
        ("upload", None),
        ("deidentification", "deidentified"),
        ("quarantine", "quarantined"),
        ("quarantine", "rejected"),
    ]
    upload = records.audit[0]
    assert upload.subject == f"submission#{SUB.submission_id}" and upload.details["files"] == 3
    assert upload.at.startswith("2026-03-01T09:00:00")
    assert records.audit[1].at.startswith("2026-03-01T09:05:00") and records.audit[1].details["file"] == ref(1)
    assert records.audit[2].details["reason"] == "not_dicom" and all(e.actor == ACTOR for e in records.audit)


def test_usage_received_for_every_file_then_deidentified_or_quarantined() -> None:
    records = intake_records(SUB, [deidentified(1), quarantined(2), quarantined(3, "rejected")], actor=ACTOR)
    got = sorted((e.kind, e.bytes) for e in records.usage)
    assert got == sorted(
        [("received", 2001), ("deidentified", 1001), ("received", 77), ("quarantined", 77), ("received", 77)]
    )
    summary = usage.aggregate(records.usage, "lung-ai", "2026-03")
    assert (summary.received_objects, summary.deidentified_objects, summary.quarantined_objects) == (3, 1, 1)
    assert summary.stored_bytes_end == 1001


def test_the_same_manifest_gives_the_same_record_ids_so_a_retry_records_nothing_twice() -> None:
    entries = [deidentified(1), quarantined(2)]
    first, again = intake_records(SUB, entries, actor=ACTOR), intake_records(SUB, entries, actor=ACTOR)
    assert [e.event_id for e in first.audit] == [e.event_id for e in again.audit]
    assert [e.event_id for e in first.usage] == [e.event_id for e in again.usage]
    ids = [e.event_id for e in first.usage]
    assert len(set(ids)) == len(ids), "every usage event of a manifest has its own ID"


def test_two_files_never_share_an_id_even_arriving_in_the_same_millisecond() -> None:
    records = intake_records(SUB, [deidentified(1), deidentified(2)], actor=ACTOR)
    audit_ids = [e.event_id for e in records.audit]
    assert len(set(audit_ids)) == len(audit_ids)


def test_an_older_manifest_without_file_handles_or_times_is_keyed_by_position_and_the_upload_time() -> None:
    old = [{"key": "uni-a/x/1.dcm", "sha256": "cd" * 32, "size": 5, "kind": "dicom"}, {"status": "rejected"}]
    records = intake_records(SUB, old, actor=ACTOR)
    assert all(e.at.startswith("2026-03-01T09:00:00") for e in records.audit)
    assert len({e.event_id for e in records.usage}) == len(records.usage) == 3
    assert "file" not in records.audit[1].details


def test_a_file_handle_that_is_not_a_digest_is_not_copied_into_the_trail() -> None:
    entry = quarantined(2)
    entry["file"] = "SMITH_JOHN/MRN12345678.dcm"  # a hostile or broken manifest
    records = intake_records(SUB, [entry], actor=ACTOR)
    assert "SMITH" not in repr(records.audit) and "SMITH" not in repr(records.usage)


def test_times_parse_with_z_or_offset_and_fall_back_when_missing_or_broken() -> None:
    assert when("2026-03-01T09:06:00Z", UPLOADED) == datetime(2026, 3, 1, 9, 6, tzinfo=UTC)
    assert when("2026-03-01T09:06:00", UPLOADED).tzinfo is not None
    assert when("yesterday", UPLOADED) == UPLOADED
    assert when(None, UPLOADED) == UPLOADED
