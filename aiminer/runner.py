"""Batch de-identification of files and folders: the use case behind ``aiminer deid``.

Walks the inputs, de-identifies each object in a worker process, moves outputs into place under PHI-free paths,
and writes one receipt line per input. Every input ends in exactly one of ``deidentified``, ``quarantined``
(with a machine-readable reason) or ``rejected`` (out of scope, with a reason). A bad file never stops the run.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.context
import os
import secrets
import stat
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

#: Files that operating systems and archivers leave behind: never patient data, never uploaded.
OS_METADATA_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", "ehthumbs.db", ".directory"})
#: Objects larger than this are quarantined (``too_large``) rather than risking the run.
DEFAULT_MAX_BYTES = 8 * 1024**3
#: Runs smaller than this are done in-process: starting workers costs more than it saves.
SMALL_RUN = 16

Status = str  # "deidentified" | "quarantined" | "rejected"


@dataclass(frozen=True)
class RunSpec:
    """Inputs and settings of one ``aiminer deid`` run (validated by the CLI)."""

    inputs: tuple[Path, ...]
    out_dir: Path
    project: str
    site: str
    crosswalk: Path
    receipt: Path | None = None
    workers: int = 1
    options: dict[str, Any] = field(default_factory=dict)
    mask_rules: tuple[Path, ...] = ()
    max_bytes: int = DEFAULT_MAX_BYTES
    table_schema: Path | None = None
    report_style: str = "tags"


@dataclass(frozen=True)
class ReceiptLine:
    """One line of the receipt: the contract partners and our checks rely on."""

    input: str
    status: Status
    output: str | None
    reason: str | None
    extra: dict[str, str | None] = field(default_factory=dict)

    def to_json(self) -> str:
        """JSON object with the four contract keys (plus any extra keys, e.g. a report's linked study)."""
        data = {"input": self.input, "status": self.status, "output": self.output, "reason": self.reason}
        data.update(self.extra)
        return json.dumps(data, ensure_ascii=True)


@dataclass
class Summary:
    """Counts for the end-of-run table."""

    by_status: Counter[str] = field(default_factory=Counter)
    by_reason: Counter[str] = field(default_factory=Counter)
    bytes_in: int = 0
    io_errors: int = 0

    def add(self, line: ReceiptLine, size: int) -> None:
        """Count one finished input."""
        self.by_status[line.status] += 1
        if line.reason:
            self.by_reason[f"{line.status}:{line.reason}"] += 1
        self.bytes_in += size

    @property
    def total(self) -> int:
        """Inputs handled."""
        return sum(self.by_status.values())


@dataclass(frozen=True)
class Job:
    """One input file for a worker."""

    path: str
    display: str
    size: int
    kind: str | None = None  # what the sniffer said of the file's head; None: not sniffed (DICOM runs first)
    folder_study: str | None = None

    @property
    def dicom(self) -> bool:
        """Whether this is a DICOM object."""
        return self.kind in (None, "dicom")


@dataclass(frozen=True)
class JobResult:
    """What a worker did with one input (no PHI except ``display``, which stays with the partner)."""

    display: str
    status: Status
    tmp: str | None
    output: str | None
    reason: str | None
    size: int
    io_error: bool = False
    extra: dict[str, str | None] = field(default_factory=dict)
    study: str | None = None
    kind: str = "dicom"


def iter_inputs(inputs: tuple[Path, ...]) -> Iterator[tuple[Path, str]]:
    """Yield ``(path, display)`` for every file under ``inputs``; display is as given or relative to its folder."""
    for root in inputs:
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
                dirnames.sort()
                for name in sorted(filenames):
                    full = Path(dirpath) / name
                    yield full, str(full.relative_to(root))
        else:
            yield root, str(root)


# ---------------------------------------------------------------------------------------------------------------
# worker side: one engine per process, built once


_WORKER: dict[str, Any] = {}


def _init_worker(spec_json: str) -> None:
    from aiminer.adapters.sqlite_crosswalk import SqliteCrosswalk
    from aiminer.crosswalk import Coder
    from aiminer.dicom import burnedin
    from aiminer.dicom.engine import EngineConfig, configure_pydicom
    from aiminer.dicom.policy import DeidOptions, compile_policy
    from aiminer.objects import ObjectContext
    from aiminer.text.dicom_cleaner import cleaner_factory
    from aiminer.text.table import TableSchema

    spec = json.loads(spec_json)
    configure_pydicom()
    crosswalk = SqliteCrosswalk(spec["crosswalk"])
    coder = Coder(crosswalk, spec["project"])
    site_code = coder.site(spec["site"])
    policy = compile_policy(DeidOptions(**spec["options"]))
    rules = burnedin.load_mask_rules(tuple(spec["mask_rules"]))
    # The report scrubber is the Clean Descriptors / Clean Structured Content cleaner.
    engine = EngineConfig(
        policy=policy, coder=coder, site_code=site_code, mask_rules=rules, cleaner_factory=cleaner_factory
    )
    schema = TableSchema.load(spec["table_schema"]) if spec["table_schema"] else None
    _WORKER.clear()
    _WORKER.update(
        spec=spec,
        ctx=ObjectContext(engine=engine, report_style=spec["report_style"], table_schema=schema),
        tmp_dir=Path(spec["out_dir"]) / ".aiminer-tmp",
    )


def _process(job: Job) -> JobResult:
    from aiminer.objects import process_object

    spec = _WORKER["spec"]
    name = Path(job.path).name
    if name in OS_METADATA_NAMES or name.startswith("._"):
        return JobResult(job.display, "rejected", None, None, "os_metadata", job.size)
    if job.size == 0:
        return JobResult(job.display, "quarantined", None, None, "empty_file", job.size)
    if job.size > spec["max_bytes"]:
        return JobResult(job.display, "quarantined", None, None, "too_large", job.size)
    tmp_dir: Path = _WORKER["tmp_dir"]
    tmp = tmp_dir / f"{secrets.token_hex(12)}.part"
    try:
        src: IO[bytes] = Path(job.path).open("rb")  # closed in the finally below
    except OSError:
        return JobResult(job.display, "rejected", None, None, "unreadable", job.size, io_error=True)
    try:
        with tmp.open("wb") as dst:
            outcome = process_object(src, dst, job.path, _WORKER["ctx"], job.folder_study, job.kind)
    except OSError:
        tmp.unlink(missing_ok=True)
        return JobResult(job.display, "quarantined", None, None, "io_error", job.size, io_error=True)
    finally:
        src.close()
    if outcome.status != "deidentified":
        tmp.unlink(missing_ok=True)
        return JobResult(job.display, outcome.status, None, None, outcome.reason, job.size, kind=outcome.kind)
    extra: dict[str, str | None] = {}
    if outcome.kind != "dicom":
        extra["linked_study"] = outcome.linked_study
    return JobResult(
        job.display,
        "deidentified",
        str(tmp),
        outcome.output,
        None,
        job.size,
        extra=extra,
        study=outcome.study,
        kind=outcome.kind,
    )


# ---------------------------------------------------------------------------------------------------------------
# parent side


def _fork_context() -> multiprocessing.context.BaseContext | None:
    try:
        return multiprocessing.get_context("fork")
    except ValueError:  # platforms without fork (Windows): the default context re-imports in each worker
        return None


def _warm_up(spec_json: str) -> None:
    """Import the engines and compile the policy and rule tables once, before the workers fork."""
    from aiminer.dicom import burnedin
    from aiminer.dicom.policy import DeidOptions, compile_policy
    from aiminer.objects import process_object  # noqa: F401 - imported for its side effect: modules loaded
    from aiminer.text.dicom_cleaner import cleaner_factory  # noqa: F401

    spec = json.loads(spec_json)
    compile_policy(DeidOptions(**spec["options"]))
    burnedin.load_mask_rules(tuple(spec["mask_rules"]))


def _spec_json(spec: RunSpec) -> str:
    data = asdict(spec)
    data["inputs"] = [str(p) for p in spec.inputs]
    data["out_dir"] = str(spec.out_dir)
    data["crosswalk"] = str(spec.crosswalk)
    data["receipt"] = str(spec.receipt) if spec.receipt else None
    data["mask_rules"] = [str(p) for p in spec.mask_rules]
    data["table_schema"] = str(spec.table_schema) if spec.table_schema else None
    return json.dumps(data)


def _jobs(spec: RunSpec, rejected: list[JobResult]) -> list[Job]:
    jobs: list[Job] = []
    for path, display in iter_inputs(spec.inputs):
        try:
            st = path.stat()
        except OSError:
            rejected.append(JobResult(display, "rejected", None, None, "unreadable", 0, io_error=True))
            continue
        if not stat.S_ISREG(st.st_mode):
            rejected.append(JobResult(display, "rejected", None, None, "not_a_regular_file", 0))
            continue
        jobs.append(Job(str(path), display, st.st_size, kind=_sniff(path)))
    return jobs


def _sniff(path: Path) -> str | None:
    """Cheap content sniff so DICOM runs first and reports can be linked to the studies in their folder."""
    from aiminer.objects import SNIFF_BYTES
    from aiminer.text.sniff import sniff

    try:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError:
        return None  # the worker reports it as unreadable
    return sniff(head, path.name) if head else None


def _with_folder_studies(jobs: list[Job], studies: dict[str, set[str]]) -> list[Job]:
    """Give each non-DICOM job the one coded study found among DICOM files in its folder (and below)."""
    out: list[Job] = []
    for job in jobs:
        folder = str(Path(job.path).parent)
        found: set[str] = set()
        for where, codes in studies.items():
            if where == folder or where.startswith(folder + os.sep):
                found |= codes
        out.append(
            Job(
                job.path,
                job.display,
                job.size,
                job.kind,
                next(iter(found)) if len(found) == 1 else None,
            )
        )
    return out


def _settle(result: JobResult, out_dir: Path, written: set[str]) -> ReceiptLine:
    """Move a worker's temporary output into its final PHI-free place (the parent does all renames)."""
    if result.status != "deidentified" or result.tmp is None or result.output is None:
        return ReceiptLine(result.display, result.status, None, result.reason, result.extra)
    if result.output in written:
        Path(result.tmp).unlink(missing_ok=True)
        return ReceiptLine(result.display, "rejected", None, "duplicate_instance", result.extra)
    final = out_dir / result.output
    final.parent.mkdir(parents=True, exist_ok=True)
    Path(result.tmp).replace(final)
    written.add(result.output)
    return ReceiptLine(result.display, "deidentified", result.output, None, result.extra)


ProgressCallback = Callable[[ReceiptLine], None]


def run(
    spec: RunSpec, on_total: Callable[[int], None] | None = None, on_done: ProgressCallback | None = None
) -> Summary:
    """De-identify every input of ``spec``; write outputs and the receipt; return the counts."""
    spec.out_dir.mkdir(parents=True, exist_ok=True)
    tmp_dir = spec.out_dir / ".aiminer-tmp"
    tmp_dir.mkdir(exist_ok=True)
    early: list[JobResult] = []
    jobs = _jobs(spec, early)
    if on_total:
        on_total(len(jobs) + len(early))
    summary = Summary()
    written: set[str] = set()
    if spec.receipt:
        spec.receipt.parent.mkdir(parents=True, exist_ok=True)
    receipt = spec.receipt.open("w", encoding="utf-8") if spec.receipt else None
    try:

        def finish(result: JobResult) -> None:
            line = _settle(result, spec.out_dir, written)
            summary.add(line, result.size)
            summary.io_errors += int(result.io_error)
            if receipt:
                receipt.write(line.to_json() + "\n")
            if on_done:
                on_done(line)

        for result in early:
            finish(result)
        spec_json = _spec_json(spec)
        studies: dict[str, set[str]] = {}

        def finish_dicom(job: Job, result: JobResult) -> None:
            if result.study and result.kind == "dicom":
                studies.setdefault(str(Path(job.path).parent), set()).add(result.study)
            finish(result)

        dicom_jobs = [j for j in jobs if j.dicom]
        other_jobs = [j for j in jobs if not j.dicom]
        if spec.workers <= 1 or len(jobs) < SMALL_RUN:
            _init_worker(spec_json)
            for job in dicom_jobs:
                finish_dicom(job, _process(job))
            for job in _with_folder_studies(other_jobs, studies):
                finish(_process(job))
        else:
            _warm_up(spec_json)
            # fork: workers inherit the imported engine and its compiled tables instead of rebuilding them
            with ProcessPoolExecutor(
                max_workers=spec.workers, initializer=_init_worker, initargs=(spec_json,), mp_context=_fork_context()
            ) as pool:
                chunk = max(1, min(32, len(jobs) // (spec.workers * 8)))
                for job, result in zip(dicom_jobs, pool.map(_process, dicom_jobs, chunksize=chunk), strict=True):
                    finish_dicom(job, result)
                for result in pool.map(_process, _with_folder_studies(other_jobs, studies), chunksize=chunk):
                    finish(result)
    finally:
        if receipt:
            receipt.close()
        for leftover in tmp_dir.glob("*.part"):
            leftover.unlink(missing_ok=True)
        try:
            tmp_dir.rmdir()
        except OSError:
            pass
    return summary
