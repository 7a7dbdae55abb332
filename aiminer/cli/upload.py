"""``aiminer upload DIR``: send a folder to the partner's landing bucket as one submission.

The work is :func:`aiminer.adapters.aws.uploader.upload_submission` (parallel multipart uploads, SHA-256 per
file stored as object metadata and checked by the de-identify function, the manifest written last, resumable);
this module adds the target, a progress bar and ``--wait``.
"""

from __future__ import annotations

import re
from pathlib import Path  # noqa: TC003  (typer resolves the annotations at runtime)
from typing import Annotated

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
        bool, typer.Option("--hide-paths", help="With --wait: name files by key hash instead of your path.")
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
    Operating-system junk (.DS_Store, ._*) is not sent.

    Prints the submission ID. Exit code 0 on success (with --wait: once the submission is complete), 1 if --wait
    timed out, 2 for usage errors.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    from aiminer.adapters.aws.uploader import upload_submission

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
        except (ClientError, BotoCoreError, OSError) as exc:
            err.print(f"[red]upload failed[/red]: {escape(type(exc).__name__)}: {escape(str(exc))}")
            if submission:
                err.print("Run the same command again to resume: files already uploaded are skipped.")
            raise typer.Exit(1) from exc
    out.print(
        f"uploaded {len(report.uploaded)} files ({report.bytes_sent / 1e6:.1f} MB), "
        f"skipped {len(report.skipped_existing)} already uploaded, {len(report.skipped_junk)} OS junk files"
    )
    out.print(f"target: {target.describe()}")
    out.print(f"submission: [bold]{report.submission_id}[/bold]")
    if not wait:
        out.print(f"follow it with: aiminer status {report.submission_id}")
        return
    from aiminer.cli.status import is_complete, render, wait_for

    data = wait_for(target, report.submission_id, timeout)
    if data is None:
        err.print("[yellow]no file has an outcome yet[/yellow] (is the local runtime running its pollers?)")
        raise typer.Exit(1)
    render(target, report.submission_id, data, out, hide_paths=hide_paths)
    raise typer.Exit(0 if is_complete(data) else 1)
