"""Projects (IRB approval, expiry, de-identification policy) and site enrollment: the rules ingest enforces.

Record format (the ``projects`` and ``sites`` tables; the partner zone's de-identify function reads them):

* project: ``project_id``, ``objective``, ``irb_number``, ``irb_status`` (``pending`` | ``approved`` |
  ``suspended``), ``irb_approved_on``, ``irb_expires_on`` (``YYYY-MM-DD``), ``deid_policy`` (``safe_harbor``),
  ``policy_options`` (PS3.15 option flags of :class:`aiminer.dicom.policy.DeidOptions`), ``title``,
  ``table_schema`` (column roles of the project's tables, :class:`aiminer.text.table.TableSchema` format).
* site: ``site_id`` = ``<partner_id>/<site>`` (the partner's own site label), ``partner_id``, ``site``,
  ``site_code`` (random, assigned once at the first enrollment), ``status`` (``enrolled`` | ``withdrawn``),
  ``projects`` (the projects the site is enrolled in).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from aiminer.governance._dates import parse_date
from aiminer.governance.errors import InvalidRecordError, TransitionError

ProjectStatus = Literal["active", "not_approved", "expired", "suspended"]
IrbStatus = Literal["pending", "approved", "suspended"]
IRB_STATUSES: tuple[str, ...] = ("pending", "approved", "suspended")
DEID_POLICIES: tuple[str, ...] = ("safe_harbor",)
DEFAULT_DEID_POLICY = "safe_harbor"

#: Machine-readable quarantine reasons for an upload the governance rules refuse.
QUARANTINE_REASONS: dict[str, str] = {
    "project_unknown": "the project has no record in the repository",
    "project_not_approved": "the project has no IRB approval (pending or not yet in force)",
    "project_expired": "the project's IRB approval has expired",
    "project_suspended": "the project is suspended",
    "site_not_enrolled": "the site is not enrolled in the project",
}

_PROJECT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _known_options() -> frozenset[str]:
    from aiminer.dicom.policy import DeidOptions

    return frozenset(f.name for f in dataclasses.fields(DeidOptions))


@dataclass(frozen=True)
class Project:
    """A research project and its IRB approval."""

    project_id: str
    objective: str
    irb_number: str
    irb_approved_on: str
    irb_expires_on: str
    irb_status: IrbStatus = "approved"
    deid_policy: str = DEFAULT_DEID_POLICY
    policy_options: dict[str, Any] = field(default_factory=dict)
    title: str = ""
    #: Column roles of the project's metadata/outcome tables (the ``--table-schema`` format of ``aiminer deid``);
    #: empty: tables are quarantined ``no_table_schema``.
    table_schema: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> Project:
        """Raise :class:`InvalidRecordError` unless the record is well formed; return ``self``."""
        if not _PROJECT_ID_RE.fullmatch(self.project_id):
            raise InvalidRecordError("project ID: letters, digits, '.', '_' or '-' (at most 64)", "invalid_project_id")
        if not self.objective.strip():
            raise InvalidRecordError("a project needs a research objective", "missing_objective")
        if not self.irb_number.strip():
            raise InvalidRecordError("a project needs an IRB protocol number", "missing_irb_number")
        if self.irb_status not in IRB_STATUSES:
            raise InvalidRecordError(f"irb_status must be one of {IRB_STATUSES}", "invalid_irb_status")
        approved = parse_date(self.irb_approved_on, "irb_approved_on")
        expires = parse_date(self.irb_expires_on, "irb_expires_on")
        if expires < approved:
            raise InvalidRecordError("the IRB expiry date is before the approval date", "expiry_before_approval")
        if self.deid_policy not in DEID_POLICIES:
            raise InvalidRecordError(f"deid_policy must be one of {DEID_POLICIES}", "invalid_deid_policy")
        if self.table_schema:
            from aiminer.text.errors import TableSchemaError
            from aiminer.text.table import TableSchema

            try:
                TableSchema.from_mapping(self.table_schema)
            except TableSchemaError as exc:
                raise InvalidRecordError(f"invalid table schema: {exc}", "invalid_table_schema") from exc
        unknown = set(self.policy_options) - _known_options()
        if unknown:
            raise InvalidRecordError(f"unknown de-identification options: {sorted(unknown)}", "invalid_policy_option")
        return self

    def to_record(self) -> dict[str, Any]:
        """The item as stored."""
        return dataclasses.asdict(self)

    @classmethod
    def from_record(cls, d: dict[str, Any]) -> Project:
        """Tolerant reader: missing optional fields take their defaults."""
        return cls(
            project_id=str(d["project_id"]),
            objective=str(d.get("objective", "")),
            irb_number=str(d.get("irb_number", "")),
            irb_approved_on=str(d.get("irb_approved_on", "")),
            irb_expires_on=str(d.get("irb_expires_on", "")),
            irb_status=str(d.get("irb_status", "pending")),  # type: ignore[arg-type]
            deid_policy=str(d.get("deid_policy", DEFAULT_DEID_POLICY)),
            policy_options=dict(d.get("policy_options") or {}),
            title=str(d.get("title", "")),
            table_schema=dict(d.get("table_schema") or {}),
        )


def project_status(project: Project, today: date) -> ProjectStatus:
    """Whether uploads to ``project`` may be de-identified on ``today`` (UTC).

    ``suspended`` wins over everything; then no approval (pending, or an approval date in the future, or an
    unreadable date) is ``not_approved``; a day after ``irb_expires_on`` is ``expired``; otherwise ``active``.
    The expiry day itself is still active.
    """
    if project.irb_status == "suspended":
        return "suspended"
    if project.irb_status != "approved":
        return "not_approved"
    try:
        approved = date.fromisoformat(project.irb_approved_on)
        expires = date.fromisoformat(project.irb_expires_on)
    except ValueError:
        return "not_approved"  # an unreadable date never opens a project
    if today < approved:
        return "not_approved"
    if today > expires:
        return "expired"
    return "active"


def suspend_project(project: Project) -> Project:
    """The suspended project (the IRB approval is suspended). Suspending twice is an error."""
    if project.irb_status == "suspended":
        raise TransitionError(f"project {project.project_id} is already suspended")
    return dataclasses.replace(project, irb_status="suspended")


@dataclass(frozen=True)
class Site:
    """A partner's site: its own label, its random coded ID and the projects it is enrolled in."""

    partner_id: str
    site: str
    site_code: str
    status: Literal["enrolled", "withdrawn"] = "enrolled"
    projects: tuple[str, ...] = ()

    @property
    def site_id(self) -> str:
        """Table key: ``<partner>/<site>``."""
        return f"{self.partner_id}/{self.site}"

    def to_record(self) -> dict[str, Any]:
        """The item as stored."""
        return {
            "site_id": self.site_id,
            "partner_id": self.partner_id,
            "site": self.site,
            "site_code": self.site_code,
            "status": self.status,
            "projects": list(self.projects),
        }

    @classmethod
    def from_record(cls, d: dict[str, Any]) -> Site:
        """Reader for a stored item."""
        return cls(
            partner_id=str(d["partner_id"]),
            site=str(d["site"]),
            site_code=str(d.get("site_code", "")),
            status="enrolled" if d.get("status") == "enrolled" else "withdrawn",
            projects=tuple(str(p) for p in d.get("projects") or ()),
        )


