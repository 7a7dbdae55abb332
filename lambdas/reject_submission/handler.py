"""Reject a submission: move its objects to quarantine with the reason, mark it rejected, audit.

Input: the workflow state. Why it was rejected comes from ``$.error`` (the named error the workflow caught):

| ``error.Error`` | reason |
| --- | --- |
| ``QcFailedError`` | ``qc_failed`` (automated QC found an error; approval was never offered) |
| ``ReviewRejectedError`` | ``rejected_by_reviewer`` (``cause`` carries the curator's reason and name) |
| ``States.Timeout`` | ``review_timeout`` (after the escalation) |
| ``ManifestValidationError`` | ``manifest_invalid`` (``detail``: the validator's reason code) |
| ``QcReportError``, ``ReleaseError`` | ``qc_report_error``, ``release_failed`` |
| none (the curator's output had no ``approved: true``) | ``not_approved`` |

Only the submission's own objects are touched: an object whose catalogue item belongs to another submission
(the same coded object sent again; maybe released) is left where it is, with its item. Rejected objects move within
the inbound bucket to ``quarantine/<inbound key>`` (partners can only write below
``<partner>/``), tagged ``aiminer-status=rejected`` and ``aiminer-reason=<reason>``; their catalogue items and the
submission item become ``rejected`` with the reason, and the usage ledger gets a ``deleted`` event per object (its
bytes no longer count as stored). The returned outcome is what the workflow publishes to the notifications topic
for the curators and the partner. Replays are harmless: a moved object is skipped, and an object copied but not yet
deleted when a replay comes keeps its first copy, whose time keys its ``deleted`` event.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from aiminer import topology
from aiminer.adapters.aws.catalogue import CatalogueRepository, now_iso
from aiminer.adapters.aws.governance_tables import AuditTable, ConflictError, UsageTable
from aiminer.adapters.aws.review import QUARANTINE_PREFIX, REVIEW_REJECTED_ERROR, QcFiles
from aiminer.governance import audit, usage
from lambdas.shared import observability as obs
from lambdas.shared.contracts import MANIFEST_ERRORS_BEFORE_RECORDING

REASONS = {
    "QcFailedError": "qc_failed",
    REVIEW_REJECTED_ERROR: "rejected_by_reviewer",
    "States.Timeout": "review_timeout",
    "ManifestValidationError": "manifest_invalid",
    "QcReportError": "qc_report_error",
    "ReleaseError": "release_failed",
}
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")  # a project ID or a coded site
SYSTEM_ACTOR = "system:qc-workflow"


class Settings(BaseModel):
    """``aiminer.topology.REJECT_SUBMISSION.env``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    INBOUND_BUCKET: str
    QC_REPORTS_BUCKET: str
    CATALOGUE_TABLE: str
    USAGE_TABLE: str
    AUDIT_TABLE: str


assert set(Settings.model_fields) == set(topology.REJECT_SUBMISSION.env), "settings drifted from topology"

settings = Settings.model_validate(dict(os.environ))
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})
s3 = boto3.client("s3", config=_CONFIG)
ddb = boto3.client("dynamodb", config=_CONFIG)


def why(error: dict[str, Any] | None) -> tuple[str, str | None, str | None]:
    """``(reason, detail, reviewer)`` from the caught error (see the module's table)."""
    if not error:
        return "not_approved", None, None
    name = str(error.get("Error", ""))
    reason = REASONS.get(name, "workflow_error")
    cause = str(error.get("Cause") or "")
    parsed: Any = cause
    for _ in range(3):  # the cause is JSON, sometimes JSON-encoded once more on the way
        if not isinstance(parsed, str):
            break
        try:
            parsed = json.loads(parsed) if parsed else {}
        except ValueError:
            break
    if not isinstance(parsed, dict):
        parsed = {"reason": cause} if name == REVIEW_REJECTED_ERROR and cause else {}
    if name == REVIEW_REJECTED_ERROR:
        return reason, str(parsed.get("reason") or "") or None, str(parsed.get("reviewer") or "") or None
    message = str(parsed.get("errorMessage", ""))
    return reason, message if _CODE.match(message) else None, None


def _manifest(event: dict[str, Any]) -> dict[str, Any]:
    """The validated manifest with its object list (from the QC reports bucket), or what can be read back when
    validation itself failed."""
    if isinstance(event.get("manifest"), dict):
        manifest = dict(event["manifest"])
        return {**manifest, "objects": QcFiles(s3, settings.QC_REPORTS_BUCKET).objects(manifest["object_list"])}
    key = str(event.get("key", ""))
    parts = key.split("/")
    # Who, what and which submission come from where the manifest sits (the inbound layout
    # <partner>/<project>/<site>/submissions/<submission>/manifest.json), never from what an invalid manifest
    # claims: it must not move another partner's objects, nor put whatever it holds into the catalogue.
    ids = dict(zip(("partner_id", "project", "site"), parts[:3], strict=False))
    ids["submission_id"] = parts[-2] if len(parts) > 4 and parts[3] == "submissions" else ""
    fallback: dict[str, Any] = {k: ids.get(k, "") if _plausible(k, ids.get(k, "")) else "" for k in _ID_FIELDS}
    fallback["objects"] = []
    try:
        raw = json.loads(s3.get_object(Bucket=str(event["bucket"]), Key=key)["Body"].read())
    except (ClientError, ValueError, KeyError, TypeError):
        return fallback
    objects = raw.get("objects") if isinstance(raw, dict) else None
    if isinstance(objects, list):
        fallback["objects"] = [
            {"key": o["key"]} for o in objects if isinstance(o, dict) and isinstance(o.get("key"), str)
        ]
    return fallback


