"""The whole consortium on one laptop, for ``aiminer demo``: the real ``aiminer`` commands against the local runtime.

A runtime of its own is started in the background (``control.up`` with its state under ``<workdir>/local``, so a
runtime started with ``aiminer local up`` is left alone) and stopped at the end. Each step prints the command a
person would type and runs exactly that command in-process (the same Typer app), as the person who would run it:

1. a curator creates a project with its IRB record and enrolls an academic partner's site (random site code);
2. the academic partner uploads the sample export (DICOM of several modalities, reports, HL7, an outcomes
   table, a corrupt file and a screen capture with burned-in text, all with synthetic PHI); the real de-identify
   handler processes every landing event;
3. the QC state machine (the ASL file CDK deploys, on moto's interpreter) checks every object and renders the
   QC page, which is saved next to the tour; a curator approves (asked interactively unless ``--yes``);
4. the curator freezes a dataset from the catalogue and signs a DUA with an industry partner;
5. the delivery issues presigned links; the industry partner fetches them over HTTP and verifies every SHA-256;
6. the usage report of the month is written (CSV and PNG) and the audit trail of the submission shown;
7. a leak check scans everything that left the partner zone (repository buckets, catalogue, the download)
   for every injected PHI value; a summary table ends the tour.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from rich.console import Console

    from aiminer.samples import Corpus

PROJECT = "chest-ct-2026"
PARTNER = "local"  # the local runtime's academic partner
SITE = "site-2"  # one of its sites, enrolled by the tour
INDUSTRY_PARTNER = "pharma-x"
CURATOR = "curator:dr-ana-okafor"
PARTNER_USER = "partner:research-it"
INDUSTRY_USER = "industry:pharma-x-data-team"


class TourError(RuntimeError):
    """A step did not do what it should; the message says which and where to look."""


@dataclass
class StepRecord:
    """One row of the summary table."""

    number: int
    who: str
    what: str
    outcome: str = ""
    seconds: float = 0.0
    ok: bool = True


@dataclass
class Tour:
    """The tour's state: where things are, what each step did."""

    workdir: Path
    console: Console
    yes: bool
    timeout: float
    confirm: Callable[[str], bool]
    steps: list[StepRecord] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @contextmanager
    def step(self, who: str, what: str) -> Iterator[StepRecord]:
        """Print a numbered step; time it; record its outcome (set ``record.outcome`` inside)."""
        record = StepRecord(len(self.steps) + 1, who, what)
        self.steps.append(record)
        self.console.print()
        self.console.rule(f"[bold]{record.number}. {escape(what)}[/bold]  [dim]({escape(who)})[/dim]", align="left")
        started = time.monotonic()
        try:
            yield record
        except BaseException:
            record.ok = False
            raise
        finally:
            record.seconds = time.monotonic() - started

    def run(self, *args: str, actor: str | None = None, capture: Console | None = None) -> str:
        """Print ``$ aiminer ARGS`` and run that command in-process; return what ``capture`` printed (if given).

        A non-zero exit code is a :class:`TourError`.
        """
        from aiminer.cli.main import app

        shown = " ".join(_quote(a) for a in args)
        self.console.print(f"[cyan]$ aiminer {escape(shown)}[/cyan]")
        argv = [*args, *(("--actor", actor) if actor else ())]
        if capture is None:
            rc = app(argv, standalone_mode=False, prog_name="aiminer")
            text = ""
        else:
            with capture.capture() as captured:
                rc = app(argv, standalone_mode=False, prog_name="aiminer")
            text = captured.get()
            self.console.print(text, end="", markup=False, highlight=False)
        if rc not in (None, 0):
            raise TourError(f"`aiminer {shown}` exited with {rc}")
        return text


def _quote(arg: str) -> str:
    return f'"{arg}"' if (" " in arg or not arg) else arg


