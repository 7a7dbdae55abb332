"""``aiminer backfill``: push archives already in the landing bucket through the pipeline (SQS fan-out)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

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


def backfill(
    key_prefix: Annotated[
        str,
        typer.Option(
            "--key-prefix",
            help="Landing-bucket prefix to backfill, e.g. 'site-1/lung-ai/' (objects already in the bucket; upload "
            "new archives with `aiminer upload`).",
        ),
    ],
    partner: PartnerOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    prefix: PrefixOpt = "aiminer",
    state_dir: StateDirOpt = DEFAULT_STATE_DIR,
) -> None:
    """Send every current object under a landing-bucket prefix through the de-identify function again.

    One S3-shaped event per object goes to the landing queue; the function treats them like live uploads (same
    checks, same crosswalk, same quarantine). It is idempotent per object version: re-running a backfill, or
    backfilling objects that were already processed, changes nothing. Objects outside the
    `<site>/<project>/<submission>/files/` layout are quarantined by the function with a reason.
    """
    from aiminer.adapters.aws.backfill import enqueue_prefix

    target = resolve_target(endpoint_url, profile, region, partner, prefix, Path(state_dir))
    sqs = target.client("sqs")
    queue_url = sqs.get_queue_url(QueueName=target.landing_queue)["QueueUrl"]
    report = enqueue_prefix(target.client("s3"), sqs, target.landing_bucket, key_prefix, queue_url)
    out.print(
        f"backfill on {target.describe()}: {report.listed} objects ({report.bytes / 1e6:.1f} MB) listed, "
        f"{report.enqueued} enqueued, {report.failed} failed to enqueue"
    )
    if report.failed:
        raise typer.Exit(1)
