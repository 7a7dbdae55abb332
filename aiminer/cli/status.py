"""``aiminer status SUBMISSION``: what happened to every file of an upload, and where the submission stands.

Reads the partner zone's submissions table (``aiminer.adapters.aws.submissions``): one item per file with its
outcome and PHI-free output key, and the summary (expected, accounted, completion). The file column shows the
partner's own relative path, which may hold PHI (``SMITH_JOHN/...``): the submissions table lives in the
partner zone and so does whoever can read it; ``--hide-paths`` prints key hashes instead (for tickets, screen
shares). The QC state and the decision come from the repository zone: the catalogue's ``submission#<id>`` item
(QC state, released or rejected, the reason, the curator's note, who decided and when), read where these
credentials may (locally always; on AWS with a profile that may read the catalogue), and the QC execution's
status while QC runs, when it can be found. ``--json`` prints the same as data.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aiminer import topology
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
EXIT_REFUSED = 3


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


def is_manifest_item(item: dict[str, Any]) -> bool:
    """The file item the de-identify function records when it quarantines the submission's own manifest (a site
    not listed in the deployment): no relative path, its landing key ends with the manifest's name."""
    key = str(item.get("landing_key", ""))
    return not item.get("relative_path") and key.endswith(f"/{topology.SUBMISSION_MANIFEST_NAME}")


def manifest_refusal(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """The quarantined manifest's item when the submission was refused as a whole (it will never complete)."""
    if not data:
        return None
    return next((f for f in data["files"] if is_manifest_item(f) and f.get("status") == "quarantined"), None)


def is_finished(data: dict[str, Any] | None) -> bool:
    """Nothing more will happen without the partner: complete, or refused as a whole."""
    return is_complete(data) or manifest_refusal(data) is not None


def printable(text: str) -> str:
    """``text`` with control characters and line breaks shown as escapes (``\\n``), for one-line output."""
    return "".join(
        ch.encode("unicode_escape", "backslashreplace").decode("ascii") if _unprintable(ch) else ch for ch in text
    )


def _unprintable(ch: str) -> bool:
    import unicodedata

    return unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp")


def catalogue_record(target: IngestTarget, project: str, submission_id: str) -> tuple[bool, dict[str, Any] | None]:
    """``(readable, item)``: the repository catalogue's ``submission#<id>`` item (status, reason, the curator's
    note, who decided and when). ``readable`` is false when the catalogue cannot be read with these credentials
    (on AWS it lives in the repository zone)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from aiminer.adapters.aws.catalogue import CatalogueRepository

    try:
        return True, CatalogueRepository(target.client("dynamodb"), target.catalogue_table).submission(
            project, submission_id
        )
    except (ClientError, BotoCoreError):
        return False, None


def _execution_status(target: IngestTarget, manifest_key: str) -> str | None:
    """The QC execution's status when it can be found by its local, deterministic name (best effort: on AWS the
    EventBridge rule names executions itself)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from aiminer.adapters.aws.stepfunctions import execution_name

    try:
        head = target.client("s3").head_object(Bucket=target.inbound_bucket, Key=manifest_key)
        name = execution_name(manifest_key, head.get("VersionId"))
        arn = f"{target.state_machine_arn.replace(':stateMachine:', ':execution:')}:{name}"
        return str(target.client("stepfunctions").describe_execution(executionArn=arn)["status"])
    except (ClientError, BotoCoreError):
        return None


def _decision(item: dict[str, Any]) -> dict[str, Any]:
    status = item.get("status")
    if status == "released":
        return {"decision": "released", "decided_by": item.get("released_by"), "decided_at": item.get("released_at")}
    if status == "rejected":
        return {
            "decision": "rejected",
            "reason": item.get("reason"),
            "detail": item.get("detail"),
            "reviewer_note": item.get("reviewer_note"),
            "decided_by": item.get("rejected_by"),
            "decided_at": item.get("rejected_at"),
        }
    return {}


