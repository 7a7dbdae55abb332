"""``aiminer status SUBMISSION``: what happened to every file of an upload, and where the submission stands.

Reads the partner zone's submissions table (``aiminer.adapters.aws.submissions``): one item per file with its
outcome and PHI-free output key, and the summary (expected, accounted, completion). The file column shows the
partner's own relative path, which may hold PHI (``SMITH_JOHN/...``): the submissions table lives in the
partner zone and so does whoever can read it; ``--hide-paths`` prints key hashes instead (for tickets, screen
shares). QC state comes from the repository zone (catalogue item, and the QC execution when it can be read).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aiminer.cli.target import (
    DEFAULT_STATE_DIR,
    EndpointOpt,
    PartnerOpt,
    PrefixOpt,
    ProfileOpt,
    RegionOpt,
    StateDirOpt,
    resolve_target,
)

if TYPE_CHECKING:
    from aiminer.cli.target import IngestTarget

out = Console()
err = Console(stderr=True)

#: Reasons only the ingest pipeline gives (the file-level ones are ``aiminer.cli.main.REASONS``).
INGEST_REASONS = {
    "project_unknown": "no such project",
    "project_not_approved": "the project's IRB approval is not in force",
    "project_expired": "the project's IRB approval has expired",
    "site_not_enrolled": "your site is not enrolled in this project",
    "checksum_mismatch": "the object's SHA-256 differs from the one computed before upload",
    "bad_key_layout": "not uploaded with `aiminer upload` (unexpected key layout)",
    "invalid_manifest": "the submission manifest could not be read",
}
EXIT_NOT_FOUND = 4


def reason_text(reason: str | None) -> str:
    """``reason (explanation)``."""
    if not reason:
        return ""
    from aiminer.cli.main import REASONS

    explanation = INGEST_REASONS.get(reason) or REASONS.get(reason)
    return f"{reason} ({explanation})" if explanation else reason


def collect(target: IngestTarget, submission_id: str) -> dict[str, Any] | None:
    """Summary, manifest and file items of a submission (``None`` when the table knows nothing of it)."""
    from aiminer.adapters.aws.submissions import SubmissionRepository

    items = SubmissionRepository(target.client("dynamodb"), target.submissions_table).items(submission_id)
    if not items:
        return None
    by_kind: dict[str, Any] = {"summary": {}, "manifest": None, "files": []}
    for item in items:
        name = str(item["item"])
        if name == "summary":
            by_kind["summary"] = item
        elif name == "manifest":
            by_kind["manifest"] = item
        elif name.startswith("file#"):
            by_kind["files"].append(item)
    return by_kind


def is_complete(data: dict[str, Any] | None) -> bool:
    """Every file in the manifest has an outcome and the submission's PHI-free manifest went to the repository."""
    return bool(data and "completed_at" in data["summary"] and data["summary"].get("inbound_manifest_key"))


def qc_state(target: IngestTarget, summary: dict[str, Any], submission_id: str) -> str:
    """The repository zone's view: catalogue status and the QC execution's status (best effort)."""
    from botocore.exceptions import BotoCoreError, ClientError

    manifest_key = summary.get("inbound_manifest_key")
    project = summary.get("project")
    if not project or "completed_at" not in summary:
        return "not started (the submission is not complete)"
    if not manifest_key:
        return "handing over (the submission's manifest is being written to the repository)"
    parts: list[str] = []
    try:
        from aiminer.adapters.aws.governance import from_item

        ddb = target.client("dynamodb")
        key = {"dataset_id": {"S": str(project)}, "item": {"S": f"submission#{submission_id}"}}
        item = ddb.get_item(TableName=target.catalogue_table, Key=key).get("Item")
        parts.append(f"catalogue: {from_item(item).get('status', '?') if item else 'no item'}")
    except (ClientError, BotoCoreError):
        parts.append("catalogue: not readable from here")
    try:
        from aiminer.adapters.aws.stepfunctions import execution_name

        head = target.client("s3").head_object(Bucket=target.inbound_bucket, Key=str(manifest_key))
        name = execution_name(str(manifest_key), head.get("VersionId"))
        arn = f"{target.state_machine_arn.replace(':stateMachine:', ':execution:')}:{name}"
        execution = target.client("stepfunctions").describe_execution(executionArn=arn)
        parts.append(f"QC execution: {execution['status']}")
    except ClientError as exc:
        missing = exc.response["Error"].get("Code") == "ExecutionDoesNotExist"
        parts.append("QC execution: not started yet" if missing else "QC execution: not visible from here")
    except BotoCoreError:
        parts.append("QC execution: not visible from here")
    return ", ".join(parts)


