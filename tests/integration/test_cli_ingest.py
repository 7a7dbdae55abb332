"""Issue 5 through the command line: ``aiminer upload`` / ``aiminer status`` against the local runtime, resumable
uploads, the demo's local tour, and the moto private API the local runtime's Lambda routing depends on."""

from __future__ import annotations

import inspect
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from aiminer.cli import status as status_cli
from aiminer.cli import upload as upload_cli
from aiminer.cli.main import app
from aiminer.local.runtime import LocalRuntime
from aiminer.samples import get_testdata_file
from tests.local_runtime import World

pytestmark = pytest.mark.integration

SUBMISSION_RE = re.compile(r"sub-\d{8}-[0-9a-f]{10}")
PHI_FOLDER = "SMITH_JOHN_12345678"


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wide consoles, so table cells are not folded across lines in the captured output."""
    for module in (status_cli, upload_cli):
        monkeypatch.setattr(module, "out", Console(width=400, soft_wrap=True))
        monkeypatch.setattr(module, "err", Console(width=400, stderr=True))


@pytest.fixture
def pollers(rt: LocalRuntime) -> Iterator[LocalRuntime]:
    """The runtime's pollers in background threads, as ``aiminer local up`` runs them (for ``--wait``)."""
    assert rt.deidentify is not None and rt.manifests is not None
    rt.deidentify.start()
    rt.manifests.start()
    yield rt
    rt.deidentify.stop()
    rt.manifests.stop()


def _export(tmp_path: Path) -> Path:
    root = tmp_path / "export"
    folder = root / PHI_FOLDER
    folder.mkdir(parents=True)
    shutil.copy(get_testdata_file("CT_small.dcm"), folder / "ct.dcm")
    shutil.copy(get_testdata_file("MR_small.dcm"), folder / "mr.dcm")
    (folder / "notes.dcm").write_bytes(b"%PDF-1.4 not an image\n")
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    return root


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_upload_then_status_shows_every_outcome_and_hides_paths_on_request(
    world: World, tmp_path: Path, wide: None
) -> None:
    # GIVEN a folder named after a patient with two DICOM files, a PDF named .dcm and OS junk
    root = _export(tmp_path)
    endpoint = world.rt.endpoint
    # WHEN it is uploaded with the CLI
    code, output = _invoke("upload", str(root), "--project", "lung-ai", "--site", "site-1", "--endpoint-url", endpoint)
    # THEN three files went (the junk did not) and a submission ID is printed
    assert code == 0, output
    assert "uploaded 3 files" in output and "1 OS junk" in output
    submission = SUBMISSION_RE.search(output)
    assert submission is not None
    sub = submission.group(0)
    # AND before processing, status says the submission is not complete (exit 1, or 4 while nothing is known)
    code, _ = _invoke("status", sub, "--endpoint-url", endpoint)
    assert code in (1, 4)
    # WHEN the landing events are processed
    world.settle(3, sub)
    code, output = _invoke("status", sub, "--endpoint-url", endpoint)
    # THEN the table lists every file with its outcome, reason and PHI-free output key, and the submission is complete
    assert code == 0, output
    assert output.count("deidentified") >= 2 and "not_dicom" in output and "quarantined" in output
    assert f"{PHI_FOLDER}/ct.dcm" in output  # the partner zone shows the partner's own paths
    keys = [i["key"] for i in world.catalogue.items("lung-ai", "object#")]
    assert len(keys) == 2 and all(k in output for k in keys)
    assert "complete at" in output and "QC execution:" in output
    # AND with --hide-paths no original path is printed at all: key hashes name the files
    code, hidden = _invoke("status", sub, "--hide-paths", "--endpoint-url", endpoint)
    assert code == 0
    assert "SMITH" not in hidden and "ct.dcm" not in hidden and "notes" not in hidden
    assert all(k in hidden for k in keys)


def test_upload_wait_prints_the_status_table_once_complete(pollers: LocalRuntime, tmp_path: Path, wide: None) -> None:
    # GIVEN the runtime processing uploads in the background (as `aiminer local up` does)
    root = _export(tmp_path)
    # WHEN uploading with --wait
    code, output = _invoke(
        "upload",
        str(root),
        "--project",
        "lung-ai",
        "--site",
        "site-1",
        "--wait",
        "--timeout",
        "60",
        "--endpoint-url",
        pollers.endpoint,
    )
    # THEN the command returns only once the submission is complete, with the table
    assert code == 0, output
    assert "complete at" in output and "not_dicom" in output
    assert "3 expected; 2 deidentified, 1 quarantined" in output


def test_a_second_upload_resumes_skipping_files_already_uploaded(world: World, tmp_path: Path, wide: None) -> None:
    # GIVEN an upload with a chosen submission ID, then one of its landing objects lost (an interrupted upload)
    root = _export(tmp_path)
    endpoint, sub = world.rt.endpoint, "sub-20260101-resumetest"
    args = ("upload", str(root), "--project", "lung-ai", "--site", "site-1", "--submission", sub)
    code, output = _invoke(*args, "--endpoint-url", endpoint)
    assert code == 0 and "uploaded 3 files" in output
    prefix = f"site-1/lung-ai/{sub}/files/"
    world.s3.delete_object(Bucket=world.rt.names.landing, Key=f"{prefix}{PHI_FOLDER}/mr.dcm")
    # WHEN the same command runs again
    code, output = _invoke(*args, "--endpoint-url", endpoint)
    # THEN only the missing file is sent; the others are skipped (their objects exist, with the same size)
    assert code == 0, output
    assert "uploaded 1 files" in output and "skipped 2 already uploaded" in output
    # AND a third run sends nothing
    code, output = _invoke(*args, "--endpoint-url", endpoint)
    assert "uploaded 0 files" in output and "skipped 3 already uploaded" in output
    # AND the submission still completes with each file counted once
    world.settle(3, sub)
    summary = world.submissions.get(sub, "summary")
    assert summary is not None and int(summary["accounted"]) == 3 and "completed_at" in summary


def test_status_of_an_unknown_submission_exits_4(world: World) -> None:
    code, _ = _invoke("status", "sub-20990101-0000000000", "--endpoint-url", world.rt.endpoint)
    assert code == 4


def test_moto_lambda_invoke_signature_is_the_one_the_local_runtime_routes() -> None:
    """moto runs no Lambda code without Docker; ``aiminer.local.lambda_router`` replaces moto's *private*
    ``LambdaBackend.invoke`` to route Step Functions' Lambda tasks to the in-process handlers."""
    import moto
    from moto.awslambda.models import LambdaBackend

    from aiminer.local import lambda_router

    params = tuple(inspect.signature(LambdaBackend.invoke).parameters)
    assert params == lambda_router.PINNED_SIGNATURE, (
        f"moto {moto.__version__} changed LambdaBackend.invoke to {params} (pinned: "
        f"{lambda_router.PINNED_SIGNATURE}). The local runtime's Lambda routing (aiminer/local/lambda_router.py) "
        "must be re-checked against moto's new invoke path before this pin is updated."
    )
