"""Where the ingest commands (``aiminer upload``, ``aiminer status``) talk to: the local runtime or an AWS account.

The local runtime is the default: its endpoint is read from ``<state dir>/state.json`` (``aiminer local up``
writes it; ``.aiminer/local/`` unless ``--state-dir`` / ``AIMINER_LOCAL_STATE_DIR`` say otherwise), or given
with ``--endpoint-url``. ``--profile`` targets AWS: physical names are derived from ``aiminer.topology`` exactly
as the CDK app names them (prefix, partner ID, account, region). Nothing here imports boto3 at module import.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from aiminer import topology

LOCAL_ACCOUNT, LOCAL_REGION, LOCAL_PARTNER = "123456789012", "us-east-1", "local"
DEFAULT_STATE_DIR = Path(".aiminer") / "local"
STATE_FILE = "state.json"

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
PartnerOpt = Annotated[
    str | None,
    typer.Option("--partner", help="Your academic partner ID (deployment's partners[].id). Local default: 'local'."),
]
PrefixOpt = Annotated[str, typer.Option("--prefix", help="Name prefix of the deployment (cdk.json namePrefix).")]
StateDirOpt = Annotated[
    Path,
    typer.Option(
        "--state-dir",
        envvar="AIMINER_LOCAL_STATE_DIR",
        help="Where the local runtime keeps its state (state.json, server.log).",
    ),
]


def read_local_state(state_dir: Path) -> dict[str, Any] | None:
    """The running local runtime's state file, or ``None`` (no file, or its process is gone)."""
    path = state_dir / STATE_FILE
    try:
        state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    try:
        os.kill(int(state["pid"]), 0)
    except (OSError, KeyError, ValueError):
        return None
    return state


@dataclass
class IngestTarget:
    """Clients and physical names of one partner zone (plus the repository names the status command reads)."""

    session: Any
    endpoint_url: str | None
    region: str
    partner_id: str
    landing_bucket: str
    quarantine_bucket: str
    inbound_bucket: str
    submissions_table: str
    catalogue_table: str
    landing_queue: str
    state_machine_arn: str
    local: bool

    def client(self, service: str, **kw: Any) -> Any:
        """A boto3 client for the target."""
        return self.session.client(service, endpoint_url=self.endpoint_url, region_name=self.region, **kw)

    def describe(self) -> str:
        """One line naming the target (no secrets)."""
        return (
            f"local runtime at {self.endpoint_url}" if self.local else f"AWS {self.region}, partner {self.partner_id}"
        )


def resolve_target(
    endpoint_url: str | None,
    profile: str | None,
    region: str | None,
    partner: str | None,
    prefix: str = "aiminer",
    state_dir: Path = DEFAULT_STATE_DIR,
) -> IngestTarget:
    """AWS with ``--profile``; the local runtime otherwise (explicit endpoint, else the state file)."""
    if endpoint_url and profile:
        raise typer.BadParameter("give either --endpoint-url or --profile, not both", param_hint="--profile")
    try:
        import boto3
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise typer.BadParameter("this command needs the aws extra: pip install 'aiminer[aws]'") from exc
    if profile:
        if not partner:
            raise typer.BadParameter("required with --profile", param_hint="--partner")
        session = boto3.Session(profile_name=profile, region_name=region)
        reg = session.region_name or LOCAL_REGION
        account = str(session.client("sts", region_name=reg).get_caller_identity()["Account"])
        return _target(session, None, reg, account, prefix, partner, local=False)
    if partner and partner != LOCAL_PARTNER:
        raise typer.BadParameter(f"the local runtime has one partner, {LOCAL_PARTNER!r}", param_hint="--partner")
    if not endpoint_url:
        state = read_local_state(state_dir)
        if state is None:
            raise typer.BadParameter(
                f"no local runtime running (no live {state_dir / STATE_FILE}): start it with `aiminer local up`, "
                "pass --endpoint-url, or use --profile",
                param_hint="--endpoint-url",
            )
        endpoint_url = str(state["endpoint"])
    session = boto3.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
        region_name=LOCAL_REGION,
    )
    return _target(session, endpoint_url, LOCAL_REGION, LOCAL_ACCOUNT, prefix, LOCAL_PARTNER, local=True)


def _target(
    session: Any, endpoint: str | None, region: str, account: str, prefix: str, partner: str, *, local: bool
) -> IngestTarget:
    try:
        pq = topology.qualifier(topology.PARTNER, partner)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--partner") from exc
    rq = topology.REPOSITORY_QUALIFIER
    machine = topology.resource_name(prefix, rq, topology.QC_STATE_MACHINE_KEY)
    return IngestTarget(
        session=session,
        endpoint_url=endpoint,
        region=region,
        partner_id=partner,
        landing_bucket=topology.bucket_name(prefix, pq, topology.LANDING.role, account, region),
        quarantine_bucket=topology.bucket_name(prefix, pq, topology.QUARANTINE.role, account, region),
        inbound_bucket=topology.bucket_name(prefix, rq, topology.INBOUND.role, account, region),
        submissions_table=topology.resource_name(prefix, pq, topology.SUBMISSIONS.key),
        catalogue_table=topology.resource_name(prefix, rq, topology.CATALOGUE.key),
        landing_queue=topology.resource_name(prefix, pq, topology.LANDING_EVENTS.key),
        state_machine_arn=f"arn:aws:states:{region}:{account}:stateMachine:{machine}",
        local=local,
    )
