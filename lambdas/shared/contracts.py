"""Typed boundaries of the handlers (pydantic at the edge)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class ObjectTask(BaseModel):
    """One landing object to process: the idempotency key is exactly these fields."""

    model_config = ConfigDict(frozen=True)

    bucket: str
    key: str
    version: str  # version ID, or the ETag when the bucket is not versioned
    version_id: str | None = None
    etag: str | None = None
    size: int | None = None
    event_time: str | None = None  # the S3 event's time: usage and audit entries are dated by it (stable on retry)


class ObjectResult(BaseModel):
    """What happened to one landing object (PHI-free: no raw key; ``key_hash`` names it)."""

    key_hash: str
    kind: str
    status: Literal["deidentified", "quarantined", "rejected", "manifest", "ignored"]
    reason: str | None = None
    output_key: str | None = None
    submission_id: str | None = None
    size: int = 0
    submission_completed: bool = False


#: The project options QC must know, as the inbound manifest carries them (``qc_policy``) and
#: :class:`aiminer.qc.QcPolicy` names them: written by ingest, passed on by validate_manifest, read by QC.
QC_POLICY_FIELDS = ("longitudinal", "retain_safe_private", "surrogates")

#: ``validate_manifest`` reason codes raised before it records anything (the manifest could not be attributed or
#: does not add up): the usage ledger then holds no ``deidentified`` bytes for the submission, so the rejection
#: records no ``deleted`` bytes either. Every other code is raised after the usage events were recorded.
MANIFEST_ERRORS_BEFORE_RECORDING = frozenset(
    {
        "malformed_event",
        "manifest_unreadable",
        "malformed_manifest",
        "manifest_outside_partner_prefix",
        "object_outside_partner_prefix",
        "count_mismatch",
    }
)