def describe(target: IngestTarget, submission_id: str, data: dict[str, Any], *, hide_paths: bool) -> dict[str, Any]:
    """Everything ``aiminer status`` shows, as plain data (``--json``): the submission's state, the repository's
    decision and its reason, and every file's outcome."""
    summary: dict[str, Any] = data["summary"]
    refusal = manifest_refusal(data)
    doc: dict[str, Any] = {
        "submission_id": submission_id,
        "project": summary.get("project"),
        "site": summary.get("site"),
        "expected": None if summary.get("expected") is None else int(summary["expected"]),
        "counts": {s: int(summary.get(s, 0)) for s in ("deidentified", "quarantined", "rejected")},
        "complete": is_complete(data),
        "completed_at": summary.get("completed_at"),
        "inbound_manifest_key": summary.get("inbound_manifest_key"),
        "decision": None,
    }
    if refusal is not None:
        doc.update(state="refused", reason=refusal.get("reason"))
    elif summary.get("expected") is None:
        doc["state"] = "uploading"
    elif "completed_at" not in summary:
        doc["state"] = "processing"
    elif not summary.get("inbound_manifest_key"):
        doc["state"] = "handing_over"
    else:
        readable, item = catalogue_record(target, str(summary.get("project", "")), submission_id)
        doc["state"] = str(item.get("status")) if item and item.get("status") else "handed_over"
        doc["catalogue_readable"] = readable
        if item:
            doc.update({k: v for k, v in _decision(item).items() if v is not None})
        if doc["state"] in ("handed_over", "received", "qc_running"):
            execution = _execution_status(target, str(summary["inbound_manifest_key"]))
            if execution:
                doc["qc_execution"] = execution
    files = sorted(data["files"], key=lambda f: (str(f.get("status")), str(f.get("relative_path", ""))))
    doc["files"] = [_file_doc(f, hide_paths) for f in files]
    return doc


def _file_doc(f: dict[str, Any], hide_paths: bool) -> dict[str, Any]:
    manifest = is_manifest_item(f)
    row: dict[str, Any] = {"key_hash": str(f["item"]).removeprefix("file#")}
    if not hide_paths:
        row["path"] = None if manifest else f.get("relative_path")
    row.update(
        kind="manifest" if manifest else f.get("kind"),
        status=f.get("status"),
        reason=f.get("reason"),
        output_key=f.get("output_key"),
        quarantine_key=f.get("quarantine_key"),
    )
    if f.get("duplicate_of") or f.get("duplicate_key"):  # already_in_submission: who holds the output already
        row.update(duplicate_of=f.get("duplicate_of"), duplicate_key=f.get("duplicate_key"))
    return row


#: What each state means for the partner (``state`` in ``--json``).
STATES = {
    "uploading": "waiting for the manifest (the upload did not finish, or its event is still queued)",
    "processing": "files are being de-identified",
    "refused": "the submission was refused as a whole: its manifest was quarantined",
    "handing_over": "complete; its PHI-free manifest is being written to the repository",
    "handed_over": "handed to the repository; QC has not recorded it yet",
    "received": "received by the repository; automated QC has not started",
    "qc_running": "automated QC is running",
    "qc_passed": "automated QC passed; awaiting the curator's review",
    "qc_failed": "automated QC found errors; the submission is rejected",
    "released": "approved by the curator and released",
    "rejected": "rejected",
}
#: Why the repository rejected a submission (the QC workflow's reasons, docs/review.md).
DECISION_REASONS = {
    "qc_failed": "automated QC found an error in at least one object; ask your curator for the QC report",
    "rejected_by_reviewer": "rejected by the curator",
    "review_timeout": "no curator decided before the review deadline",
    "manifest_invalid": "the repository could not validate the submission's manifest",
    "qc_report_error": "the QC report could not be built; ask your curator",
    "release_failed": "the release failed; ask your curator",
    "not_approved": "not approved by the curator",
}


def decision_text(doc: dict[str, Any]) -> str | None:
    """``rejected by X at T: reason (explanation)``, or ``None`` before a decision."""
    if not doc.get("decision"):
        return None
    who = f" by {doc['decided_by']}" if doc.get("decided_by") else ""
    when = f" at {doc['decided_at']}" if doc.get("decided_at") else ""
    text = f"{doc['decision']}{who}{when}"
    reason = doc.get("reason")
    if reason:
        explanation = DECISION_REASONS.get(str(reason))
        text += f": {reason}" + (f" ({explanation})" if explanation else "")
        if doc.get("detail"):
            text += f", {doc['detail']}"
    return text


