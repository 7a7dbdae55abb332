"""The ingest pipeline end to end on the local runtime, for ``aiminer demo``: upload, de-identify, leak-check.

A runtime of its own is started in the background (``control.up`` with its state under ``<workdir>/local``, so
a runtime started with ``aiminer local up`` is left alone) and stopped at the end. The sample corpus (DICOM with
synthetic PHI in headers and file names, reports, an HL7 export, an outcomes table) is uploaded exactly as
``aiminer upload`` does; the real de-identify handler processes the landing events; then every object in the
repository inbound bucket (and every catalogue item of the submission) is scanned for every injected PHI value.
Tables are quarantined ``no_table_schema`` by ingest today (a project-level table schema is not wired yet).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from rich.console import Console

PROJECT = "lung-ai"
SITE = "site-1"


def _wait_complete(submissions: Any, submission_id: str, timeout: float) -> dict[str, Any] | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        summary: dict[str, Any] | None = submissions.get(submission_id, "summary")
        if summary and "completed_at" in summary and summary.get("inbound_manifest_key"):
            return summary
        time.sleep(0.5)
    return None


def _download_bucket(s3: Any, bucket: str, dest: Path) -> int:
    """Every object of ``bucket`` to ``dest/<key>`` (keys are PHI-free by design; the leak check scans them too)."""
    n = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            path = dest / obj["Key"]
            path.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, obj["Key"], str(path))
            n += 1
    return n


def run_local_tour(workdir: Path, console: Console, timeout: float = 300.0) -> int:
    """Upload the sample corpus to a fresh local runtime, wait for it, show the outcome, leak-check the repository.

    Returns 0 when every injected PHI value is absent from the repository inbound bucket and catalogue, 1 on a
    leak, 2 when the submission did not complete in time.
    """
    from aiminer.adapters.aws.catalogue import CatalogueRepository
    from aiminer.adapters.aws.submissions import SubmissionRepository
    from aiminer.adapters.aws.uploader import upload_submission
    from aiminer.leakcheck import scan_bytes, scan_tree
    from aiminer.local import control
    from aiminer.local.resources import session_for
    from aiminer.samples import make_corpus

    workdir.mkdir(parents=True, exist_ok=True)
    state_dir = workdir / "local"
    export = workdir / "partner-export"
    shutil.rmtree(export, ignore_errors=True)
    console.print("[bold]1.[/bold] Starting the local runtime (moto on loopback, the real de-identify handler) ...")
    state = control.up(state_dir, pollers=True)
    try:
        endpoint, names = str(state["endpoint"]), state["names"]
        session = session_for(endpoint)
        s3 = session.client("s3", endpoint_url=endpoint)
        ddb = session.client("dynamodb", endpoint_url=endpoint)
        console.print(f"   {escape(endpoint)}; state in {escape(str(state_dir))}/")
        corpus = make_corpus(export)
        console.print(
            f"[bold]2.[/bold] Sample export with synthetic PHI: {len(corpus.files)} files, "
            f"{len(corpus.patients)} patients, {len(corpus.phi)} distinct PHI values"
        )
        started = time.monotonic()
        report = upload_submission(s3, names["landing"], export, site=SITE, project=PROJECT)
        console.print(
            f"[bold]3.[/bold] Uploaded {len(report.uploaded)} files as submission [bold]{report.submission_id}"
            f"[/bold] to the partner landing bucket ({len(report.skipped_junk)} OS junk file not sent)"
        )
        submissions = SubmissionRepository(ddb, names["tables"]["partner:submissions"])
        summary = _wait_complete(submissions, report.submission_id, timeout)
        if summary is None:
            console.print(f"[red]the submission did not complete in {timeout:.0f} s[/red]; see {state_dir}/server.log")
            return 2
        console.print(
            f"[bold]4.[/bold] Every file has an outcome after {time.monotonic() - started:.1f} s: "
            f"{int(summary.get('deidentified', 0))} de-identified, {int(summary.get('quarantined', 0))} quarantined, "
            f"{int(summary.get('rejected', 0))} rejected"
        )
        catalogue = CatalogueRepository(ddb, names["tables"]["repository:catalogue"])
        objects = [i for i in catalogue.items(PROJECT, "object#") if i.get("submission_id") == report.submission_id]
        table = Table(title="de-identified, in the repository inbound bucket (PHI-free keys)", title_justify="left")
        for col in ("key", "kind", "modality", "patient", "study"):
            table.add_column(col, overflow="fold")
        for item in sorted(objects, key=lambda i: str(i["key"])):
            table.add_row(
                escape(str(item["key"])),
                str(item.get("kind", "")),
                str(item.get("modality") or ""),
                str(item.get("patient") or ""),
                str(item.get("study") or ""),
            )
        console.print(table)
        files = [i for i in submissions.items(report.submission_id) if str(i["item"]).startswith("file#")]
        held = [f for f in files if f.get("status") in ("quarantined", "rejected")]
        qtable = Table(
            title="kept in the partner zone (quarantine keys name a hash of the original key)", title_justify="left"
        )
        for col in ("quarantine key", "kind", "status", "reason"):
            qtable.add_column(col, overflow="fold")
        for f in sorted(held, key=lambda f: str(f.get("reason"))):
            qtable.add_row(
                escape(str(f.get("quarantine_key") or "-")),
                str(f.get("kind", "")),
                str(f.get("status", "")),
                str(f.get("reason") or ""),
            )
        console.print(qtable)
        console.print(
            "[bold]5.[/bold] Leak check: every object in the repository inbound bucket (outside DICOM pixel "
            "data), every key, and the submission's catalogue items, against every injected value ..."
        )
        with tempfile.TemporaryDirectory(prefix="aiminer-tour-") as tmp:
            count = _download_bucket(s3, names["inbound"], Path(tmp))
            hits = scan_tree(Path(tmp), corpus.phi)
        catalogue_hits = scan_bytes(json.dumps(objects, default=str).encode(), corpus.phi)
        if hits or catalogue_hits:
            found = len(set().union(*hits.values(), catalogue_hits))
            console.print(f"[red]LEAK[/red]: {found} injected values found in {len(hits)} repository objects")
            return 1
        console.print(
            f"   [green]0 of {len(corpus.phi)} injected PHI values found[/green] in {count} repository objects "
            f"and {len(objects)} catalogue items."
        )
        return 0
    finally:
        control.down(state_dir)
