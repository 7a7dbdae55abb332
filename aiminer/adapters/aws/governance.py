"""The de-identify function's view of projects and sites (repository zone tables, read with GetItem), and the
DynamoDB item <-> Python conversions every adapter here shares.

The records are the governance core's (:mod:`aiminer.governance.projects`), written by the curator commands
(``aiminer project create``, ``aiminer site enroll``) through :class:`aiminer.adapters.aws.governance_tables.
ProjectsTable`; this module only reads them and applies the core's rules.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

if TYPE_CHECKING:
    from aiminer.governance.projects import Project, Site

_DESER = TypeDeserializer()
_SER = TypeSerializer()


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB wire format -> plain Python."""
    return {k: _DESER.deserialize(v) for k, v in item.items()}


def to_item(data: dict[str, Any]) -> dict[str, Any]:
    """Plain Python -> DynamoDB wire format (``None`` values dropped)."""
    return {k: _SER.serialize(v) for k, v in data.items() if v is not None}


class GovernanceRepository:
    """Reads project and site records for ingest: is the upload allowed, with which policy and site code."""

    def __init__(self, client: Any, projects_table: str, sites_table: str) -> None:
        from aiminer.adapters.aws.governance_tables import ProjectsTable  # it imports this module's converters

        self._table = ProjectsTable(client, projects_table, sites_table)

    def project(self, project_id: str) -> Project | None:
        """The project record or ``None``."""
        return self._table.get(project_id)

    def site(self, partner_id: str, site: str) -> Site | None:
        """The site record (with the coded site ID assigned at enrollment) or ``None``."""
        return self._table.site(partner_id, site)

    def check(self, partner_id: str, site: str, project_id: str, today: date | None = None) -> str | None:
        """``None`` if the project is active and the site enrolled in it; else a machine-readable reason."""
        from aiminer.governance.projects import ingest_refusal  # one definition of "active": the core's

        return ingest_refusal(
            self.project(project_id), self.site(partner_id, site), project_id, today or datetime.now(UTC).date()
        )
