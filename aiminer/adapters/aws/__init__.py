"""AWS adapters: boto3 implementations of the small ports the core and the handlers need.

Each adapter takes its boto3 client in ``__init__`` (as Powertools' ``boto3_client=`` does), so handlers build
them once at module scope and tests point them at moto. Errors from AWS are wrapped with ``from exc`` into the
named errors below; messages never carry object keys or values read from patient files.
"""

from __future__ import annotations

from aiminer.errors import StreamError


class AdapterError(Exception):
    """An AWS call failed in a way the caller cannot fix by retrying the same object (see the message)."""


class TransientAdapterError(AdapterError):
    """An AWS call failed transiently (throttling, timeouts): let the message be redelivered."""


class ObjectReadError(TransientAdapterError, StreamError):
    """Reading an object's bytes failed (a ranged GET or its body stream): I/O, never a data problem.

    It is the core's :class:`~aiminer.errors.StreamError`, so the engine re-raises it instead of quarantining and
    the message is retried.
    """


class DependencyUnavailableError(TransientAdapterError, StreamError):
    """A table the engine reads or writes while it streams an object (the crosswalk) failed: throttling, a server
    error, a dropped connection. Like :class:`ObjectReadError` it is the core's :class:`~aiminer.errors.StreamError`,
    so the engine and :func:`aiminer.objects.process_object` re-raise it (the message is retried) instead of
    quarantining a sound object as ``invalid_dicom`` or ``processing_error``."""
