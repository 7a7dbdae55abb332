"""Issue 5 through the command line: ``aiminer upload`` / ``aiminer status`` against the local runtime, resumable
uploads, the demo's local tour, and the moto private API the local runtime's Lambda routing depends on."""

from __future__ import annotations

import inspect
import json
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from aiminer.adapters.aws.uploader import safe_relative_path, upload_submission
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
    # (the QC line is the repository's state, never "not started" once the submission was handed over)
    assert "complete at" in output and "QC: " in output and "not started" not in output
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


def _landing_bodies(world: World) -> dict[str, bytes]:
    bucket = world.rt.names.landing
    return {k: world.s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in world.keys(bucket)}


def test_upload_never_sends_a_file_a_link_points_to_outside_the_folder(
    world: World, tmp_path: Path, wide: None
) -> None:
    # GIVEN an export with a link to a file outside it (PHI the partner never meant to send), and a link that
    # stays inside the export
    root = _export(tmp_path)
    secret = tmp_path / "outside_secret.txt"
    secret.write_text("OUTSIDE-THE-EXPORT Zebulon Quartermaine\n")
    (root / "link_outside.txt").symlink_to(secret)
    (root / "link_inside.dcm").symlink_to(root / PHI_FOLDER / "ct.dcm")
    # WHEN it is uploaded
    args = ("upload", str(root), "--project", "lung-ai", "--site", "site-1", "--endpoint-url", world.rt.endpoint)
    code, output = _invoke(*args)
    # THEN the outside file is not sent: a skipped line with its reason, counted in the summary; the rest goes
    assert code == 0, output
    assert "skipped link_outside.txt: link_outside_export" in output
    assert "uploaded 4 files" in output and "1 not sent" in output
    assert str(secret) not in output  # the link's target is never printed
    bodies = _landing_bodies(world)
    assert not any(k.endswith("link_outside.txt") for k in bodies)
    assert not any(b"OUTSIDE-THE-EXPORT" in body for body in bodies.values())
    manifest = next(json.loads(b) for k, b in bodies.items() if k.endswith("aiminer-submission.json"))
    assert "link_outside.txt" not in {f["path"] for f in manifest["files"]}
    # AND with --hide-paths the skipped line names it by the hash of the key it would have had
    code, hidden = _invoke(*args, "--hide-paths")
    assert code == 0 and "link_outside.txt" not in hidden and "link_outside_export" in hidden


def test_a_file_name_with_a_newline_gets_a_safe_key_and_the_submission_completes(
    world: World, tmp_path: Path, wide: None
) -> None:
    # GIVEN an export where one file name holds a newline and another a tab
    root = tmp_path / "export"
    root.mkdir()
    shutil.copy(get_testdata_file("CT_small.dcm"), root / "ok.dcm")
    shutil.copy(get_testdata_file("MR_small.dcm"), root / "line\nbreak.dcm")
    shutil.copy(get_testdata_file("CT_small.dcm"), root / "tab\tname.dcm")
    # WHEN it is uploaded
    code, output = _invoke(
        "upload", str(root), "--project", "lung-ai", "--site", "site-1", "--endpoint-url", world.rt.endpoint
    )
    # THEN every file went, under keys with no control character, and the submission ID is printed
    assert code == 0, output
    assert "uploaded 3 files" in output and "Traceback" not in output
    sub = SUBMISSION_RE.search(output)
    assert sub is not None
    keys = world.keys(world.rt.names.landing)
    assert len(keys) == 4 and not any(ch in k for k in keys for ch in "\n\t\r")
    assert any(re.search(r"/files/line_break~[0-9a-f]{10}\.dcm$", k) for k in keys)
    # AND the submission completes, each file with an outcome
    world.settle(3, sub.group(0))
    code, output = _invoke("status", sub.group(0), "--endpoint-url", world.rt.endpoint)
    assert code == 0, output
    assert output.count("deidentified") >= 3 and "line_break~" in output


