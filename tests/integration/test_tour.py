"""Issue 9: the main job's tour (``aiminer demo``) on its own local runtime, unattended and with a curator who
declines. Slow (about 30 s each): every step runs the real commands against a fresh runtime."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from rich.console import Console

from aiminer.leakcheck import scan_bytes
from aiminer.local.tour import PROJECT, run_local_tour
from aiminer.samples import make_corpus

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _console() -> Console:
    return Console(record=True, width=160, force_terminal=False)


def test_unattended_tour_runs_every_users_step_and_leaks_nothing(tmp_path: Path) -> None:
    # GIVEN a fresh work folder WHEN the tour runs with --yes
    console = _console()
    rc = run_local_tour(tmp_path, console, yes=True)
    text = console.export_text()
    # THEN it succeeds, and every user's command ran: project, enrollment, upload, review, DUA, delivery, fetch...
    assert rc == 0, text[-3000:]
    for command in (
        f"$ aiminer project create {PROJECT}",
        "$ aiminer site enroll --partner local --site site-2",
        "$ aiminer upload",
        "$ aiminer review approve",
        "$ aiminer dataset freeze",
        "$ aiminer dua create --partner pharma-x",
        "$ aiminer deliver --dua DUA-",
        "$ aiminer fetch",
        f"$ aiminer usage report --project {PROJECT}",
    ):
        assert command in text, command
    # AND the QC page is saved, the download verified, the usage report written, and nothing leaked
    page = tmp_path / "qc-report.html"
    assert page.read_text().lstrip().lower().startswith("<!doctype html")
    manifest = json.loads((tmp_path / "delivery" / "manifest.json").read_text())
    objects = manifest["objects"]
    received = [p for p in (tmp_path / "received").rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert len(objects) >= 40 and len(received) == len(objects)
    rows = list(csv.reader((tmp_path / "usage").glob("usage-*.csv").__next__().open()))
    measures = {r[2]: r for r in rows[1:] if len(r) > 4}
    assert int(measures["received"][3]) >= len(objects) and int(measures["delivered"][3]) == len(objects)
    assert int(measures["quarantined"][3]) >= 3  # the corrupt, empty, not-DICOM and burned-in files
    assert "0 of " in text and "injected PHI values found" in text and "LEAK" not in text
    assert "AI MINER tour: what happened" in text and "failed" not in text.split("AI MINER tour")[-1]
    # AND the tour's own output names no patient (its tables show coded IDs, keys and reasons only)
    corpus = make_corpus(tmp_path / "again")  # the same seed: the same injected values
    assert scan_bytes(text.encode(), corpus.phi) == set()
    assert not (tmp_path / "local" / "state.json").exists()  # its runtime stopped at the end


def test_a_curator_who_declines_stops_the_release(tmp_path: Path) -> None:
    # GIVEN a curator who answers no WHEN the tour asks for approval
    console = _console()
    asked: list[str] = []

    def decline(question: str) -> bool:
        asked.append(question)
        return False

    rc = run_local_tour(tmp_path, console, yes=False, confirm=decline)
    text = console.export_text()
    # THEN the submission is rejected, nothing is delivered, and the exit code says so
    assert rc == 3, text[-3000:]
    assert len(asked) == 1 and "Approve submission tour-" in asked[0]
    assert "$ aiminer review reject" in text and "$ aiminer deliver" not in text
    assert not (tmp_path / "delivery").exists()
