"""DynamoDB adapters for governance records: projects and sites, DUAs, dataset versions, catalogue reads, the
append-only audit trail and the usage ledger. Table layouts are in docs/governance.md; key schemas come from
``aiminer.topology``. Clients are passed in (``boto3.client("dynamodb")``), as Powertools does.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from aiminer.adapters.aws.governance import from_item, to_item
from aiminer.governance.audit import AuditEvent
from aiminer.governance.catalogue import CatalogueItem, DatasetMember, DatasetVersion
from aiminer.governance.dua import Dua
from aiminer.governance.errors import GovernanceError, NotFoundError
from aiminer.governance.projects import Project, Site
from aiminer.governance.usage import UsageEvent

if TYPE_CHECKING:
    from collections.abc import Iterator


class ConflictError(GovernanceError):
    """A conditional write lost: the record exists already, or changed since it was read. Re-read and retry."""

    reason = "conflict"


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal: integers -> int, others -> float (sets -> sorted lists)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set | tuple):
        items = [_plain(v) for v in value]
        return sorted(items) if isinstance(value, set) else items
    return value


def _load(item: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = _plain(from_item(item))
    return loaded


def _conditional(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _paginate(client: Any, op: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    while True:
        resp = getattr(client, op)(**kwargs)
        yield from (_load(i) for i in resp.get("Items", []))
        if "LastEvaluatedKey" not in resp:
            return
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


def _put_new(client: Any, table: str, item: dict[str, Any], pk: str, what: str) -> None:
    try:
        client.put_item(
            TableName=table,
            Item=to_item(item),
            ConditionExpression="attribute_not_exists(#pk)",
            ExpressionAttributeNames={"#pk": pk},
        )
    except ClientError as exc:
        if _conditional(exc):
            raise ConflictError(f"{what} exists already", "already_exists") from exc
        raise


class ProjectsTable:
    """``projects`` and ``sites`` tables (formats in :mod:`aiminer.governance.projects`)."""

    def __init__(self, client: Any, projects_table: str, sites_table: str | None = None) -> None:
        # without a sites table (the delivery function reads only projects' IRB status), a site call raises
        self._c, self._projects, self._sites_table = client, projects_table, sites_table

    @property
    def _sites(self) -> str:
        if self._sites_table is None:
            raise RuntimeError("this projects table was opened without its sites table")
        return self._sites_table

    def create(self, project: Project) -> None:
        """Create a project; an existing ID is a :class:`ConflictError`."""
        _put_new(self._c, self._projects, project.to_record(), "project_id", f"project {project.project_id}")

    def get(self, project_id: str) -> Project | None:
        """The project or ``None``."""
        item = self._c.get_item(TableName=self._projects, Key={"project_id": {"S": project_id}}).get("Item")
        return Project.from_record(_load(item)) if item else None

    def require(self, project_id: str) -> Project:
        """The project or :class:`NotFoundError`."""
        p = self.get(project_id)
        if p is None:
            raise NotFoundError(f"no project {project_id}")
        return p

    def replace(self, project: Project, expected_irb_status: str) -> None:
        """Write a changed project if nobody changed its IRB status meanwhile (optimistic lock)."""
        try:
            self._c.put_item(
                TableName=self._projects,
                Item=to_item(project.to_record()),
                ConditionExpression="irb_status = :s",
                ExpressionAttributeValues={":s": {"S": expected_irb_status}},
            )
        except ClientError as exc:
            if _conditional(exc):
                raise ConflictError(f"project {project.project_id} changed meanwhile") from exc
            raise

    def projects(self) -> list[Project]:
        """Every project, sorted by ID."""
        items = _paginate(self._c, "scan", TableName=self._projects)
        return sorted((Project.from_record(i) for i in items), key=lambda p: p.project_id)

    def site(self, partner_id: str, site: str) -> Site | None:
        """A site record or ``None``."""
        item = self._c.get_item(TableName=self._sites, Key={"site_id": {"S": f"{partner_id}/{site}"}}).get("Item")
        return Site.from_record(_load(item)) if item else None

    def put_site(self, site: Site, previous: Site | None) -> None:
        """Create (``previous is None``) or update a site record with a condition matching what was read."""
        try:
            if previous is None:
                _put_new(self._c, self._sites, site.to_record(), "site_id", f"site {site.site_id}")
                return
            self._c.put_item(
                TableName=self._sites,
                Item=to_item(site.to_record()),
                ConditionExpression="site_code = :c AND #st = :s",
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues={":c": {"S": previous.site_code}, ":s": {"S": previous.status}},
            )
        except ClientError as exc:
            if _conditional(exc):
                raise ConflictError(f"site {site.site_id} changed meanwhile") from exc
            raise

    def sites(self) -> list[Site]:
        """Every site record."""
        return sorted(
            (Site.from_record(i) for i in _paginate(self._c, "scan", TableName=self._sites)), key=lambda s: s.site_id
        )


class DuasTable:
    """``duas`` table: partition ``partner_id``, sort ``dua_id``, GSI ``by_dataset``."""

    def __init__(self, client: Any, table: str) -> None:
        self._c, self._t = client, table

    def create(self, dua: Dua) -> None:
        """Create a DUA; an existing (partner, DUA ID) is a :class:`ConflictError`."""
        _put_new(self._c, self._t, dua.to_record(), "dua_id", f"DUA {dua.dua_id}")

    def get(self, partner_id: str, dua_id: str) -> Dua | None:
        """The DUA or ``None``."""
        key = {"partner_id": {"S": partner_id}, "dua_id": {"S": dua_id}}
        item = self._c.get_item(TableName=self._t, Key=key, ConsistentRead=True).get("Item")
        return Dua.from_record(_load(item)) if item else None

    def find(self, dua_id: str) -> Dua:
        """A DUA by ID alone (curator commands; a scan, the table is small), or :class:`NotFoundError`."""
        items = list(
            _paginate(
                self._c,
                "scan",
                TableName=self._t,
                FilterExpression="dua_id = :d",
                ExpressionAttributeValues={":d": {"S": dua_id}},
            )
        )
        if not items:
            raise NotFoundError(f"no DUA {dua_id}")
        return Dua.from_record(items[0])

    def save(self, dua: Dua, expected_status: str) -> None:
        """Write a transitioned DUA only if its stored status is still ``expected_status``."""
        try:
            self._c.put_item(
                TableName=self._t,
                Item=to_item(dua.to_record()),
                ConditionExpression="#st = :s",
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues={":s": {"S": expected_status}},
            )
        except ClientError as exc:
            if _conditional(exc):
                raise ConflictError(f"DUA {dua.dua_id} changed meanwhile: re-read it") from exc
            raise

    def for_partner(self, partner_id: str) -> list[Dua]:
        """Every DUA of an industry partner (a query: the delivery function holds Query, not Scan)."""
        items = _paginate(
            self._c,
            "query",
            TableName=self._t,
            KeyConditionExpression="partner_id = :p",
            ExpressionAttributeValues={":p": {"S": partner_id}},
        )
        return [Dua.from_record(i) for i in items]

    def all(self) -> list[Dua]:
        """Every DUA (curator listing)."""
        return sorted(
            (Dua.from_record(i) for i in _paginate(self._c, "scan", TableName=self._t)),
            key=lambda d: (d.partner_id, d.dua_id),
        )


_OBJECT = "object#"
_VERSION = "version#"
_MEMBER = "member#"


def _v(version: int) -> str:
    return f"{version:06d}"


class CatalogueTable:
    """Reads catalogue object items and stores frozen dataset versions in the ``catalogue`` table.

    A dataset version lives under partition ``dataset_id`` = the dataset ID (``DS-...``): a header item
    ``version#<000001>`` (name, saved query, digest, ``state`` freezing|frozen) and one item per member
    ``member#<000001>#<released key>``. The header is claimed first with a conditional put, so two curators
    can never freeze the same version; readers only trust a ``frozen`` header whose digest matches.
    """

    def __init__(self, client: Any, table: str) -> None:
        self._c, self._t = client, table

    def objects(self, project: str | None = None) -> list[CatalogueItem]:
        """Object items of one project (query) or of every project (scan)."""
        if project:
            items = _paginate(
                self._c,
                "query",
                TableName=self._t,
                KeyConditionExpression="dataset_id = :d AND begins_with(#i, :p)",
                ExpressionAttributeNames={"#i": "item"},
                ExpressionAttributeValues={":d": {"S": project}, ":p": {"S": _OBJECT}},
            )
        else:
            items = _paginate(
                self._c,
                "scan",
                TableName=self._t,
                FilterExpression="begins_with(#i, :p)",
                ExpressionAttributeNames={"#i": "item"},
                ExpressionAttributeValues={":p": {"S": _OBJECT}},
            )
        return [CatalogueItem.from_record(i) for i in items]

    def current(self, projects: set[str]) -> dict[str, CatalogueItem]:
        """Today's catalogue items of ``projects`` keyed by catalogue key (for the delivery check)."""
        return {i.key: i for p in sorted(projects) for i in self.objects(p)}

    def latest_version(self, dataset_id: str) -> int:
        """Highest claimed version of a dataset (0 if none)."""
        resp = self._c.query(
            TableName=self._t,
            KeyConditionExpression="dataset_id = :d AND begins_with(#i, :p)",
            ExpressionAttributeNames={"#i": "item"},
            ExpressionAttributeValues={":d": {"S": dataset_id}, ":p": {"S": _VERSION}},
            ScanIndexForward=False,
            Limit=1,
        )
        items = resp.get("Items", [])
        return int(_load(items[0])["version"]) if items else 0

    def put_version(self, ds: DatasetVersion) -> None:
        """Store a frozen version: claim the header, write members, then mark it frozen."""
        header = {"dataset_id": ds.dataset_id, "item": _VERSION + _v(ds.version), "state": "freezing", **ds.header()}
        _put_new(self._c, self._t, header, "item", f"dataset version {ds.ref}")
        batch: list[dict[str, Any]] = []
        for m in ds.members:
            item = {
                "dataset_id": ds.dataset_id,
                "item": f"{_MEMBER}{_v(ds.version)}#{m.key}",
                "project": m.project,
                "key": m.key,
                "size": m.size,
                "sha256": m.sha256,
                "catalogue_key": m.catalogue_key,
            }
            batch.append({"PutRequest": {"Item": to_item(item)}})
            if len(batch) == 25:
                self._write_batch(batch)
                batch = []
        if batch:
            self._write_batch(batch)
        self._c.update_item(
            TableName=self._t,
            Key={"dataset_id": {"S": ds.dataset_id}, "item": {"S": _VERSION + _v(ds.version)}},
            UpdateExpression="SET #s = :f",
            ConditionExpression="#s = :w",
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues={":f": {"S": "frozen"}, ":w": {"S": "freezing"}},
        )

    def _write_batch(self, batch: list[dict[str, Any]]) -> None:
        request = {self._t: batch}
        for _ in range(8):
            resp = self._c.batch_write_item(RequestItems=request)
            request = resp.get("UnprocessedItems") or {}
            if not request:
                return
        raise GovernanceError("DynamoDB kept items unprocessed; retry the freeze", "throttled")

    def get_version(self, dataset_id: str, version: int) -> DatasetVersion:
        """A frozen version with its members, or :class:`NotFoundError` (also for an unfinished freeze)."""
        from aiminer.governance.catalogue import members_digest

        key = {"dataset_id": {"S": dataset_id}, "item": {"S": _VERSION + _v(version)}}
        raw = self._c.get_item(TableName=self._t, Key=key, ConsistentRead=True).get("Item")
        if not raw:
            raise NotFoundError(f"no dataset version {dataset_id}@{version}")
        h = _load(raw)
        if h.get("state") != "frozen":
            raise NotFoundError(f"dataset version {dataset_id}@{version} is not completely frozen", "not_frozen")
        rows = _paginate(
            self._c,
            "query",
            TableName=self._t,
            ConsistentRead=True,
            KeyConditionExpression="dataset_id = :d AND begins_with(#i, :p)",
            ExpressionAttributeNames={"#i": "item"},
            ExpressionAttributeValues={":d": {"S": dataset_id}, ":p": {"S": f"{_MEMBER}{_v(version)}#"}},
        )
        members = tuple(
            sorted(
                (
                    DatasetMember(
                        str(r["project"]),
                        str(r["key"]),
                        int(r["size"]),
                        str(r["sha256"]),
                        str(r.get("catalogue_key", "")),
                    )
                    for r in rows
                ),
                key=lambda m: (m.project, m.key),
            )
        )
        if members_digest(members) != h.get("digest"):
            raise GovernanceError(f"dataset version {dataset_id}@{version} does not match its digest", "corrupt")
        return DatasetVersion(
            dataset_id=dataset_id,
            version=version,
            name=str(h.get("name", "")),
            query=dict(h.get("query") or {}),
            members=members,
            frozen_at=str(h.get("frozen_at", "")),
            frozen_by=str(h.get("frozen_by", "")),
            digest=str(h["digest"]),
        )


