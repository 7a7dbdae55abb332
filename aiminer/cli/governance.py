"""Curator and industry partner commands: projects, sites, DUAs, catalogue, datasets, delivery, fetch, audit,
usage. Registered on the main ``aiminer`` app by ``aiminer/cli/main.py``.

Every command that touches the system talks to the local runtime by default (its endpoint is read from the
runtime's state file under ``.aiminer/local/``, or given with ``--endpoint-url``) and to AWS with ``--profile``.
boto3 is imported lazily so ``aiminer --help`` stays fast and works without the ``aws`` extra.
"""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aiminer import topology
from aiminer.governance.errors import GovernanceError

if TYPE_CHECKING:
    from aiminer.adapters.aws.governance_tables import (
        AuditTable,
        CatalogueTable,
        DuasTable,
        ProjectsTable,
        UsageTable,
    )
    from aiminer.governance.audit import AuditKind
    from aiminer.governance.catalogue import CohortQuery
    from aiminer.governance.dua import Dua, DuaStatus

out = Console()
err = Console(stderr=True)

LOCAL_ACCOUNT, LOCAL_REGION = "123456789012", "us-east-1"
DEFAULT_STATE = Path(".aiminer") / "local" / "state.json"
EXIT_REFUSED = 3

project_app = typer.Typer(
    help="Research projects (IRB approval, expiry, de-identification policy).", no_args_is_help=True
)
site_app = typer.Typer(help="Enroll academic partner sites in projects (random coded site IDs).", no_args_is_help=True)
dua_app = typer.Typer(help="Data use agreements: draft -> active -> suspended/expired/revoked.", no_args_is_help=True)
catalogue_app = typer.Typer(help="Search released catalogue items to build cohorts.", no_args_is_help=True)
dataset_app = typer.Typer(help="Freeze a cohort into an immutable, versioned dataset.", no_args_is_help=True)
usage_app = typer.Typer(help="Fair-pricing usage ledger (services, never data).", no_args_is_help=True)

# ---------------------------------------------------------------------------------------------------- backend

EndpointOpt = Annotated[
    str | None,
    typer.Option(
        "--endpoint-url",
        envvar="AIMINER_ENDPOINT_URL",
        help="Local runtime endpoint (default: read from the local runtime's state file).",
    ),
]
ProfileOpt = Annotated[
    str | None, typer.Option("--profile", help="Talk to AWS with this named profile instead of the local runtime.")
]
RegionOpt = Annotated[str | None, typer.Option("--region", help="AWS region (with --profile).")]
PrefixOpt = Annotated[str, typer.Option("--prefix", help="Name prefix of the deployment (cdk.json namePrefix).")]
ActorOpt = Annotated[
    str | None, typer.Option("--actor", envvar="AIMINER_ACTOR", help="Who acts (default: your AWS identity/user).")
]


def _state_file() -> Path:
    """Where the local runtime writes its state: ``$AIMINER_LOCAL_STATE_DIR`` or ``.aiminer/local/``."""
    import os

    from aiminer.cli.target import DEFAULT_STATE_DIR, STATE_FILE

    return Path(os.environ.get("AIMINER_LOCAL_STATE_DIR") or DEFAULT_STATE_DIR) / STATE_FILE


def _local_endpoint(explicit: str | None) -> str:
    if explicit:
        return explicit
    path = _state_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(
            f"no local runtime state at {path}: start it (aiminer local up), pass --endpoint-url, or use --profile",
            param_hint="--endpoint-url",
        ) from exc
    for key in ("endpoint", "endpoint_url"):
        if isinstance(data.get(key), str):
            return str(data[key])
    raise typer.BadParameter(f"{path} names no endpoint", param_hint="--endpoint-url")


