"""Batch de-identification of files and folders: the use case behind ``aiminer deid``.

Walks the inputs, de-identifies each object in a worker process, moves outputs into place under PHI-free paths,
and writes one receipt line per input. Every input ends in exactly one of ``deidentified``, ``quarantined``
(with a machine-readable reason) or ``rejected`` (out of scope, with a reason). A bad file never stops the run.
"""

from __future__ import annotations

import ctypes
import json
import multiprocessing
import multiprocessing.context
import os
import secrets
import signal
import stat
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

#: Files that operating systems and archivers leave behind: never patient data, never uploaded.
OS_METADATA_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", "ehthumbs.db", ".directory"})
#: Objects larger than this are quarantined (``too_large``) rather than risking the run.
DEFAULT_MAX_BYTES = 8 * 1024**3
#: Runs smaller than this are done in-process: starting workers costs more than it saves.
SMALL_RUN = 16
#: Reason for a file during which a worker process died twice, the second time with the file alone in its pool.
WORKER_CRASHED = "worker_crashed"

Status = str  # "deidentified" | "quarantined" | "rejected"


class WorkerPoolError(RuntimeError):
    """The worker processes keep dying before they take any work (a broken installation, no memory at all)."""


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
    kind: str | None = None  # what the sniffer said of the file's head (None: the object's own code sniffs it)
    folder_study: str | None = None
    #: First pass: the worker sniffs the file's head and hands back what is not DICOM (JobResult.deferred), to run
    #: after every DICOM file, when the coded studies of the folders are known. Sniffing in the workers instead of
    #: in the parent before the pool starts saves the parent a serial pass over every file's head.
    dicom_pass: bool = False


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
    #: Not DICOM, handed back by a first pass (see Job.dicom_pass): what the sniffer said of it, or None when the
    #: sniffer failed (the second pass sniffs again and quarantines it).
    deferred: bool = False


def iter_inputs(inputs: tuple[Path, ...], skip: tuple[Path, ...] = ()) -> Iterator[tuple[Path, str]]:
    """Yield ``(path, display)`` for every file under ``inputs``; display is as given or relative to its folder.

    A folder's walk never enters a ``skip`` folder nor yields a ``skip`` file: the run's own ``--out``, receipt and
    crosswalk may lie inside an input, and a second run must not de-identify the first one's outputs again. A
    symbolic link to a folder is yielded as an entry, not walked (the caller rejects it): following links could loop
    or leave the export.
    """
    skip = tuple(p.resolve() for p in skip)  # a symlinked --out is known by its target's name
    for root in inputs:
        if root.is_dir():
            unlistable: list[OSError] = []
            for dirpath, dirnames, filenames in os.walk(root, onerror=unlistable.append, followlinks=False):
                # a folder that could not be listed is an entry of its own (the caller says unreadable), never a
                # silent gap in the run (red team 23: `chmod 000` on a subfolder left no receipt line)
                while unlistable:
                    yield from _unlistable(unlistable.pop(), root)
                here = Path(dirpath)
                dirnames[:] = sorted(d for d in dirnames if not _is_one_of(here / d, skip))
                links = [d for d in dirnames if (here / d).is_symlink()]  # os.walk does not enter them
                for name in sorted([*filenames, *links]):
                    full = here / name
                    if not _is_one_of(full, skip):
                        yield full, str(full.relative_to(root))
            while unlistable:
                yield from _unlistable(unlistable.pop(), root)
        else:
            yield root, str(root)


def _unlistable(exc: OSError, root: Path) -> Iterator[tuple[Path, str]]:
    if exc.filename is not None:
        folder = Path(os.fsdecode(exc.filename))
        yield folder, str(root) if folder == root else str(folder.relative_to(root))


def _is_one_of(path: Path, others: tuple[Path, ...]) -> bool:
    """Whether ``path`` is the same file or folder as one of ``others`` (compared only when the names match)."""
    for other in others:
        if path.name.casefold() == other.name.casefold():
            try:
                if path.samefile(other):
                    return True
            except OSError:
                continue
    return False


