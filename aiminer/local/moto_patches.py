"""Patches to moto (the local AWS) that the local runtime applies before its moto server starts.

Each patch is small, keeps moto's behaviour, and is applied only when moto's internals look as expected; if they
do not, moto is left as it is and one log line says which patch was skipped and why (names of moto's own classes
and attributes, moto's version: never a request, a message or a queue's content).

SQS retention check (moto 5.2.5)
    ``SQSBackend.receive_message`` calls ``is_message_valid_based_on_retention_period`` for every message it is
    about to return, and that method reads the queue's ``MessageRetentionPeriod`` through ``get_queue_attributes``,
    which builds *every* attribute of the queue, including ``ApproximateNumberOfMessages``, ``...NotVisible`` and
    ``...Delayed``: three scans over all queued messages, several times over per call. One receive therefore costs
    O(queue depth²); with 10,000 queued S3 events each poll took seconds and the local pipeline processed about one
    object per second (``bench/bench_load.py``, docs/reliability.md). AWS SQS has no such cost. The patch reads
    the same value straight from the queue (``Queue.message_retention_period``, which moto's ``_set_attributes``
    sets and its ``attributes`` property reports) and keeps the rest of the check as it is: a message sent more
    than the retention period ago is still not delivered. A queue without that attribute falls back to moto's own
    method.
"""

from __future__ import annotations

import functools
import inspect
import logging
from typing import Any

log = logging.getLogger(__name__)

#: Set on every replacement function, so :func:`apply` is idempotent.
PATCH_MARK = "_aiminer_moto_patch"

_RETENTION_METHOD = "is_message_valid_based_on_retention_period"


def apply() -> dict[str, bool]:
    """Apply every patch (idempotent; process-wide, so ``mock_aws`` in the same process gets them too).

    Returns ``{patch name: applied}``; a patch that was not applied has been logged once with the reason.
    """
    return {"sqs_retention_check": _patch_sqs_retention_check()}


def _moto_version() -> str:
    try:
        from importlib.metadata import version

        return version("moto")
    except Exception:  # the version only goes into a log line
        return "unknown"


def _skip(patch: str, reason: str) -> bool:
    log.warning("moto patch %s not applied (moto %s): %s", patch, _moto_version(), reason)
    return False


def _patch_sqs_retention_check() -> bool:
    name = "sqs_retention_check"
    try:
        from moto.sqs import models
    except ImportError:
        return _skip(name, "moto.sqs.models cannot be imported")
    backend_cls = getattr(models, "SQSBackend", None)
    queue_cls = getattr(models, "Queue", None)
    original = getattr(backend_cls, _RETENTION_METHOD, None)
    if backend_cls is None or queue_cls is None or not callable(original):
        return _skip(name, f"moto.sqs.models has no SQSBackend.{_RETENTION_METHOD} or no Queue")
    if getattr(original, PATCH_MARK, False):
        return True
    if not callable(getattr(backend_cls, "get_queue", None)) or not callable(getattr(models, "unix_time", None)):
        return _skip(name, "SQSBackend.get_queue or moto.sqs.models.unix_time is missing")
    if "MessageRetentionPeriod" not in getattr(queue_cls, "BASE_ATTRIBUTES", ()):
        return _skip(name, "Queue.BASE_ATTRIBUTES does not list MessageRetentionPeriod")
    try:
        params = list(inspect.signature(original).parameters)
    except (TypeError, ValueError):
        params = []
    if params != ["self", "queue_name", "message"]:
        return _skip(name, f"SQSBackend.{_RETENTION_METHOD} takes {params}, not (self, queue_name, message)")

    @functools.wraps(original)
    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        queue = self.get_queue(queue_name)  # QueueDoesNotExist for an unknown queue, as before
        retention_period = getattr(queue, "message_retention_period", None)
        sent_timestamp = getattr(message, "sent_timestamp", None)
        if retention_period is None or sent_timestamp is None:
            return bool(original(self, queue_name, message))
        retain_until = int(retention_period) + sent_timestamp / 1000
        return bool(retain_until > models.unix_time())

    setattr(is_message_valid_based_on_retention_period, PATCH_MARK, True)
    setattr(backend_cls, _RETENTION_METHOD, is_message_valid_based_on_retention_period)
    return True
