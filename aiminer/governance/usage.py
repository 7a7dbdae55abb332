"""The fair-pricing usage ledger: per project and month, what the pipeline did (never what the data is worth).

Events come from the pipeline itself (ingest: ``received``, ``deidentified``, ``quarantined``; retention:
``deleted``; delivery: ``delivered``). Storage is measured in GB-months: the bytes held in the repository
(de-identified minus deleted), integrated over the month, divided by 2**30 bytes and by the month's length.

Table ``usage``: partition key ``party_id`` = the project ID, sort key ``event_id`` = ``<ISO UTC time>#<random>``
(so one month is a ``begins_with``/``between`` query).
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from aiminer.governance._dates import iso, month_bounds, stable_event_id

UsageKind = Literal["received", "deidentified", "quarantined", "delivered", "deleted"]
USAGE_KINDS: tuple[str, ...] = ("received", "deidentified", "quarantined", "delivered", "deleted")
GIB = 2**30
#: Service quantities a rate card may price. Deliberately no per-dataset, per-object-content or per-patient item:
#: AI MINER charges for services rendered, never for the data.
SERVICES: tuple[tuple[str, str], ...] = (
    ("ingest_gb", "GB received"),
    ("deidentified_objects", "objects de-identified"),
    ("storage_gb_months", "GB-months stored"),
    ("delivered_gb", "GB delivered"),
)


@dataclass(frozen=True)
class UsageEvent:
    """One ledger entry: ``objects`` and ``bytes`` of one kind for one project at one moment."""

    project: str
    kind: str
    objects: int
    bytes: int
    at: datetime
    event_id: str = ""

    def to_record(self) -> dict[str, Any]:
        """The item as stored."""
        return {
            "party_id": self.project,
            "event_id": self.event_id or f"{iso(self.at)}#{secrets.token_hex(6)}",
            "kind": self.kind,
            "objects": self.objects,
            "bytes": self.bytes,
            "at": iso(self.at),
        }

    @classmethod
    def from_record(cls, d: dict[str, Any]) -> UsageEvent:
        """Reader for a stored item."""
        return cls(
            project=str(d["party_id"]),
            kind=str(d["kind"]),
            objects=int(d.get("objects", 0)),
            bytes=int(d.get("bytes", 0)),
            at=datetime.fromisoformat(str(d["at"])),
            event_id=str(d.get("event_id", "")),
        )


def usage_event(
    project: str, kind: UsageKind, objects: int, nbytes: int, at: datetime, source: tuple[str, ...] = ()
) -> UsageEvent:
    """A validated usage event (non-negative counts, known kind, timezone-aware time).

    ``source`` names what was measured (e.g. the landing object's bucket, key and version): the event then has a
    stable ID, so recording it again after a retry or a duplicate event is recognised, not counted twice.
    """
    if kind not in USAGE_KINDS:
        raise ValueError(f"unknown usage kind {kind!r}")
    if objects < 0 or nbytes < 0:
        raise ValueError("usage counts are never negative")
    if at.tzinfo is None:
        raise ValueError("usage times are timezone-aware (UTC)")
    event_id = stable_event_id(at, *source, kind) if source else ""
    return UsageEvent(project, kind, objects, nbytes, at, event_id)


@dataclass(frozen=True)
class UsageSummary:
    """One project's month."""

    project: str
    month: str
    received_objects: int = 0
    received_bytes: int = 0
    deidentified_objects: int = 0
    deidentified_bytes: int = 0
    quarantined_objects: int = 0
    quarantined_bytes: int = 0
    delivered_objects: int = 0
    delivered_bytes: int = 0
    stored_bytes_end: int = 0
    stored_gb_months: float = 0.0

    def quantities(self) -> dict[str, float]:
        """Service quantities a rate card may price (keys of :data:`SERVICES`)."""
        return {
            "ingest_gb": self.received_bytes / GIB,
            "deidentified_objects": float(self.deidentified_objects),
            "storage_gb_months": self.stored_gb_months,
            "delivered_gb": self.delivered_bytes / GIB,
        }


def aggregate(events: list[UsageEvent], project: str, month: str) -> UsageSummary:
    """Aggregate one project's month. ``events`` may include earlier months (they carry stored bytes forward);
    events of other projects and after the month are ignored."""
    start, end = month_bounds(month)
    month_seconds = (end - start).total_seconds()
    counts = {k: [0, 0] for k in USAGE_KINDS}
    stored = 0
    byte_seconds = 0.0
    cursor = start
    # The running total is not clamped event by event: a deletion's time is its S3 copy's LastModified (whole
    # seconds), so it can sort before the de-identification of the same object in the same second, and a clamp there
    # would leave that object's bytes stored forever. Only what is counted is clamped.
    for ev in sorted((e for e in events if e.project == project and e.at < end), key=lambda e: e.at):
        delta = ev.bytes if ev.kind == "deidentified" else -ev.bytes if ev.kind == "deleted" else 0
        if ev.at < start:
            stored += delta
            continue
        byte_seconds += max(0, stored) * (ev.at - cursor).total_seconds()
        cursor = ev.at
        stored += delta
        counts[ev.kind][0] += ev.objects
        counts[ev.kind][1] += ev.bytes
    stored = max(0, stored)
    byte_seconds += stored * (end - cursor).total_seconds()
    return UsageSummary(
        project=project,
        month=month,
        received_objects=counts["received"][0],
        received_bytes=counts["received"][1],
        deidentified_objects=counts["deidentified"][0],
        deidentified_bytes=counts["deidentified"][1],
        quarantined_objects=counts["quarantined"][0],
        quarantined_bytes=counts["quarantined"][1],
        delivered_objects=counts["delivered"][0],
        delivered_bytes=counts["delivered"][1],
        stored_bytes_end=stored,
        stored_gb_months=byte_seconds / month_seconds / GIB,
    )


def report_csv(summary: UsageSummary, rates: dict[str, float] | None = None) -> str:
    """The usage report: one row per measure, then (with a rate card) one priced row per service."""
    unknown = set(rates or {}) - {k for k, _ in SERVICES}
    if unknown:
        raise ValueError(f"rate card prices unknown services {sorted(unknown)}: only services can be priced")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["project", "month", "measure", "objects", "bytes"])
    for kind in ("received", "deidentified", "quarantined", "delivered"):
        w.writerow(
            [
                summary.project,
                summary.month,
                kind,
                getattr(summary, f"{kind}_objects"),
                getattr(summary, f"{kind}_bytes"),
            ]
        )
    w.writerow([summary.project, summary.month, "stored_at_month_end", "", summary.stored_bytes_end])
    w.writerow([summary.project, summary.month, "stored_gb_months", "", f"{summary.stored_gb_months:.6f}"])
    if rates:
        w.writerow([])
        w.writerow(["service", "quantity", "unit", "unit_price", "amount"])
        total = 0.0
        for key, unit in SERVICES:
            qty = summary.quantities()[key]
            price = rates.get(key, 0.0)
            total += qty * price
            w.writerow([key, f"{qty:.6f}", unit, f"{price:.4f}", f"{qty * price:.2f}"])
        w.writerow(["total", "", "", "", f"{total:.2f}"])
    return buf.getvalue()