def run_local_tour(
    workdir: Path,
    console: Console,
    yes: bool = True,
    timeout: float = 180.0,
    confirm: Callable[[str], bool] | None = None,
) -> int:
    """Run the tour; 0 when every step worked and no injected PHI value left the partner zone, 1 on a leak,
    2 when a step failed (the message says which), 3 when the curator declined the release.

    ``confirm`` asks the curator (default: a prompt on ``console``); it is not called with ``yes``.
    """
    from rich.prompt import Confirm

    from aiminer.local import control

    workdir.mkdir(parents=True, exist_ok=True)
    for stale in ("partner-export", "received", "delivery", "usage", "qc-report.html"):
        path = workdir / stale
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    ask = confirm or (lambda q: Confirm.ask(q, console=console, default=True))
    tour = Tour(workdir, console, yes, timeout, confirm=ask)
    state_dir = workdir / "local"
    env_before = {k: os.environ.get(k) for k in ("AIMINER_ENDPOINT_URL", "AIMINER_LOCAL_STATE_DIR")}
    try:
        with tour.step("devops", "Start the local runtime: moto on loopback, the real handlers, the QC state machine"):
            state = control.up(state_dir, pollers=True)
            os.environ["AIMINER_ENDPOINT_URL"] = str(state["endpoint"])
            os.environ["AIMINER_LOCAL_STATE_DIR"] = str(state_dir)
            console.print(
                f"endpoint {escape(str(state['endpoint']))}; every command below talks to it "
                "(AIMINER_ENDPOINT_URL), as it would talk to AWS with --profile"
            )
            tour.steps[-1].outcome = "running"
        code = _run_steps(tour, state)
    except TourError as exc:
        console.print(f"[red]tour stopped[/red]: {escape(str(exc))}; server log: {state_dir / 'server.log'}")
        code = 2
    finally:
        control.down(state_dir)
        for key, value in env_before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    _summary(tour)
    return code


