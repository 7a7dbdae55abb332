"""Automated QC of one de-identified object (one item of the workflow's Distributed Map).

Input: ``{"submission_id", "project", "qc_policy", "object": {"key", "kind", "sha256"}}``. Reads the object from
the inbound bucket, runs :func:`aiminer.qc.check_object` and stores the result in the QC reports bucket
(:func:`aiminer.adapters.aws.review.qc_result_key`): the findings (machine-readable ``code``, ``severity``,
``detail`` that says where, never what), ``passed``, ``masked`` and the key of the thumbnail it stored next to
it. BuildQcReport reads the results from there; the function returns only ``{"passed", "result_key"}``.

An object that is gone or cannot be read (not throttling or a server error, which fail the task so the workflow
retries it) gets a failed result with the finding ``object_unreadable``: the report shows which object, and the
submission cannot be approved.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from aiminer import topology
from aiminer.adapters.aws.review import QcFiles, thumbnail_key
from aiminer.adapters.aws.s3 import is_transient
from aiminer.adapters.aws.submissions import key_hash
from aiminer.qc import QcPolicy, check_object
from lambdas.shared import observability as obs
from lambdas.shared.contracts import QC_POLICY_FIELDS

#: Findings returned per object (the page shows them; the rest are counted).
MAX_FINDINGS = 50
_KINDS = {"dicom", "report", "hl7", "table"}
_SPOOL = 64 * 1024 * 1024


class Settings(BaseModel):
    """``aiminer.topology.QC_CHECK_OBJECT.env``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    INBOUND_BUCKET: str
    QC_REPORTS_BUCKET: str
    AUDIT_TABLE: str


assert set(Settings.model_fields) == set(topology.QC_CHECK_OBJECT.env), "settings drifted from topology"

settings = Settings.model_validate(dict(os.environ))
s3 = boto3.client("s3", config=Config(retries={"mode": "standard", "max_attempts": 5}))


def _failed(key: str, kind: str, code: str, detail: str) -> dict[str, Any]:
    return {
        "key": key,
        "kind": kind or "other",
        "passed": False,
        "masked": False,
        "findings": [{"code": code, "severity": "error", "detail": detail}],
        "findings_total": 1,
        "thumbnail_key": None,
    }


def check(submission_id: str, project: str, obj: dict[str, Any], policy: QcPolicy | None = None) -> dict[str, Any]:
    """QC one object against what the project promised (``policy``); the result is PHI-free JSON."""
    key, kind = str(obj["key"]), str(obj.get("kind") or "")
    partner = key.split("/", 1)[0]
    if kind not in _KINDS:
        return _failed(key, kind, "parse_error", f"unsupported kind {kind!r}")
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL) as spool:
        try:
            s3.download_fileobj(settings.INBOUND_BUCKET, key, spool)
        except ClientError as exc:
            if is_transient(exc):
                raise  # throttling, 5xx: the task fails and the workflow retries it
            return _failed(key, kind, "object_unreadable", "the de-identified object could not be read")
        spool.seek(0)
        result = check_object(spool, kind, policy)  # type: ignore[arg-type]
    thumb = None
    if result.thumbnail:
        thumb = thumbnail_key(partner, project, submission_id, key_hash(key))
        s3.put_object(Bucket=settings.QC_REPORTS_BUCKET, Key=thumb, Body=result.thumbnail, ContentType="image/png")
    return {
        "key": key,
        "kind": kind,
        "passed": result.passed,
        "masked": result.masked,
        "findings": [
            {"code": f.code, "severity": f.severity, "detail": f.detail} for f in result.findings[:MAX_FINDINGS]
        ],
        "findings_total": len(result.findings),
        "thumbnail_key": thumb,
    }


@obs.logger.inject_lambda_context(clear_state=True)
@obs.metrics.log_metrics
@obs.tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (a Step Functions Map iteration)."""
    submission_id = str(event["submission_id"])
    given = event.get("qc_policy")
    raw: dict[str, Any] = given if isinstance(given, dict) else {}
    policy = QcPolicy(**{k: raw[k] is True for k in QC_POLICY_FIELDS if k in raw})
    project = str(event["project"])
    out = check(submission_id, project, dict(event["object"]), policy)
    partner = out["key"].split("/", 1)[0]
    stored = QcFiles(s3, settings.QC_REPORTS_BUCKET).put_result(partner, project, submission_id, out)
    obs.logger.info(
        "object checked",
        extra={
            "submission_id": submission_id,
            "key_hash": key_hash(out["key"]),
            "passed": out["passed"],
            "codes": sorted({f["code"] for f in out["findings"]}),
        },
    )
    obs.metrics.add_metric(
        name="QcObjectsPassed" if out["passed"] else "QcObjectsFailed", unit=obs.MetricUnit.Count, value=1
    )
    return {"passed": out["passed"], "result_key": stored}
