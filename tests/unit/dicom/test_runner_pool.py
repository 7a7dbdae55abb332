"""``aiminer deid`` survives a worker process that dies (the OOM killer, a crash inside a C library).

The death is real: the worker calls ``os._exit`` in the middle of a file, as a process killed by the kernel would
vanish. The runner must finish every other file, give every input exactly one receipt line, and quarantine only a
file that kills its worker again when it runs alone.
"""

from __future__ import annotations

import importlib
import json
import os
import time
from pathlib import Path

import pytest

from aiminer import runner
from aiminer.samples import Corpus


def _run(corpus: Corpus, tmp: Path, workers: int = 2) -> tuple[runner.Summary, dict[str, dict]]:
    spec = runner.RunSpec(
        inputs=(corpus.root,),
        out_dir=tmp / "out",
        project="PRJ-1",
        site="Saint Brendan",
        crosswalk=tmp / "private" / "cw.sqlite",
        receipt=tmp / "private" / "receipt.jsonl",
        workers=workers,
        table_schema=corpus.table_schema,
    )
    summary = runner.run(spec)
    lines = [json.loads(x) for x in spec.receipt.read_text().splitlines()] if spec.receipt else []
    by_input = {line["input"]: line for line in lines}
    assert len(by_input) == len(lines), "an input has more than one receipt line"
    return summary, by_input


