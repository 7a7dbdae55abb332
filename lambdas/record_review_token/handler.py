"""Store the approval step's task token against the submission and tell curators a QC report awaits review.

Input (``lambda:invoke.waitForTaskToken``): ``{"task_token", "submission_id", "project", "report", "timeout_seconds"}``.
The token is kept in the review tokens table until a curator decides (``aiminer review approve|reject``) or the
step times out (``expires_at`` = now + the step's timeout, the table's TTL). The notification carries the
submission ID and the verdict only; the report link is presigned by the curator's own command.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import boto3
from botocore.config import Config
from pydantic import BaseModel, ConfigDict

from aiminer import topology
from aiminer.adapters.aws.catalogue import now_iso
from aiminer.adapters.aws.review import PendingReview, ReviewTokens
from lambdas.shared import observability as obs


class Settings(BaseModel):
    """``aiminer.topology.RECORD_REVIEW_TOKEN.env``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    REVIEW_TOKENS_TABLE: str
    QC_REPORTS_BUCKET: str
    NOTIFICATIONS_TOPIC_ARN: str
    REVIEW_TIMEOUT_SECONDS: int


assert set(Settings.model_fields) == set(topology.RECORD_REVIEW_TOKEN.env), "settings drifted from topology"

settings = Settings.model_validate(dict(os.environ))
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})
ddb = boto3.client("dynamodb", config=_CONFIG)
sns = boto3.client("sns", config=_CONFIG)


@obs.logger.inject_lambda_context(clear_state=True)
@obs.metrics.log_metrics
@obs.tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (the approval step; its return value is ignored by Step Functions)."""
    report = dict(event["report"])
    timeout = int(event.get("timeout_seconds") or settings.REVIEW_TIMEOUT_SECONDS)
    review = PendingReview(
        submission_id=str(event["submission_id"]),
        project=str(event["project"]),
        task_token=str(event["task_token"]),
        report_bucket=str(report.get("bucket") or settings.QC_REPORTS_BUCKET),
        report_key=str(report["key"]),
        passed=bool(report.get("passed")),
        objects=int(report.get("objects", 0)),
        failed=int(report.get("failed", 0)),
        created_at=now_iso(),
        expires_at=int(time.time()) + timeout,
    )
    ReviewTokens(ddb, settings.REVIEW_TOKENS_TABLE).put(review)
    sns.publish(
        TopicArn=settings.NOTIFICATIONS_TOPIC_ARN,
        Subject="AI MINER: QC report awaits review",
        Message=json.dumps(
            {
                "event": "review_requested",
                "submission_id": review.submission_id,
                "project": review.project,
                "verdict": "passed" if review.passed else "failed",
                "objects": review.objects,
                "decide_before": review.expires_at,
                "how": f"aiminer review show {review.submission_id}",
            }
        ),
    )
    obs.logger.info("review requested", extra={"submission_id": review.submission_id, "timeout_seconds": timeout})
    obs.metrics.add_metric(name="ReviewsRequested", unit=obs.MetricUnit.Count, value=1)
    return {"recorded": True}
