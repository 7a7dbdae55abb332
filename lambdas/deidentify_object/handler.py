"""De-identify landing objects: SQS batches of S3 ObjectCreated events, partial failures, idempotent per version.

Table of contents: settings and the use case are built once per container (``wiring``); each SQS record holds an
S3 event whose objects become :class:`ObjectTask` s; each task runs at most once per (bucket, key, version)
through Powertools idempotency; a record that raises is reported in ``batchItemFailures`` and redelivered; the
use case itself is :class:`lambdas.deidentify_object.ingest.Ingest`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from aiminer.adapters.aws.submissions import key_hash
from lambdas.deidentify_object.wiring import build_ingest, load_settings
from lambdas.shared import observability as obs
from lambdas.shared.contracts import ObjectTask

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = load_settings()
ingest = build_ingest(settings)
processor = BatchProcessor(event_type=EventType.SQS)
idempotency = IdempotencyConfig(event_key_jmespath="[bucket, key, version]", expires_after_seconds=14 * 24 * 3600)
persistence = DynamoDBPersistenceLayer(table_name=settings.IDEMPOTENCY_TABLE)


@idempotent_function(data_keyword_argument="task", persistence_store=persistence, config=idempotency)
def process_once(task: ObjectTask) -> dict[str, Any]:
    """Run the use case once per (bucket, key, version); a replay returns the stored result and changes nothing."""
    result = ingest.process(task)
    obs.record_outcome(result)
    return result.model_dump(mode="json")


def record_handler(record: SQSRecord) -> None:
    """One SQS message: an S3 event (test events and non-create events are ignored)."""
    obs.logger.set_correlation_id(record.message_id)
    body = json.loads(record.body)
    for r in S3Event(body).records if "Records" in body else ():
        if r.event_name.startswith("ObjectCreated"):
            obj = r.s3.get_object
            key = unquote_plus(obj.key)
            obs.logger.append_keys(key_hash=key_hash(key))
            process_once(
                task=ObjectTask(
                    bucket=r.s3.bucket.name,
                    key=key,
                    version=obj.version_id or obj.etag,
                    version_id=obj.version_id,
                    etag=obj.etag or None,
                    size=obj.size,
                    event_time=r.event_time or None,
                )
            )


@obs.logger.inject_lambda_context(clear_state=True)
@obs.metrics.log_metrics
@obs.tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Lambda entry point (SQS event source with ReportBatchItemFailures)."""
    idempotency.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