_ID_FIELDS = ("partner_id", "project", "site", "submission_id")


def _plausible(field: str, value: str) -> bool:
    """An ID of the expected shape (what the ingest writes), so nothing else reaches the catalogue."""
    try:
        if field == "partner_id":
            topology.check_id("partner", value)
        elif field == "submission_id":
            topology.check_submission_id(value)
        else:
            return bool(_SEGMENT.fullmatch(value))
    except ValueError:
        return False
    return True


def _not_found(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


def _quarantine(key: str, reason: str, project: str) -> str | None:
    """Move one object to the quarantine prefix and, with a ``project``, record its bytes as ``deleted`` from the
    stored data; ``None`` if it is not there (moved before)."""
    target = f"{QUARANTINE_PREFIX}{key}"
    try:
        size = int(s3.head_object(Bucket=settings.INBOUND_BUCKET, Key=key)["ContentLength"])
    except ClientError as exc:
        if _not_found(exc):
            return None
        raise
    try:
        copied = s3.head_object(Bucket=settings.INBOUND_BUCKET, Key=target)  # a replay: copied, not yet deleted
    except ClientError as exc:
        if not _not_found(exc):
            raise
        s3.copy(
            {"Bucket": settings.INBOUND_BUCKET, "Key": key},
            settings.INBOUND_BUCKET,
            target,
            ExtraArgs={"Tagging": f"aiminer-status=rejected&aiminer-reason={reason}", "TaggingDirective": "REPLACE"},
        )
        copied = s3.head_object(Bucket=settings.INBOUND_BUCKET, Key=target)
    if project:
        event = usage.usage_event(
            project, "deleted", 1, size, copied["LastModified"], (settings.INBOUND_BUCKET, key, "rejected")
        )
        try:
            UsageTable(ddb, settings.USAGE_TABLE).record(event)
        except ConflictError:
            pass  # recorded by an earlier attempt
    s3.delete_object(Bucket=settings.INBOUND_BUCKET, Key=key)
    return target


def _owned_elsewhere(catalogue: CatalogueRepository, key: str, sid: str) -> bool:
    """The object's catalogue item belongs to another submission than ``sid``. Looked up under the project the key
    itself names (``<partner>/<project>/...``), so a manifest that could not be attributed is checked too."""
    parts = key.split("/")
    if len(parts) < 3 or not _SEGMENT.fullmatch(parts[1]):
        return True  # no catalogue to ask: not provably this submission's, so left alone
    owner = (catalogue.obj(parts[1], key) or {}).get("submission_id")
    return owner is not None and owner != sid


def reject(event: dict[str, Any]) -> dict[str, Any]:
    """Quarantine, catalogue, audit; return the PHI-free outcome the workflow publishes."""
    manifest = _manifest(event)
    error = event.get("error") if isinstance(event.get("error"), dict) else None
    reason, detail, reviewer = why(error)
    note = detail if reason == "rejected_by_reviewer" else None
    code = detail if reason != "rejected_by_reviewer" else None
    project, sid, partner = str(manifest["project"]), str(manifest["submission_id"]), str(manifest["partner_id"])
    catalogue = CatalogueRepository(ddb, settings.CATALOGUE_TABLE)
    # Bytes leave the stored data only if validation had recorded them as de-identified.
    recorded = not (reason == "manifest_invalid" and (detail is None or detail in MANIFEST_ERRORS_BEFORE_RECORDING))
    moved = 0
    for obj in manifest.get("objects", []):
        key = str(obj["key"])
        if not _plausible("partner_id", partner) or not key.startswith(topology.inbound_prefix(partner)):
            continue
        if _owned_elsewhere(catalogue, key, sid):
            continue  # another submission's object (maybe released): this rejection never touches it
        target = _quarantine(key, reason, project if recorded else "")
        if target is None:
            continue
        moved += 1
        try:
            catalogue.set_object(project, key, "rejected", owner=sid, reason=reason, quarantine_key=target)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
    extra = {k: v for k, v in (("detail", code), ("reviewer_note", note), ("rejected_by", reviewer)) if v}
    if project and sid:
        catalogue.set_submission(project, sid, "rejected", reason=reason, rejected_at=now_iso(), **extra)
        AuditTable(ddb, settings.AUDIT_TABLE).append(
            audit.event(
                audit.subject_of("submission", sid),
                "qc_decision",
                reviewer or SYSTEM_ACTOR,
                datetime.now(UTC),
                decision="rejected",
                reason=reason,
                project=project,
                quarantined=moved,
                **extra,
            )
        )
    return {
        "event": "submission_rejected",
        "submission_id": sid,
        "project": project,
        "partner_id": partner,
        "site": manifest.get("site", ""),
        "status": "rejected",
        "reason": reason,
        "objects_quarantined": moved,
        **extra,
    }


@obs.logger.inject_lambda_context(clear_state=True)
@obs.metrics.log_metrics
@obs.tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (a Step Functions task)."""
    outcome = reject(event)
    obs.logger.info(
        "submission rejected",
        extra={
            "submission_id": outcome["submission_id"],
            "reason": outcome["reason"],
            "moved": outcome["objects_quarantined"],
        },
    )
    obs.metrics.add_metric(name="SubmissionsRejected", unit=obs.MetricUnit.Count, value=1)
    return outcome