def _run_steps(tour: Tour, state: dict[str, Any]) -> int:
    from aiminer.cli import governance
    from aiminer.samples import make_corpus

    console, workdir = tour.console, tour.workdir
    today = datetime.now(UTC).date()
    export = workdir / "partner-export"
    corpus = make_corpus(export)
    tour.facts["corpus"] = corpus
    with tour.step("curator", "Create the project with its IRB record and the column roles of its tables"):
        tour.run(
            "project",
            "create",
            PROJECT,
            "--title",
            "Chest CT nodule AI",
            "--objective",
            "Train and validate a lung nodule detector on chest CT",
            "--irb-number",
            "IRB-2026-0117",
            "--approved-on",
            today.isoformat(),
            "--expires-on",
            (today + timedelta(days=365)).isoformat(),
            "--table-schema",
            str(corpus.table_schema),
            actor=CURATOR,
        )
        tour.steps[-1].outcome = f"{PROJECT}: IRB approved until {(today + timedelta(days=365)).isoformat()}"
    with tour.step("curator", "Enroll the academic partner's site (it gets a random coded site ID)"):
        tour.run("site", "enroll", "--partner", PARTNER, "--site", SITE, "--project", PROJECT, actor=CURATOR)
        site_code = _site_code(state)
        tour.facts["site_code"] = site_code
        tour.steps[-1].outcome = f"{PARTNER}/{SITE} -> {site_code}"

    with tour.step("academic partner", "Upload the export: images, reports, HL7, a table, broken files"):
        console.print(
            f"{escape(str(export))}: {len(corpus.files)} files, {len(corpus.patients)} patients, "
            f"{len(corpus.phi)} distinct synthetic PHI values (names, MRNs, dates, addresses, phone numbers, ...)"
        )
        submission = "tour-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        tour.facts["submission"] = submission
        tour.run(
            "upload",
            str(export),
            "--project",
            PROJECT,
            "--site",
            SITE,
            "--submission",
            submission,
            "--wait",
            "--timeout",
            str(tour.timeout),
        )
        outcome = _outcomes(state, submission)
        tour.facts["outcomes"] = outcome
        tour.steps[-1].outcome = ", ".join(f"{n} {s}" for s, n in sorted(outcome.items()))

    with tour.step("QC state machine", "Automated QC of every object; the QC page for the curator"):
        review = _wait_for_review(state, submission, tour.timeout)
        tour.run("review", "show", submission)
        page = workdir / "qc-report.html"
        _download(state, review.report_bucket, review.report_key, page)
        tour.facts["qc_page"] = page
        verdict = "passed" if review.passed else f"{review.failed} objects failed"
        tour.steps[-1].outcome = f"{review.objects} objects checked, {verdict}; page saved"
        console.print(f"QC page: [bold]{escape(str(page))}[/bold] (open it in a browser)")

    with tour.step("curator", "Decide: approve the release"):
        question = f"Approve submission {submission} for release ({review.objects} objects, QC {verdict})?"
        if not tour.yes and not tour.confirm(question):
            tour.run("review", "reject", submission, "--reason", "declined during the tour", actor=CURATOR)
            tour.steps[-1].outcome = "rejected by the curator"
            console.print("The curator declined: the objects moved to quarantine. Nothing is delivered.")
            return 3
        tour.run("review", "approve", submission, actor=CURATOR)
        released = _wait_for_release(state, submission, tour.timeout)
        tour.steps[-1].outcome = f"released {released} objects"

    with tour.step("curator", "Build a cohort from the catalogue and freeze it as a dataset version"):
        tour.run("catalogue", "search", "--project", PROJECT, "--site", site_code, "--limit", "8")
        text = tour.run(
            "dataset", "freeze", "--name", "chest-ct-tour", "--project", PROJECT, actor=CURATOR, capture=governance.out
        )
        dataset_ref = text.split(":", 1)[0].strip()
        tour.steps[-1].outcome = text.strip()

    with tour.step("curator", f"Sign a data use agreement with {INDUSTRY_PARTNER}"):
        text = tour.run(
            "dua",
            "create",
            "--partner",
            INDUSTRY_PARTNER,
            "--dataset",
            dataset_ref,
            "--purpose",
            "Training and validation of a nodule detection model",
            "--start",
            today.isoformat(),
            "--end",
            (today + timedelta(days=90)).isoformat(),
            actor=CURATOR,
            capture=governance.out,
        )
        dua_id = text.strip().splitlines()[-1]
        tour.run("dua", "activate", dua_id, "--note", "signed by both parties", actor=CURATOR)
        tour.facts["dua"] = dua_id
        tour.steps[-1].outcome = f"{dua_id} active until {(today + timedelta(days=90)).isoformat()}"

    manifest = workdir / "delivery" / "manifest.json"
    received = workdir / "received"
    with tour.step("delivery API", "Issue presigned links (1 hour at most) with sizes and SHA-256"):
        tour.run("deliver", "--dua", dua_id, "--out", str(manifest), actor=INDUSTRY_USER)
        links = json.loads(manifest.read_text())
        count = len(links.get("objects", links) if isinstance(links, dict) else links)
        tour.steps[-1].outcome = f"{count} links, manifest {manifest.name} (+ .csv)"
    with tour.step("industry partner", "Fetch the delivery over HTTP and verify every SHA-256"):
        tour.run("fetch", str(manifest), "--to", str(received))
        files = [p for p in received.rglob("*") if p.is_file() and not p.name.startswith(".")]
        tour.steps[-1].outcome = f"{len(files)} files verified"

    month = today.strftime("%Y-%m")
    with tour.step("curator", "Usage of the month (fair pricing: services, never data) and the audit trail"):
        tour.run("usage", "report", "--project", PROJECT, "--month", month, "--out-dir", str(workdir / "usage"))
        tour.run("audit", "--subject", f"submission#{submission}")
        tour.facts["usage"] = workdir / "usage"
        tour.steps[-1].outcome = f"usage-{PROJECT}-{month}.csv and .png"

    with tour.step("privacy officer", "Leak check: everything that left the partner zone, every injected value"):
        leaks = _leak_check(console, state, corpus, received)
        tour.steps[-1].ok = leaks == 0
        tour.steps[-1].outcome = "0 leaks" if leaks == 0 else f"{leaks} LEAKED VALUES"
    return 0 if leaks == 0 else 1


# ------------------------------------------------------------------------------------------------ reading state


def _clients(state: dict[str, Any]) -> tuple[Any, Any, dict[str, Any]]:
    from aiminer.local.resources import session_for

    endpoint = str(state["endpoint"])
    session = session_for(endpoint)
    return (
        session.client("s3", endpoint_url=endpoint),
        session.client("dynamodb", endpoint_url=endpoint),
        state["names"],
    )


def _site_code(state: dict[str, Any]) -> str:
    from aiminer.adapters.aws.governance_tables import ProjectsTable

    _, ddb, names = _clients(state)
    site = ProjectsTable(ddb, names["tables"]["repository:projects"], names["tables"]["repository:sites"]).site(
        PARTNER, SITE
    )
    if site is None:
        raise TourError("the site enrollment was not stored")
    return site.site_code