def _own_files(spec: RunSpec) -> tuple[Path, ...]:
    """What a run writes itself and never reads as an input: ``--out``, the receipt, the crosswalk and SQLite's
    side files next to it."""
    cw = spec.crosswalk
    side = tuple(cw.with_name(cw.name + suffix) for suffix in ("-wal", "-shm", "-journal"))
    return (spec.out_dir, cw, *side, *((spec.receipt,) if spec.receipt else ()))


# ---------------------------------------------------------------------------------------------------------------
# worker side: one engine per process, built once


_WORKER: dict[str, Any] = {}


class Terminated(KeyboardInterrupt):
    """The run was asked to stop (SIGTERM): it unwinds as after Ctrl-C, so the workers stop and the temporary folder
    goes, then the CLI exits 143."""


@contextmanager
def _stopping_on_sigterm() -> Iterator[None]:
    """While a run is on, SIGTERM raises :class:`Terminated` in the main thread (the default action killed the
    parent alone and left its workers and its temporary folder behind; red team 23)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _die_with_parent() -> None:
    """A worker takes SIGTERM's default again (fork copied the parent's handler) and, on Linux, is sent SIGTERM when
    its parent dies, however it dies (SIGKILL, a crash): a worker never outlives its run."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the parent's handler still stops them
            pass
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)


def _init_worker(spec_json: str, inflight: Any = None, slots: Any = None) -> None:
    from aiminer.adapters.sqlite_crosswalk import SqliteCrosswalk
    from aiminer.crosswalk import Coder
    from aiminer.dicom import burnedin
    from aiminer.dicom.engine import EngineConfig, configure_pydicom
    from aiminer.dicom.policy import DeidOptions, compile_policy
    from aiminer.objects import ObjectContext
    from aiminer.text.dicom_cleaner import cleaner_factory
    from aiminer.text.table import TableSchema

    spec = json.loads(spec_json)
    if inflight is not None:  # a pool's worker process (not the parent of a small run)
        _die_with_parent()
    configure_pydicom()
    crosswalk = SqliteCrosswalk(spec["crosswalk"])
    coder = Coder(crosswalk, spec["project"])
    site_code = coder.site(spec["site"])
    policy = compile_policy(DeidOptions(**spec["options"]))
    rules = burnedin.load_mask_rules(tuple(spec["mask_rules"]))
    # The report scrubber is the Clean Descriptors / Clean Structured Content cleaner.
    engine = EngineConfig(
        policy=policy,
        coder=coder,
        site_code=site_code,
        mask_rules=rules,
        cleaner_factory=cleaner_factory,
        site_name=spec["site"],
    )
    schema = TableSchema.load(spec["table_schema"]) if spec["table_schema"] else None
    _WORKER.clear()
    _WORKER.update(
        spec=spec,
        ctx=ObjectContext(engine=engine, report_style=spec["report_style"], table_schema=schema),
        tmp_dir=Path(spec["tmp_dir"]),
        inflight=inflight,
        slot=_claim_slot(inflight, slots),
    )


def _claim_slot(inflight: Any, slots: Any) -> int | None:
    """This worker's cell in the shared ``inflight`` array, where it notes the job it is working on."""
    if inflight is None or slots is None:
        return None
    with slots.get_lock():
        slot = int(slots.value)
        slots.value += 1
    return slot if slot < len(inflight) else None


