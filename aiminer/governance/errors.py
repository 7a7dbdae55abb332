"""The governance error hierarchy: every error carries a machine-readable ``reason`` and a readable message."""

from __future__ import annotations


class GovernanceError(Exception):
    """Base class. ``reason`` is a stable, machine-readable code (used in audit records and API responses)."""

    reason: str = "governance_error"

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class InvalidRecordError(GovernanceError):
    """A record is malformed (bad dates, empty required field). Fix the input and retry."""

    reason = "invalid_record"


class TransitionError(GovernanceError):
    """A status change that the transition table forbids (e.g. revoked -> active). Create a new DUA instead."""

    reason = "invalid_transition"


class DeliveryRefusedError(GovernanceError):
    """A delivery that the rules refuse (DUA not active, outside its dates, object not released or not in the
    dataset). Nothing was signed; the refusal itself is audited."""

    reason = "delivery_refused"


class NotFoundError(GovernanceError):
    """A record that does not exist (unknown project, DUA or dataset)."""

    reason = "not_found"
