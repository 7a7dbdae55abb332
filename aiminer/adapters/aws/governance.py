"""Projects and sites (repository zone tables, read by the partner's de-identify function with GetItem).

Record formats (documented in docs/ingest.md; the curator commands of issue 7 will write them):

* ``projects`` item, key ``project_id``::

    {"project_id": "lung-ai", "title": "...", "irb_number": "IRB-2026-0042", "irb_status": "approved",
     "irb_approved_on": "2026-01-15", "irb_expires_on": "2027-01-14", "policy_options": {...}}

  Active means ``irb_status == "approved"`` and today (UTC) is on or before ``irb_expires_on``.

* ``sites`` item, key ``site_id`` = ``"<partner_id>/<site>"`` (site names are only unique within a partner)::

    {"site_id": "uni-a/site-1", "partner_id": "uni-a", "site": "site-1", "status": "enrolled",
     "projects": ["lung-ai"]}

  Enrolled means ``status == "enrolled"`` and the project is in ``projects``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_DESER = TypeDeserializer()
_SER = TypeSerializer()


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB wire format -> plain Python."""
    return {k: _DESER.deserialize(v) for k, v in item.items()}


def to_item(data: dict[str, Any]) -> dict[str, Any]:
    """Plain Python -> DynamoDB wire format (``None`` values dropped)."""
    return {k: _SER.serialize(v) for k, v in data.items() if v is not None}


@dataclass(frozen=True)
class Project:
    """A research project and its IRB approval."""

    project_id: str
    irb_status: str
    irb_expires_on: str
    title: str = ""
    irb_number: str = ""
    irb_approved_on: str = ""
    policy_options: dict[str, bool] = field(default_factory=dict)

    def inactive_reason(self, today: date | None = None) -> str | None:
        """``None`` when active; else ``project_not_approved`` or ``project_expired``."""
        if self.irb_status != "approved":
            return "project_not_approved"
        today = today or datetime.now(UTC).date()
        try:
            expires = date.fromisoformat(self.irb_expires_on)
        except ValueError:
            return "project_expired"  # an unreadable expiry is treated as expired, never as open-ended
        return "project_expired" if today > expires else None

    def to_record(self) -> dict[str, Any]:
        """The item as stored."""
        return {
            "project_id": self.project_id,
            "title": self.title,
            "irb_number": self.irb_number,
            "irb_status": self.irb_status,
            "irb_approved_on": self.irb_approved_on,
            "irb_expires_on": self.irb_expires_on,
            "policy_options": self.policy_options,
        }


@dataclass(frozen=True)
class Site:
    """A partner's site and the projects it is enrolled in."""

    partner_id: str
    site: str
    status: str
    projects: tuple[str, ...]

    @property
    def site_id(self) -> str:
        """Table key: ``<partner>/<site>``."""
        return site_key(self.partner_id, self.site)

    def to_record(self) -> dict[str, Any]:
        """The item as stored."""
        return {
            "site_id": self.site_id,
            "partner_id": self.partner_id,
            "site": self.site,
            "status": self.status,
            "projects": list(self.projects),
        }


def site_key(partner_id: str, site: str) -> str:
    """Key of a site item."""
    return f"{partner_id}/{site}"


class GovernanceRepository:
    """Reads (and, for seeding and issue 7's curator commands, writes) project and site records."""

    def __init__(self, client: Any, projects_table: str, sites_table: str) -> None:
        self._client = client
        self._projects, self._sites = projects_table, sites_table

    def project(self, project_id: str) -> Project | None:
        """The project record or ``None``."""
        item = self._client.get_item(TableName=self._projects, Key={"project_id": {"S": project_id}}).get("Item")
        if item is None:
            return None
        d = from_item(item)
        return Project(
            project_id=d["project_id"],
            irb_status=str(d.get("irb_status", "")),
            irb_expires_on=str(d.get("irb_expires_on", "")),
            title=str(d.get("title", "")),
            irb_number=str(d.get("irb_number", "")),
            irb_approved_on=str(d.get("irb_approved_on", "")),
            policy_options={str(k): bool(v) for k, v in dict(d.get("policy_options") or {}).items()},
        )

    def site(self, partner_id: str, site: str) -> Site | None:
        """The site record or ``None``."""
        key = {"site_id": {"S": site_key(partner_id, site)}}
        item = self._client.get_item(TableName=self._sites, Key=key).get("Item")
        if item is None:
            return None
        d = from_item(item)
        return Site(d["partner_id"], d["site"], str(d.get("status", "")), tuple(d.get("projects") or ()))

    def check(self, partner_id: str, site: str, project_id: str, today: date | None = None) -> str | None:
        """``None`` if the project is active and the site enrolled in it; else a machine-readable reason."""
        # The rules are the governance core's (aiminer.governance.projects): one definition of "active".
        from datetime import UTC, datetime

        from aiminer.governance import projects as rules

        project = self.project(project_id)
        record = self.site(partner_id, site)
        return rules.ingest_refusal(
            rules.Project.from_record(project.to_record()) if project is not None else None,
            rules.Site.from_record(record.to_record()) if record is not None else None,
            project_id,
            today or datetime.now(UTC).date(),
        )

    def put_project(self, project: Project) -> None:
        """Write a project record (seeding; issue 7's curator command)."""
        self._client.put_item(TableName=self._projects, Item=to_item(project.to_record()))

    def put_site(self, site: Site) -> None:
        """Write a site record (seeding; issue 7's curator command)."""
        self._client.put_item(TableName=self._sites, Item=to_item(site.to_record()))