def enroll_site(existing: Site | None, partner_id: str, site: str, project_id: str, new_code: str) -> Site:
    """Enroll ``site`` of ``partner_id`` in ``project_id``.

    The coded site ID is assigned once (``new_code``, random, from the caller) and kept on later enrollments in
    further projects, so a site has one code across the repository. Enrolling twice in one project is an error.
    """
    if not site.strip() or not partner_id.strip():
        raise InvalidRecordError("partner and site must not be empty", "invalid_site")
    if existing is None:
        return Site(partner_id, site, new_code, "enrolled", (project_id,))
    if existing.status == "enrolled" and project_id in existing.projects:
        raise TransitionError(f"site {existing.site_code} is already enrolled in {project_id}", "already_enrolled")
    projects = tuple(dict.fromkeys((*existing.projects, project_id)))
    return dataclasses.replace(existing, status="enrolled", projects=projects)


def site_enrolled(site: Site | None, project_id: str) -> bool:
    """True when the site record exists, is enrolled and names the project."""
    return site is not None and site.status == "enrolled" and project_id in site.projects


def ingest_refusal(project: Project | None, site: Site | None, project_id: str, today: date) -> str | None:
    """``None`` when an upload may be de-identified, else its quarantine reason (a key of QUARANTINE_REASONS)."""
    if project is None:
        return "project_unknown"
    status = project_status(project, today)
    if status != "active":
        return f"project_{status}"
    if not site_enrolled(site, project_id):
        return "site_not_enrolled"
    return None
