"""Release an approved submission: copy every object to the released bucket, mark it released, audit.

Input: the workflow state (``manifest`` from ValidateManifest, whose ``object_list`` says where the validated
object list is in the QC reports bucket; ``review`` = the curator's SendTaskSuccess output
``{"approved": true, "reviewer", "decided_at"}``). Objects keep their PHI-free key in the released bucket, so
``released_key`` equals the inbound key and is not stored (the delivery code falls back to ``key``).

Idempotent by state, so a retried or redriven task does each thing once: a submission already ``released``
returns its outcome again; an object whose catalogue item says ``released`` is not copied again (no second
version in the released bucket); the approval's audit entry has an ID derived from the submission and is written
before the submission is marked released (a retry after a crash in between keeps the first entry).
Raises :class:`ReleaseError` (caught into the rejection path) when an object is gone or empty; throttling and
server errors are raised as they are (the task fails and can be retried: they say nothing about the submission).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from aiminer import topology
from aiminer.adapters.aws.catalogue import CatalogueRepository, now_iso
from aiminer.adapters.aws.governance_tables import AuditTable, ConflictError
from aiminer.adapters.aws.review import QcFiles
from aiminer.adapters.aws.s3 import is_transient
from aiminer.governance import audit
from aiminer.governance.catalogue import RELEASED
from lambdas.shared import observability as obs

if TYPE_CHECKING:
    from collections.abc import Callable


class ReleaseError(Exception):
    """The submission cannot be released as approved (the message is a reason code)."""


class Settings(BaseModel):
    """``aiminer.topology.RELEASE_SUBMISSION.env``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    INBOUND_BUCKET: str
    RELEASED_BUCKET: str
    QC_REPORTS_BUCKET: str
    CATALOGUE_TABLE: str
    IDEMPOTENCY_TABLE: str
    AUDIT_TABLE: str


assert set(Settings.model_fields) == set(topology.RELEASE_SUBMISSION.env), "settings drifted from topology"

settings = Settings.model_validate(dict(os.environ))
#: Objects released at once. One at a time, a submission of 10,000 objects needed most of the function's 900 s
#: (four S3 and DynamoDB calls per object); the objects are independent, and each call is I/O.
COPY_THREADS = 16
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=COPY_THREADS * 4)
_TRANSFER = TransferConfig(max_concurrency=3)  # parts of one large object's multipart copy at once
s3 = boto3.client("s3", config=_CONFIG)
ddb = boto3.client("dynamodb", config=_CONFIG)


def release(manifest: dict[str, Any], review: dict[str, Any]) -> dict[str, Any]:
    """Copy, catalogue, audit; return the PHI-free outcome the workflow publishes."""
    project, sid = str(manifest["project"]), str(manifest["submission_id"])
    reviewer = str(review.get("reviewer") or "unknown")
    objects = QcFiles(s3, settings.QC_REPORTS_BUCKET).objects(manifest["object_list"])
    outcome = {
        "event": "submission_released",
        "submission_id": sid,
        "project": project,
        "partner_id": manifest["partner_id"],
        "site": manifest["site"],
        "status": RELEASED,
        "objects": len(objects),
        "reviewer": reviewer,
    }
    catalogue = CatalogueRepository(ddb, settings.CATALOGUE_TABLE)
    current = catalogue.submission(project, sid) or {}
    if current.get("status") == RELEASED:
        return outcome
    released_at = now_iso()
    _concurrently(
        lambda key: _release_object(catalogue, project, sid, key, released_at, reviewer),
        [str(obj["key"]) for obj in objects],
    )
    approval = audit.pipeline_event(
        ("release", project, sid),
        audit.subject_of("submission", sid),
        "approval",
        reviewer,
        _decided_at(review),
        decision="released",
        project=project,
        objects=len(objects),
    )
    try:
        AuditTable(ddb, settings.AUDIT_TABLE).append(approval)
    except ConflictError:
        pass  # recorded by an earlier attempt
    catalogue.set_submission(project, sid, RELEASED, released_at=released_at, released_by=reviewer)
    return outcome


def _concurrently(one: Callable[[str], None], keys: list[str]) -> None:
    """Run ``one`` for every key, :data:`COPY_THREADS` at a time. The first failure stops the copies not yet
    started (those running finish) and is raised: every object is released once or not yet, never half."""
    with ThreadPoolExecutor(max_workers=COPY_THREADS, thread_name_prefix="release") as pool:
        futures = [pool.submit(one, key) for key in keys]
        try:
            for done in as_completed(futures):
                done.result()
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _release_object(
    catalogue: CatalogueRepository, project: str, sid: str, key: str, released_at: str, reviewer: str
) -> None:
    """Copy one object to the released bucket and mark it released (skipped if an earlier attempt did). An object
    whose catalogue item belongs to another submission is never copied over: ``object_in_other_submission``."""
    item = catalogue.obj(project, key) or {}
    if item.get("submission_id") not in (None, sid):
        raise ReleaseError("object_in_other_submission")
    if item.get("status") == RELEASED:
        return  # copied by an earlier attempt of this task
    try:
        head = s3.head_object(Bucket=settings.INBOUND_BUCKET, Key=key)
        if int(head["ContentLength"]) <= 0:
            raise ReleaseError("object_empty")
        s3.copy(
            {"Bucket": settings.INBOUND_BUCKET, "Key": key},
            settings.RELEASED_BUCKET,
            key,
            ExtraArgs={"MetadataDirective": "COPY"},
            Config=_TRANSFER,
        )
    except ClientError as exc:
        if is_transient(exc):
            raise
        raise ReleaseError("object_unavailable") from exc
    catalogue.set_object(project, key, RELEASED, owner=sid, released_at=released_at, released_by=reviewer)


def _decided_at(review: dict[str, Any]) -> datetime:
    """When the curator approved (the same on every attempt, so the audit entry's ID is too); now if unknown."""
    try:
        at = datetime.fromisoformat(str(review["decided_at"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return datetime.now(UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


@obs.logger.inject_lambda_context(clear_state=True)
@obs.metrics.log_metrics
@obs.tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (a Step Functions task)."""
    outcome = release(dict(event["manifest"]), dict(event.get("review") or {}))
    obs.logger.info(
        "submission released", extra={"submission_id": outcome["submission_id"], "objects": outcome["objects"]}
    )
    obs.metrics.add_metric(name="SubmissionsReleased", unit=obs.MetricUnit.Count, value=1)
    obs.metrics.add_metric(name="ObjectsReleased", unit=obs.MetricUnit.Count, value=outcome["objects"])
    return outcome
