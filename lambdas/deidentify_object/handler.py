"""De-identify landing objects: SQS batches of S3 ObjectCreated events, partial failures, idempotent per version.

Table of contents: settings and the use case are built once per container (``wiring``); each SQS record holds an
S3 event whose objects become :class:`ObjectTask` s (:mod:`lambdas.deidentify_object.events`; a message that is
not an S3 ObjectCreated event of the landing bucket is logged with a reason code and deleted: retrying cannot fix
it); each task runs at most once per (bucket, key, version) through Powertools idempotency; a record that raises
is logged (exception type only: messages may quote a key) and reported in ``batchItemFailures``, so it is
redelivered and, after ``maxReceiveCount`` receives, moved to the (alarmed) DLQ; the use case itself is
:class:`lambdas.deidentify_object.ingest.Ingest`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from aiminer.adapters.aws.submissions import key_hash
from lambdas.deidentify_object.events import parse_message
from lambdas.deidentify_object.wiring import build_ingest, load_settings
from lambdas.shared import observability as obs

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from lambdas.shared.contracts import ObjectTask

settings = load_settings()
ingest = build_ingest(settings)
# A batch whose every record failed is reported like any partial failure: raising instead would hand the records'
# exception messages (which may quote a key) to the runtime's error log.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
idempotency = IdempotencyConfig(event_key_jmespath="[bucket, key, version]", expires_after_seconds=14 * 24 * 3600)
persistence = DynamoDBPersistenceLayer(table_name=settings.IDEMPOTENCY_TABLE)


@idempotent_function(data_keyword_argument="task", persistence_store=persistence, config=idempotency)
def process_once(task: ObjectTask) -> dict[str, Any]:
    """Run the use case once per (bucket, key, version); a replay returns the stored result and changes nothing."""
    result = ingest.process(task)
    obs.record_outcome(result)
    return result.model_dump(mode="json")


def record_handler(record: SQSRecord) -> None:
    """One SQS message: an S3 event (test events, non-create events and unknown shapes are logged and ignored)."""
    obs.logger.set_correlation_id(record.message_id)
    obs.logger.remove_keys(["key_hash"])  # the previous record's
    parsed = parse_message(record.body, settings.LANDING_BUCKET)
    for reason in parsed.ignored:
        obs.record_ignored(reason)
    for task in parsed.tasks:
        obs.logger.append_keys(key_hash=key_hash(task.key))
        try:
            process_once(task=task)
        except Exception as exc:
            obs.logger.warning("record failed", extra={"error": type(exc).__name__})
            raise


@obs.logger.inject_lambda_context(clear_state=True)
@obs.metrics.log_metrics
@obs.tracer.capture_lambda_handler(capture_response=False, capture_error=False)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Lambda entry point (SQS event source with ReportBatchItemFailures)."""
    idempotency.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
