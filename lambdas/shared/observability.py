"""One Logger, Tracer and Metrics for every handler (Powertools), configured to never leak PHI.

* Logs are structured JSON with the Lambda request ID and a correlation ID; handlers log hashed object keys,
  coded IDs, counts and reasons, never raw keys or values read from patient files.
* ``POWERTOOLS_LOGGER_LOG_EVENT`` must stay off (an S3 event carries the raw key); the tracer never captures
  responses or errors' messages as metadata.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from aiminer import topology

if TYPE_CHECKING:
    from lambdas.shared.contracts import ObjectResult as ContractResult

SERVICE = os.environ.get(topology.ENV_SERVICE_NAME, "aiminer")

logger = Logger(service=SERVICE, log_uncaught_exceptions=False)
tracer = Tracer(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace=os.environ.get(topology.ENV_METRICS_NAMESPACE, topology.METRICS_NAMESPACE))

OBJECTS_RECEIVED = "ObjectsReceived"
OBJECTS_DEIDENTIFIED = "ObjectsDeidentified"
OBJECTS_QUARANTINED = "ObjectsQuarantined"
OBJECTS_REJECTED = "ObjectsRejected"
BYTES_PROCESSED = "BytesProcessed"
SUBMISSIONS_COMPLETED = "SubmissionsCompleted"

__all__ = [
    "BYTES_PROCESSED",
    "OBJECTS_DEIDENTIFIED",
    "OBJECTS_QUARANTINED",
    "OBJECTS_RECEIVED",
    "OBJECTS_REJECTED",
    "SUBMISSIONS_COMPLETED",
    "MetricUnit",
    "logger",
    "metrics",
    "record_outcome",
    "tracer",
]


def record_outcome(result: ContractResult) -> None:
    """One log line and the metrics of one processed object (hash, coded outcome and counts only)."""
    logger.info(
        "object processed",
        extra={
            "key_hash": result.key_hash,
            "submission_id": result.submission_id,
            "kind": result.kind,
            "status": result.status,
            "reason": result.reason,
            "bytes": result.size,
            "submission_completed": result.submission_completed,
        },
    )
    if result.status == "manifest":
        if result.submission_completed:
            metrics.add_metric(name=SUBMISSIONS_COMPLETED, unit=MetricUnit.Count, value=1)
        return
    metrics.add_metric(name=OBJECTS_RECEIVED, unit=MetricUnit.Count, value=1)
    metrics.add_metric(name=BYTES_PROCESSED, unit=MetricUnit.Bytes, value=result.size)
    name = {"deidentified": OBJECTS_DEIDENTIFIED, "quarantined": OBJECTS_QUARANTINED}.get(
        result.status, OBJECTS_REJECTED
    )
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    if result.submission_completed:
        metrics.add_metric(name=SUBMISSIONS_COMPLETED, unit=MetricUnit.Count, value=1)
