"""The ``aiminer`` command line: one entry point for partners, curators, industry partners and devops."""

from __future__ import annotations

import inspect
import json
import os
import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from aiminer import __version__
from aiminer.runner import ReceiptLine, RunSpec, Summary, Terminated, WorkerPoolError, run

app = typer.Typer(
    name="aiminer",
    help=(
        "AI MINER: de-identify medical images, reports and metadata to HIPAA Safe Harbor and share them under "
        "IRB-approved projects and data use agreements.\n\n"
        "Start here: [bold]aiminer demo[/bold] runs the main job on bundled sample data. "
        "[bold]aiminer deid --help[/bold] explains de-identifying your own files."
    ),
    rich_markup_mode="rich",
    no_args_is_help=True,
    add_completion=False,
)
err = Console(stderr=True)
out = Console()

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

REASONS = {
    "empty_file": "the file has no bytes",
    "not_dicom": "not a DICOM file (no DICM marker, no dataset)",
    "truncated": "the file ends in the middle of an element",
    "invalid_dicom": "the header could not be parsed",
    "missing_uid": "study, series, instance or SOP class UID missing",
    "burned_in_risk": "pixels may carry burned-in text and no mask rule cleans them",
    "recognizable_features": "the image shows recognizable visual features",
    "encapsulated_document": "an encapsulated PDF/CDA cannot be cleaned inside DICOM",
    "nesting_too_deep": "sequences nested deeper than allowed",
    "too_large": "larger than --max-size",
    "io_error": "reading or writing failed",
    "dicomdir": "a DICOMDIR index (upload the files it lists instead)",
    "os_metadata": "an operating-system metadata file",
    "duplicate_instance": "the same SOP instance appeared twice in this run",
    "unreadable": "the file could not be opened",
    "symlinked_folder": "a symbolic link to a folder (not followed: give the folder itself as an input)",
    "not_a_regular_file": "a device, socket or pipe",
    "unsupported_type": "not DICOM, a text report, HL7 or a table (e.g. PDF, ZIP, image)",
    "decode_error": "text in no known encoding",
    "no_table_schema": "a table arrived without --table-schema",
    "unknown_columns": "the table has columns the schema does not name",
    "not_hl7": "looked like HL7 but has no MSH segment",
    "table_parse_error": "the table could not be parsed",
    "inconsistent_columns": "rows have different numbers of columns",
    "processing_error": "an unexpected error in an engine (reported, the run went on)",
    "worker_crashed": "a worker process died on this file twice, the second time alone (the run went on)",
}