@dataclass
class Backend:
    """Clients and physical names for one target (local runtime or an AWS account)."""

    session: Any
    endpoint_url: str | None
    region: str
    tables: dict[str, str]
    released_bucket: str
    local: bool

    def client(self, service: str, **kw: Any) -> Any:
        """A boto3 client for the target."""
        return self.session.client(service, endpoint_url=self.endpoint_url, region_name=self.region, **kw)

    def projects(self) -> ProjectsTable:
        """Projects + sites adapter."""
        from aiminer.adapters.aws.governance_tables import ProjectsTable

        return ProjectsTable(self.client("dynamodb"), self.tables["projects"], self.tables["sites"])

    def duas(self) -> DuasTable:
        """DUA adapter."""
        from aiminer.adapters.aws.governance_tables import DuasTable

        return DuasTable(self.client("dynamodb"), self.tables["duas"])

    def catalogue(self) -> CatalogueTable:
        """Catalogue adapter."""
        from aiminer.adapters.aws.governance_tables import CatalogueTable

        return CatalogueTable(self.client("dynamodb"), self.tables["catalogue"])

    def audit(self) -> AuditTable:
        """Audit adapter."""
        from aiminer.adapters.aws.governance_tables import AuditTable

        return AuditTable(self.client("dynamodb"), self.tables["audit"])

    def record(self, kind: str, ident: str, action: AuditKind, who: str, **details: Any) -> None:
        """Append one event about ``kind#ident`` to the audit trail, stamped now."""
        from aiminer.governance import audit

        self.audit().append(audit.event(audit.subject_of(kind, ident), action, who, _now(), **details))

    def usage(self) -> UsageTable:
        """Usage ledger adapter."""
        from aiminer.adapters.aws.governance_tables import UsageTable

        return UsageTable(self.client("dynamodb"), self.tables["usage"])

    def actor(self, explicit: str | None) -> str:
        """Who acts, as the audit trail records it: on AWS the caller's authenticated identity (its ARN; a name
        given with ``--actor`` / ``AIMINER_ACTOR`` cannot stand in for it, so nobody can act under another's
        name); on the local runtime ``--actor``, else ``local:<user>``."""
        if self.local:
            return explicit or f"local:{getpass.getuser()}"
        caller = str(self.client("sts").get_caller_identity()["Arn"])
        if explicit and explicit != caller:
            err.print(
                f"note: on AWS the audit trail names your AWS identity ({escape(caller)}); --actor is not used",
                soft_wrap=True,
            )
        return caller


def backend(endpoint_url: str | None, profile: str | None, region: str | None, prefix: str = "aiminer") -> Backend:
    """Resolve the target: AWS with ``--profile``; the local runtime otherwise."""
    try:
        import boto3
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise typer.BadParameter("these commands need the aws extra: pip install 'aiminer[aws]'") from exc
    rq = topology.REPOSITORY_QUALIFIER
    tables = {t.key: topology.resource_name(prefix, rq, t.key) for t in topology.tables_in(topology.REPOSITORY)}
    if profile:
        session = boto3.Session(profile_name=profile, region_name=region)
        reg = session.region_name or "us-east-1"
        account = session.client("sts", region_name=reg).get_caller_identity()["Account"]
        bucket = topology.bucket_name(prefix, rq, topology.RELEASED.role, account, reg)
        return Backend(session, None, reg, tables, bucket, local=False)
    endpoint = _local_endpoint(endpoint_url)
    session = boto3.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
        region_name=LOCAL_REGION,
    )
    bucket = topology.bucket_name(prefix, rq, topology.RELEASED.role, LOCAL_ACCOUNT, LOCAL_REGION)
    return Backend(session, endpoint, LOCAL_REGION, tables, bucket, local=True)


def _fail(exc: GovernanceError, code: int = 1) -> typer.Exit:
    err.print(f"[red]refused[/red] ({escape(exc.reason)}): {escape(str(exc))}")
    return typer.Exit(code)


def _now() -> datetime:
    return datetime.now(UTC)


def _print_json(data: Any) -> None:
    out.print_json(json.dumps(data, default=str))


# ---------------------------------------------------------------------------------------------------- projects