def test_a_file_that_cannot_be_sent_is_a_failed_line_and_the_rest_is_a_submission(
    world: World, tmp_path: Path, wide: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiminer.adapters.aws import uploader

    # GIVEN an export where one file cannot be read (it vanished, or a permission)
    root = _export(tmp_path)
    real_sha = uploader.sha256_file

    def sha(path: Path, chunk: int = uploader.MIB) -> str:
        if path.name == "mr.dcm":
            raise PermissionError(13, "Permission denied", str(path))
        return real_sha(path, chunk)

    monkeypatch.setattr(uploader, "sha256_file", sha)
    # WHEN it is uploaded
    code, output = _invoke(
        "upload", str(root), "--project", "lung-ai", "--site", "site-1", "--endpoint-url", world.rt.endpoint
    )
    # THEN that file is a failed line with a PHI-free reason (exit 1), the others are a submission with a manifest
    assert code == 1, output
    assert f"failed {PHI_FOLDER}/mr.dcm: unreadable:PermissionError" in output and "1 failed" in output
    assert "Permission denied" not in output and "Traceback" not in output
    sub = SUBMISSION_RE.search(output)
    assert sub is not None
    bodies = _landing_bodies(world)
    manifest = next(json.loads(b) for k, b in bodies.items() if k.endswith("aiminer-submission.json"))
    assert sorted(f["path"] for f in manifest["files"]) == [f"{PHI_FOLDER}/ct.dcm", f"{PHI_FOLDER}/notes.dcm"]
    world.settle(2, sub.group(0))
    summary = world.submissions.get(sub.group(0), "summary")
    assert summary is not None and "completed_at" in summary


def test_an_error_that_would_fail_every_file_stops_the_upload_before_the_manifest(world: World, tmp_path: Path) -> None:
    from botocore.exceptions import ClientError

    # GIVEN an S3 client that refuses every upload (a role that may not write here)
    class Denied:
        def __init__(self, s3: object) -> None:
            self._s3 = s3

        def upload_file(self, *args: object, **kwargs: object) -> None:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "denied"}}, "PutObject")

        def __getattr__(self, name: str) -> object:
            return getattr(self._s3, name)

    # WHEN the folder is uploaded THEN the error stops it and no manifest is written (it can be resumed)
    with pytest.raises(ClientError):
        upload_submission(Denied(world.s3), world.rt.names.landing, _export(tmp_path), site="site-1", project="lung-ai")
    assert world.keys(world.rt.names.landing) == []


def test_safe_relative_path_keeps_ordinary_names_and_makes_odd_ones_safe_and_distinct() -> None:
    assert safe_relative_path("SMITH_JOHN/ct 1 (copy) #2%.dcm") == "SMITH_JOHN/ct 1 (copy) #2%.dcm"
    assert safe_relative_path("Müller/患者.dcm") == "Müller/患者.dcm"
    odd = ["a\nb.dcm", "a\rb.dcm", "a\x7fb.dcm", "a\x85b.dcm", "a\u2028b.dcm", "a\udcffb.dcm", "dir\n/x.dcm"]
    safe = [safe_relative_path(p) for p in odd]
    assert len(set(safe)) == len(odd)
    assert all(re.fullmatch(r"[^\x00-\x1f\x7f-\x9f\u2028\u2029]+", s) for s in safe)
    assert safe[0] == safe_relative_path("a\nb.dcm")  # stable: a resumed upload finds the same key
    long = safe_relative_path("d/" * 600 + "x.dcm", "site-1/lung-ai/sub-x/files/")
    assert long.startswith("_long/") and long.endswith(".dcm")


@pytest.mark.parametrize(
    ("project", "site", "hint"),
    [("lung-ai", "site-9", "--site"), ("lung-ai", "site-2", "--site"), ("no-such-project", "site-1", "--project")],
)
def test_upload_to_a_site_or_project_not_known_or_not_enrolled_is_refused_up_front(
    world: World, tmp_path: Path, wide: None, project: str, site: str, hint: str
) -> None:
    # GIVEN a site not listed in the deployment / not enrolled in the project, or a project with no record
    root = _export(tmp_path)
    # WHEN the partner uploads to it
    code, output = _invoke(
        "upload",
        str(root),
        "--project",
        project,
        "--site",
        site,
        "--wait",
        "--timeout",
        "60",
        "--endpoint-url",
        world.rt.endpoint,
    )
    # THEN it is a usage error naming the option, at once, and nothing was sent
    assert code == 2, output
    assert hint in output and "Traceback" not in output
    assert world.keys(world.rt.names.landing) == []


