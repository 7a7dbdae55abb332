"""Curator commands for the QC approval step: ``aiminer review list|show|approve|reject SUBMISSION [--reason]``.

``list`` and ``show`` read the pending reviews (review tokens table) with the QC verdict and a short-lived
presigned link to the QC report page; ``approve`` calls SendTaskSuccess (the workflow releases the submission),
``reject`` calls SendTaskFailure with error ``ReviewRejectedError`` and the reason (the workflow quarantines the
objects and tells the partner). Local runtime by default (endpoint from its state file or ``--endpoint-url``);
AWS with ``--profile``. Registered on the main app by ``aiminer/cli/main.py``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from aiminer import topology
from aiminer.cli.governance import (
    ActorOpt,
    EndpointOpt,
    PrefixOpt,
    ProfileOpt,
    RegionOpt,
    _print_json,
    backend,
    err,
    out,
)

if TYPE_CHECKING:
    from aiminer.adapters.aws.review import PendingReview, ReviewTokens

review_app = typer.Typer(help="QC review: list pending submissions, open their reports, approve or reject.")

#: Lifetime of the report link ``show`` prints.
LINK_SECONDS = 900
EXIT_NOT_PENDING = 4

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


class ReviewNotPendingError(Exception):
    """No pending review for that submission (decided, timed out or never started)."""


def presign(s3: Any, review: PendingReview, seconds: int = LINK_SECONDS) -> str:
    """A short-lived GET link to the report page."""
    return str(
        s3.generate_presigned_url(
            "get_object", Params={"Bucket": review.report_bucket, "Key": review.report_key}, ExpiresIn=seconds
        )
    )


def decide(
    sfn: Any, tokens: ReviewTokens, submission_id: str, *, approve: bool, reviewer: str, reason: str | None = None
) -> PendingReview:
    """Send the curator's decision to the waiting execution and forget the token."""
    review = tokens.get(submission_id)
    if review is None:
        raise ReviewNotPendingError(submission_id)
    at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        if approve:
            output = {"approved": True, "reviewer": reviewer, "decided_at": at}
            sfn.send_task_success(taskToken=review.task_token, output=json.dumps(output))
        else:
            from aiminer.adapters.aws.review import REVIEW_REJECTED_ERROR

            cause = json.dumps({"reason": reason or "rejected", "reviewer": reviewer, "decided_at": at})
            sfn.send_task_failure(taskToken=review.task_token, error=REVIEW_REJECTED_ERROR, cause=cause[:32768])
    except Exception as exc:  # TaskTimedOut / TaskDoesNotExist: the step is no longer waiting
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
        if code in ("TaskTimedOut", "TaskDoesNotExist", "InvalidToken"):
            tokens.delete(submission_id, review.task_token)
            raise ReviewNotPendingError(submission_id) from exc
        raise
    tokens.delete(submission_id, review.task_token)
    return review


def _tokens(b: Any, prefix: str) -> ReviewTokens:
    from aiminer.adapters.aws.review import ReviewTokens

    name = topology.resource_name(prefix, topology.REPOSITORY_QUALIFIER, topology.REVIEW_TOKENS.key)
    return ReviewTokens(b.client("dynamodb"), name)


@review_app.command("list")
def list_cmd(
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    prefix: PrefixOpt = "aiminer",
    as_json: JsonOpt = False,
) -> None:
    """Submissions awaiting a QC decision, oldest first."""
    b = backend(endpoint_url, profile, region, prefix)
    pending = _tokens(b, prefix).pending()
    if as_json:
        _print_json([r.public() for r in pending])
        return
    table = Table(title=f"{len(pending)} submission(s) awaiting review")
    for col in ("submission", "project", "verdict", "objects", "failed", "since", "decide before"):
        table.add_column(col)
    for r in pending:
        deadline = datetime.fromtimestamp(r.expires_at, UTC).isoformat(timespec="minutes")
        verdict = "[green]passed[/green]" if r.passed else "[red]failed[/red]"
        table.add_row(
            escape(r.submission_id), escape(r.project), verdict, str(r.objects), str(r.failed), r.created_at, deadline
        )
    out.print(table)


@review_app.command("show")
def show_cmd(
    submission: Annotated[str, typer.Argument(help="Submission ID.")],
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    prefix: PrefixOpt = "aiminer",
    as_json: JsonOpt = False,
) -> None:
    """The QC verdict of a pending submission and a short-lived link to its report page."""
    b = backend(endpoint_url, profile, region, prefix)
    review = _tokens(b, prefix).get(submission)
    if review is None:
        err.print(f"[red]no pending review[/red] for {escape(submission)}")
        raise typer.Exit(EXIT_NOT_PENDING)
    link = presign(b.client("s3"), review)
    data = {**review.public(), "report_url": link, "report_url_expires_in": LINK_SECONDS}
    if as_json:
        _print_json(data)
        return
    for key, value in data.items():
        out.print(f"[bold]{key}[/bold]: {escape(str(value))}")


def _decide_cmd(
    submission: str, approve: bool, reason: str | None, actor: str | None, b: Any, prefix: str, as_json: bool
) -> None:
    reviewer = b.actor(actor)
    try:
        decide(
            b.client("stepfunctions"), _tokens(b, prefix), submission, approve=approve, reviewer=reviewer, reason=reason
        )
    except ReviewNotPendingError:
        err.print(f"[red]no pending review[/red] for {escape(submission)} (decided, timed out or unknown)")
        raise typer.Exit(EXIT_NOT_PENDING) from None
    decision = "approved" if approve else "rejected"
    if as_json:
        _print_json({"submission_id": submission, "decision": decision, "reviewer": reviewer})
    else:
        out.print(f"{escape(submission)}: {decision} by {escape(reviewer)}")


@review_app.command("approve")
def approve_cmd(
    submission: Annotated[str, typer.Argument(help="Submission ID.")],
    actor: ActorOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    prefix: PrefixOpt = "aiminer",
    as_json: JsonOpt = False,
) -> None:
    """Approve: the workflow copies the submission to the released bucket and marks it released."""
    _decide_cmd(submission, True, None, actor, backend(endpoint_url, profile, region, prefix), prefix, as_json)


@review_app.command("reject")
def reject_cmd(
    submission: Annotated[str, typer.Argument(help="Submission ID.")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why, not empty (the partner sees it in `aiminer status`; never PHI).")
    ],
    actor: ActorOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    prefix: PrefixOpt = "aiminer",
    as_json: JsonOpt = False,
) -> None:
    """Reject with a reason: the workflow moves the objects to quarantine and tells the partner.

    The reason is required and may not be blank: the partner sees it in `aiminer status` (never paste PHI).
    """
    if not reason.strip():
        raise typer.BadParameter("give the reason the partner will see (it may not be empty)", param_hint="--reason")
    reason = reason.strip()
    _decide_cmd(submission, False, reason, actor, backend(endpoint_url, profile, region, prefix), prefix, as_json)
