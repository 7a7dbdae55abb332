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

DynamoDB transaction snapshot (moto 5.2.5)
    ``DynamoDBBackend.transact_write_items`` deep-copies every table a transaction touches, once per item of the
    transaction, so it can roll back; every ``Item`` of those copies stays referenced by moto's instance tracking
    until a reset. The ingest records each file with a two-item transaction, so a 1,000-file load held 4 GB and
    a 3,000-file one grew past 9 GB while each transaction took longer with the table's size (helper measurement:
    176 ms at 1,000 items, 593 ms at 3,000). The patch gives the module a ``copy`` whose ``deepcopy`` returns a
    ``Table`` itself (every other object is deep-copied as before, so ``update_item``'s copy of one item is
    unchanged) and wraps the transaction: it copies only the items the transaction names, and if the transaction
    raises (a failed condition cancels all of it) puts exactly those back. A transaction is all-or-nothing as
    before.

Distributed Map failure threshold (moto 5.2.5)
    A Distributed Map's run fails with ``States.ExceedToleratedFailureThreshold`` on AWS when more of its child
    executions fail than ``ToleratedFailureCount`` / ``ToleratedFailurePercentage`` allow (both 0 by default: any
    failure fails the run). moto counts failed children (``MapRunRecord.item_counter``) but never compares them
    with the thresholds, so a run whose every child failed "succeeds" with the failed items' outputs ``null``,
    and the workflow runs on as if they had passed. The patch wraps ``DistributedIterationComponent._map_run``:
    after the children ran it compares the failed and timed-out counts with the thresholds and raises the failure
    AWS raises, which moto's own handler turns into a ``MapRunFailed`` event and the Map state's error.
