"""Catalogue items, cohort queries and frozen, versioned datasets.

A catalogue item is PHI-free by construction (coded site, patient, study; year only). A cohort query selects
released items; ``freeze`` turns its resolved list into an immutable dataset version that a DUA can cover.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from aiminer.governance._dates import iso
from aiminer.governance.errors import InvalidRecordError

if TYPE_CHECKING:
    from datetime import datetime

RELEASED = "released"


@dataclass(frozen=True)
class CatalogueItem:
    """One de-identified object as the catalogue knows it."""

    project: str
    key: str  # inbound key (the catalogue's identity of the object)
    status: str
    size: int = 0
    sha256: str = ""
    site: str = ""
    modality: str = ""
    body_part: str = ""
    year: int | None = None
    kind: str = ""
    released_key: str = ""  # key in the released bucket (defaults to ``key``)

    @property
    def delivery_key(self) -> str:
        """Where the released object lives."""
        return self.released_key or self.key

    @classmethod
    def from_record(cls, d: dict[str, Any]) -> CatalogueItem:
        """Reader for a catalogue ``object#`` item (tolerates missing optional fields)."""
        year = d.get("year")
        try:
            year_i = int(year) if year not in (None, "") else None
        except (TypeError, ValueError):
            year_i = None
        return cls(
            project=str(d.get("dataset_id", d.get("project", ""))),
            key=str(d.get("key", "")),
            status=str(d.get("status", "")),
            size=int(d.get("size") or 0),
            sha256=str(d.get("sha256", "")),
            site=str(d.get("site", "")),
            modality=str(d.get("modality") or ""),
            body_part=str(d.get("body_part") or ""),
            year=year_i,
            kind=str(d.get("kind", "")),
            released_key=str(d.get("released_key") or ""),
        )


@dataclass(frozen=True)
class CohortQuery:
    """A saved cohort query. Empty fields match everything; values are compared case-insensitively."""

    projects: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    body_parts: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    kinds: tuple[str, ...] = ()
    released_only: bool = True

    def validate(self) -> CohortQuery:
        """Raise :class:`InvalidRecordError` for an impossible year range; return ``self``."""
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise InvalidRecordError("year_from is after year_to", "invalid_year_range")
        return self

    def matches(self, item: CatalogueItem) -> bool:
        """Whether ``item`` belongs to the cohort."""

        def within(value: str, allowed: tuple[str, ...]) -> bool:
            return not allowed or value.upper() in {a.upper() for a in allowed}

        if self.released_only and item.status != RELEASED:
            return False
        if self.projects and item.project not in self.projects:
            return False
        if not (within(item.modality, self.modalities) and within(item.body_part, self.body_parts)):
            return False
        if not (within(item.site, self.sites) and within(item.kind, self.kinds)):
            return False
        if self.year_from is not None and (item.year is None or item.year < self.year_from):
            return False
        return not (self.year_to is not None and (item.year is None or item.year > self.year_to))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (lists, not tuples)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CohortQuery:
        """Inverse of :meth:`to_dict`."""
        tuples = ("projects", "modalities", "body_parts", "sites", "kinds")
        kwargs = {k: tuple(d.get(k) or ()) for k in tuples}
        yf, yt = d.get("year_from"), d.get("year_to")
        return cls(
            **kwargs,
            year_from=int(yf) if yf is not None else None,
            year_to=int(yt) if yt is not None else None,
            released_only=bool(d.get("released_only", True)),
        ).validate()


def search(items: list[CatalogueItem], query: CohortQuery) -> list[CatalogueItem]:
    """The cohort: matching items, sorted by (project, key) so a query always resolves the same way."""
    query.validate()
    return sorted((i for i in items if query.matches(i)), key=lambda i: (i.project, i.key))


@dataclass(frozen=True)
class DatasetMember:
    """One object of a frozen dataset version."""

    project: str
    key: str  # released key (what is delivered)
    size: int
    sha256: str
    catalogue_key: str = ""  # the catalogue item's key, to look up its current status (defaults to ``key``)

    @property
    def source_key(self) -> str:
        """Key of the catalogue item this member was frozen from."""
        return self.catalogue_key or self.key


@dataclass(frozen=True)
class DatasetVersion:
    """An immutable, versioned selection of released catalogue items (a saved query + its resolved list)."""

    dataset_id: str
    version: int
    name: str
    query: dict[str, Any]
    members: tuple[DatasetMember, ...]
    frozen_at: str
    frozen_by: str
    digest: str = field(default="")

    @property
    def ref(self) -> str:
        """``<dataset_id>@<version>``."""
        return f"{self.dataset_id}@{self.version}"

    @property
    def total_bytes(self) -> int:
        """Sum of member sizes."""
        return sum(m.size for m in self.members)

    def member_keys(self) -> frozenset[str]:
        """The released keys of the members."""
        return frozenset(m.key for m in self.members)

    def header(self) -> dict[str, Any]:
        """The version's record without its members (stored separately, one item per member)."""
        return {
            "dataset_id": self.dataset_id,
            "version": self.version,
            "name": self.name,
            "query": self.query,
            "frozen_at": self.frozen_at,
            "frozen_by": self.frozen_by,
            "digest": self.digest,
            "count": len(self.members),
            "total_bytes": self.total_bytes,
        }


def members_digest(members: tuple[DatasetMember, ...]) -> str:
    """SHA-256 over the canonical member list: two versions with the same digest hold the same bytes."""
    canonical = json.dumps([asdict(m) for m in members], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def freeze(
    dataset_id: str,
    version: int,
    name: str,
    query: CohortQuery,
    cohort: list[CatalogueItem],
    actor: str,
    now: datetime,
) -> DatasetVersion:
    """Freeze a resolved cohort into a dataset version.

    Refused for an empty cohort, for an item that is not released or lacks a checksum (a partner could not verify
    it), and for a duplicate released key.
    """
    if version < 1:
        raise InvalidRecordError("dataset versions start at 1", "invalid_version")
    if not cohort:
        raise InvalidRecordError("the cohort is empty: nothing to freeze", "empty_cohort")
    seen: set[str] = set()
    members: list[DatasetMember] = []
    for item in sorted(cohort, key=lambda i: (i.project, i.delivery_key)):
        if item.status != RELEASED:
            raise InvalidRecordError(f"{item.key} is not released", "object_not_released")
        if len(item.sha256) != 64:
            raise InvalidRecordError(f"{item.key} has no SHA-256 in the catalogue", "missing_checksum")
        if item.delivery_key in seen:
            raise InvalidRecordError(f"{item.delivery_key} appears twice", "duplicate_object")
        seen.add(item.delivery_key)
        members.append(DatasetMember(item.project, item.delivery_key, item.size, item.sha256, item.key))
    frozen = tuple(members)
    return DatasetVersion(
        dataset_id=dataset_id,
        version=version,
        name=name,
        query=query.to_dict(),
        members=frozen,
        frozen_at=iso(now),
        frozen_by=actor,
        digest=members_digest(frozen),
    )