@project_app.command("create")
def project_create(
    project_id: Annotated[str, typer.Argument(help="Project ID, e.g. lung-ai.")],
    objective: Annotated[str, typer.Option(help="Research objective.")],
    irb_number: Annotated[str, typer.Option(help="IRB protocol number.")],
    approved_on: Annotated[str, typer.Option(help="IRB approval date YYYY-MM-DD.")],
    expires_on: Annotated[str, typer.Option(help="IRB expiry date YYYY-MM-DD (inclusive).")],
    pending: Annotated[bool, typer.Option(help="Record the project before its IRB approval is in force.")] = False,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            help="De-identification option NAME=true|false (PS3.15 options; Safe Harbor "
            "default), e.g. retain_device_identity=true.",
        ),
    ] = None,
    title: Annotated[str, typer.Option(help="Short title.")] = "",
    table_schema: Annotated[
        Path | None,
        typer.Option(
            "--table-schema",
            exists=True,
            dir_okay=False,
            help="Column roles (TOML/JSON, the format of `aiminer deid --table-schema`) for the project's "
            "metadata and outcome tables. Without one, uploaded tables are quarantined (no_table_schema).",
        ),
    ] = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    prefix: PrefixOpt = "aiminer",
    actor: ActorOpt = None,
) -> None:
    """Create a research project (audited)."""
    from aiminer.governance.projects import Project
    from aiminer.text.errors import TableSchemaError
    from aiminer.text.table import read_schema_file

    options: dict[str, Any] = {}
    for raw in option or []:
        name, _, value = raw.partition("=")
        if value.lower() not in ("true", "false"):
            raise typer.BadParameter(f"{raw!r}: use NAME=true or NAME=false", param_hint="--option")
        options[name.strip()] = value.lower() == "true"
    try:
        schema = read_schema_file(table_schema) if table_schema else {}
    except TableSchemaError as exc:
        raise typer.BadParameter(str(exc), param_hint="--table-schema") from exc
    be = backend(endpoint_url, profile, region, prefix)
    try:
        p = Project(
            project_id,
            objective,
            irb_number,
            approved_on,
            expires_on,
            "pending" if pending else "approved",
            policy_options=options,
            title=title,
            table_schema=schema,
        ).validate()
        be.projects().create(p)
        be.record(
            "project",
            project_id,
            "project_created",
            be.actor(actor),
            irb_number=irb_number,
            irb_status=p.irb_status,
        )
    except GovernanceError as exc:
        raise _fail(exc) from exc
    out.print(f"project {project_id} created ({p.irb_status}, expires {expires_on})")


@project_app.command("show")
def project_show(
    project_id: str,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    prefix: PrefixOpt = "aiminer",
) -> None:
    """Show a project and its status today."""
    from aiminer.governance.projects import project_status

    be = backend(endpoint_url, profile, region, prefix)
    try:
        p = be.projects().require(project_id)
    except GovernanceError as exc:
        raise _fail(exc) from exc
    sites = [s.to_record() for s in be.projects().sites() if project_id in s.projects]
    _print_json({**p.to_record(), "status_today": project_status(p, _now().date()), "sites": sites})


@project_app.command("list")
def project_list(
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    prefix: PrefixOpt = "aiminer",
) -> None:
    """List projects with their status today."""
    from aiminer.governance.projects import project_status

    be = backend(endpoint_url, profile, region, prefix)
    table = Table("project", "IRB", "approved", "expires", "status today", "policy")
    for p in be.projects().projects():
        table.add_row(
            p.project_id,
            p.irb_number,
            p.irb_approved_on,
            p.irb_expires_on,
            project_status(p, _now().date()),
            p.deid_policy,
        )
    out.print(table)


@project_app.command("suspend")
def project_suspend(
    project_id: str,
    reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")],
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    prefix: PrefixOpt = "aiminer",
    actor: ActorOpt = None,
) -> None:
    """Suspend a project: its uploads are quarantined (project_suspended) from now on."""
    from aiminer.governance.projects import suspend_project

    be = backend(endpoint_url, profile, region, prefix)
    try:
        store = be.projects()
        p = store.require(project_id)
        store.replace(suspend_project(p), expected_irb_status=p.irb_status)
        be.record("project", project_id, "project_suspended", be.actor(actor), reason=reason, previous=p.irb_status)
    except GovernanceError as exc:
        raise _fail(exc) from exc
    out.print(f"project {project_id} suspended")


@site_app.command("enroll")
def site_enroll(
    partner: Annotated[str, typer.Option(help="Academic partner ID, e.g. uni-a.")],
    site: Annotated[str, typer.Option(help="The partner's own site label, e.g. site-1.")],
    project: Annotated[str, typer.Option(help="Project to enroll the site in.")],
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    prefix: PrefixOpt = "aiminer",
    actor: ActorOpt = None,
) -> None:
    """Enroll a site in a project; a new site gets a random coded site ID (kept for later projects)."""
    from aiminer.crosswalk import random_code
    from aiminer.governance.projects import enroll_site

    be = backend(endpoint_url, profile, region, prefix)
    try:
        topology.check_id("partner", partner)
        store = be.projects()
        store.require(project)
        previous = store.site(partner, site)
        enrolled = enroll_site(previous, partner, site, project, random_code("S", 6))
        store.put_site(enrolled, previous)
        be.record("site", enrolled.site_code, "site_enrolled", be.actor(actor), partner_id=partner, project=project)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--partner") from exc
    except GovernanceError as exc:
        raise _fail(exc) from exc
    out.print(f"site {partner}/{site} enrolled in {project} as {enrolled.site_code}")


