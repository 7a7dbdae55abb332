"""Automated QC of one de-identified object (the iterator of the workflow's Map state).

Input: ``{"submission_id", "project", "object": {"key", "kind", "sha256"}}``. Reads the object from the inbound
bucket, runs :func:`aiminer.qc.check_object` and returns the findings (machine-readable ``code``, ``severity``,
``detail`` that says where, never what), ``passed`` and ``masked``. A thumbnail goes to the QC reports bucket and
only its key is returned, so the Map output stays far below the 256 KB state limit.

Raises :class:`QcCheckError` (caught into the rejection path) when the object cannot be read or checked.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from aiminer import topology
from aiminer.adapters.aws.review import thumbnail_key
from aiminer.qc import QcPolicy, check_object
from lambdas.shared import observability as obs
from lambdas.shared.contracts import QC_POLICY_FIELDS

#: Findings returned per object (the page shows them; the rest are counted).
MAX_FINDINGS = 50
_KINDS = {"dicom", "report", "hl7", "table"}
_SPOOL = 64 * 1024 * 1024


class QcCheckError(Exception):
    """The object could not be checked (the message is a reason code)."""


class Settings(BaseModel):
    """``aiminer.topology.QC_CHECK_OBJECT.env``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    INBOUND_BUCKET: str
    QC_REPORTS_BUCKET: str
    AUDIT_TABLE: str


assert set(Settings.model_fields) == set(topology.QC_CHECK_OBJECT.env), "settings drifted from topology"

settings = Settings.model_validate(dict(os.environ))
s3 = boto3.client("s3", config=Config(retries={"mode": "standard", "max_attempts": 5}))


def check(submission_id: str, project: str, obj: dict[str, Any], policy: QcPolicy | None = None) -> dict[str, Any]:
    """QC one object against what the project promised (``policy``); the result is PHI-free JSON."""
    key, kind = str(obj["key"]), str(obj.get("kind") or "")
    partner = key.split("/", 1)[0]
    key_hash = hashlib.sha256(key.encode()).hexdigest()
    if kind not in _KINDS:
        return {
            "key": key,
            "kind": kind or "other",
            "passed": False,
            "masked": False,
            "findings": [{"code": "parse_error", "severity": "error", "detail": f"unsupported kind {kind!r}"}],
            "findings_total": 1,
            "thumbnail_key": None,
        }
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL) as spool:
        try:
            s3.download_fileobj(settings.INBOUND_BUCKET, key, spool)
        except ClientError as exc:
            raise QcCheckError("object_unreadable") from exc
        spool.seek(0)
        result = check_object(spool, kind, policy)  # type: ignore[arg-type]
    thumb = None
    if result.thumbnail:
        thumb = thumbnail_key(partner, project, submission_id, key_hash)
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
    out = check(submission_id, str(event["project"]), dict(event["object"]), policy)
    obs.logger.info(
        "object checked",
        extra={
            "submission_id": submission_id,
            "key_hash": hashlib.sha256(out["key"].encode()).hexdigest(),
            "passed": out["passed"],
            "codes": sorted({f["code"] for f in out["findings"]}),
        },
    )
    obs.metrics.add_metric(
        name="QcObjectsPassed" if out["passed"] else "QcObjectsFailed", unit=obs.MetricUnit.Count, value=1
    )
    return out
