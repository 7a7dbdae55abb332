"""Render the QC report page of a submission and store it in the QC reports bucket.

Input: ``{"manifest": <ValidateManifest output>}``. Reads the validated object list and each object's QC result
(what QcCheckObject stored, :class:`aiminer.adapters.aws.review.QcFiles`) and the thumbnails from the QC reports
bucket, calls :func:`aiminer.qc.render_report` and stores the page as
``<partner>/<project>/<submission>/qc/report.html``; curators open it through a short-lived presigned link
(``aiminer review show``). The page embeds at most :data:`MAX_THUMBNAILS` thumbnails, failed objects first, so a
submission of thousands of images still gives a page a browser opens; every object has its row.

When any object failed automated QC the page is still stored (the partner and the curators see why), the
catalogue says ``qc_failed`` and :class:`QcFailedError` is raised: the workflow never offers approval and goes to
the rejection path with reason ``qc_failed``.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from aiminer import topology
from aiminer.adapters.aws.catalogue import CatalogueRepository, now_iso
from aiminer.adapters.aws.review import QcFiles, report_key
from aiminer.qc import ObjectQc, QcFinding, QcResult, render_report
from lambdas.shared import observability as obs

#: Thumbnails embedded in one report page (about 10 KB each).
MAX_THUMBNAILS = 500


class QcFailedError(Exception):
    """At least one object failed automated QC (message: ``qc_failed``)."""


class QcReportError(Exception):
    """The report could not be built or stored (the message is a reason code)."""


class Settings(BaseModel):
    """``aiminer.topology.BUILD_QC_REPORT.env``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    INBOUND_BUCKET: str
    QC_REPORTS_BUCKET: str
    CATALOGUE_TABLE: str


assert set(Settings.model_fields) == set(topology.BUILD_QC_REPORT.env), "settings drifted from topology"

settings = Settings.model_validate(dict(os.environ))
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})
s3 = boto3.client("s3", config=_CONFIG)
ddb = boto3.client("dynamodb", config=_CONFIG)


def stored_results(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Every validated object's QC result, in the list's order. Raises :class:`QcReportError` if one is missing
    (the Map succeeded, so every check stored one: something removed it)."""
    files = QcFiles(s3, settings.QC_REPORTS_BUCKET)
    keys = [str(o["key"]) for o in files.objects(manifest["object_list"])]
    found = files.results(manifest["partner_id"], manifest["project"], manifest["submission_id"], keys)
    if not keys or any(r is None for r in found.values()):
        raise QcReportError("qc_result_missing")
    return [r for r in found.values() if r is not None]


def object_results(qc_results: list[dict[str, Any]]) -> list[ObjectQc]:
    """The page's rows, with the thumbnails of the first :data:`MAX_THUMBNAILS` objects, failed ones first."""
    shown = sorted(range(len(qc_results)), key=lambda i: (bool(qc_results[i]["passed"]), i))[:MAX_THUMBNAILS]
    thumbs = {i: str(key) for i in shown if (key := qc_results[i].get("thumbnail_key"))}
    images = QcFiles(s3, settings.QC_REPORTS_BUCKET).thumbnails(thumbs.values())
    rows = []
    for i, r in enumerate(qc_results):
        findings = tuple(QcFinding(f["code"], f["severity"], f["detail"]) for f in r.get("findings", []))
        image = images[thumbs[i]] if i in thumbs else None
        result = QcResult(findings, bool(r["passed"]), image, bool(r.get("masked")))
        rows.append(ObjectQc(str(r["key"]), str(r["kind"]), result))
    return rows


def build(manifest: dict[str, Any], qc_results: list[dict[str, Any]]) -> dict[str, Any]:
    """Render and store the page; return where it is and the verdict."""
    rows = object_results(qc_results)
    at_ingest = manifest.get("at_ingest") or {}
    summary = {
        "project": manifest["project"],
        "sites": manifest["site"],
        "quarantined": at_ingest.get("quarantined", {}),
        "rejected": at_ingest.get("rejected", {}),
        "generated_at": now_iso(),
    }
    html = render_report(manifest["submission_id"], rows, summary)
    key = report_key(manifest["partner_id"], manifest["project"], manifest["submission_id"])
    try:
        s3.put_object(
            Bucket=settings.QC_REPORTS_BUCKET,
            Key=key,
            Body=html.encode("utf-8"),
            ContentType="text/html; charset=utf-8",
            CacheControl="no-store",
        )
    except ClientError as exc:
        raise QcReportError("report_not_stored") from exc
    failed = sum(1 for r in rows if not r.result.passed)
    return {
        "bucket": settings.QC_REPORTS_BUCKET,
        "key": key,
        "passed": failed == 0,
        "objects": len(rows),
        "failed": failed,
        "errors": sum(r.result.errors for r in rows),
    }


@obs.logger.inject_lambda_context(clear_state=True)
@obs.metrics.log_metrics
@obs.tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (a Step Functions task)."""
    manifest = dict(event["manifest"])
    report = build(manifest, stored_results(manifest))
    catalogue = CatalogueRepository(ddb, settings.CATALOGUE_TABLE)
    status = "qc_passed" if report["passed"] else "qc_failed"
    catalogue.set_submission(
        manifest["project"], manifest["submission_id"], status, report_key=report["key"], qc_failed=report["failed"]
    )
    obs.logger.info(
        "qc report stored",
        extra={"submission_id": manifest["submission_id"], "passed": report["passed"], "failed": report["failed"]},
    )
    if not report["passed"]:
        obs.metrics.add_metric(name="QcSubmissionsFailed", unit=obs.MetricUnit.Count, value=1)
        raise QcFailedError("qc_failed")
    obs.metrics.add_metric(name="QcSubmissionsPassed", unit=obs.MetricUnit.Count, value=1)
    return report