# ---------------------------------------------------------------------------------------------------- DUAs


def _dataset_ref(value: str, be: Backend) -> tuple[str, int]:
    ds, _, ver = value.partition("@")
    if ver:
        return ds, int(ver)
    latest = be.catalogue().latest_version(ds)
    if latest == 0:
        raise typer.BadParameter(f"no frozen version of {ds}", param_hint="--dataset")
    return ds, latest


@dua_app.command("create")
def dua_create(
    partner: Annotated[str, typer.Option(help="Industry partner ID, e.g. pharma-x.")],
    dataset: Annotated[str, typer.Option(help="Dataset DS-...@VERSION (latest frozen version if omitted).")],
    purpose: Annotated[str, typer.Option(help="Permitted purpose.")],
    start: Annotated[str, typer.Option(help="Start date YYYY-MM-DD (inclusive).")],
    end: Annotated[str, typer.Option(help="End date YYYY-MM-DD (inclusive).")],
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    prefix: PrefixOpt = "aiminer",
    actor: ActorOpt = None,
) -> None:
    """Create a draft DUA for a frozen dataset version (audited)."""
    from aiminer.crosswalk import random_code
    from aiminer.governance.dua import new_dua

    be = backend(endpoint_url, profile, region, prefix)
    try:
        ds_id, version = _dataset_ref(dataset, be)
        be.catalogue().get_version(ds_id, version)  # must exist and be completely frozen
        who = be.actor(actor)
        d = new_dua(random_code("DUA", 8), partner, ds_id, version, purpose, start, end, who, _now())
        be.duas().create(d)
        be.record("dua", d.dua_id, "dua_created", who, partner_id=partner, dataset=d.dataset_ref, start=start, end=end)
    except GovernanceError as exc:
        raise _fail(exc) from exc
    out.print(d.dua_id)


def _transition(dua_id: str, to: DuaStatus, note: str, be: Backend, actor: str | None) -> Dua:
    from aiminer.governance.dua import transition

    store = be.duas()
    current = store.find(dua_id)
    who = be.actor(actor)
    changed = transition(current, to, who, _now(), note)
    store.save(changed, expected_status=current.status)
    be.record("dua", dua_id, "dua_changed", who, from_status=current.status, to_status=to, note=note)
    return changed


def _make_transition_command(to: DuaStatus, doc: str) -> None:
    def command(
        dua_id: Annotated[str, typer.Argument(help="DUA ID.")],
        note: Annotated[str, typer.Option(help="Why (kept in the DUA history and the audit trail).")] = "",
        endpoint_url: EndpointOpt = None,
        profile: ProfileOpt = None,
        region: RegionOpt = None,
        prefix: PrefixOpt = "aiminer",
        actor: ActorOpt = None,
    ) -> None:
        be = backend(endpoint_url, profile, region, prefix)
        try:
            d = _transition(dua_id, to, note, be, actor)
        except GovernanceError as exc:
            raise _fail(exc) from exc
        out.print(f"DUA {d.dua_id}: {d.history[-1].from_status} -> {d.status}")

    command.__doc__ = doc
    dua_app.command({"active": "activate", "suspended": "suspend", "revoked": "revoke", "expired": "expire"}[to])(
        command
    )


_make_transition_command("active", "Activate a draft (or reinstate a suspended) DUA.")
_make_transition_command("suspended", "Suspend an active DUA: no links until it is reactivated.")
_make_transition_command("revoked", "Revoke a DUA for good.")
_make_transition_command("expired", "Mark a DUA expired (its end date has passed, or it ends early).")


@dua_app.command("show")
def dua_show(
    dua_id: str,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    prefix: PrefixOpt = "aiminer",
) -> None:
    """Show a DUA with its history and whether it permits delivery today."""
    from aiminer.governance.dua import effective_refusal

    be = backend(endpoint_url, profile, region, prefix)
    try:
        d = be.duas().find(dua_id)
    except GovernanceError as exc:
        raise _fail(exc) from exc
    _print_json({**d.to_record(), "delivery_today": effective_refusal(d, _now().date()) or "permitted"})