def render(
    target: IngestTarget, submission_id: str, data: dict[str, Any], console: Console, *, hide_paths: bool
) -> None:
    """The per-file table and the submission's completion and QC state."""
    summary: dict[str, Any] = data["summary"]
    files = sorted(data["files"], key=lambda f: (str(f.get("status")), str(f.get("relative_path", ""))))
    table = Table(title=f"submission {submission_id}: {len(files)} files with an outcome", title_justify="left")
    table.add_column("file (SHA-256 of key)" if hide_paths else "file (your path; may hold PHI)", overflow="fold")
    table.add_column("kind")
    table.add_column("status")
    table.add_column("reason", overflow="fold")
    table.add_column("PHI-free output key", overflow="fold")
    styles = {"deidentified": "green", "quarantined": "yellow", "rejected": "dim"}
    for f in files:
        status = str(f.get("status", "?"))
        name = str(f["item"]).removeprefix("file#")[:16] if hide_paths else str(f.get("relative_path", "?"))
        output = f.get("output_key") or (f"quarantine: {f['quarantine_key']}" if f.get("quarantine_key") else "")
        table.add_row(
            escape(name),
            str(f.get("kind") or ""),
            f"[{styles.get(status, 'white')}]{status}[/]",
            escape(reason_text(f.get("reason"))),
            escape(str(output)),
        )
    console.print(table)
    expected = summary.get("expected")
    counts = {s: int(summary.get(s, 0)) for s in ("deidentified", "quarantined", "rejected") if summary.get(s)}
    counted = ", ".join(f"{n} {s}" for s, n in counts.items()) or "none yet"
    if expected is None:
        state = "[yellow]waiting for the manifest[/] (the upload did not finish, or its event is still queued)"
    elif "completed_at" in summary:
        state = f"[green]complete[/] at {summary['completed_at']}"
        if not summary.get("inbound_manifest_key"):
            state += " (its PHI-free manifest is not in the repository yet)"
    else:
        state = f"[yellow]in progress[/]: {int(summary.get('accounted', 0))} of {int(expected)} files handled"
    console.print(f"files: {expected if expected is not None else '?'} expected; {counted}")
    console.print(f"submission: {state}")
    if summary.get("inbound_manifest_key"):
        console.print(f"inbound manifest: {escape(str(summary['inbound_manifest_key']))}")
    console.print(f"QC: {qc_state(target, summary, submission_id)}")


def wait_for(target: IngestTarget, submission_id: str, timeout: float, interval: float = 1.0) -> dict[str, Any] | None:
    """Poll until the submission is complete (or ``timeout``); returns the last read."""
    deadline = time.monotonic() + timeout
    data = collect(target, submission_id)
    while not is_complete(data) and time.monotonic() < deadline:
        time.sleep(interval)
        data = collect(target, submission_id)
    return data


def status(
    submission_id: Annotated[str, typer.Argument(help="The submission ID `aiminer upload` printed.")],
    hide_paths: Annotated[
        bool,
        typer.Option(
            "--hide-paths",
            help="Name files by the SHA-256 of their key instead of your path (for tickets and screen shares).",
        ),
    ] = False,
    wait: Annotated[bool, typer.Option(help="Wait until every file has an outcome before printing.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds --wait waits at most.")] = 600.0,
    partner: PartnerOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    prefix: PrefixOpt = "aiminer",
    state_dir: StateDirOpt = DEFAULT_STATE_DIR,
) -> None:
    """Show every file of a submission: status, reason and PHI-free output key, then completion and QC state.

    [bold]PHI:[/bold] the file column shows your original relative paths, which may contain PHI (patient names
    in folder names). They come from the submissions table of the [bold]partner zone[/bold] (your own account;
    the local runtime by default), never from the repository, and are shown only to whoever can read that
    table. Use --hide-paths to print key hashes instead. Output keys are PHI-free.

    Exit code: 0 when the submission is complete, 1 when it is still in progress, 4 when it is unknown.
    """
    target = resolve_target(endpoint_url, profile, region, partner, prefix, state_dir)
    data = wait_for(target, submission_id, timeout) if wait else collect(target, submission_id)
    if data is None:
        err.print(f"[red]unknown submission[/red] {escape(submission_id)} ({target.describe()})")
        raise typer.Exit(EXIT_NOT_FOUND)
    render(target, submission_id, data, out, hide_paths=hide_paths)
    raise typer.Exit(0 if is_complete(data) else 1)