def _version(value: bool) -> None:
    if value:
        out.print(f"aiminer {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """AI MINER command line."""


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True


@app.command(
    epilog=(
        "Example:\n\n"
        "  aiminer deid /mnt/exports/study42 --out /data/outbox --project LUNG-AI --site "
        "'Mercy General' --crosswalk ~/aiminer/crosswalk.sqlite --receipt ~/aiminer/receipt.jsonl\n\n"
        "Keep the crosswalk and the receipt with the academic partner: the crosswalk links codes back to "
        "patients, the receipt names your original files. Neither may be written under --out."
    )
)
def deid(
    inputs: Annotated[
        list[Path],
        typer.Argument(
            help="DICOM files or folders. Folders are walked recursively, without entering --out (it may lie "
            "inside) or following links to folders; the receipt and the crosswalk are never inputs.",
            show_default=False,
        ),
    ],
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Where de-identified files go, under PHI-free paths "
            "<project>/<site>/<patient>/<study>/<series>/<instance>.dcm.",
        ),
    ],
    project: Annotated[str, typer.Option(help="Project code (IRB-approved project), e.g. LUNG-AI.")],
    site: Annotated[
        str,
        typer.Option(
            help="Your site's name; it is replaced by a random coded site ID, and removed wherever a text or a "
            "kept attribute names it."
        ),
    ],
    crosswalk: Annotated[
        Path,
        typer.Option(
            help="Crosswalk file (created on first use, reused after): the only "
            "link from codes back to patients. Keep it private."
        ),
    ],
    receipt: Annotated[
        Path | None,
        typer.Option(help="Write one JSON line per input (input, status, output, reason). Keep it outside --out."),
    ] = None,
    workers: Annotated[int, typer.Option(min=0, max=64, help="Worker processes; 0 means one per core.")] = 0,
    retain_patient_characteristics: Annotated[
        bool, typer.Option(help="Keep sex, age (<= 89), size and weight (PS3.15 Retain Patient Characteristics).")
    ] = True,
    retain_device_identity: Annotated[
        bool,
        typer.Option(
            help="Keep device descriptions (PS3.15 Retain Device Identity). Serial numbers and station names are "
            "removed all the same (Safe Harbor)."
        ),
    ] = False,
    longitudinal: Annotated[
        bool,
        typer.Option(
            help="Shift dates by a random per-patient offset instead of keeping the year only (Retain Longitudinal "
            "Temporal Information, Modified Dates). Only for projects with an expert determination."
        ),
    ] = False,
    retain_safe_private: Annotated[
        bool, typer.Option(help="Keep private attributes on the documented safe-private list (all others always go).")
    ] = False,
    mask_rules: Annotated[
        list[Path] | None,
        typer.Option(
            "--mask-rules",
            exists=True,
            dir_okay=False,
            help="Extra burned-in text mask rules (TOML, see docs/burned-in-text.md); added to the built-in table.",
        ),
    ] = None,
    max_size_gb: Annotated[
        float, typer.Option("--max-size", help="Quarantine files larger than this (GB; more than 0).")
    ] = 8.0,
    table_schema: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="Column schema of the project's metadata/outcome tables (TOML/JSON, see docs/reports.md). Tables "
            "are quarantined (no_table_schema) without one; unknown columns are refused.",
        ),
    ] = None,
    report_style: Annotated[
        str,
        typer.Option(
            help="How identifiers in reports are replaced: 'tags' ([NAME], [DATE 2019]) or 'surrogates' "
            "(realistic fake values)."
        ),
    ] = "tags",
) -> None:
    """De-identify DICOM files, radiology reports (text, HL7 v2) and metadata tables to HIPAA Safe Harbor.

    The type of each file is read from its content. Reports get the coded IDs of the study they belong to (same
    folder as its DICOM files, or its accession number in the name, the text or HL7 OBR/ORC).

    Every input ends [bold]deidentified[/bold], [bold]quarantined[/bold] (with a reason; the file is not copied)
    or [bold]rejected[/bold] (out of scope). The exit code is 0 when every file was handled, quarantines
    included; 2 for usage errors; 1 when reading or writing failed.
    """
    if not _NAME.match(project):
        raise typer.BadParameter("use letters, digits, '.', '_' or '-' (at most 64)", param_hint="--project")
    if report_style not in ("tags", "surrogates"):
        raise typer.BadParameter("use 'tags' or 'surrogates'", param_hint="--report-style")
    if not site.strip():
        raise typer.BadParameter("must not be empty", param_hint="--site")
    if not max_size_gb > 0:  # not positive (or NaN) would quarantine every file
        raise typer.BadParameter("must be more than 0", param_hint="--max-size")
    for number, path in enumerate(inputs, start=1):
        if not path.exists():  # no path in the message: an input's name may hold PHI (typer's check printed it)
            raise typer.BadParameter(
                f"input {number} of {len(inputs)} does not exist (its path is not repeated here: it may hold PHI)",
                param_hint="INPUTS",
            )
    if receipt is not None and (why := _not_a_receipt(receipt, crosswalk)):
        raise typer.BadParameter(why, param_hint="--receipt")
    if _inside(crosswalk, out_dir):
        raise typer.BadParameter("the crosswalk holds PHI: keep it outside --out", param_hint="--crosswalk")
    if receipt is not None and _inside(receipt, out_dir):
        raise typer.BadParameter("the receipt names original files: keep it outside --out", param_hint="--receipt")
    if any(_inside(path, out_dir) for path in inputs):  # no path in the message: an input's name may hold PHI
        raise typer.BadParameter(
            "an input lies inside --out: de-identified outputs are never de-identified again", param_hint="INPUTS"
        )
    if table_schema is not None:  # checked before any file is touched: a usage error, not a crash mid-run
        from aiminer.text.errors import TableSchemaError
        from aiminer.text.table import TableSchema, read_schema_file

        try:
            TableSchema.from_mapping(read_schema_file(table_schema))
        except TableSchemaError as exc:
            raise typer.BadParameter(f"{exc.reason}: {exc.detail}", param_hint="--table-schema") from exc
    spec = RunSpec(
        inputs=tuple(inputs),
        out_dir=out_dir,
        project=project,
        site=site.strip(),
        crosswalk=crosswalk,
        receipt=receipt,
        workers=workers or (os.cpu_count() or 1),
        options={
            "retain_patient_characteristics": retain_patient_characteristics,
            "retain_device_identity": retain_device_identity,
            "retain_longitudinal_modified_dates": longitudinal,
            "retain_safe_private": retain_safe_private,
        },
        mask_rules=tuple(mask_rules or ()),
        max_bytes=int(max_size_gb * 1024**3),
        table_schema=table_schema,
        report_style=report_style,
    )
    summary = run_with_progress(spec)
    print_summary(summary, spec)
    if summary.io_errors:
        _print_io_failures(summary, spec)
        raise typer.Exit(1)


def _not_a_receipt(receipt: Path, crosswalk: Path) -> str | None:
    """Why ``receipt`` must not be written (it is rewritten at every run), or None: the crosswalk, or an existing
    file that is no receipt of aiminer (an input, a report, anything that was not written as a receipt)."""
    cw = crosswalk.resolve()
    if receipt.resolve() in (cw, *(cw.with_name(cw.name + s) for s in ("-wal", "-shm", "-journal"))):
        return "it is the crosswalk file: a receipt would destroy it"
    if not receipt.exists():
        return None
    if receipt.is_dir():
        return "it is a folder"
    if not receipt.is_file():
        return None  # a device or a pipe ("--receipt /dev/stdout"): nothing to overwrite
    try:
        with receipt.open("rb") as fp:
            head = fp.read(64 * 1024)
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or exc.__class__.__name__})"
    first = head.split(b"\n", 1)[0].strip()
    if not first:
        return None  # empty: the receipt of a run without inputs, or a file made for it
    try:
        line = json.loads(first)
    except ValueError:
        line = None
    if not (isinstance(line, dict) and {"input", "status"} <= line.keys()):
        return "the file exists and is not a receipt: refusing to overwrite it (give a new path)"
    return None


def _print_io_failures(summary: Summary, spec: RunSpec) -> None:
    """One stderr line per kind of I/O failure: counts only, no paths (an input's name may hold PHI)."""
    where = "the receipt lists them" if spec.receipt else "--receipt would list them"
    for key, what in (
        ("rejected:unreadable", "inputs that could not be read"),
        ("quarantined:io_error", "files whose reading or writing failed (disk full, permissions)"),
    ):
        if n := summary.by_reason.get(key, 0):
            status, reason = key.split(":")
            err.print(f"[red]error:[/red] {what}: {n}; {where} (status {status}, reason {reason})", soft_wrap=True)


def run_with_progress(spec: RunSpec) -> Summary:
    """Run ``spec`` with a progress bar on a terminal (plain otherwise)."""
    progress = Progress(
        TextColumn("[bold]de-identifying"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    with progress:
        task = progress.add_task("deid", total=None)

        def on_total(n: int) -> None:
            progress.update(task, total=n)

        def on_done(_line: ReceiptLine) -> None:
            progress.advance(task)

        try:
            return run(spec, on_total=on_total, on_done=on_done)
        except OSError as exc:
            what = "" if exc.filename is None else f"{_failed_path(Path(os.fsdecode(exc.filename)), spec)} failed: "
            # (never str(exc): an OSError without strerror prints its file name, which may be an input's)
            detail = exc.strerror or "no detail"
            err.print(f"[red]error:[/red] {what}{exc.__class__.__name__}: {detail}", soft_wrap=True)
            raise typer.Exit(1) from exc
        except WorkerPoolError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(1) from exc
        except Terminated as exc:
            err.print(
                "[yellow]stopped[/yellow] (SIGTERM): the files finished so far are written and in the receipt, the "
                "crosswalk is consistent; run the same command again to finish (done files come out the same)"
            )
            raise typer.Exit(143) from exc


def _failed_path(path: Path, spec: RunSpec) -> str:
    """What an I/O error on ``path`` was about, named by the option that gave it: never an input's path (PHI)."""

    def about(option: Path) -> bool:  # the option's path, a file under it, or a folder on the way to it
        return _inside(path, option) or _inside(option, path)

    if spec.receipt is not None and about(spec.receipt):
        return "writing the receipt (--receipt)"
    if path.name.startswith(spec.crosswalk.name) and _inside(path, spec.crosswalk.parent):
        return "the crosswalk (--crosswalk)"
    if about(spec.out_dir):
        return "writing under --out"
    return "reading an input"


def print_summary(summary: Summary, spec: RunSpec) -> None:
    """The end-of-run table."""
    table = Table(title=f"aiminer deid: {summary.total} inputs, {summary.bytes_in / 1e6:.1f} MB", title_justify="left")
    table.add_column("status")
    table.add_column("reason")
    table.add_column("files", justify="right")
    for status in ("deidentified", "quarantined", "rejected"):
        n = summary.by_status.get(status, 0)
        if status == "deidentified" or n == 0:
            table.add_row(status, "", str(n))
            continue
        for key, count in sorted(summary.by_reason.items()):
            st, reason = key.split(":", 1)
            if st == status:
                table.add_row(status, f"{reason} ({REASONS.get(reason, '')})", str(count))
    out.print(table)
    out.print(f"output:  {spec.out_dir}")
    if spec.receipt:
        out.print(f"receipt: {spec.receipt}")
    out.print(f"crosswalk (keep private): {spec.crosswalk}")


@app.command()
def demo(
    workdir: Annotated[Path, typer.Option(help="Where the demo keeps its files.")] = Path(".aiminer/demo"),
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Run unattended: approve the release without asking.")
    ] = False,
    pipeline: Annotated[
        bool,
        typer.Option(help="Also run the whole consortium on the local runtime (--no-pipeline: aiminer deid only)."),
    ] = True,
) -> None:
    """The whole consortium on your laptop, on bundled sample data with realistic synthetic PHI.

    First [bold]aiminer deid[/bold] de-identifies the sample export as an academic partner would on a workstation.
    Then the same export goes through the serverless pipeline on the local runtime (moto), with the real
    [bold]aiminer[/bold] commands of every user: a curator creates a project with its IRB record and enrolls a
    site; the partner uploads; de-identification, QC and its report page; the curator approves (you are asked,
    unless --yes); a dataset is frozen and a DUA signed with an industry partner, who fetches the presigned
    delivery and verifies every SHA-256; the usage report is written. A leak check proves no injected PHI value
    left the partner zone. About a minute on two cores.

    Exit code: 0 all good, 1 a leak, 2 a step failed, 3 the release was declined.
    """
    from aiminer.cli.demo import run_demo

    raise typer.Exit(run_demo(workdir, out, err, yes=yes or not out.is_terminal, pipeline=pipeline))


# --- governance commands (issue 7) ---
from aiminer.cli import governance as _governance  # noqa: E402  (registered after the core commands)

app.add_typer(_governance.project_app, name="project")
app.add_typer(_governance.site_app, name="site")
app.add_typer(_governance.dua_app, name="dua")
app.add_typer(_governance.catalogue_app, name="catalogue")
app.add_typer(_governance.dataset_app, name="dataset")
app.add_typer(_governance.usage_app, name="usage")
app.command("deliver")(_governance.deliver)
app.command("fetch")(_governance.fetch)
app.command("audit")(_governance.audit_cmd)
# --- end governance commands ---

# --- ingest commands (issue 5) ---
from aiminer.cli import local as _local  # noqa: E402  (registered after the core commands)
from aiminer.cli import status as _status  # noqa: E402
from aiminer.cli import upload as _upload  # noqa: E402

app.add_typer(_local.local_app, name="local")
app.command("upload")(_upload.upload)
app.command("status")(_status.status)
from aiminer.cli.backfill import backfill as _backfill  # noqa: E402

app.command("backfill")(_backfill)
# --- end ingest commands ---

# --- review commands (issue 6) ---
from aiminer.cli import review as _review  # noqa: E402  (registered after the core commands)

app.add_typer(_review.review_app, name="review")
# --- end review commands ---


def prose(text: str | None) -> str | None:
    """A docstring as ``--help`` should print it: the lines of a paragraph joined (typer keeps each source line
    break of every paragraph after the first, so the help came out ragged; red team 23), lists, indented examples
    and ``\\b`` blocks left as they are."""
    if not text:
        return text
    paragraphs = inspect.cleandoc(text).split("\n\n")
    out = []
    for para in paragraphs:
        lines = para.split("\n")
        verbatim = para.startswith("\b") or any(
            line.startswith((" ", "-", "*", "|")) or re.match(r"\d+\.", line) for line in lines[1:]
        )
        out.append(para if verbatim else " ".join(line.strip() for line in lines))
    return "\n\n".join(out)


def _unwrap_help(typer_app: typer.Typer) -> None:
    """Apply :func:`prose` to every command's help text, the groups' commands included."""
    for command in typer_app.registered_commands:
        command.help = prose(command.help or (command.callback.__doc__ if command.callback else None))
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _unwrap_help(group.typer_instance)


_unwrap_help(app)


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    app(args=argv if argv is not None else sys.argv[1:], prog_name="aiminer")


if __name__ == "__main__":
    main()