@dua_app.command("list")
def dua_list(
    partner: Annotated[str | None, typer.Option(help="Only this industry partner.")] = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    prefix: PrefixOpt = "aiminer",
) -> None:
    """List DUAs."""
    be = backend(endpoint_url, profile, region, prefix)
    duas = be.duas().for_partner(partner) if partner else be.duas().all()
    table = Table("DUA", "partner", "dataset", "status", "start", "end", "purpose")
    for d in duas:
        table.add_row(d.dua_id, d.partner_id, d.dataset_ref, d.status, d.start_date, d.end_date, d.purpose[:40])
    out.print(table)


# ---------------------------------------------------------------------------------------------------- catalogue

ProjectsOpt = Annotated[list[str] | None, typer.Option("--project", help="Project ID (repeatable).")]
ModalityOpt = Annotated[list[str] | None, typer.Option("--modality", help="DICOM modality, e.g. CT (repeatable).")]
BodyPartOpt = Annotated[list[str] | None, typer.Option("--body-part", help="Body part, e.g. CHEST (repeatable).")]
SiteOpt = Annotated[list[str] | None, typer.Option("--site", help="Coded site ID (repeatable).")]
YearFromOpt = Annotated[int | None, typer.Option("--year-from", help="Study year from (inclusive).")]
YearToOpt = Annotated[int | None, typer.Option("--year-to", help="Study year to (inclusive).")]
KindOpt = Annotated[list[str] | None, typer.Option("--kind", help="dicom, report, table (repeatable).")]


def _query(
    projects: list[str] | None,
    modality: list[str] | None,
    body_part: list[str] | None,
    site: list[str] | None,
    year_from: int | None,
    year_to: int | None,
    kind: list[str] | None,
    released_only: bool = True,
) -> CohortQuery:
    from aiminer.governance.catalogue import CohortQuery

    return CohortQuery(
        tuple(projects or ()),
        tuple(modality or ()),
        tuple(body_part or ()),
        tuple(site or ()),
        year_from,
        year_to,
        tuple(kind or ()),
        released_only,
    ).validate()


@catalogue_app.command("search")
def catalogue_search(
    project: ProjectsOpt = None,
    modality: ModalityOpt = None,
    body_part: BodyPartOpt = None,
    site: SiteOpt = None,
    year_from: YearFromOpt = None,
    year_to: YearToOpt = None,
    kind: KindOpt = None,
    include_unreleased: Annotated[bool, typer.Option(help="Also list items not (yet) released.")] = False,
    save: Annotated[
        Path | None, typer.Option(help="Save the cohort query (JSON) for `dataset freeze --query`.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Rows to print.")] = 50,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    prefix: PrefixOpt = "aiminer",
) -> None:
    """Build a cohort from the catalogue (coded, PHI-free items)."""
    from aiminer.governance.catalogue import search

    try:
        q = _query(project, modality, body_part, site, year_from, year_to, kind, not include_unreleased)
    except GovernanceError as exc:
        raise _fail(exc, 2) from exc
    be = backend(endpoint_url, profile, region, prefix)
    projects = q.projects or (None,)
    items = [i for p in projects for i in be.catalogue().objects(p)]
    cohort = search(items, q)
    table = Table(
        "project",
        "site",
        "modality",
        "body part",
        "year",
        "size",
        "status",
        "key",
        title=f"{len(cohort)} items, {sum(i.size for i in cohort) / 1e6:.1f} MB",
        title_justify="left",
    )
    for i in cohort[:limit]:
        table.add_row(i.project, i.site, i.modality, i.body_part, str(i.year or ""), str(i.size), i.status, i.key)
    out.print(table)
    if save:
        save.write_text(json.dumps(q.to_dict(), indent=1), encoding="utf-8")
        out.print(f"query saved to {save}")