class AuditTable:
    """The append-only audit trail: conditional puts only; this class has no update or delete method."""

    def __init__(self, client: Any, table: str) -> None:
        self._c, self._t = client, table

    def append(self, event: AuditEvent) -> None:
        """Create the entry; an existing (subject, event_id) is never overwritten (:class:`ConflictError`)."""
        try:
            self._c.put_item(
                TableName=self._t,
                Item=to_item(event.to_record()),
                ConditionExpression="attribute_not_exists(#s) AND attribute_not_exists(#e)",
                ExpressionAttributeNames={"#s": "subject", "#e": "event_id"},
            )
        except ClientError as exc:
            if _conditional(exc):
                raise ConflictError("audit entries are append-only: this one exists already", "append_only") from exc
            raise

    def for_subject(self, subject: str) -> list[AuditEvent]:
        """A subject's events in time order."""
        items = _paginate(
            self._c,
            "query",
            TableName=self._t,
            KeyConditionExpression="subject = :s",
            ExpressionAttributeValues={":s": {"S": subject}},
        )
        return [AuditEvent.from_record(i) for i in items]

    def for_actor(self, actor: str) -> list[AuditEvent]:
        """An actor's events in time order (GSI ``by_actor``)."""
        items = _paginate(
            self._c,
            "query",
            TableName=self._t,
            IndexName="by_actor",
            KeyConditionExpression="actor = :a",
            ExpressionAttributeValues={":a": {"S": actor}},
        )
        return [AuditEvent.from_record(i) for i in items]

    def all(self) -> list[AuditEvent]:
        """Every event in time order (curator queries; a scan)."""
        events = [AuditEvent.from_record(i) for i in _paginate(self._c, "scan", TableName=self._t)]
        return sorted(events, key=lambda e: e.event_id)


class UsageTable:
    """The usage ledger: partition ``party_id`` (project), sort ``event_id`` (time-sortable); append-only."""

    def __init__(self, client: Any, table: str) -> None:
        self._c, self._t = client, table

    def record(self, event: UsageEvent) -> None:
        """Append one usage event."""
        try:
            self._c.put_item(
                TableName=self._t,
                Item=to_item(event.to_record()),
                ConditionExpression="attribute_not_exists(event_id)",
            )
        except ClientError as exc:
            if _conditional(exc):
                raise ConflictError("usage entries are append-only", "append_only") from exc
            raise

    def events(self, project: str, before: str) -> list[UsageEvent]:
        """Every event of ``project`` with ``event_id < before`` (an ISO time: the end of the month reported)."""
        items = _paginate(
            self._c,
            "query",
            TableName=self._t,
            KeyConditionExpression="party_id = :p AND event_id < :b",
            ExpressionAttributeValues={":p": {"S": project}, ":b": {"S": before}},
        )
        return [UsageEvent.from_record(i) for i in items]
