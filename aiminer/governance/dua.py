"""Data use agreements: an industry partner, a frozen dataset version, a purpose, dates and a validated status.

Transitions (anything else raises :class:`TransitionError`)::

    draft     -> active | revoked
    active    -> suspended | expired | revoked
    suspended -> active | expired | revoked
    expired, revoked: final

Every change appends to the DUA's ``history`` (who, when, from, to, why) and the caller writes one audit
record per change (``aiminer.governance.audit.dua_event``).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from aiminer.governance._dates import iso, parse_date
from aiminer.governance.errors import InvalidRecordError, TransitionError

if TYPE_CHECKING:
    from datetime import date, datetime

DuaStatus = Literal["draft", "active", "suspended", "expired", "revoked"]
DUA_STATUSES: tuple[str, ...] = ("draft", "active", "suspended", "expired", "revoked")

TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"active", "revoked"}),
    "active": frozenset({"suspended", "expired", "revoked"}),
    "suspended": frozenset({"active", "expired", "revoked"}),
    "expired": frozenset(),
    "revoked": frozenset(),
}

_PARTNER_RE = re.compile(r"^[a-z][a-z0-9-]{0,11}$")  # same rule as topology.check_id (industry partner IDs)


@dataclass(frozen=True)
class Change:
    """One status change: who, when (ISO UTC), from, to, why."""

    actor: str
    at: str
    from_status: str
    to_status: str
    note: str = ""


@dataclass(frozen=True)
class Dua:
    """A data use agreement (record in the ``duas`` table, key ``partner_id`` + ``dua_id``)."""

    dua_id: str
    partner_id: str
    dataset_id: str
    dataset_version: int
    purpose: str
    start_date: str
    end_date: str
    status: DuaStatus = "draft"
    created_by: str = ""
    created_at: str = ""
    history: tuple[Change, ...] = ()

    def validate(self) -> Dua:
        """Raise :class:`InvalidRecordError` unless well formed; return ``self``."""
        if not _PARTNER_RE.fullmatch(self.partner_id):
            raise InvalidRecordError(f"industry partner ID must match {_PARTNER_RE.pattern}", "invalid_partner_id")
        if not self.dataset_id or self.dataset_version < 1:
            raise InvalidRecordError("a DUA covers one frozen dataset version (ID and version >= 1)", "invalid_dataset")
        if not self.purpose.strip():
            raise InvalidRecordError("a DUA needs a permitted purpose", "missing_purpose")
        if parse_date(self.end_date, "end_date") < parse_date(self.start_date, "start_date"):
            raise InvalidRecordError("the DUA ends before it starts", "end_before_start")
        if self.status not in DUA_STATUSES:
            raise InvalidRecordError(f"status must be one of {DUA_STATUSES}", "invalid_status")
        return self

    @property
    def dataset_ref(self) -> str:
        """``<dataset_id>@<version>``."""
        return f"{self.dataset_id}@{self.dataset_version}"

    def to_record(self) -> dict[str, Any]:
        """The item as stored."""
        d = dataclasses.asdict(self)
        d["history"] = [dataclasses.asdict(c) for c in self.history]
        return d

    @classmethod
    def from_record(cls, d: dict[str, Any]) -> Dua:
        """Reader for a stored item."""
        return cls(
            dua_id=str(d["dua_id"]),
            partner_id=str(d["partner_id"]),
            dataset_id=str(d["dataset_id"]),
            dataset_version=int(d["dataset_version"]),
            purpose=str(d.get("purpose", "")),
            start_date=str(d["start_date"]),
            end_date=str(d["end_date"]),
            status=str(d.get("status", "draft")),  # type: ignore[arg-type]
            created_by=str(d.get("created_by", "")),
            created_at=str(d.get("created_at", "")),
            history=tuple(Change(**{k: str(v) for k, v in c.items()}) for c in d.get("history") or ()),
        )


def new_dua(
    dua_id: str,
    partner_id: str,
    dataset_id: str,
    dataset_version: int,
    purpose: str,
    start_date: str,
    end_date: str,
    actor: str,
    now: datetime,
) -> Dua:
    """A validated draft DUA."""
    return Dua(
        dua_id=dua_id,
        partner_id=partner_id,
        dataset_id=dataset_id,
        dataset_version=dataset_version,
        purpose=purpose.strip(),
        start_date=start_date,
        end_date=end_date,
        status="draft",
        created_by=actor,
        created_at=iso(now),
    ).validate()


def transition(dua: Dua, to: DuaStatus, actor: str, now: datetime, note: str = "") -> Dua:
    """The DUA after a validated status change (the input is unchanged).

    Activation (from draft or suspended) is refused once the end date has passed: such a DUA can only expire.
    """
    if to not in TRANSITIONS.get(dua.status, frozenset()):
        raise TransitionError(f"DUA {dua.dua_id}: {dua.status} -> {to} is not allowed")
    if not actor.strip():
        raise InvalidRecordError("every DUA change names who made it", "missing_actor")
    if to == "active" and now.date() > parse_date(dua.end_date, "end_date"):
        raise TransitionError(f"DUA {dua.dua_id} ended on {dua.end_date}: it cannot be activated", "dua_ended")
    change = Change(actor=actor, at=iso(now), from_status=dua.status, to_status=to, note=note)
    return dataclasses.replace(dua, status=to, history=(*dua.history, change))


def effective_refusal(dua: Dua, today: date) -> str | None:
    """``None`` if the DUA permits delivery on ``today``; else a reason: ``dua_<status>`` for a DUA that is not
    active, ``dua_not_started`` before its start date, ``dua_ended`` after its end date (both dates inclusive)."""
    if dua.status != "active":
        return f"dua_{dua.status}"
    if today < parse_date(dua.start_date, "start_date"):
        return "dua_not_started"
    if today > parse_date(dua.end_date, "end_date"):
        return "dua_ended"
    return None