@dataset_app.command("freeze")
def dataset_freeze(
    name: Annotated[str, typer.Option(help="Dataset name.")],
    dataset: Annotated[str | None, typer.Option(help="Existing dataset ID (adds a version); new ID otherwise.")] = None,
    query: Annotated[Path | None, typer.Option(help="Saved query from `catalogue search --save`.")] = None,
    project: ProjectsOpt = None,
    modality: ModalityOpt = None,
    body_part: BodyPartOpt = None,
    site: SiteOpt = None,
    year_from: YearFromOpt = None,
    year_to: YearToOpt = None,
    kind: KindOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    prefix: PrefixOpt = "aiminer",
    actor: ActorOpt = None,
) -> None:
    """Freeze the released items a cohort query selects into a new dataset version (audited)."""
    from aiminer.crosswalk import random_code
    from aiminer.governance.catalogue import CohortQuery, freeze, search

    be = backend(endpoint_url, profile, region, prefix)
    try:
        if query:
            q = CohortQuery.from_dict(json.loads(query.read_text(encoding="utf-8")))
        else:
            q = _query(project, modality, body_part, site, year_from, year_to, kind)
        cat = be.catalogue()
        items = [i for p in (q.projects or (None,)) for i in cat.objects(p)]
        ds_id = dataset or random_code("DS", 8)
        version = cat.latest_version(ds_id) + 1
        who = be.actor(actor)
        ds = freeze(ds_id, version, name, q, search(items, q), who, _now())
        cat.put_version(ds)
        be.record("dataset", ds_id, "dataset_frozen", who, version=version, count=len(ds.members), digest=ds.digest)
    except GovernanceError as exc:
        raise _fail(exc) from exc
    out.print(f"{ds.ref}: {len(ds.members)} objects, {ds.total_bytes / 1e6:.1f} MB, digest {ds.digest[:16]}")


# ---------------------------------------------------------------------------------------------------- delivery


def deliver(
    dua: Annotated[str, typer.Option("--dua", help="DUA ID.")],
    out_path: Annotated[Path, typer.Option("--out", help="Manifest JSON (a .csv is written next to it).")] = Path(
        "manifest.json"
    ),
    expiry: Annotated[int | None, typer.Option(help="Link lifetime in seconds (capped at the maximum).")] = None,
    max_expiry: Annotated[
        int,
        typer.Option(envvar=topology.ENV_LINK_EXPIRY, help="Configured maximum link lifetime in seconds."),
    ] = 3600,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    prefix: PrefixOpt = "aiminer",
    actor: ActorOpt = None,
) -> None:
    """Issue presigned links for every released object of a DUA's dataset: a manifest (JSON + CSV) with size
    and SHA-256 per object. Refused, with a reason, for a DUA that is not active or outside its dates, or a dataset
    with a project whose IRB approval is suspended, expired or not yet given."""
    from aiminer.adapters.aws.delivery import DeliveryService, S3LinkSigner, signing_client
    from aiminer.governance.delivery import manifest_csv

    be = backend(endpoint_url, profile, region, prefix)
    try:
        d = be.duas().find(dua)
        signer = S3LinkSigner(signing_client(be.session, be.endpoint_url, be.region), be.released_bucket)
        svc = DeliveryService(
            be.catalogue(), be.audit(), be.usage(), signer, max_expiry=max_expiry, projects=be.projects()
        )
        outcome = svc.deliver(d, be.actor(actor), _now(), requested_expiry=expiry)
    except GovernanceError as exc:
        raise _fail(exc) from exc
    if outcome.refusal is not None or outcome.manifest is None:
        assert outcome.refusal is not None
        raise _fail(outcome.refusal, EXIT_REFUSED)
    m = outcome.manifest
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(m, indent=1), encoding="utf-8")
    out_path.with_suffix(".csv").write_text(manifest_csv(m), encoding="utf-8")
    out.print(
        f"{m['count']} links ({m['total_bytes'] / 1e6:.1f} MB), valid {m['expiry_seconds']} s until "
        f"{m['expires_at']}: {out_path} (+ .csv)"
    )


