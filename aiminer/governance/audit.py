"""Audit record shapes. The trail is append-only: writers create entries and never update or delete them
(enforced by conditional writes in the adapter and by IAM: the functions hold only ``dynamodb:PutItem``).

Table ``audit``: partition key ``subject`` (what the event is about, e.g. ``dua#DUA-...``), sort key
``event_id`` (``<ISO UTC time>#<random>``, so a subject's events sort by time), GSI ``by_actor``.
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from aiminer.governance._dates import iso, stable_event_id

if TYPE_CHECKING:
    from datetime import datetime

AuditKind = Literal[
    "upload",
    "deidentification",
    "quarantine",
    "qc_decision",
    "approval",
    "project_created",
    "project_suspended",
    "site_enrolled",
    "dua_created",
    "dua_changed",
    "dataset_frozen",
    "delivery_issued",
    "delivery_refused",
]
AUDIT_KINDS: tuple[str, ...] = AuditKind.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class AuditEvent:
    """One audit entry (PHI-free: coded IDs, keys of de-identified objects, reasons)."""

    subject: str
    event_id: str
    kind: str
    actor: str
    at: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        """The item as stored."""
        return {
            "subject": self.subject,
            "event_id": self.event_id,
            "kind": self.kind,
            "actor": self.actor,
            "at": self.at,
            "details": self.details,
        }

    @classmethod
    def from_record(cls, d: dict[str, Any]) -> AuditEvent:
        """Reader for a stored item."""
        return cls(
            subject=str(d["subject"]),
            event_id=str(d["event_id"]),
            kind=str(d.get("kind", "")),
            actor=str(d.get("actor", "")),
            at=str(d.get("at", "")),
            details=dict(d.get("details") or {}),
        )


class AuditLog(Protocol):
    """Port: append one event; an existing (subject, event_id) is never overwritten."""

    def append(self, event: AuditEvent) -> None:
        """Create the entry or raise."""


def new_event_id(now: datetime) -> str:
    """Time-sortable, collision-resistant event ID."""
    return f"{iso(now)}#{secrets.token_hex(6)}"


def event(subject: str, kind: AuditKind, actor: str, now: datetime, **details: Any) -> AuditEvent:
    """Build an audit event; ``actor`` must name who acted."""
    if kind not in AUDIT_KINDS:
        raise ValueError(f"unknown audit kind {kind!r}")
    if not actor:
        raise ValueError("an audit event names its actor")
    return AuditEvent(subject, new_event_id(now), kind, actor, iso(now), dict(details))


def pipeline_event(
    source: tuple[str, ...], subject: str, kind: AuditKind, actor: str, now: datetime, **details: Any
) -> AuditEvent:
    """An audit event of a pipeline step, with an ID derived from what caused it (``source``, e.g. a landing
    object's bucket, key and version): a retried step records its event once (the append-only put keeps the first).
    """
    return dataclasses.replace(
        event(subject, kind, actor, now, **details), event_id=stable_event_id(now, *source, kind)
    )


def subject_of(kind: str, ident: str) -> str:
    """Subject key, e.g. ``dua#DUA-123``."""
    return f"{kind}#{ident}"


def matches(ev: AuditEvent, kind: str | None = None, actor: str | None = None, since: str | None = None) -> bool:
    """Filter used by ``aiminer audit`` after the query."""
    if kind and ev.kind != kind:
        return False
    if actor and ev.actor != actor:
        return False
    return not (since and ev.at < since)