def _process_batch(batch: Sequence[tuple[int, Job]]) -> list[JobResult]:
    """Process jobs in a worker, noting each job's index in this worker's cell while it runs.

    If the worker dies (killed for memory, a crash inside a C library), the parent reads the cell to learn which
    job was running: see :func:`_resilient_results`.
    """
    inflight: Any = _WORKER.get("inflight")
    slot: int | None = _WORKER.get("slot")
    results = []
    for index, job in batch:
        if slot is not None:
            inflight[slot] = index
        results.append(_process(job))
    if slot is not None:
        inflight[slot] = -1
    return results


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
    kind = job.kind
    try:
        if job.dicom_pass:
            kind = _sniff(src, name)
            if kind != "dicom":
                return JobResult(job.display, "deferred", None, None, None, job.size, kind=kind or "", deferred=True)
        with tmp.open("wb") as dst:
            outcome = process_object(src, dst, job.path, _WORKER["ctx"], job.folder_study, kind)
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


def _spec_json(spec: RunSpec, tmp_dir: Path) -> str:
    data = asdict(spec)
    data["tmp_dir"] = str(tmp_dir)
    data["inputs"] = [str(p) for p in spec.inputs]
    data["out_dir"] = str(spec.out_dir)
    data["crosswalk"] = str(spec.crosswalk)
    data["receipt"] = str(spec.receipt) if spec.receipt else None
    data["mask_rules"] = [str(p) for p in spec.mask_rules]
    data["table_schema"] = str(spec.table_schema) if spec.table_schema else None
    return json.dumps(data)


def _jobs(spec: RunSpec, rejected: list[JobResult]) -> list[Job]:
    jobs: list[Job] = []
    for path, display in iter_inputs(spec.inputs, skip=_own_files(spec)):
        try:
            st = path.stat()
        except OSError:
            rejected.append(JobResult(display, "rejected", None, None, "unreadable", 0, io_error=True))
            continue
        if stat.S_ISDIR(st.st_mode):
            if path.is_symlink():  # a symbolic link to a folder: not followed (see iter_inputs)
                rejected.append(JobResult(display, "rejected", None, None, "symlinked_folder", 0))
            else:  # a folder the walk could not list
                rejected.append(JobResult(display, "rejected", None, None, "unreadable", 0, io_error=True))
            continue
        if not stat.S_ISREG(st.st_mode):
            rejected.append(JobResult(display, "rejected", None, None, "not_a_regular_file", 0))
            continue
        jobs.append(Job(str(path), display, st.st_size, dicom_pass=True))
    return jobs


def _sniff(src: IO[bytes], name: str) -> str | None:
    """What the file's head is (so DICOM runs first and reports can be linked to the studies in their folder);
    None when the sniffer fails (the second pass quarantines the file). Leaves ``src`` at its start."""
    from aiminer.objects import SNIFF_BYTES
    from aiminer.text.sniff import sniff

    head = src.read(SNIFF_BYTES)
    src.seek(0)
    try:
        return sniff(head, name)
    except Exception:  # a defect in the sniffer costs this file only, in the second pass (processing_error)
        return None


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
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        Path(result.tmp).replace(final)
    except OSError:  # disk full, permissions: nothing half-written is left in place
        Path(result.tmp).unlink(missing_ok=True)
        return ReceiptLine(result.display, "quarantined", None, "io_error", result.extra)
    written.add(result.output)
    return ReceiptLine(result.display, "deidentified", result.output, None, result.extra)