def fetch(
    manifest: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Delivery manifest (.json or .csv).")],
    to: Annotated[Path, typer.Option("--to", help="Download folder.")],
    workers: Annotated[int, typer.Option(min=1, max=64, help="Parallel downloads.")] = 4,
    retries: Annotated[int, typer.Option(min=0, max=20, help="Retries per object (transient errors).")] = 3,
    chunk_mb: Annotated[int, typer.Option(min=1, help="Range size for large objects (MB).")] = 8,
    large_mb: Annotated[int, typer.Option(min=1, help="Objects above this size are fetched in ranges (MB).")] = 64,
) -> None:
    """Download a delivery: parallel, resumable, every SHA-256 verified. Run again to retry what failed."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    from aiminer.fetch import REPORT_NAME, Fetcher, load_manifest

    try:
        items = load_manifest(manifest)
    except (ValueError, KeyError) as exc:
        raise typer.BadParameter(str(exc), param_hint="MANIFEST") from exc
    progress = Progress(
        TextColumn("[bold]fetching"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    with progress:
        task = progress.add_task("fetch", total=sum(i.size for i in items))
        fetcher = Fetcher(
            to,
            workers=workers,
            retries=retries,
            chunk_size=chunk_mb * 1024 * 1024,
            large_threshold=large_mb * 1024 * 1024,
            on_bytes=lambda n: progress.advance(task, n),
        )
        report = fetcher.run(items)
    done = [r for r in report.results if r.status != "failed"]
    out.print(f"{len(done)}/{len(items)} objects present and verified in {to}")
    if report.failed:
        table = Table("object", "reason", "detail", title="failed", title_justify="left")
        for r in report.failed:
            table.add_row(r.path, r.reason, r.message)
        out.print(table)
        out.print(
            f"report: {to / REPORT_NAME}. Run the same command again to retry; expired or forbidden links "
            "need a new delivery."
        )
        raise typer.Exit(1)


def audit_cmd(
    subject: Annotated[str | None, typer.Option(help="Subject, e.g. dua#DUA-XXXX or project#lung-ai.")] = None,
    dua: Annotated[str | None, typer.Option("--dua", help="Shorthand for --subject dua#ID.")] = None,
    actor_filter: Annotated[str | None, typer.Option("--by", help="Only events by this actor.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind, e.g. delivery_issued.")] = None,
    since: Annotated[str | None, typer.Option(help="Only events at or after this ISO time/date.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    prefix: PrefixOpt = "aiminer",
) -> None:
    """Query the append-only audit trail."""
    from aiminer.governance import audit as audit_core

    be = backend(endpoint_url, profile, region, prefix)
    store = be.audit()
    subj = subject or (audit_core.subject_of("dua", dua) if dua else None)
    if subj:
        events = store.for_subject(subj)
    elif actor_filter:
        events = store.for_actor(actor_filter)
    else:
        events = store.all()
    events = [e for e in events if audit_core.matches(e, kind, actor_filter, since)]
    if as_json:
        for e in events:
            typer.echo(json.dumps(e.to_record(), default=str))
        return
    table = Table("at", "subject", "kind", "actor", "details", title=f"{len(events)} events", title_justify="left")
    for e in events:
        details = {k: (f"{len(v)} items" if isinstance(v, list) else v) for k, v in e.details.items()}
        table.add_row(e.at, e.subject, e.kind, e.actor, json.dumps(details, default=str))
    out.print(table)


@usage_app.command("report")
def usage_report(
    project: Annotated[str, typer.Option(help="Project ID.")],
    month: Annotated[str, typer.Option(help="Month YYYY-MM.")],
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Where the CSV and PNG go.")] = Path(),
    rates: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="Rate card JSON {service: unit price}.")
    ] = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    prefix: PrefixOpt = "aiminer",
) -> None:
    """Usage of one project in one month: CSV (+ priced services with --rates) and a PNG chart."""
    from aiminer.governance._dates import iso, month_bounds
    from aiminer.governance.chart import usage_chart
    from aiminer.governance.usage import aggregate, report_csv

    try:
        _, end = month_bounds(month)
        rate_card = {str(k): float(v) for k, v in json.loads(rates.read_text()).items()} if rates else None
    except GovernanceError as exc:
        raise _fail(exc, 2) from exc
    be = backend(endpoint_url, profile, region, prefix)
    summary = aggregate(be.usage().events(project, iso(end)), project, month)
    try:
        text = report_csv(summary, rate_card)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--rates") from exc
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / f"usage-{project}-{month}.csv"
    csv_path.write_text(text, encoding="utf-8")
    png = usage_chart(summary, out_dir / f"usage-{project}-{month}.png")
    out.print(
        f"received {summary.received_objects} objects, de-identified {summary.deidentified_objects}, "
        f"quarantined {summary.quarantined_objects}, delivered {summary.delivered_objects}, "
        f"{summary.stored_gb_months:.3f} GB-months stored"
    )
    out.print(f"{csv_path}\n{png}")


__all__ = [
    "audit_cmd",
    "catalogue_app",
    "dataset_app",
    "deliver",
    "dua_app",
    "fetch",
    "project_app",
    "site_app",
    "usage_app",
]
