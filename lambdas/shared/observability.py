"""One Logger, Tracer and Metrics for every handler (Powertools), configured to never leak PHI.

* Logs are structured JSON with the Lambda request ID and a correlation ID; handlers log hashed object keys,
  coded IDs, counts and reasons, never raw keys or values read from patient files.
* ``POWERTOOLS_LOGGER_LOG_EVENT`` must stay off (an S3 event carries the raw key); the tracer never captures
  responses or errors as X-Ray metadata (``POWERTOOLS_TRACER_CAPTURE_RESPONSE``/``_ERROR`` default to false here).
* The tracer logs "Exception received from <handler>" with the whole traceback when a handler raises, and a chained
  cause can quote an input value (``ValueError: submission ID 'SMITH...' must match ...``): that line keeps the
  exception's type and loses its text (:class:`ExceptionTypeOnly`). Handlers raise reason codes; the Lambda runtime
  logs only the raised exception's own message.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from aiminer import topology

if TYPE_CHECKING:
    from lambdas.shared.contracts import ObjectResult as ContractResult

SERVICE = os.environ.get(topology.ENV_SERVICE_NAME, "aiminer")
os.environ.setdefault("POWERTOOLS_TRACER_CAPTURE_RESPONSE", "false")
os.environ.setdefault("POWERTOOLS_TRACER_CAPTURE_ERROR", "false")


class ExceptionTypeOnly(logging.Filter):
    """Keep a log line about an exception, with the exception's type, but not its message or traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place (always kept)."""
        if record.exc_info:
            etype = record.exc_info[0]
            record.msg = f"{record.getMessage()} ({etype.__name__ if etype else 'unknown'})"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


logging.getLogger("aws_lambda_powertools.tracing.tracer").addFilter(ExceptionTypeOnly())

logger = Logger(service=SERVICE, log_uncaught_exceptions=False)
tracer = Tracer(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace=os.environ.get(topology.ENV_METRICS_NAMESPACE, topology.METRICS_NAMESPACE))

OBJECTS_RECEIVED = "ObjectsReceived"
OBJECTS_DEIDENTIFIED = "ObjectsDeidentified"
OBJECTS_QUARANTINED = "ObjectsQuarantined"
OBJECTS_REJECTED = "ObjectsRejected"
BYTES_PROCESSED = "BytesProcessed"
SUBMISSIONS_COMPLETED = "SubmissionsCompleted"
EVENTS_IGNORED = "EventsIgnored"

__all__ = [
    "BYTES_PROCESSED",
    "EVENTS_IGNORED",
    "OBJECTS_DEIDENTIFIED",
    "OBJECTS_QUARANTINED",
    "OBJECTS_RECEIVED",
    "OBJECTS_REJECTED",
    "SUBMISSIONS_COMPLETED",
    "MetricUnit",
    "logger",
    "metrics",
    "record_ignored",
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
    # The object is gone (deleted before it was processed), or its outcome was recorded before (a replay), or a
    # manifest came again for a published submission: nothing new was received.
    if result.status == "ignored":
        metrics.add_metric(name=EVENTS_IGNORED, unit=MetricUnit.Count, value=1)
        return
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


def record_ignored(reason: str) -> None:
    """One log line and one metric for a message, or a record in it, that asks for nothing (``reason`` is a code
    from :data:`lambdas.deidentify_object.events.REASONS`; the key, if any, is never logged)."""
    log = logger.info if reason == "s3_test_event" else logger.warning  # S3 sends one when notifications change
    log("event ignored", extra={"reason": reason})
    metrics.add_metric(name=EVENTS_IGNORED, unit=MetricUnit.Count, value=1)