@contextmanager
def _naming(path: Path | None) -> Iterator[None]:
    """Give an ``OSError`` that names no file (a failed write or close) ``path``, so the CLI can say what failed."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None:
            exc.filename = str(path)
        raise


ProgressCallback = Callable[[ReceiptLine], None]


def run(
    spec: RunSpec, on_total: Callable[[int], None] | None = None, on_done: ProgressCallback | None = None
) -> Summary:
    """De-identify every input of ``spec``; write outputs and the receipt; return the counts. SIGTERM stops it as
    Ctrl-C does (:class:`Terminated`)."""
    with _stopping_on_sigterm():
        return _run(spec, on_total, on_done)


#: The name of a run's temporary folder under --out: the prefix, the run's process ID, a random part.
_TMP_PREFIX = ".aiminer-tmp-"
#: A temporary folder left by a run that was killed (SIGKILL, power loss) goes once it is this old and its process
#: is gone: a run writing into the same --out from another machine touches its own folder more often than that.
_STALE_TMP_SECONDS = 600


def _remove_stale_tmp_dirs(out_dir: Path) -> None:
    """Remove the temporary folders of runs that died without cleaning up (their de-identified ``.part`` files,
    never PHI, would stay forever)."""
    now = time.time()
    for folder in out_dir.glob(f"{_TMP_PREFIX}*"):
        pid = folder.name[len(_TMP_PREFIX) :].split("-", 1)[0]
        try:
            if now - folder.stat().st_mtime < _STALE_TMP_SECONDS or (pid.isdigit() and _alive(int(pid))):
                continue
            for leftover in folder.glob("*.part"):
                leftover.unlink(missing_ok=True)
            folder.rmdir()
        except OSError:
            continue  # another run's, or not ours to remove: left as it is


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _run(spec: RunSpec, on_total: Callable[[int], None] | None, on_done: ProgressCallback | None) -> Summary:
    spec.out_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_tmp_dirs(spec.out_dir)
    # This run's own: other runs writing into the same --out at the same time have theirs, and none removes another's.
    tmp_dir = spec.out_dir / f"{_TMP_PREFIX}{os.getpid()}-{secrets.token_hex(8)}"
    tmp_dir.mkdir()
    early: list[JobResult] = []
    jobs = _jobs(spec, early)
    if on_total:
        on_total(len(jobs) + len(early))
    summary = Summary()
    written: set[str] = set()
    if spec.receipt:
        spec.receipt.parent.mkdir(parents=True, exist_ok=True)
    # line-buffered: a failed write surfaces at its line (and a run that stops leaves the lines it wrote)
    receipt = _open_receipt(spec.receipt) if spec.receipt else None
    try:

        def finish(result: JobResult) -> None:
            line = _settle(result, spec.out_dir, written)
            summary.add(line, result.size)
            summary.io_errors += int(result.io_error or line.reason == "io_error")
            if receipt:
                with _naming(spec.receipt):
                    receipt.write(line.to_json() + "\n")
            if on_done:
                on_done(line)

        for result in early:
            finish(result)
        spec_json = _spec_json(spec, tmp_dir)
        studies: dict[str, set[str]] = {}

        def finish_dicom(job: Job, result: JobResult) -> None:
            if result.study and result.kind == "dicom":
                studies.setdefault(str(Path(job.path).parent), set()).add(result.study)
            finish(result)

        # DICOM first (the workers sniff each file and hand back what is not DICOM), then the rest, linked to the
        # coded studies found in their folders
        other_jobs: list[Job] = []

        def first_pass(job: Job, result: JobResult) -> None:
            if result.deferred:
                other_jobs.append(Job(job.path, job.display, job.size, kind=result.kind or None))
            else:
                finish_dicom(job, result)

        if spec.workers <= 1 or len(jobs) < SMALL_RUN:
            _init_worker(spec_json)
            for job in jobs:
                first_pass(job, _process(job))
            for job in _with_folder_studies(other_jobs, studies):
                finish(_process(job))
        else:
            _warm_up(spec_json)
            chunk = max(1, min(32, len(jobs) // (spec.workers * 8)))
            for job, result in _resilient_results(jobs, spec_json, spec.workers, chunk):
                first_pass(job, result)
            others = _with_folder_studies(other_jobs, studies)
            for _, result in _resilient_results(others, spec_json, spec.workers, chunk):
                finish(result)
    finally:
        for leftover in tmp_dir.glob("*.part"):
            leftover.unlink(missing_ok=True)
        try:
            tmp_dir.rmdir()
        except OSError:
            pass
        if receipt:  # last: closing a receipt whose disk is full raises again
            with _naming(spec.receipt):
                receipt.close()
    return summary


def _open_receipt(path: Path) -> IO[str]:
    """The receipt, emptied, owner-only like the crosswalk (it lists the original files' paths), line-buffered."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # a receipt from before 2026-12-07 was made 0644
        return os.fdopen(fd, "w", encoding="utf-8", buffering=1)
    except BaseException:
        os.close(fd)
        raise


# ---------------------------------------------------------------------------------------------------------------
# worker pools that survive a worker's death


def _resilient_results(
    jobs: Sequence[Job], spec_json: str, workers: int, chunk: int
) -> Iterator[tuple[Job, JobResult]]:
    """Yield every job with its result, in a pool of ``workers`` processes, even when a worker process dies.

    Results come as their batches finish (in the order the batches were given out), so the parent moves outputs
    into place, writes receipt lines and moves the progress bar while the workers go on.

    A worker can die without an exception (the kernel's OOM killer, a crash inside a C library): the pool then
    breaks and every unfinished job fails with ``BrokenProcessPool``. The jobs that were running when it broke are
    *suspects*; the others are simply run again in a new pool. Each suspect then runs alone, in a pool of its own:
    if its worker dies again, the file is what kills it and is quarantined (:data:`WORKER_CRASHED`); otherwise it
    was an innocent neighbour (or a passing failure) and its result counts. Nothing is lost and the run goes on.
    """
    pending = list(range(len(jobs)))
    suspects: list[int] = []
    while pending or suspects:
        if pending:
            outcome = _Round()
            for index, result in _pool_round(jobs, pending, spec_json, workers, chunk, outcome):
                yield jobs[index], result
            if outcome.unfinished and not outcome.finished and not outcome.running:
                raise WorkerPoolError("the worker processes died before taking any work; see the messages above")
            suspects += sorted(outcome.running)
            pending = [i for i in outcome.unfinished if i not in outcome.running]
        for index in suspects:
            alone = _Round()
            done = list(_pool_round(jobs, [index], spec_json, 1, 1, alone))
            if done:
                yield jobs[index], done[0][1]
            else:
                job = jobs[index]
                yield job, JobResult(job.display, "quarantined", None, None, WORKER_CRASHED, job.size)
        suspects = []


@dataclass
class _Round:
    """What one pool round left behind: how many jobs finished, the indices left unfinished, and those running
    when a worker died."""

    finished: int = 0
    unfinished: list[int] = field(default_factory=list)
    running: set[int] = field(default_factory=set)


def _pool_round(
    jobs: Sequence[Job], indices: list[int], spec_json: str, workers: int, chunk: int, outcome: _Round
) -> Iterator[tuple[int, JobResult]]:
    """Run ``indices`` in a new pool, yielding each finished job's index and result as its batch completes;
    ``outcome`` gets the rest once the round is over (a batch whose worker died is unfinished, not yielded)."""
    context = _fork_context()
    ctx: Any = context if context is not None else multiprocessing
    inflight = ctx.Array("q", [-1] * workers, lock=False)
    slots = ctx.Value("i", 0)
    # fork: workers inherit the imported engine and its compiled tables instead of rebuilding them
    pool = ProcessPoolExecutor(
        max_workers=workers, initializer=_init_worker, initargs=(spec_json, inflight, slots), mp_context=context
    )
    try:
        batches = [indices[i : i + chunk] for i in range(0, len(indices), chunk)]
        futures = [pool.submit(_process_batch, [(i, jobs[i]) for i in batch]) for batch in batches]
        for batch, future in zip(batches, futures, strict=True):
            try:
                results = future.result()
            except BrokenProcessPool:
                outcome.unfinished.extend(batch)
                continue
            outcome.finished += len(batch)
            yield from zip(batch, results, strict=True)
    finally:
        # a caller that stops early (its receipt's disk is full) does not wait for the batches nobody will read
        pool.shutdown(wait=True, cancel_futures=True)
    outcome.running = {int(i) for i in inflight if i >= 0} & set(outcome.unfinished)
