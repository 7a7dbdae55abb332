"""What an SQS message on the landing-events queue asks for: the landing objects to process, or why it is ignored.

The queue should only ever carry S3 ``ObjectCreated`` notifications of the landing bucket (and the backfill's
look-alikes), but anything can be sent to it: S3's ``s3:TestEvent`` when the notification is configured, delete
events, EventBridge- or SNS-shaped envelopes after a misconfiguration, hand-written or truncated JSON, keys that
cannot exist. Nothing here raises for a malformed message: retrying cannot fix it, so the handler logs the reason
(a code from :data:`REASONS`, never the key) and lets the message be deleted instead of looping until the DLQ.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event

from lambdas.shared.contracts import ObjectTask

#: S3's longest key, in UTF-8 bytes.
MAX_KEY_BYTES = 1024

#: Machine-readable reasons a message or one of its records is ignored.
REASONS = frozenset(
    {
        "not_json",  # the body is not JSON
        "unrecognised_event",  # JSON, but no S3 event shape
        "s3_test_event",  # S3's s3:TestEvent, sent when the notification is (re)configured
        "eventbridge_event",  # an EventBridge "Object Created" envelope (the landing queue takes S3 notifications)
        "sns_notification",  # an SNS envelope (same)
        "no_records",  # "Records" is empty or not a list
        "malformed_s3_record",  # a record without the fields S3 always sends (bucket name, object key)
        "not_object_created",  # ObjectRemoved, ObjectRestore, ... : nothing to de-identify
        "unexpected_bucket",  # a record of another bucket than the landing bucket
        "undecodable_key",  # the key is not valid percent-encoded UTF-8 (S3 keys always are)
        "key_too_long",  # longer than S3 allows
    }
)


@dataclass
class Parsed:
    """The tasks of one message, and one reason per part of it that was ignored."""

    tasks: list[ObjectTask] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def parse_message(body: str, landing_bucket: str) -> Parsed:
    """The landing objects one message asks to process (see the module's docstring for what is ignored)."""
    try:
        doc = json.loads(body)
    except ValueError:
        return Parsed(ignored=["not_json"])
    if not isinstance(doc, dict):
        return Parsed(ignored=["unrecognised_event"])
    if "Records" not in doc:
        return Parsed(ignored=[_envelope(doc)])
    records = doc["Records"]
    if not isinstance(records, list) or not records:
        return Parsed(ignored=["no_records"])
    out = Parsed()
    for raw in records:
        task, reason = _task(raw, landing_bucket)
        if task is not None:
            out.tasks.append(task)
        else:
            out.ignored.append(reason)
    return out


def _envelope(doc: dict[str, Any]) -> str:
    if doc.get("Event") == "s3:TestEvent":
        return "s3_test_event"
    if "detail-type" in doc and "detail" in doc:
        return "eventbridge_event"
    if doc.get("Type") == "Notification" and "Message" in doc:
        return "sns_notification"
    return "unrecognised_event"


def _task(raw: Any, landing_bucket: str) -> tuple[ObjectTask | None, str]:
    if not isinstance(raw, dict):
        return None, "malformed_s3_record"
    try:
        record = next(iter(S3Event({"Records": [raw]}).records))
        event_name = record.event_name
        bucket = record.s3.bucket.name
        obj = record.s3.get_object
        encoded = obj.key
        version, etag = obj.version_id, obj.etag
    except (KeyError, TypeError, AttributeError, ValueError):
        return None, "malformed_s3_record"
    size, event_time = (raw["s3"].get("object") or {}).get("size"), raw.get("eventTime")  # optional fields
    if not isinstance(event_name, str) or not isinstance(bucket, str) or not isinstance(encoded, str) or not encoded:
        return None, "malformed_s3_record"
    if not event_name.startswith("ObjectCreated"):
        return None, "not_object_created"
    if bucket != landing_bucket:
        return None, "unexpected_bucket"
    try:
        key = unquote_plus(encoded, errors="strict")
    except UnicodeDecodeError:
        return None, "undecodable_key"
    if not key:
        return None, "malformed_s3_record"
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        return None, "key_too_long"
    version_id = version if isinstance(version, str) and version else None
    tag = etag if isinstance(etag, str) and etag else None
    return (
        ObjectTask(
            bucket=bucket,
            key=key,
            version=version_id or tag or "",
            version_id=version_id,
            etag=tag,
            size=size if isinstance(size, int) and not isinstance(size, bool) else None,
            event_time=event_time if isinstance(event_time, str) and event_time else None,
        ),
        "",
    )
