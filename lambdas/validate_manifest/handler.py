"""Validate a submission manifest before QC, and record it: catalogue items, audit trail, usage ledger.

Input (the EventBridge rule's, or the local runtime's): ``{"bucket", "key", "version_id"}`` of the manifest that
a partner's ingest wrote to the inbound bucket. Checks: the manifest sits below its partner's prefix and names only
objects there, its counts add up, every de-identified object exists with the manifest's SHA-256 and size, and none
of them is catalogued under another submission (``object_in_other_submission``: an object item is never replaced).
Records (the repository's own writes; partners hold no write access to these tables, see
:mod:`aiminer.governance.intake`): once the manifest is structurally sound, the upload and every file's outcome
in the audit trail and the usage ledger (append-only, with IDs derived from each file, so a retry records nothing
twice); once the objects are verified, one catalogue item per de-identified object and the submission's item
(``qc_running``), and the validated object list (key, kind, SHA-256 of each de-identified object) as a JSON array in
the QC reports bucket. Output: the PHI-free facts the rest of the workflow needs (submission, project, partner,
coded site, counts by outcome) and ``object_list``, where that list is (``bucket``, ``key``, ``count``): the list
itself stays out of the workflow's state, which Step Functions caps at 256 KB.

Raises :class:`ManifestValidationError` (caught by the workflow into the rejection path) with a reason code only.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from aiminer import topology
from aiminer.adapters.aws.catalogue import CatalogueRepository, ObjectOwnedError
from aiminer.adapters.aws.governance_tables import AuditTable, ConflictError, UsageTable
from aiminer.adapters.aws.review import QcFiles
from aiminer.adapters.aws.s3 import is_transient
from aiminer.governance import intake
from lambdas.shared import observability as obs
from lambdas.shared.contracts import QC_POLICY_FIELDS

_CHUNK = 8 * 1024 * 1024


class ManifestValidationError(Exception):
    """The manifest does not match what was de-identified and quarantined (the message is a reason code)."""


class Settings(BaseModel):
    """``aiminer.topology.VALIDATE_MANIFEST.env``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    INBOUND_BUCKET: str
    QC_REPORTS_BUCKET: str
    CATALOGUE_TABLE: str
    USAGE_TABLE: str
    AUDIT_TABLE: str


assert set(Settings.model_fields) == set(topology.VALIDATE_MANIFEST.env), "settings drifted from topology"

_RETRIES = Config(retries={"mode": "standard", "max_attempts": 5})
settings = Settings.model_validate(dict(os.environ))
s3 = boto3.client("s3", config=_RETRIES)
ddb = boto3.client("dynamodb", config=_RETRIES)


def _sha256(bucket: str, key: str) -> tuple[str, int]:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    sha, size = hashlib.sha256(), 0
    for chunk in iter(lambda: body.read(_CHUNK), b""):
        sha.update(chunk)
        size += len(chunk)
    return sha.hexdigest(), size


def validate(
    manifest: dict[str, Any], bucket: str, key: str | None = None, *, arrived: datetime | None = None
) -> dict[str, Any]:
    """Check the manifest (stored at ``key``, written at ``arrived``) against the inbound bucket, record it, and
    return the workflow's view of it."""
    try:
        submission_id = topology.check_submission_id(str(manifest["submission_id"]))
        project, partner, site = str(manifest["project"]), str(manifest["partner_id"]), str(manifest["site"])
        topology.check_id("partner", partner)
        counts = {str(k): int(v) for k, v in dict(manifest["counts"]).items()}
        entries = list(manifest["objects"])
        if not all(isinstance(e, dict) for e in entries):
            raise TypeError("every entry is an object")
        sizes = {str(e["key"]): int(e.get("size", -1)) for e in entries if "key" in e}
    except (KeyError, TypeError, ValueError) as exc:
        raise ManifestValidationError("malformed_manifest") from exc
    if key is not None and not key.startswith(topology.inbound_prefix(partner)):
        raise ManifestValidationError("manifest_outside_partner_prefix")  # a partner speaks for itself only
    if not all(k.startswith(topology.inbound_prefix(partner)) for k in sizes):
        raise ManifestValidationError("object_outside_partner_prefix")
    if sum(counts.values()) != len(entries):
        raise ManifestValidationError("count_mismatch")
    by_status: dict[str, int] = {}
    at_ingest: dict[str, dict[str, int]] = {}
    for e in entries:
        status = "deidentified" if "key" in e else str(e.get("status"))
        by_status[status] = by_status.get(status, 0) + 1
        if status != "deidentified":
            reasons = at_ingest.setdefault(status, {})
            reasons[str(e.get("reason"))] = reasons.get(str(e.get("reason")), 0) + 1
    if by_status != {k: v for k, v in counts.items() if v}:
        raise ManifestValidationError("count_mismatch")
    submission = intake.Submission(
        submission_id, project, partner, site, intake.when(manifest.get("uploaded_at"), arrived or _now())
    )
    records = intake.intake_records(submission, entries, actor=f"{partner}/{topology.DEIDENTIFY_OBJECT.name}")
    # What the partner's ingest did is on record even if the objects then fail their checks.
    _append_all(records)
    objects: list[dict[str, Any]] = []
    for e in entries:
        if "key" not in e:
            continue
        obj_key = str(e["key"])
        try:
            sha, size = _sha256(bucket, obj_key)
        except ClientError as exc:
            if is_transient(exc):
                raise  # throttling, 5xx: the task fails, the submission is not at fault
            raise ManifestValidationError("object_missing") from exc
        if sha != e.get("sha256") or size != sizes[obj_key]:
            raise ManifestValidationError("checksum_mismatch")
        objects.append({"key": obj_key, "kind": str(e.get("kind") or "other"), "sha256": sha})
    if not objects:
        raise ManifestValidationError("no_deidentified_objects")
    catalogue = CatalogueRepository(ddb, settings.CATALOGUE_TABLE)
    owned_elsewhere = 0
    for obj_key, fields in records.objects:
        try:
            catalogue.add_object(project, obj_key, fields)
        except ObjectOwnedError:
            owned_elsewhere += 1  # never replaced: that object stays its own submission's
    if owned_elsewhere:
        # The partner's ingest records such a file as a duplicate and writes nothing; a manifest that names another
        # submission's object anyway is not this submission's to review (Reject leaves that object alone).
        raise ManifestValidationError("object_in_other_submission")
    return {
        "submission_id": submission_id,
        "project": project,
        "partner_id": partner,
        "site": site,
        "counts": counts,
        "at_ingest": at_ingest,
        "object_list": QcFiles(s3, settings.QC_REPORTS_BUCKET).put_objects(partner, project, submission_id, objects),
        "qc_policy": _qc_policy(manifest.get("qc_policy")),
    }


