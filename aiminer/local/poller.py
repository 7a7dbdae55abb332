"""Deliver SQS batches to a Lambda handler the way the SQS event source mapping does, partial failures included.

moto's own SQS -> Lambda mapping delivers one record per call and ignores ``batchItemFailures`` (and cannot run
Python without Docker), so the local runtime polls itself: receive up to ``batch_size`` messages, build the same
event Lambda builds, call the handler, delete the messages that did not fail. A handler that raises deletes
nothing (its error type is logged, as Lambda logs an unhandled error); messages come back after the visibility
timeout and go to the DLQ after ``maxReceiveCount`` (moto moves them on the receive after the last allowed one).

The Lambda context's timeout is capped at the queue's visibility timeout: on AWS the visibility timeout is at
least the function's timeout (CDK sets six times it), so a function that dies mid-record has let its Powertools
idempotency "in progress" record expire (it lasts until the invocation's deadline) before the message comes back.
Locally the visibility timeout is short (1 s in the tests), and a 900 s context would keep that record alive
through every redelivery and send the message to the DLQ, which AWS would not do.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiminer.local.resources import REGION

log = logging.getLogger(__name__)


class Handler(Protocol):
    """A Lambda handler."""

    def __call__(self, event: dict[str, Any], context: Any) -> Any: ...


@dataclass
class LocalContext:
    """The parts of the Lambda context object that Powertools reads."""

    function_name: str
    timeout_seconds: int = 900
    memory_limit_in_mb: int = 3008
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = ""
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"
    _deadline: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.invoked_function_arn = self.invoked_function_arn or (
            f"arn:aws:lambda:{REGION}:123456789012:function:{self.function_name}"
        )

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the (local) timeout."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's SQS event source builds from received messages."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
            for m in messages
        ]
    }


@dataclass
class BatchStats:
    """What the poller did."""

    batches: int = 0
    messages: int = 0
    failures: int = 0
    crashes: int = 0


class SqsPoller:
    """Poll one queue and drive a handler with real batches."""

    def __init__(
        self, sqs: Any, queue_url: str, handler: Handler, function_name: str, batch_size: int = 10, wait: int = 1
    ) -> None:
        self._sqs, self._url, self._handler = sqs, queue_url, handler
        self._fn, self._batch, self._wait = function_name, batch_size, wait
        attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn", "VisibilityTimeout"])
        self._arn = attrs["Attributes"]["QueueArn"]
        self._timeout = max(1, min(900, int(attrs["Attributes"].get("VisibilityTimeout", 900))))
        self.stats = BatchStats()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self, wait: int | None = None) -> int:
        """One receive + one invocation; returns the number of messages received."""
        resp = self._sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=self._batch,
            WaitTimeSeconds=self._wait if wait is None else wait,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = resp.get("Messages", [])
        if not messages:
            return 0
        self.stats.batches += 1
        self.stats.messages += len(messages)
        try:
            result = self._handler(
                sqs_event(messages, self._arn), LocalContext(self._fn, timeout_seconds=self._timeout)
            )
        except Exception as exc:  # the invocation failed: the whole batch returns after the visibility timeout
            self.stats.crashes += 1
            # The type only: Lambda would log the message too, and a handler must never put PHI in one.
            log.warning("invocation failed", extra={"function": self._fn, "error": type(exc).__name__})
            return len(messages)
        failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        self.stats.failures += len(failed)
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=self._url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        return len(messages)

    def drain(self, idle_rounds: int = 2, timeout: float = 60.0) -> None:
        """Poll until the queue stays empty for ``idle_rounds`` receives (tests, the tour)."""
        deadline = time.monotonic() + timeout
        idle = 0
        while idle < idle_rounds and time.monotonic() < deadline:
            idle = idle + 1 if self.poll_once(wait=0) == 0 else 0
            if idle:
                time.sleep(0.05)

    def start(self) -> None:
        """Poll in a daemon thread until :meth:`stop`."""

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.poll_once()
                except Exception:  # keep the runtime alive; the queue keeps the messages
                    time.sleep(1)

        self._thread = threading.Thread(target=loop, name=f"poller-{self._fn}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
