"""What the repository records when a partner's submission arrives: catalogue items, audit entries, usage events.

A partner's de-identify function writes nothing to the repository's tables: it would need cross-account write
access to them, and a PutItem grant on a table covers every item of it (another partner's catalogue items, audit
entries that must never change). It writes the de-identified objects and one PHI-free inbound manifest below its
own prefix of the inbound bucket; the repository's ``validate_manifest`` step reads that manifest and derives the
records here, so every write to the catalogue, the audit trail and the usage ledger is made by a repository
function, and only for objects below the prefix of the partner whose manifest it is.

Every record's ID comes from the file it is about (``file``: the partner's PHI-free handle of one landing object
version, see ``lambdas.deidentify_object.ingest.object_ref``) and from when it happened, so validating the same
manifest again (a retried task, a second execution) writes the same keys and the append-only puts keep the first.

Manifest entries (written by the ingest's ``complete_submission``):

* de-identified: ``{"key", "sha256", "size", "kind", "file", "at", "received_bytes", "catalogue": {...}}``
* quarantined or rejected at ingest: ``{"file", "status", "reason", "kind", "at", "bytes"}``

``at`` is when the landing object arrived (its S3 event time); manifests written before these fields existed lack
``file``, ``at``, the sizes and ``catalogue``: they yield catalogue items without the descriptive fields, and events
timed at the manifest's own time and keyed by their position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiminer.governance import audit, usage

#: Descriptive fields of a catalogue item the ingest reports per object (coded or coarse: PHI-free by
#: construction). Anything else in an entry's ``catalogue`` is dropped.
CATALOGUE_FIELDS: tuple[str, ...] = (
    "patient",
    "study",
    "series",
    "modality",
    "body_part",
    "year",
    "policy_id",
    "pixels_masked",
)
#: Longest descriptive value kept (coded IDs, DICOM code strings, a policy ID).
MAX_FIELD_CHARS = 128
_FILE_REF = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Submission:
    """The validated identity of an inbound manifest (what ``validate_manifest`` checked)."""

    submission_id: str
    project: str
    partner_id: str
    site: str
    #: When the submission manifest arrived at the landing bucket (falls back to the inbound manifest's time).
    uploaded_at: datetime


@dataclass
class IntakeRecords:
    """Everything one manifest adds to the repository's tables."""

    #: ``(inbound key, catalogue fields)`` of each de-identified object (``status`` = ``deidentified``).
    objects: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    audit: list[audit.AuditEvent] = field(default_factory=list)
    usage: list[usage.UsageEvent] = field(default_factory=list)


def when(value: Any, default: datetime) -> datetime:
    """An entry's time (ISO 8601, timezone-aware UTC), or ``default`` when it has none or it does not parse."""
    if isinstance(value, str) and value:
        try:
            at = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return default
        return at if at.tzinfo else at.replace(tzinfo=UTC)
    return default


def _count(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def _descriptive(raw: Any) -> dict[str, Any]:
    """The allowed descriptive fields of one object, as short strings (``pixels_masked`` as a boolean)."""
    raw = raw if isinstance(raw, dict) else {}
    out: dict[str, Any] = {}
    for name in CATALOGUE_FIELDS:
        value = raw.get(name)
        if value is None or value == "":
            continue
        if name == "pixels_masked":
            out[name] = value is True
        elif isinstance(value, (str, int)) and not isinstance(value, bool):
            out[name] = str(value)[:MAX_FIELD_CHARS]
    return out


def intake_records(sub: Submission, entries: list[dict[str, Any]], *, actor: str) -> IntakeRecords:
    """The catalogue items, audit entries (``upload``; ``deidentification`` or ``quarantine`` per file) and usage
    events (``received``; ``deidentified`` or ``quarantined`` per file) of one validated manifest.

    ``actor`` is the partner function that did the work (the records describe what it did).
    """
    records = IntakeRecords()
    subject = audit.subject_of("submission", sub.submission_id)
    records.audit.append(
        audit.pipeline_event(
            ("submission", sub.partner_id, sub.submission_id),
            subject,
            "upload",
            actor,
            sub.uploaded_at,
            project=sub.project,
            partner_id=sub.partner_id,
            site=sub.site,
            files=len(entries),
        )
    )
    for position, entry in enumerate(entries):
        ref = str(entry.get("file") or "")
        # The file's own handle keys its records; an entry without one (an older manifest) its position.
        source = (ref,) if _FILE_REF.fullmatch(ref) else ("submission", sub.submission_id, "entry", str(position))
        at = when(entry.get("at"), sub.uploaded_at)
        details: dict[str, Any] = {"project": sub.project, "submission_id": sub.submission_id}
        if ref and _FILE_REF.fullmatch(ref):
            details["file"] = ref
        received = _count(entry.get("received_bytes") if "key" in entry else entry.get("bytes"))
        records.usage.append(usage.usage_event(sub.project, "received", 1, received, at, source))
        if "key" in entry:
            key, size = str(entry["key"]), _count(entry.get("size"))
            kind = str(entry.get("kind") or "other")
            records.objects.append(
                (
                    key,
                    {
                        "status": "deidentified",
                        "partner_id": sub.partner_id,
                        "site": sub.site,
                        "submission_id": sub.submission_id,
                        "kind": kind,
                        "size": size,
                        "sha256": str(entry.get("sha256") or ""),
                        **_descriptive(entry.get("catalogue")),
                    },
                )
            )
            records.audit.append(
                audit.pipeline_event(
                    source,
                    subject,
                    "deidentification",
                    actor,
                    at,
                    **details,
                    object_kind=kind,
                    status="deidentified",
                    output_key=key,
                    bytes=size,
                )
            )
            records.usage.append(usage.usage_event(sub.project, "deidentified", 1, size, at, source))
            continue
        status = str(entry.get("status") or "quarantined")
        records.audit.append(
            audit.pipeline_event(
                source,
                subject,
                "quarantine",
                actor,
                at,
                **details,
                object_kind=str(entry.get("kind") or "other"),
                status=status,
                reason=str(entry.get("reason") or "") or None,
                bytes=received,
            )
        )
        if status == "quarantined":
            records.usage.append(usage.usage_event(sub.project, "quarantined", 1, received, at, source))
    return records