def _now() -> datetime:
    return datetime.now(UTC)


def _append_all(records: intake.IntakeRecords) -> None:
    """Append the audit entries and usage events; one recorded before (a retry) is kept as it is."""
    trail, ledger = AuditTable(ddb, settings.AUDIT_TABLE), UsageTable(ddb, settings.USAGE_TABLE)
    for entry in records.audit:
        try:
            trail.append(entry)
        except ConflictError:
            pass
    for event in records.usage:
        try:
            ledger.record(event)
        except ConflictError:
            pass


def _qc_policy(raw: Any) -> dict[str, bool]:
    """The project options QC must know (always every field: the state machine's selectors need them); a manifest
    without them (written before they existed) gets the Safe Harbor defaults, the strictest QC."""
    raw = raw if isinstance(raw, dict) else {}
    return {k: raw.get(k) is True for k in QC_POLICY_FIELDS}


def _submission_id(manifest: Any) -> str | None:
    """The manifest's submission ID when it is one (a malformed manifest could hold anything, a name included)."""
    sid = manifest.get("submission_id") if isinstance(manifest, dict) else None
    try:
        return topology.check_submission_id(sid) if isinstance(sid, str) else None
    except ValueError:
        return None


@obs.logger.inject_lambda_context(clear_state=True)
@obs.metrics.log_metrics
@obs.tracer.capture_lambda_handler(capture_response=False)
def handler(event_: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (a Step Functions task)."""
    bucket, key = event_.get("bucket"), event_.get("key")
    if not isinstance(bucket, str) or not isinstance(key, str) or not bucket or not key:
        obs.logger.warning("manifest unreadable", extra={"reason": "malformed_event"})
        raise ManifestValidationError("malformed_event")
    args = {"Bucket": bucket, "Key": key}
    if event_.get("version_id"):
        args["VersionId"] = str(event_["version_id"])
    try:
        obj = s3.get_object(**args)
        manifest = json.loads(obj["Body"].read())
    except (ClientError, ValueError) as exc:
        if isinstance(exc, ClientError) and is_transient(exc):
            raise  # throttling, 5xx: the task fails, the submission is not at fault
        obs.logger.warning("manifest unreadable", extra={"reason": "manifest_unreadable"})
        raise ManifestValidationError("manifest_unreadable") from exc
    try:
        result = validate(manifest, bucket, key, arrived=obj.get("LastModified"))
    except ManifestValidationError as exc:
        obs.logger.warning("manifest invalid", extra={"submission_id": _submission_id(manifest), "reason": str(exc)})
        obs.metrics.add_metric(name="ManifestsInvalid", unit=obs.MetricUnit.Count, value=1)
        raise
    CatalogueRepository(ddb, settings.CATALOGUE_TABLE).set_submission(
        result["project"],
        result["submission_id"],
        "qc_running",
        manifest_key=key,
        partner_id=result["partner_id"],
        site=result["site"],
        counts=result["counts"],
    )
    obs.logger.info(
        "manifest valid", extra={"submission_id": result["submission_id"], "objects": result["object_list"]["count"]}
    )
    obs.metrics.add_metric(name="ManifestsValidated", unit=obs.MetricUnit.Count, value=1)
    return result


__all__ = ["ManifestValidationError", "handler", "validate"]
