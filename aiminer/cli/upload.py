"""``aiminer upload DIR``: send a folder to the partner's landing bucket as one submission.

The work is :func:`aiminer.adapters.aws.uploader.upload_submission` (parallel multipart uploads, SHA-256 per
file stored as object metadata and checked by the de-identify function, the manifest written last, resumable);
this module adds the target, a progress bar and ``--wait``.
"""

from __future__ import annotations

import re
from pathlib import Path  # noqa: TC003  (typer resolves the annotations at runtime)
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

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
    from aiminer.adapters.aws.uploader import FileNote
    from aiminer.cli.target import IngestTarget

out = Console()
err = Console(stderr=True)

_PROJECT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def upload(
    folder: Annotated[
        Path,
        typer.Argument(help="The folder to upload (walked recursively).", exists=True, file_okay=False),
    ],
    project: Annotated[str, typer.Option(help="Project ID (an IRB-approved project), e.g. lung-ai.")],
    site: Annotated[str, typer.Option(help="Your site ID within the partner, e.g. site-1 (never PHI).")],
    submission: Annotated[
        str | None,
        typer.Option(
            "--submission",
            help="Submission ID. Omit for a new one; give the printed ID again to resume an interrupted upload "
            "(files already uploaded with the same SHA-256 are skipped).",
        ),
    ] = None,
    wait: Annotated[
        bool, typer.Option(help="Wait until every file has an outcome, then print the status table.")
    ] = False,
    timeout: Annotated[float, typer.Option(help="Seconds --wait waits at most.")] = 600.0,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Files uploaded in parallel.")] = 8,
    hide_paths: Annotated[
        bool,
        typer.Option(
            "--hide-paths", help="Name files by key hash instead of your path (skipped/failed lines, --wait table)."
        ),
    ] = False,
    partner: PartnerOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    prefix: PrefixOpt = "aiminer",
    state_dir: StateDirOpt = DEFAULT_STATE_DIR,
) -> None:
    """Upload a folder as one submission: every file (parallel multipart, SHA-256 each), then the manifest.

    Files land under [bold]<site>/<project>/<submission>/files/<your path>[/bold] in your partner zone's landing
    bucket, which only your de-identify function reads. Each file ends de-identified (a PHI-free copy goes to
    the repository), quarantined with a reason, or rejected; see them with [bold]aiminer status SUBMISSION[/bold].
    Operating-system junk (.DS_Store, ._*) is not sent, nor links to files outside the folder, links to folders
    or special files (each printed as a skipped line with its reason). A name with a control character (a
    newline...) is sent under a safe name. A file that cannot be sent is printed as failed and left out of the
    submission; the others go on.

    Refused before anything is sent (exit 2): an empty folder; a site or project the deployment does not know or
    a site not enrolled in the project (when these records can be read: always on the local runtime); and
    --submission of a submission that is already released or rejected.

    Prints the submission ID. Exit code 0 on success (with --wait: once the submission is complete), 1 if a file
    could not be sent or --wait timed out, 2 for usage errors, 3 (with --wait) if the submission was refused as a
    whole.
    """
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    from aiminer.adapters.aws.uploader import EmptyUploadError, upload_submission

    try:
        topology.check_id("site", site)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--site") from exc
    if not _PROJECT.match(project):
        raise typer.BadParameter("use letters, digits, '.', '_' or '-' (at most 64)", param_hint="--project")
    if submission is not None:
        try:
            topology.check_submission_id(submission)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--submission") from exc
    target = resolve_target(endpoint_url, profile, region, partner, prefix, state_dir)
    refusal = enrolment_refusal(target, prefix, site, project)
    if refusal is not None:
        raise typer.BadParameter(refusal[1], param_hint=refusal[0])
    if submission is not None:
        problem = closed_submission(target, submission, site, project)
        if problem is not None:
            raise typer.BadParameter(problem, param_hint="--submission")
    progress = Progress(
        TextColumn("[bold]uploading"),
        BarColumn(),
        MofNCompleteColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    counts = {"files": 0, "done": 0}
    with progress:
        task = progress.add_task("upload", total=None)

        def on_total(files: int, size: int) -> None:
            counts["files"] = files
            progress.update(task, total=size)

        def on_file(size: int) -> None:
            counts["done"] += 1
            progress.update(task, advance=size, description=f"{counts['done']}/{counts['files']}")

        try:
            report = upload_submission(
                target.client("s3"),
                target.landing_bucket,
                folder,
                site=site,
                project=project,
                submission_id=submission,
                workers=workers,
                on_total=on_total,
                on_file=on_file,
            )
        except EmptyUploadError as exc:
            raise typer.BadParameter(str(exc), param_hint="FOLDER") from exc
        except (ClientError, BotoCoreError, Boto3Error, OSError) as exc:
            # The class and S3's error code only: the messages of boto3's errors name the local path and the key.
            code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
            if not code and isinstance(exc.__context__, ClientError):
                code = exc.__context__.response.get("Error", {}).get("Code", "")
            err.print(f"[red]upload failed[/red]: {escape(type(exc).__name__)}{f' ({escape(code)})' if code else ''}")
            if code in ("AccessDenied", "403"):
                err.print(
                    "Access denied: is --site one of your partner's sites in the deployment, and the profile yours?"
                )
            if submission:
                err.print("Run the same command again to resume: files already uploaded are skipped.")
            raise typer.Exit(1) from None
    for note in report.skipped:
        from aiminer.adapters.aws.uploader import SKIP_REASONS  # (boto3: imported only when an upload runs)

        out.print(f"skipped {_name(note, hide_paths)}: {note.reason} ({SKIP_REASONS.get(note.reason, '')})")
    for note in report.renamed:  # the safe name is what `aiminer status` shows for it
        sent_as = "" if hide_paths else f"; sent as {escape(note.reason)}"
        out.print(f"renamed {_name(note, hide_paths)}: a control character in its name{sent_as}")
    for note in report.failed:
        out.print(f"[red]failed[/red] {_name(note, hide_paths)}: {escape(note.reason)} (not in this submission)")
    out.print(
        f"uploaded {len(report.uploaded)} files ({report.bytes_sent / 1e6:.1f} MB), "
        f"skipped {len(report.skipped_existing)} already uploaded, {len(report.skipped_junk)} OS junk files"
        + (f", {len(report.skipped)} not sent (links out of the folder, special files)" if report.skipped else "")
        + (f", [red]{len(report.failed)} failed[/red]" if report.failed else "")
    )
    out.print(f"target: {target.describe()}")
    if not report.manifest_written:
        err.print("[red]no file could be sent[/red]: no submission was made")
        raise typer.Exit(1)
    out.print(f"submission: [bold]{report.submission_id}[/bold]")
    if report.failed:
        err.print(
            f"[yellow]{len(report.failed)} file(s) failed[/yellow] and are not part of this submission: fix the cause "
            "and upload them as a new submission."
        )
    failed = 1 if report.failed else 0
    if not wait:
        out.print(f"follow it with: aiminer status {report.submission_id}")
        raise typer.Exit(failed)
    from aiminer.cli.status import exit_code, render, wait_for

    data = wait_for(target, report.submission_id, timeout)
    if data is None:
        err.print("[yellow]no file has an outcome yet[/yellow] (is the local runtime running its pollers?)")
        raise typer.Exit(1)
    doc = render(target, report.submission_id, data, out, hide_paths=hide_paths)
    raise typer.Exit(exit_code(doc, data) or failed)


def _name(note: FileNote, hide_paths: bool) -> str:
    """The file as ``aiminer status`` names it: your path, or the first 16 hex of its key's SHA-256."""
    from aiminer.adapters.aws.submissions import key_hash
    from aiminer.cli.status import printable

    return key_hash(note.key)[:16] if hide_paths else escape(printable(note.path))


def enrolment_refusal(target: IngestTarget, prefix: str, site: str, project: str) -> tuple[str, str] | None:
    """``(option, message)`` when the upload would be refused as a whole, as far as this CLI can know.

    The local runtime's deployment lists its sites (``aiminer.local.resources.SITES``); the project and site
    records are read from the repository's governance tables where these credentials may (always locally; on
    AWS they live in the repository zone, usually out of the partner's reach, and then the check is skipped:
    the uploader role may write only under the deployment's sites, and the de-identify function quarantines
    each file ``project_unknown`` / ``site_not_enrolled``). An IRB approval that is pending, expired or
    suspended is left to the de-identify function (it decides on the day the files are processed).
    """
    from botocore.exceptions import BotoCoreError, ClientError

    from aiminer.adapters.aws.governance import GovernanceRepository
    from aiminer.governance.projects import site_enrolled

    if target.local:
        from aiminer.local.resources import SITES

        if site not in SITES:
            return "--site", f"site {site!r} is not listed in the deployment (local runtime sites: {', '.join(SITES)})"
    rq = topology.REPOSITORY_QUALIFIER
    repo = GovernanceRepository(
        target.client("dynamodb"),
        topology.resource_name(prefix, rq, topology.PROJECTS.key),
        topology.resource_name(prefix, rq, topology.SITES.key),
    )
    try:
        record = repo.project(project)
        site_record = repo.site(target.partner_id, site)
    except (ClientError, BotoCoreError, ValueError):
        return None  # not readable from here: the de-identify function decides
    if record is None:
        return "--project", f"no project {project!r} in the repository: check the project ID with your curator"
    if not site_enrolled(site_record, project):
        return "--site", (
            f"site {site!r} is not enrolled in project {project!r} "
            f"(curator: aiminer site enroll --partner {target.partner_id} --site {site} --project {project})"
        )
    return None


def closed_submission(target: IngestTarget, submission_id: str, site: str, project: str) -> str | None:
    """Why files may not be added to ``submission_id`` (released, rejected, or another site's or project's), as
    far as this CLI can read; ``None`` otherwise (a new ID, an interrupted upload, or nothing readable)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from aiminer.adapters.aws.submissions import SubmissionRepository
    from aiminer.cli.status import catalogue_record

    try:
        summary = SubmissionRepository(target.client("dynamodb"), target.submissions_table).get(
            submission_id, "summary"
        )
    except (ClientError, BotoCoreError):
        summary = None
    if summary and (summary.get("site"), summary.get("project")) not in ((None, None), (site, project)):
        return (
            f"submission {submission_id} belongs to site {summary.get('site')!r} and project "
            f"{summary.get('project')!r}: resume it with the same --site and --project"
        )
    _, item = catalogue_record(target, project, submission_id)
    status = (item or {}).get("status")
    if status in ("released", "rejected"):
        return (
            f"submission {submission_id} is already {status}: a closed submission takes no new files; "
            "upload without --submission to start a new one"
        )
    if summary and summary.get("inbound_manifest_key"):
        # handed over to the repository (under QC or review): the ingest function quarantines any file sent now
        # (submission_closed), so the upload is refused up front (pipeline red team 24: it printed success)
        return (
            f"submission {submission_id} was handed over to the repository for QC and review: it takes no new "
            "files; upload without --submission to start a new one"
        )
    return None