def render(
    target: IngestTarget, submission_id: str, data: dict[str, Any], console: Console, *, hide_paths: bool
) -> dict[str, Any]:
    """The per-file table, the submission's completion, its QC state and the repository's decision."""
    doc = describe(target, submission_id, data, hide_paths=hide_paths)
    files = doc["files"]
    table = Table(title=f"submission {submission_id}: {len(files)} files with an outcome", title_justify="left")
    table.add_column("file (SHA-256 of key)" if hide_paths else "file (your path; may hold PHI)", overflow="fold")
    table.add_column("kind")
    table.add_column("status")
    table.add_column("reason", overflow="fold")
    table.add_column("PHI-free output key", overflow="fold")
    styles = {"deidentified": "green", "quarantined": "yellow", "rejected": "dim"}
    for f in files:
        status = str(f.get("status") or "?")
        if f["kind"] == "manifest":
            name = "(submission manifest)"
        else:
            name = f["key_hash"][:16] if hide_paths else str(f.get("path") or "?")
        output = f.get("output_key") or (f"quarantine: {f['quarantine_key']}" if f.get("quarantine_key") else "")
        if f.get("duplicate_of"):  # (docs/ingest.md: "so aiminer status shows it"; pipeline red team 24)
            output = f"held by submission {f['duplicate_of']}: {f.get('duplicate_key') or ''}".rstrip(": ")
        table.add_row(
            escape(printable(name)),
            str(f.get("kind") or ""),
            f"[{styles.get(status, 'white')}]{status}[/]",
            escape(reason_text(f.get("reason"))),
            escape(str(output)),
        )
    console.print(table)
    summary: dict[str, Any] = data["summary"]
    expected = doc["expected"]
    counted = ", ".join(f"{n} {s}" for s, n in doc["counts"].items() if n) or "none yet"
    state_name = doc["state"]
    if state_name == "refused":
        state = f"[red]refused[/]: its manifest was quarantined {escape(reason_text(doc.get('reason')))}"
    elif expected is None:
        state = "[yellow]waiting for the manifest[/] (the upload did not finish, or its event is still queued)"
    elif "completed_at" in summary:
        state = f"[green]complete[/] at {summary['completed_at']}"
        if not summary.get("inbound_manifest_key"):
            state += " (its PHI-free manifest is not in the repository yet)"
    else:
        state = f"[yellow]in progress[/]: {int(summary.get('accounted', 0))} of {expected} files handled"
    console.print(f"files: {expected if expected is not None else '?'} expected; {counted}")
    console.print(f"submission: {state}")
    if doc.get("inbound_manifest_key"):
        console.print(f"inbound manifest: {escape(str(doc['inbound_manifest_key']))}")
    console.print(f"QC: {escape(_qc_line(doc))}")
    decision = decision_text(doc)
    if decision:
        console.print(f"decision: {escape(printable(decision))}")
    if doc.get("reviewer_note"):
        console.print(f"curator's note: {escape(printable(str(doc['reviewer_note'])))}")
    return doc


def _qc_line(doc: dict[str, Any]) -> str:
    state = doc["state"]
    if state in ("uploading", "processing", "refused"):
        return "not started (the submission is not complete)"
    if state == "handing_over":
        return "not started (the submission's manifest is being written to the repository)"
    text = f"{state} ({STATES.get(state, state)})"
    if doc.get("catalogue_readable") is False:
        text = "handed to the repository (its catalogue is not readable from here)"
    if doc.get("qc_execution"):
        text += f", QC execution: {doc['qc_execution']}"
    return text


def exit_code(doc: dict[str, Any] | None, data: dict[str, Any] | None) -> int:
    """0 complete, 3 refused as a whole, 1 otherwise (still in progress)."""
    if doc is not None and doc.get("state") == "refused":
        return EXIT_REFUSED
    return 0 if is_complete(data) else 1


def wait_for(target: IngestTarget, submission_id: str, timeout: float, interval: float = 1.0) -> dict[str, Any] | None:
    """Poll until the submission is complete or refused (or ``timeout``); returns the last read."""
    deadline = time.monotonic() + timeout
    data = collect(target, submission_id)
    while not is_finished(data) and time.monotonic() < deadline:
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
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Machine-readable: submission, state, decision, reason, curator's note and every file's status "
            "and reason (paths only without --hide-paths).",
        ),
    ] = False,
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

    The QC line and the decision come from the repository's catalogue: automated QC, the curator's decision
    (released or rejected), the reason, the curator's note, who decided and when.

    Exit code: 0 when the submission is complete, 1 when it is still in progress, 3 when it was refused as a
    whole (its manifest was quarantined, e.g. a site not listed in the deployment), 4 when it is unknown.
    """
    target = resolve_target(endpoint_url, profile, region, partner, prefix, state_dir)
    data = wait_for(target, submission_id, timeout) if wait else collect(target, submission_id)
    if data is None:
        if as_json:
            typer.echo(json.dumps({"submission_id": submission_id, "state": "unknown"}))
        err.print(f"[red]unknown submission[/red] {escape(submission_id)} ({target.describe()})")
        raise typer.Exit(EXIT_NOT_FOUND)
    if as_json:
        doc = describe(target, submission_id, data, hide_paths=hide_paths)
        typer.echo(json.dumps(doc, indent=1, default=str))
    else:
        doc = render(target, submission_id, data, out, hide_paths=hide_paths)
    raise typer.Exit(exit_code(doc, data))