"""

from __future__ import annotations

import copy
import functools
import inspect
import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

#: Set on every replacement function, so :func:`apply` is idempotent.
PATCH_MARK = "_aiminer_moto_patch"

_RETENTION_METHOD = "is_message_valid_based_on_retention_period"


def apply() -> dict[str, bool]:
    """Apply every patch (idempotent; process-wide, so ``mock_aws`` in the same process gets them too).

    Returns ``{patch name: applied}``; a patch that was not applied has been logged once with the reason.
    """
    return {
        "sqs_retention_check": _patch_sqs_retention_check(),
        "dynamodb_transaction_snapshot": _patch_dynamodb_transaction_snapshot(),
        "map_run_failure_threshold": _patch_map_run_failure_threshold(),
    }


def _moto_version() -> str:
    try:
        from importlib.metadata import version

        return version("moto")
    except Exception:  # the version only goes into a log line
        return "unknown"


def _skip(patch: str, reason: str) -> bool:
    log.warning("moto patch %s not applied (moto %s): %s", patch, _moto_version(), reason)
    return False


def _method(module: Any, cls_name: str, attribute: str) -> tuple[Any, Any] | str:
    """``(class, method)`` a patch wraps, or why it cannot (the reason :func:`_skip` logs)."""
    cls = getattr(module, cls_name, None)
    original = getattr(cls, attribute, None)
    if cls is None or not callable(original):
        return f"{getattr(module, '__name__', module)} has no {cls_name}.{attribute}"
    return cls, original


def _patch_sqs_retention_check() -> bool:
    name = "sqs_retention_check"
    try:
        from moto.sqs import models
    except ImportError:
        return _skip(name, "moto.sqs.models cannot be imported")
    found = _method(models, "SQSBackend", _RETENTION_METHOD)
    if isinstance(found, str):
        return _skip(name, found)
    backend_cls, original = found
    if getattr(original, PATCH_MARK, False):
        return True
    queue_cls = getattr(models, "Queue", None)
    if queue_cls is None:
        return _skip(name, "moto.sqs.models has no Queue")
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


class _CopyWithoutTables:
    """Stands in for the ``copy`` module inside ``moto.dynamodb.models``: a table is not copied (the patched
    transaction snapshots its items instead); everything else is, exactly as ``copy`` does."""

    def __init__(self, table_cls: type) -> None:
        self._table_cls = table_cls

    def deepcopy(self, obj: Any, memo: dict[int, Any] | None = None) -> Any:
        if isinstance(obj, self._table_cls):
            return obj
        return copy.deepcopy(obj, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _touched_items(backend: Any, transact_items: list[dict[str, Any]], dynamo_type: Any) -> list[tuple[Any, ...]]:
    """``(table, hash, range, copy of the current item or None)`` for each item a transaction names."""
    out: list[tuple[Any, ...]] = []
    for entry in transact_items:
        try:
            op = next(iter(entry.values()))
            table = backend.tables.get(op.get("TableName"))
            if table is None:
                continue
            key = op["Item"] if "Item" in op else op["Key"]
            hash_value = dynamo_type(key[table.hash_key_attr])
            range_value = dynamo_type(key[table.range_key_attr]) if table.range_key_attr else None
            current = table.get_item(hash_value, range_value)
        except Exception:  # a malformed entry: moto rejects it before changing anything for it
            continue
        out.append((table, hash_value, range_value, copy.deepcopy(current) if current is not None else None))
    return out


def _restore(touched: list[tuple[Any, ...]]) -> None:
    for table, hash_value, range_value, item in reversed(touched):
        if item is None:
            table.delete_item(hash_value, range_value)
        elif range_value is not None:
            table.items[hash_value][range_value] = item
        else:
            table.items[hash_value] = item


def _patch_dynamodb_transaction_snapshot() -> bool:
    name = "dynamodb_transaction_snapshot"
    try:
        from moto.dynamodb import models
        from moto.dynamodb.models.dynamo_type import DynamoType
        from moto.dynamodb.models.table import Table
    except ImportError:
        return _skip(name, "moto.dynamodb.models, its Table or DynamoType cannot be imported")
    found = _method(models, "DynamoDBBackend", "transact_write_items")
    if isinstance(found, str):
        return _skip(name, found)
    backend_cls, original = found
    if getattr(original, PATCH_MARK, False):
        return True
    if getattr(models, "copy", None) is not copy:
        return _skip(name, "moto.dynamodb.models does not use the copy module as expected")
    if not callable(getattr(Table, "get_item", None)) or not callable(getattr(Table, "delete_item", None)):
        return _skip(name, "Table has no get_item or delete_item")
    lock = threading.Lock()  # one transaction at a time, as the whole-table copy made them in effect

    @functools.wraps(original)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        with lock:
            touched = _touched_items(self, transact_items, DynamoType)
            try:
                return original(self, transact_items)
            except Exception:
                _restore(touched)
                raise

    setattr(transact_write_items, PATCH_MARK, True)
    models.copy = _CopyWithoutTables(Table)  # type: ignore[assignment]
    backend_cls.transact_write_items = transact_write_items
    return True


def exceeds_tolerance(failed: int, total: int, tolerated_count: int, tolerated_percentage: float) -> bool:
    """Whether a map run with ``failed`` of ``total`` items failed fails as a whole: AWS fails it when more items
    failed than a threshold that was set allows, and on any failure when neither was set. moto hands over 0 for a
    threshold not set, so a threshold of 0 next to one that is set counts as not set (the one case this reads
    differently from AWS: an explicit ``ToleratedFailureCount: 0`` beside a percentage)."""
    if failed <= 0:
        return False
    if tolerated_count <= 0 and tolerated_percentage <= 0:
        return True
    over_count = tolerated_count > 0 and failed > tolerated_count
    over_percentage = tolerated_percentage > 0 and total > 0 and 100.0 * failed / total > tolerated_percentage
    return over_count or over_percentage


def _patch_map_run_failure_threshold() -> bool:
    name = "map_run_failure_threshold"
    try:
        from moto.stepfunctions.parser.api import HistoryEventType, MapRunFailedEventDetails
        from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
            FailureEvent,
            FailureEventException,
        )
        from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
        from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
            StatesErrorNameType,
        )
        from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
            distributed_iteration_component as component,
        )
        from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    except ImportError:
        return _skip(name, "moto's Step Functions interpreter (distributed_iteration_component) cannot be imported")
    found = _method(component, "DistributedIterationComponent", "_map_run")
    if isinstance(found, str):
        return _skip(name, found)
    component_cls, original = found
    if getattr(original, PATCH_MARK, False):
        return True
    threshold_error = getattr(StatesErrorNameType, "StatesExceedToleratedFailureThreshold", None)
    if threshold_error is None:
        return _skip(name, "StatesErrorNameType has no StatesExceedToleratedFailureThreshold")

    @functools.wraps(original)
    def _map_run(self: Any, env: Any, eval_input: Any) -> None:
        original(self, env, eval_input)
        try:
            counter = eval_input.map_run_record.item_counter
            failed = counter.failed.get() + counter.timed_out.get()
            total = counter.total.get()
            count, percentage = eval_input.tolerated_failure_count, eval_input.tolerated_failure_percentage
        except AttributeError:  # moto's records changed shape: leave the run as moto ended it
            return
        if not exceeds_tolerance(failed, total, int(count or 0), float(percentage or 0.0)):
            return
        env.stack.pop()  # the run's outputs: a failed run has none
        error = StatesErrorName(typ=threshold_error)
        cause = f"The specified tolerated failure threshold was exceeded: {failed} of {total} items failed."
        raise FailureEventException(
            failure_event=FailureEvent(
                env=env,
                error_name=error,
                event_type=HistoryEventType.MapRunFailed,
                event_details=EventDetails(  # type: ignore[typeddict-item]  # moto's TypedDict is total=True
                    mapRunFailedEventDetails=MapRunFailedEventDetails(error=error.error_name, cause=cause)
                ),
            )
        )

    setattr(_map_run, PATCH_MARK, True)
    component_cls._map_run = _map_run
    return True
