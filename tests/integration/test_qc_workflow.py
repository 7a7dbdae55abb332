"""Issue 6 on the local runtime: the QC + approval state machine (the ASL file CDK deploys) runs on moto's Step
Functions interpreter with the real handlers (routed in-process), from a completed submission to its release or
rejection. Curators decide through ``aiminer review``."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import time
from pathlib import Path
from typing import Any

import pydicom
import pytest
from typer.testing import CliRunner

from aiminer import topology
from aiminer.adapters.aws.catalogue import CatalogueRepository
from aiminer.adapters.aws.governance_tables import AuditTable, UsageTable
from aiminer.adapters.aws.review import QUARANTINE_PREFIX, QcFiles, ReviewTokens
from aiminer.cli.main import app
from aiminer.governance import usage
from aiminer.local.poller import LocalContext
from aiminer.local.resources import ACCOUNT, REGION, notifications_topic_arn, qc_definition
from aiminer.samples import get_testdata_file
from tests.local_runtime import World

pytestmark = pytest.mark.integration

PROJECT = "lung-ai"
PLANTED_NAME = "Johnathan Smithers"


class Qc:
    """Helpers over the runtime for the QC workflow (reading state, never re-implementing it)."""

    def __init__(self, world: World) -> None:
        self.w = world
        self.rt = world.rt
        ddb = self.rt.client("dynamodb")
        self.sfn = self.rt.client("stepfunctions")
        self.tokens = ReviewTokens(ddb, self.rt.names.tables["repository:review_tokens"])
        self.catalogue = CatalogueRepository(ddb, self.rt.names.tables["repository:catalogue"])
        self.audit = AuditTable(ddb, self.rt.names.tables["repository:audit"])
        sqs = self.rt.client("sqs")
        self.spy_url = sqs.create_queue(QueueName="notifications-spy")["QueueUrl"]
        spy_arn = sqs.get_queue_attributes(QueueUrl=self.spy_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.rt.client("sns").subscribe(TopicArn=notifications_topic_arn(), Protocol="sqs", Endpoint=spy_arn)
        self.sqs = sqs

    def submit(self, tmp_path: Path, files: tuple[str, ...] = ("CT_small.dcm", "MR_small.dcm")) -> tuple[str, str]:
        """Upload real DICOM as one submission and process it; return (submission ID, QC execution ARN)."""
        root = tmp_path / "upload"
        root.mkdir()
        for name in files:
            shutil.copy(get_testdata_file(name), root / name)
        report = self.w.upload(root)
        self.w.settle(len(files), report.submission_id)
        assert len(self.rt.executions) == 1, "completing the submission starts one QC execution"
        return report.submission_id, self.rt.executions[0]

    def pending(self, submission_id: str, timeout: float = 30) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            review = self.tokens.get(submission_id)
            if review is not None:
                return review
            time.sleep(0.2)
        raise AssertionError("the workflow never asked for a review")

    def finished(self, arn: str, timeout: float = 40) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            execution = self.sfn.describe_execution(executionArn=arn)
            if execution["status"] != "RUNNING":
                return dict(execution)
            time.sleep(0.25)
        raise AssertionError("the execution did not finish in time")

    def notifications(self, want: int, timeout: float = 10) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while len(got) < want and time.monotonic() < deadline:
            for m in self.sqs.receive_message(QueueUrl=self.spy_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
                "Messages", []
            ):
                got.append(json.loads(m["Body"]))
        return got

    def cli(self, *args: str) -> Any:
        result = CliRunner().invoke(app, ["review", *args, "--endpoint-url", self.rt.endpoint, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.output) if result.output.strip() else None

    def objects(self, project: str = PROJECT) -> list[dict[str, Any]]:
        return self.w.catalogue.items(project, "object#")


@pytest.fixture
def qc(world: World) -> Qc:
    return Qc(world)


def test_clean_submission_is_reviewed_approved_and_released(qc: Qc, tmp_path: Path) -> None:
    # GIVEN a clean two-file submission that ingest completed (which started the QC execution)
    sid, arn = qc.submit(tmp_path)
    # WHEN automated QC passes, the workflow waits for a curator: the token is stored against the submission
    review = qc.pending(sid)
    assert review.passed and review.objects == 2 and review.failed == 0
    listed = qc.cli("list")
    assert [r["submission_id"] for r in listed] == [sid] and "task_token" not in json.dumps(listed)
    shown = qc.cli("show", sid)
    assert shown["verdict"] == "passed" and shown["report_url"].startswith(qc.rt.endpoint)
    assert "X-Amz-Expires=900" in shown["report_url"] or "Expires=" in shown["report_url"]
    page = qc.w.s3.get_object(Bucket=review.report_bucket, Key=review.report_key)
    html = page["Body"].read().decode()
    assert page["ContentType"].startswith("text/html") and "Ready for approval" in html
    assert html.count('src="data:image/png;base64,') == 2  # both images' thumbnails, read back from the bucket
    # AND the curator approves
    qc.cli("approve", sid, "--actor", "curator-1")
    execution = qc.finished(arn)
    # THEN the execution succeeded through Release, every object is in the released bucket, byte for byte
    assert execution["status"] == "SUCCEEDED", execution
    released = [k for k in qc.w.keys(qc.rt.names.released)]
    items = qc.objects()
    assert sorted(released) == sorted(i["key"] for i in items) and len(released) == 2
    for item in items:
        body = qc.w.s3.get_object(Bucket=qc.rt.names.released, Key=item["key"])["Body"].read()
        assert hashlib.sha256(body).hexdigest() == item["sha256"]
        assert item["status"] == "released" and item["released_by"] == "curator-1"
    # AND the catalogue says released, the audit trail records the approval, the token is gone, curators are told
    submission = qc.catalogue.submission(PROJECT, sid)
    assert submission is not None and submission["status"] == "released"
    trail = qc.audit.for_subject(f"submission#{sid}")
    assert [e.kind for e in trail].count("upload") == 1 and [e.kind for e in trail].count("deidentification") == 2
    (approval,) = [e for e in trail if e.kind == "approval"]
    assert (approval.kind, approval.actor, approval.details["decision"]) == ("approval", "curator-1", "released")
    assert qc.tokens.get(sid) is None
    messages = qc.notifications(2)
    outcomes = [json.loads(m["Message"]) for m in messages]
    assert {o.get("event") for o in outcomes} == {"review_requested", "submission_released"}
    # AND the partner's `aiminer status` says released, by whom and when
    doc = _status(qc, sid)
    assert (doc["state"], doc["decision"], doc["decided_by"]) == ("released", "released", "curator-1")
    assert doc["decided_at"]


def _planted_submission(qc: Qc, tmp_path: Path) -> tuple[str, str]:
    """A de-identified CT with a name and a full date planted in ImageComments, written straight to the inbound
    bucket with a submission manifest (as a faulty writer would; validation catalogues it)."""
    sid, _ = qc.submit(tmp_path, files=("CT_small.dcm",))
    (clean,) = qc.objects()
    ds = pydicom.dcmread(io.BytesIO(qc.w.s3.get_object(Bucket=qc.rt.names.inbound, Key=clean["key"])["Body"].read()))
    ds.ImageComments = f"Seen by Dr. {PLANTED_NAME} on 03/04/2019"
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    data = buf.getvalue()
    planted_sid = "planted-" + sid[:20]
    key = clean["key"].rsplit("/", 1)[0] + "/planted.dcm"
    qc.w.s3.put_object(Bucket=qc.rt.names.inbound, Key=key, Body=data)
    sha = hashlib.sha256(data).hexdigest()
    manifest = {
        "submission_id": planted_sid,
        "partner_id": "local",
        "project": PROJECT,
        "site": clean["site"],
        "counts": {"deidentified": 1},
        "objects": [{"key": key, "sha256": sha, "size": len(data), "kind": "dicom"}],
    }
    mkey = f"local/{PROJECT}/{clean['site']}/submissions/{planted_sid}/{topology.MANIFEST_SUFFIX}"
    qc.w.s3.put_object(Bucket=qc.rt.names.inbound, Key=mkey, Body=json.dumps(manifest).encode())
    qc.rt.drain(timeout=10)  # the manifest event starts the QC execution, as the EventBridge rule does on AWS
    assert len(qc.rt.executions) == 2
    return planted_sid, qc.rt.executions[1]


def test_planted_residual_phi_is_stopped_by_automated_qc(qc: Qc, tmp_path: Path) -> None:
    # GIVEN a submission whose object carries a planted name and date
    sid, arn = _planted_submission(qc, tmp_path)
    # WHEN its QC execution runs
    execution = qc.finished(arn)
    # THEN approval is never offered: no token, the path goes BuildQcReport -> Reject with reason qc_failed
    assert execution["status"] == "SUCCEEDED", execution
    assert qc.tokens.get(sid) is None
    history = qc.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
    assert "AwaitApproval" not in entered and entered[-2:] == ["Reject", "Notify"]
    submission = qc.catalogue.submission(PROJECT, sid)
    assert submission is not None and (submission["status"], submission["reason"]) == ("rejected", "qc_failed")
    # AND the report shows the machine-readable code, and neither it nor the notification holds the planted value
    html = qc.w.s3.get_object(Bucket=qc.rt.names.reports, Key=submission["report_key"])["Body"].read().decode()
    assert "Blocked by automated QC" in html and "residual_phi" in html and "Smithers" not in html
    outcome = next(
        json.loads(m["Message"])
        for m in qc.notifications(3)
        if json.loads(m["Message"]).get("event") == "submission_rejected"
    )
    assert outcome["reason"] == "qc_failed" and "Smithers" not in json.dumps(outcome)
    # AND the planted object moved to quarantine, tagged with the reason
    quarantined = [k for k in qc.w.keys(qc.rt.names.inbound) if k.startswith(QUARANTINE_PREFIX)]
    assert [k.rsplit("/", 1)[1] for k in quarantined] == ["planted.dcm"]
    tags = qc.w.s3.get_object_tagging(Bucket=qc.rt.names.inbound, Key=quarantined[0])["TagSet"]
    assert {"Key": "aiminer-reason", "Value": "qc_failed"} in tags
    assert qc.w.keys(qc.rt.names.released) == []


def test_curator_rejection_moves_objects_to_quarantine_with_the_reason(qc: Qc, tmp_path: Path) -> None:
    # GIVEN a clean submission awaiting review
    sid, arn = qc.submit(tmp_path)
    qc.pending(sid)
    keys = [i["key"] for i in qc.objects()]
    # WHEN the curator rejects it with a reason
    qc.cli("reject", sid, "--reason", "series incomplete", "--actor", "curator-2")
    execution = qc.finished(arn)
    # THEN the objects left the inbound prefix for quarantine/, tagged; nothing was released
    assert execution["status"] == "SUCCEEDED", execution
    inbound = qc.w.keys(qc.rt.names.inbound)
    assert sorted(k for k in inbound if k.startswith(QUARANTINE_PREFIX)) == sorted(QUARANTINE_PREFIX + k for k in keys)
    assert not set(keys) & set(inbound)
    assert qc.w.keys(qc.rt.names.released) == []
    # AND the catalogue and the audit trail carry the reviewer's reason; the partner is told
    submission = qc.catalogue.submission(PROJECT, sid)
    assert submission is not None and submission["status"] == "rejected"
    assert (submission["reason"], submission["reviewer_note"]) == ("rejected_by_reviewer", "series incomplete")
    assert {i["status"] for i in qc.objects()} == {"rejected"}
    (decision,) = [e for e in qc.audit.for_subject(f"submission#{sid}") if e.kind == "qc_decision"]
    assert (decision.kind, decision.actor, decision.details["reason"]) == (
        "qc_decision",
        "curator-2",
        "rejected_by_reviewer",
    )
    outcomes = [json.loads(m["Message"]) for m in qc.notifications(2)]
    rejected = next(o for o in outcomes if o.get("event") == "submission_rejected")
    assert rejected["partner_id"] == "local" and rejected["reviewer_note"] == "series incomplete"
    # AND the usage ledger takes their bytes out of the stored data: one `deleted` event per object, as many bytes
    # as were recorded de-identified
    ledger = UsageTable(qc.w.rt.client("dynamodb"), qc.rt.names.tables["repository:usage"]).events(PROJECT, "9999")
    added = sorted(e.bytes for e in ledger if e.kind == "deidentified")
    assert sorted(e.bytes for e in ledger if e.kind == "deleted") == added and len(added) == len(keys)
    month = next(e.at for e in ledger if e.kind == "deleted").strftime("%Y-%m")
    assert usage.aggregate(ledger, PROJECT, month).stored_bytes_end == 0
    # AND deciding again is refused: the review is no longer pending
    result = CliRunner().invoke(app, ["review", "approve", sid, "--endpoint-url", qc.rt.endpoint])
    assert result.exit_code == 4


def _status(qc: Qc, sid: str, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["status", sid, "--json", *args, "--endpoint-url", qc.rt.endpoint])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


def test_the_partner_sees_the_qc_state_the_decision_and_the_curators_reason(
    qc: Qc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    from aiminer.cli import status as status_cli

    monkeypatch.setattr(status_cli, "out", Console(width=400, soft_wrap=True))
    # GIVEN a clean submission awaiting review
    sid, arn = qc.submit(tmp_path)
    qc.pending(sid)
    # WHEN the partner asks for its status THEN it says QC passed and a review is awaited (not "not started")
    doc = _status(qc, sid)
    assert (doc["state"], doc["decision"]) == ("qc_passed", None)
    assert len(doc["files"]) == 2 and {f["status"] for f in doc["files"]} == {"deidentified"}
    assert all(f["path"] and f["key_hash"] and f["output_key"] for f in doc["files"])
    assert all("path" not in f for f in _status(qc, sid, "--hide-paths")["files"])
    # WHEN a curator rejects it without a reason, or with a blank one THEN that is a usage error; still pending
    for blank in ("", "   "):
        result = CliRunner().invoke(app, ["review", "reject", sid, "--reason", blank, "--endpoint-url", qc.rt.endpoint])
        assert result.exit_code == 2, result.output
    assert qc.tokens.get(sid) is not None
    # WHEN the curator rejects it with a reason
    qc.cli("reject", sid, "--reason", "series incomplete; please re-export", "--actor", "curator-2")
    assert qc.finished(arn)["status"] == "SUCCEEDED"
    # THEN the partner sees the decision, the reason, the curator's note, who and when (JSON and text)
    doc = _status(qc, sid)
    assert (doc["state"], doc["decision"], doc["reason"]) == ("rejected", "rejected", "rejected_by_reviewer")
    assert (doc["reviewer_note"], doc["decided_by"]) == ("series incomplete; please re-export", "curator-2")
    assert doc["decided_at"]
    result = CliRunner().invoke(app, ["status", sid, "--endpoint-url", qc.rt.endpoint])
    assert result.exit_code == 0, result.output
    assert "decision: rejected by curator-2" in result.output and "rejected_by_reviewer" in result.output
    assert "curator's note: series incomplete; please re-export" in result.output
    assert "not started" not in result.output
    # AND the closed submission takes no new files
    extra = tmp_path / "more"
    extra.mkdir()
    shutil.copy(get_testdata_file("CT_small.dcm"), extra / "more.dcm")
    upload = ["upload", str(extra), "--project", PROJECT, "--site", "site-1", "--submission", sid]
    result = CliRunner().invoke(app, [*upload, "--endpoint-url", qc.rt.endpoint])
    assert result.exit_code == 2 and "already rejected" in result.output, result.output


def _released(qc: Qc, tmp_path: Path) -> tuple[str, dict[str, dict[str, Any]]]:
    """A clean two-file submission, approved and released; returns its ID and its catalogue items by key."""
    sid, arn = qc.submit(tmp_path)
    qc.pending(sid)
    qc.cli("approve", sid, "--actor", "curator-1")
    assert qc.finished(arn)["status"] == "SUCCEEDED"
    items = {i["key"]: i for i in qc.objects()}
    assert {i["status"] for i in items.values()} == {"released"} and len(items) == 2
    return sid, items


def test_rejecting_a_reupload_never_touches_the_released_submission(qc: Qc, tmp_path: Path) -> None:
    # GIVEN a released submission
    first, items = _released(qc, tmp_path)
    released = {k: qc.w.s3.get_object(Bucket=qc.rt.names.released, Key=k)["Body"].read() for k in items}
    # AND the same export uploaded again as a new submission, with one new image
    root = tmp_path / "again"
    root.mkdir()
    for name in ("CT_small.dcm", "MR_small.dcm", "rtdose.dcm"):
        shutil.copy(get_testdata_file(name), root / name)
    second = qc.w.upload(root)
    qc.w.settle(3, second.submission_id)
    # THEN its copies of the released images are recorded as duplicates of the first, never written again
    outcomes = sorted((f["status"], f.get("reason"), f.get("duplicate_of")) for f in qc.w.files(second.submission_id))
    assert outcomes == [
        ("deidentified", None, None),
        ("rejected", "already_in_submission", first),
        ("rejected", "already_in_submission", first),
    ]
    qc.pending(second.submission_id)
    # WHEN the curator rejects the new submission
    qc.cli("reject", second.submission_id, "--reason", "duplicate upload", "--actor", "curator-2")
    assert qc.finished(qc.rt.executions[1])["status"] == "SUCCEEDED"
    # THEN only its own object was moved and rejected; the released submission's items, inbound copies and released
    # objects are as they were
    now = {i["key"]: i for i in qc.objects()}
    assert {k: now[k] for k in items} == items
    (own,) = [i for k, i in now.items() if k not in items]
    assert (own["submission_id"], own["status"]) == (second.submission_id, "rejected")
    inbound = set(qc.w.keys(qc.rt.names.inbound))
    assert set(items) <= inbound and QUARANTINE_PREFIX + own["key"] in inbound
    assert {k: qc.w.s3.get_object(Bucket=qc.rt.names.released, Key=k)["Body"].read() for k in items} == released
    submission = qc.catalogue.submission(PROJECT, first)
    assert submission is not None and submission["status"] == "released"


def test_a_manifest_naming_a_released_object_is_rejected_without_touching_it(qc: Qc, tmp_path: Path) -> None:
    # GIVEN a released submission
    first, items = _released(qc, tmp_path)
    key = sorted(items)[0]
    # AND a second inbound manifest (a faulty partner writer) that names one of its objects as its own
    data = qc.w.s3.get_object(Bucket=qc.rt.names.inbound, Key=key)["Body"].read()
    site = items[key]["site"]
    other = "again-" + first[:20]
    manifest = {
        "submission_id": other,
        "partner_id": "local",
        "project": PROJECT,
        "site": site,
        "counts": {"deidentified": 1},
        "objects": [{"key": key, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "kind": "dicom"}],
    }
    mkey = f"local/{PROJECT}/{site}/submissions/{other}/{topology.MANIFEST_SUFFIX}"
    qc.w.s3.put_object(Bucket=qc.rt.names.inbound, Key=mkey, Body=json.dumps(manifest).encode())
    qc.rt.drain(timeout=10)
    # WHEN its QC execution runs
    assert len(qc.rt.executions) == 2
    assert qc.finished(qc.rt.executions[1])["status"] == "SUCCEEDED"
    # THEN it is rejected as invalid, and the released object, its item and its inbound copy are untouched
    submission = qc.catalogue.submission(PROJECT, other)
    assert submission is not None
    assert (submission["status"], submission["reason"], submission["detail"]) == (
        "rejected",
        "manifest_invalid",
        "object_in_other_submission",
    )
    assert {i["key"]: i for i in qc.objects()} == items
    assert set(items) <= set(qc.w.keys(qc.rt.names.inbound))


def test_review_timeout_escalates_then_rejects(qc: Qc, tmp_path: Path) -> None:
    # GIVEN the same ASL rendered with a 3-second review timeout (the ReviewTimeoutSeconds substitution)
    sid, _ = qc.submit(tmp_path, files=("CT_small.dcm",))
    qc.pending(sid)
    short = qc.sfn.create_state_machine(
        name="aiminer-repository-qc-approval-short",
        definition=qc_definition(notifications_topic_arn(), review_timeout_seconds=3),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/aiminer-local",
    )["stateMachineArn"]
    summary = qc.w.submissions.get(sid, "summary")
    assert summary is not None and REGION
    # WHEN a QC execution of the submission waits for a curator who never decides
    arn = qc.sfn.start_execution(
        stateMachineArn=short,
        name=f"timeout-{sid}"[:80],
        input=json.dumps({"bucket": qc.rt.names.inbound, "key": summary["inbound_manifest_key"], "version_id": None}),
    )["executionArn"]
    execution = qc.finished(arn, timeout=30)
    # THEN the approval step timed out, curators were told (escalation), and the submission was rejected
    assert execution["status"] == "SUCCEEDED", execution
    history = qc.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
    assert entered[-4:] == ["AwaitApproval", "Escalate", "Reject", "Notify"]
    subjects = [m.get("Subject") for m in qc.notifications(4)]
    assert "AI MINER: QC review timed out" in subjects
    submission = qc.catalogue.submission(PROJECT, sid)
    assert submission is not None and (submission["status"], submission["reason"]) == ("rejected", "review_timeout")


_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    not (_ROOT / "node_modules" / "asl-validator").is_dir() or shutil.which("npx") is None,
    reason="asl-validator not installed (npm ci)",
)
def test_rendered_asl_passes_asl_validator(tmp_path: Path) -> None:
    # GIVEN the ASL file rendered the way the local runtime renders it
    path = tmp_path / "qc_approval.json"
    path.write_text(qc_definition("arn:aws:sns:us-east-1:123456789012:notifications", review_timeout_seconds=3))
    # WHEN npm's asl-validator lints it offline THEN it is valid
    import subprocess

    done = subprocess.run(
        ["npx", "--no-install", "asl-validator", "--json-path", str(path)],
        cwd=_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_qc_checks_against_the_projects_own_options(qc: Qc, tmp_path: Path) -> None:
    # GIVEN a project with Retain Longitudinal Temporal Information (expert determination), its site enrolled
    from datetime import UTC, datetime, timedelta

    from aiminer.adapters.aws.governance_tables import ProjectsTable
    from aiminer.governance.projects import Project, enroll_site
    from aiminer.local.resources import PARTNER_ID, SITES

    ddb = qc.rt.client("dynamodb")
    table = ProjectsTable(ddb, qc.rt.names.tables["repository:projects"], qc.rt.names.tables["repository:sites"])
    today = datetime.now(UTC).date()
    project = Project(
        "long-study",
        "Nodule growth over years",
        "IRB-LOCAL-2",
        today.isoformat(),
        (today + timedelta(days=30)).isoformat(),
        policy_options={"retain_longitudinal_modified_dates": True},
    )
    table.create(project)
    site = table.site(PARTNER_ID, SITES[0])
    assert site is not None
    table.put_site(enroll_site(site, PARTNER_ID, SITES[0], "long-study", site.site_code), site)
    # WHEN a CT is uploaded to it and de-identified (full dates shifted, not cut to the year)
    root = tmp_path / "upload"
    root.mkdir()
    shutil.copy(get_testdata_file("CT_small.dcm"), root / "ct.dcm")
    report = qc.w.upload(root, project="long-study")
    qc.w.settle(1, report.submission_id)
    # THEN the inbound manifest tells QC what the project promised, and QC passes the shifted dates
    submission = qc.catalogue.submission("long-study", report.submission_id)
    assert submission is not None
    manifest = json.loads(qc.w.s3.get_object(Bucket=qc.rt.names.inbound, Key=submission["manifest_key"])["Body"].read())
    assert manifest["qc_policy"] == {"longitudinal": True, "retain_safe_private": False, "surrogates": False}
    review = qc.pending(report.submission_id)
    assert review.passed and review.failed == 0


def test_no_list_of_objects_travels_in_the_workflow_state(qc: Qc, tmp_path: Path) -> None:
    # GIVEN a clean submission that reached the curator
    sid, arn = qc.submit(tmp_path)
    qc.pending(sid)
    keys = [i["key"] for i in qc.objects()]
    # THEN the state between the steps says where the validated object list is, never the list or any key
    # (Step Functions caps the state at 256 KB: the inline Map this replaced failed at about 1,000 objects)
    history = qc.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    exited = {
        e["stateExitedEventDetails"]["name"]: e["stateExitedEventDetails"]["output"]
        for e in history
        if ("stateExitedEventDetails" in e)
    }
    for name in ("ValidateManifest", "QcObjects", "BuildQcReport"):
        assert len(keys) == 2 and not any(k in exited[name] for k in keys), name
    state = json.loads(exited["BuildQcReport"])
    assert set(state["qc_run"]) == {"map_run"}
    ref = state["manifest"]["object_list"]
    assert (ref["bucket"], ref["count"]) == (qc.rt.names.reports, 2)
    listed = json.loads(qc.w.s3.get_object(Bucket=ref["bucket"], Key=ref["key"])["Body"].read())
    assert sorted(o["key"] for o in listed) == sorted(keys)
    # AND every check stored its result next to the report, where BuildQcReport read it
    results = QcFiles(qc.w.s3, qc.rt.names.reports).results("local", PROJECT, sid, keys)
    assert {k: (r or {}).get("passed") for k, r in results.items()} == dict.fromkeys(keys, True)


def test_an_object_gone_before_its_check_fails_qc_with_its_own_code(qc: Qc, tmp_path: Path) -> None:
    # GIVEN the QC check of one object whose de-identified copy is no longer in the inbound bucket
    from lambdas.qc_check_object import handler as qc_check

    sid, _ = qc.submit(tmp_path)
    qc.pending(sid)
    key = f"local/{PROJECT}/gone/{sid}/missing.dcm"
    event = {"submission_id": sid, "project": PROJECT, "object": {"key": key, "kind": "dicom", "sha256": "0" * 64}}
    # WHEN the check runs
    out = qc_check.handler(event, LocalContext("qc"))
    # THEN it does not fail the workflow (nothing to retry): it returns a failed verdict and stores the finding
    assert out["passed"] is False
    stored = QcFiles(qc.w.s3, qc.rt.names.reports).results("local", PROJECT, sid, [key])[key]
    assert stored is not None and [f["code"] for f in stored["findings"]] == ["object_unreadable"]
    assert out["result_key"].endswith(".json") and key not in out["result_key"]


@pytest.mark.slow
def test_a_submission_of_over_a_thousand_files_passes_qc_and_is_released(qc: Qc, tmp_path: Path) -> None:
    # GIVEN one submission of 1,050 reports (the inline Map failed with States.DataLimitExceeded at ~1,000)
    root = tmp_path / "upload"
    root.mkdir()
    for i in range(1050):
        (root / f"report-{i:04d}.txt").write_text(f"CT CHEST {i}\nFINDINGS: No nodule.\nIMPRESSION: Normal.\n")
    report = qc.w.upload(root)
    qc.w.settle(1050, report.submission_id, timeout=600)
    # WHEN QC runs, THEN every object is checked and the curator is asked to decide
    review = qc.pending(report.submission_id, timeout=600)
    assert (review.objects, review.failed, review.passed) == (1050, 0, True)
    html = qc.w.s3.get_object(Bucket=review.report_bucket, Key=review.report_key)["Body"].read().decode()
    assert "All objects (1050)" in html
    # AND WHEN the curator approves, THEN the release copies every object once (16 at a time) and succeeds
    qc.cli("approve", report.submission_id, "--actor", "curator-1")
    execution = qc.finished(qc.rt.executions[0], timeout=600)
    assert execution["status"] == "SUCCEEDED", execution
    items = qc.objects()
    assert len(items) == 1050 and {i["status"] for i in items} == {"released"}
    assert sorted(qc.w.keys(qc.rt.names.released)) == sorted(i["key"] for i in items)
    assert qc.w.versions(qc.rt.names.released) == 1050