def test_status_and_wait_stop_when_the_whole_submission_is_refused(world: World, tmp_path: Path, wide: None) -> None:
    # GIVEN a submission from a site the deployment does not list (sent without the CLI's check): the
    # de-identify function quarantines its manifest and its file, so it will never complete
    report = world.upload(_export(tmp_path), site="site-9")
    world.settle(4, report.submission_id)
    endpoint = world.rt.endpoint
    # WHEN the partner waits for it
    started = time.monotonic()
    code, output = _invoke("status", report.submission_id, "--wait", "--timeout", "60", "--endpoint-url", endpoint)
    # THEN the wait ends at once with exit 3 and the reason, and the manifest is named as such
    assert code == 3, output
    assert time.monotonic() - started < 20
    assert "refused" in output and "site_not_enrolled" in output and "(submission manifest)" in output
    code, raw = _invoke("status", report.submission_id, "--json", "--endpoint-url", endpoint)
    doc = json.loads(raw)
    assert code == 3 and (doc["state"], doc["reason"]) == ("refused", "site_not_enrolled")
    assert {"manifest"} <= {f["kind"] for f in doc["files"]}


def test_upload_of_a_folder_with_nothing_to_send_is_refused(world: World, tmp_path: Path, wide: None) -> None:
    # GIVEN an empty folder (OS junk only)
    root = tmp_path / "empty"
    root.mkdir()
    (root / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    # WHEN it is uploaded THEN it is a usage error and no submission exists
    code, output = _invoke(
        "upload", str(root), "--project", "lung-ai", "--site", "site-1", "--endpoint-url", world.rt.endpoint
    )
    assert code == 2, output
    assert "nothing to upload" in output and SUBMISSION_RE.search(output) is None
    assert world.keys(world.rt.names.landing) == []


def _upload_into(world: World, tmp_path: Path, sub: str) -> tuple[int, str]:
    args = ("--project", "lung-ai", "--site", "site-1", "--submission", sub, "--endpoint-url", world.rt.endpoint)
    return _invoke("upload", str(_export(tmp_path)), *args)


@pytest.mark.parametrize("decision", ["released", "rejected"])
def test_upload_into_a_closed_submission_is_refused(world: World, tmp_path: Path, wide: None, decision: str) -> None:
    # GIVEN a submission the repository has closed (released or rejected)
    sub = "sub-20260101-closedtest"
    world.catalogue.set_submission("lung-ai", sub, decision)
    # WHEN the partner sends files into it
    code, output = _upload_into(world, tmp_path, sub)
    # THEN it is refused up front and nothing is sent
    assert code == 2, output
    assert f"already {decision}" in output
    assert world.keys(world.rt.names.landing) == []


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


def test_status_names_the_submission_that_holds_a_duplicate(world: World, tmp_path: Path, wide: None) -> None:
    # GIVEN an export uploaded twice as two submissions (docs/ingest.md: "its item naming the owner ... so aiminer
    # status shows it"; pipeline red team 24 found status printed neither field)
    root = _export(tmp_path)
    endpoint = world.rt.endpoint
    subs = ("sub-20260101-dupowner01", "sub-20260101-dupagain01")
    for sub in subs:
        args = ("upload", str(root), "--project", "lung-ai", "--site", "site-1", "--submission", sub)
        assert _invoke(*args, "--endpoint-url", endpoint)[0] == 0
        world.settle(3, sub)
    # WHEN the second's status is asked as data
    _, output = _invoke("status", subs[1], "--json", "--endpoint-url", endpoint)
    doc = json.loads(output[output.index("{") :])
    # THEN each duplicate names the first submission and the key it holds
    dupes = [f for f in doc["files"] if f.get("reason") == "already_in_submission"]
    assert dupes and all(f["duplicate_of"] == subs[0] and f["duplicate_key"] for f in dupes)


def test_upload_into_a_submission_under_review_is_refused(world: World, tmp_path: Path, wide: None) -> None:
    # GIVEN a submission handed over to the repository and awaiting QC or review (pipeline red team 24: an upload
    # into it printed "uploaded 1 files" while the ingest function quarantined the file as submission_closed)
    sub = "sub-20260101-reviewtest"
    world.submissions.set_summary(
        sub, {"site": "site-1", "project": "lung-ai", "inbound_manifest_key": f"lung-ai/{sub}/manifest.json"}
    )
    # WHEN the partner sends files into it
    code, output = _upload_into(world, tmp_path, sub)
    # THEN it is refused up front and nothing is sent
    assert code == 2, output
    assert "handed over to the repository" in output
    assert world.keys(world.rt.names.landing) == []
