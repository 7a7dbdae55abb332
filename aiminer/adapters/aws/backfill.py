"""Bulk backfill: archives already in the landing bucket go through the same per-object code as live uploads.

The fan-out is SQS: every object under a prefix becomes one S3-shaped ``ObjectCreated:Backfill`` event on the
landing queue, ten per ``SendMessageBatch``. The de-identify function consumes them exactly like S3's own events
(same handler, same idempotency on bucket/key/version, same quarantine), so a backfill can be re-run or overlap
live traffic without duplicates. Throughput is bounded by the function's reserved concurrency and the crosswalk
table's write capacity, not by this producer (see docs/ingest.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

BATCH = 10


@dataclass(frozen=True)
class BackfillReport:
    """What was enqueued (counts only: keys may hold PHI in the partner zone)."""

    listed: int
    enqueued: int
    failed: int
    bytes: int


def _event(bucket: str, obj: dict[str, Any]) -> str:
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "eventName": "ObjectCreated:Backfill",
        "s3": {
            "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
            "object": {
                "key": quote_plus(obj["Key"], safe="/"),
                "size": int(obj.get("Size", 0)),
                "eTag": str(obj.get("ETag", "")).strip('"'),
                **({"versionId": obj["VersionId"]} if obj.get("VersionId") else {}),
            },
        },
    }
    return json.dumps({"Records": [record]})


def _objects(s3: Any, bucket: str, prefix: str) -> Iterator[dict[str, Any]]:
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        for version in page.get("Versions", []):
            if version.get("IsLatest"):
                yield version


def enqueue_prefix(
    s3: Any,
    sqs: Any,
    bucket: str,
    prefix: str,
    queue_url: str,
    on_progress: Callable[[int], None] | None = None,
) -> BackfillReport:
    """Send one landing event per current object version under ``prefix``; return the counts."""
    listed = enqueued = failed = size = 0
    batch: list[dict[str, str]] = []

    def flush() -> None:
        nonlocal enqueued, failed
        if not batch:
            return
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=batch)
        enqueued += len(response.get("Successful", []))
        failed += len(response.get("Failed", []))
        if on_progress:
            on_progress(len(batch))
        batch.clear()

    for obj in _objects(s3, bucket, prefix):
        listed += 1
        size += int(obj.get("Size", 0))
        batch.append({"Id": str(len(batch)), "MessageBody": _event(bucket, obj)})
        if len(batch) == BATCH:
            flush()
    flush()
    return BackfillReport(listed=listed, enqueued=enqueued, failed=failed, bytes=size)