def _outcomes(state: dict[str, Any], submission: str) -> dict[str, int]:
    from aiminer.adapters.aws.submissions import SubmissionRepository

    _, ddb, names = _clients(state)
    items = SubmissionRepository(ddb, names["tables"]["partner:submissions"]).items(submission)
    counts: dict[str, int] = {}
    for item in items:
        if str(item["item"]).startswith("file#"):
            counts[str(item.get("status"))] = counts.get(str(item.get("status")), 0) + 1
    if not counts:
        raise TourError("no file of the submission has an outcome")
    return counts


def _wait_for_review(state: dict[str, Any], submission: str, timeout: float) -> Any:
    from aiminer.adapters.aws.review import ReviewTokens

    _, ddb, names = _clients(state)
    tokens = ReviewTokens(ddb, names["tables"]["repository:review_tokens"])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        review = tokens.get(submission)
        if review is not None:
            return review
        time.sleep(0.3)
    raise TourError(f"QC did not ask for a review within {timeout:.0f} s")


def _wait_for_release(state: dict[str, Any], submission: str, timeout: float) -> int:
    from aiminer.adapters.aws.catalogue import CatalogueRepository

    _, ddb, names = _clients(state)
    catalogue = CatalogueRepository(ddb, names["tables"]["repository:catalogue"])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        item = catalogue.submission(PROJECT, submission)
        if item is not None and item.get("status") == "released":
            objects = catalogue.items(PROJECT, "object#")
            return sum(1 for o in objects if o.get("submission_id") == submission and o.get("status") == "released")
        time.sleep(0.3)
    raise TourError(f"the approved submission was not released within {timeout:.0f} s")


def _download(state: dict[str, Any], bucket: str, key: str, dest: Path) -> None:
    s3, _, _ = _clients(state)
    dest.parent.mkdir(parents=True, exist_ok=True)
    s3.download_file(bucket, key, str(dest))


def _leak_check(console: Console, state: dict[str, Any], corpus: Corpus, received: Path) -> int:
    """Every object of the repository buckets (contents outside pixel data, and keys), every catalogue and audit
    item, and every downloaded file, against every injected value. Prints what it scanned; returns the leaks."""
    import tempfile

    from aiminer.leakcheck import scan_bytes, scan_tree

    s3, ddb, names = _clients(state)
    found: set[str] = set()
    objects = 0
    with tempfile.TemporaryDirectory(prefix="aiminer-tour-") as tmp:
        for role in ("inbound", "released", "reports"):
            bucket = names.get(role)
            if not bucket:
                continue
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for obj in page.get("Contents", []):
                    path = Path(tmp) / role / obj["Key"]
                    path.parent.mkdir(parents=True, exist_ok=True)
                    s3.download_file(bucket, obj["Key"], str(path))
                    objects += 1
        for hits in scan_tree(Path(tmp), corpus.phi).values():
            found |= set(hits)
    for hits in scan_tree(received, corpus.phi).values():
        found |= set(hits)
    items = 0
    for table in ("repository:catalogue", "repository:audit", "repository:usage"):
        for page in ddb.get_paginator("scan").paginate(TableName=names["tables"][table]):
            items += len(page.get("Items", []))
            found |= set(scan_bytes(json.dumps(page.get("Items", []), default=str).encode(), corpus.phi))
    downloaded = sum(1 for p in received.rglob("*") if p.is_file())
    if found:
        console.print(f"[red]LEAK[/red]: {len(found)} injected values found")
    else:
        console.print(
            f"[green]0 of {len(corpus.phi)} injected PHI values found[/green] in {objects} repository objects "
            f"(inbound, released, QC reports), {items} catalogue/audit/usage items and {downloaded} downloaded files"
        )
    return len(found)


def _summary(tour: Tour) -> None:
    console = tour.console
    console.print()
    table = Table(title="AI MINER tour: what happened", title_justify="left")
    for col in ("#", "who", "step", "outcome", "s"):
        table.add_column(col, overflow="fold", justify="right" if col in ("#", "s") else "left")
    for s in tour.steps:
        mark = "" if s.ok else "[red]failed[/red] "
        table.add_row(str(s.number), s.who, escape(s.what), mark + escape(s.outcome), f"{s.seconds:.1f}")
    console.print(table)
    total = sum(s.seconds for s in tour.steps)
    console.print(f"total {total:.0f} s")
    if "qc_page" in tour.facts:
        console.print(f"QC page: [bold]{escape(str(tour.facts['qc_page']))}[/bold]")
    if "usage" in tour.facts:
        console.print(f"usage report: {escape(str(tour.facts['usage']))}/")