def _dicom_victim(corpus: Corpus) -> str:
    """A DICOM file that de-identifies normally, in the middle of the run (neighbours run beside it)."""
    files = sorted(k for k, v in corpus.expected.items() if v == "deidentified" and k.endswith(".dcm"))
    return files[len(files) // 2]


def _kill_on(monkeypatch: pytest.MonkeyPatch, victim: str, once_marker: Path | None = None) -> None:
    """Make the worker that processes ``victim`` die (every time, or only the first time when a marker is given).

    Workers are forked after the patch, so they run the patched function.
    """
    real = runner._process

    def dying(job: runner.Job) -> runner.JobResult:
        if job.display == victim and os.getpid() != parent:
            if once_marker is None or not once_marker.exists():
                if once_marker is not None:
                    once_marker.touch()
                os._exit(9)
        return real(job)

    parent = os.getpid()
    monkeypatch.setattr(runner, "_process", dying)


@pytest.fixture(scope="module")
def baseline(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    return _run(corpus, tmp_path_factory.mktemp("baseline"))[1]


def test_a_file_that_kills_its_worker_every_time_is_quarantined_and_the_rest_finish(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, baseline: dict[str, dict]
) -> None:
    assert len(corpus.expected) >= runner.SMALL_RUN  # else the run would not use a pool at all
    victim = _dicom_victim(corpus)
    _kill_on(monkeypatch, victim)

    summary, lines = _run(corpus, tmp_path)

    assert set(lines) == set(baseline)  # every input, once
    assert lines[victim]["status"] == "quarantined"
    assert lines[victim]["reason"] == runner.WORKER_CRASHED
    assert lines[victim]["output"] is None
    others = {k: (v["status"], v["reason"]) for k, v in lines.items() if k != victim}
    assert others == {k: (v["status"], v["reason"]) for k, v in baseline.items() if k != victim}
    assert summary.by_reason[f"quarantined:{runner.WORKER_CRASHED}"] == 1
    written = {str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*.dcm")}
    assert written == {v["output"] for v in lines.values() if v["output"] and v["output"].endswith(".dcm")}
    assert baseline[victim]["output"] not in written
    assert not list((tmp_path / "out").glob(".aiminer-tmp*"))  # no half-written file left behind


def test_a_worker_that_dies_once_loses_nothing(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, baseline: dict[str, dict]
) -> None:
    victim = _dicom_victim(corpus)
    marker = tmp_path / "died-once"
    _kill_on(monkeypatch, victim, once_marker=marker)

    _, lines = _run(corpus, tmp_path)

    assert marker.exists()  # the worker did die
    assert {k: (v["status"], v["reason"]) for k, v in lines.items()} == {
        k: (v["status"], v["reason"]) for k, v in baseline.items()
    }
    written = {str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*.dcm")}
    assert lines[victim]["output"] in written
    # the retried file got the same coded patient and study as the files of its study folder
    folder = str(Path(victim).parent)
    siblings = {
        v["output"].rsplit("/", 2)[0]
        for k, v in lines.items()
        if k != victim and str(Path(k).parent) == folder and v["output"] and v["output"].endswith(".dcm")
    }
    assert siblings == {lines[victim]["output"].rsplit("/", 2)[0]}


def test_the_pool_survives_the_death_of_a_worker_in_every_round(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two files that kill: the second round (the rest, in a new pool) breaks too, and still all ends."""
    files = sorted(k for k, v in corpus.expected.items() if v == "deidentified" and k.endswith(".dcm"))
    victims = {files[1], files[-2]}
    real = runner._process
    parent = os.getpid()

    def dying(job: runner.Job) -> runner.JobResult:
        if job.display in victims and os.getpid() != parent:
            os._exit(9)
        return real(job)

    monkeypatch.setattr(runner, "_process", dying)

    _, lines = _run(corpus, tmp_path)

    assert {k for k, v in lines.items() if v["reason"] == runner.WORKER_CRASHED} == victims
    assert set(lines) == set(corpus.expected)


def test_results_reach_the_parent_while_the_workers_go_on(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The progress bar and the receipt move during the run, not all at the end: the last file of the first pass
    (every file goes to the workers, which hand back what is not DICOM) waits (up to 20 s) for the parent to have
    settled a first result, which it can only do if results come as batches finish."""
    settled = tmp_path / "parent-settled-a-result"
    saw = tmp_path / "last-file-saw-it"
    spec = runner.RunSpec(
        inputs=(corpus.root,),
        out_dir=tmp_path / "out",
        project="PRJ-1",
        site="Saint Brendan",
        crosswalk=tmp_path / "private" / "cw.sqlite",
        workers=2,
        table_schema=corpus.table_schema,
    )
    last = runner._jobs(spec, [])[-1].display
    real = runner._process
    parent = os.getpid()

    def waiting(job: runner.Job) -> runner.JobResult:
        if job.display == last and os.getpid() != parent:
            for _ in range(200):
                if settled.exists():
                    saw.touch()
                    break
                time.sleep(0.1)
        return real(job)

    monkeypatch.setattr(runner, "_process", waiting)
    lines: list[runner.ReceiptLine] = []

    def on_done(line: runner.ReceiptLine) -> None:
        lines.append(line)
        settled.touch()

    summary = runner.run(spec, on_done=on_done)

    assert saw.exists(), "the parent saw no result before the last file's batch had finished"
    assert summary.total == len(lines) == len(corpus.expected)


@pytest.mark.parametrize("workers", [1, 2])
def test_the_workers_sniff_and_a_sniffer_failure_costs_one_file(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """The parent lists and stats the inputs but never reads them: each worker sniffs its file's head and hands back
    what is not DICOM for the second pass. A sniffer that fails on one file (here every time it sees it) quarantines
    that file only, in the second pass, and reports are still linked to the studies of their folders."""
    sniff_module = importlib.import_module("aiminer.text.sniff")  # (aiminer.text's own ``sniff`` is the function)

    names = [Path(k).name for k in corpus.expected]
    victim = next(
        k
        for k, v in corpus.expected.items()
        if v == "deidentified" and not k.endswith(".dcm") and names.count(Path(k).name) == 1
    )
    real_sniff = sniff_module.sniff
    parent = os.getpid()
    opened_by_parent: list[str] = []
    real_open = Path.open

    def sniff(head: bytes, name: str) -> str:
        if Path(name).name == Path(victim).name:
            raise RuntimeError("a defect in the sniffer")
        return real_sniff(head, name)

    def spying_open(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if os.getpid() == parent and workers > 1 and str(self).startswith(str(corpus.root)):
            opened_by_parent.append(str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sniff_module, "sniff", sniff)
    monkeypatch.setattr(Path, "open", spying_open)

    _, lines = _run(corpus, tmp_path, workers=workers)

    assert set(lines) == set(corpus.expected)
    assert (lines[victim]["status"], lines[victim]["reason"]) == ("quarantined", "processing_error")
    assert opened_by_parent == []
    others = {k: v for k, v in lines.items() if k != victim}
    assert {k: v["status"] == "deidentified" for k, v in others.items()} == {
        k: v == "deidentified" for k, v in corpus.expected.items() if k != victim
    }
    assert any(v.get("linked_study") for v in others.values()), "no report was linked to its folder's study"


def test_a_folder_the_walk_cannot_list_gets_an_unreadable_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN an export whose sub-folder cannot be listed (root reads any folder, so the listing is made to fail)
    (tmp_path / "in" / "locked").mkdir(parents=True)
    (tmp_path / "in" / "a.dcm").write_bytes(b"x")
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    # WHEN the run lists its inputs
    spec = runner.RunSpec(
        inputs=(tmp_path / "in",), out_dir=tmp_path / "out", project="P", site="S", crosswalk=tmp_path / "cw"
    )
    early: list[runner.JobResult] = []
    jobs = runner._jobs(spec, early)
    # THEN the folder is one rejected, unreadable input (an I/O failure: exit 1), not a silent gap
    assert [j.display for j in jobs] == ["a.dcm"]
    assert [(r.display, r.status, r.reason, r.io_error) for r in early] == [("locked", "rejected", "unreadable", True)]


def test_a_killed_run_s_temporary_folder_goes_at_the_next_run_once_stale(tmp_path: Path) -> None:
    # GIVEN temporary folders of a run that was killed (dead pid, old), of one still going (live pid) and a fresh one
    out = tmp_path / "out"
    dead = out / ".aiminer-tmp-999999999-aa"
    live = out / f".aiminer-tmp-{os.getpid()}-bb"
    fresh = out / ".aiminer-tmp-999999998-cc"
    for folder in (dead, live, fresh):
        folder.mkdir(parents=True)
        (folder / "x.part").write_bytes(b"deidentified bytes")
    old = time.time() - 3600
    for folder in (dead, live):
        os.utime(folder, (old, old))
    # WHEN a run starts in that --out
    runner._remove_stale_tmp_dirs(out)
    # THEN only the dead run's old folder went
    assert not dead.exists() and live.exists() and fresh.exists()


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="reads /proc to find stray workers (Linux)")
def test_sigterm_stops_a_run_as_ctrl_c_does_leaving_no_worker_and_no_temporary_folder(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    import pydicom
    from pydicom.uid import generate_uid

    from aiminer.samples import get_testdata_file

    # GIVEN a run of 2 workers over 1,200 files (red team 23: SIGTERM killed the parent alone; its workers lived on,
    # holding the caller's pipes, and its temporary folder of .part files stayed forever)
    src = tmp_path / "in"
    src.mkdir()
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    for i in range(1200):
        ds.SOPInstanceUID = generate_uid()
        ds.save_as(src / f"{i:05d}.dcm")
    out, receipt = tmp_path / "out-sigterm-check", tmp_path / "r.jsonl"
    args = ["deid", str(src), "--out", str(out), "--project", "P", "--site", "S", "--workers", "2"]
    args += ["--crosswalk", str(tmp_path / "cw.sqlite"), "--receipt", str(receipt)]
    proc = subprocess.Popen([sys.executable, "-m", "aiminer.cli.main", *args], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (receipt.exists() and receipt.stat().st_size > 0):
        time.sleep(0.02)
    # WHEN it is sent SIGTERM in its middle
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    # THEN it exits 143 saying how to finish, its workers are gone, no temporary folder is left, and the receipt
    # holds only whole lines
    assert proc.returncode == 143, stderr
    assert "stopped (SIGTERM)" in stderr and "Traceback" not in stderr
    time.sleep(0.5)
    strays = [p for p in Path("/proc").iterdir() if p.name.isdigit() and str(out).encode() in _cmdline(p)]
    assert strays == []
    assert not list(out.glob(".aiminer-tmp*"))
    lines = receipt.read_text().splitlines()
    assert 0 < len(lines) < 1200 and all(json.loads(x)["status"] for x in lines)


def _cmdline(proc_dir: Path) -> bytes:
    try:
        return (proc_dir / "cmdline").read_bytes()
    except OSError:
        return b""
