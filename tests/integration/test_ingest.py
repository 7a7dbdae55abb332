"""Issue 5 on the local runtime: landing bucket -> SQS -> the real de-identify handler -> inbound/quarantine."""

from __future__ import annotations

import dataclasses
import importlib
import json
import re
import shutil
import time
from pathlib import Path

import pytest

from aiminer.adapters.aws.governance_tables import AuditTable, ProjectsTable, UsageTable
from aiminer.adapters.aws.submissions import key_hash
from aiminer.governance.usage import aggregate
from aiminer.leakcheck import scan_bytes
from aiminer.local.resources import EXPIRED_PROJECT
from aiminer.samples import get_testdata_file, make_corpus
from tests.local_runtime import World

pytestmark = pytest.mark.integration


def _study(tmp_path: Path) -> Path:
    root = tmp_path / "upload"
    (root / "study").mkdir(parents=True)
    shutil.copy(get_testdata_file("CT_small.dcm"), root / "study" / "ct.dcm")
    shutil.copy(get_testdata_file("MR_small.dcm"), root / "study" / "mr.dcm")
    return root


def test_upload_writes_deidentified_objects_catalogue_items_and_starts_qc(world: World, tmp_path: Path) -> None:
    # GIVEN two DICOM files uploaded as one submission to an active project at an enrolled site
    report = world.upload(_study(tmp_path))
    # WHEN the landing events are processed
    world.settle(2, report.submission_id)
    # THEN both are in the inbound bucket under PHI-free keys below the partner's prefix, each with a catalogue item
    inbound = [k for k in world.keys(world.rt.names.inbound) if k.endswith(".dcm")]
    assert len(inbound) == 2
    assert all(k.startswith("local/lung-ai/S-") for k in inbound)
    items = {i["key"]: i for i in world.catalogue.items("lung-ai", "object#")}
    assert set(items) == set(inbound)
    ct = next(i for i in items.values() if i["modality"] == "CT")
    assert ct["status"] == "deidentified" and ct["patient"].startswith("P-") and ct["study"].startswith("ST-")
    assert len(ct["sha256"]) == 64 and int(ct["size"]) > 0 and ct["policy_id"] and ct["year"]
    body = world.s3.get_object(Bucket=world.rt.names.inbound, Key=ct["key"])["Body"].read()
    import hashlib

    assert hashlib.sha256(body).hexdigest() == ct["sha256"]
    # AND the submission is complete: its PHI-free manifest is in the inbound bucket and a QC execution started
    summary = world.submissions.get(report.submission_id, "summary")
    assert summary is not None and "completed_at" in summary and int(summary["deidentified"]) == 2
    manifest = json.loads(
        world.s3.get_object(Bucket=world.rt.names.inbound, Key=summary["inbound_manifest_key"])["Body"].read()
    )
    assert sorted(o["key"] for o in manifest["objects"]) == sorted(inbound)
    assert len(world.rt.executions) == 1
    sfn = world.rt.client("stepfunctions")
    execution = sfn.describe_execution(executionArn=world.rt.executions[0])
    assert json.loads(execution["input"])["key"] == summary["inbound_manifest_key"]
    # AND the landing objects are tagged for expiry
    first = f"{report.manifest_key.rsplit('/', 1)[0]}/files/study/ct.dcm"
    tags = world.s3.get_object_tagging(Bucket=world.rt.names.landing, Key=first)["TagSet"]
    assert {"Key": "aiminer-processed", "Value": "true"} in tags


def test_wrong_type_and_corrupt_files_are_quarantined_with_reasons_under_phi_free_keys(
    world: World, tmp_path: Path
) -> None:
    # GIVEN a submission with a PDF named .dcm, a truncated DICOM and an empty file, all named after a patient
    root = tmp_path / "upload" / "SMITH_JOHN_12345678"
    root.mkdir(parents=True)
    (root / "notes.dcm").write_bytes(b"%PDF-1.4 not an image\n")
    shutil.copy(get_testdata_file("MR_truncated.dcm"), root / "SMITH_truncated.dcm")
    (root / "empty.dcm").write_bytes(b"")
    # WHEN processed
    report = world.upload(root.parent)
    world.settle(3, report.submission_id)
    # THEN each is quarantined with a machine-readable reason; nothing reaches the inbound bucket
    reasons = {f["relative_path"]: (f["status"], f["reason"]) for f in world.files(report.submission_id)}
    assert reasons == {
        "SMITH_JOHN_12345678/notes.dcm": ("quarantined", "not_dicom"),
        "SMITH_JOHN_12345678/SMITH_truncated.dcm": ("quarantined", "truncated"),
        "SMITH_JOHN_12345678/empty.dcm": ("quarantined", "empty_file"),
    }
    assert [k for k in world.keys(world.rt.names.inbound) if not k.endswith("manifest.json")] == []
    # AND the quarantine keys are <project>/<site>/<sha256 of the landing key>, with no trace of the file names
    quarantine = world.keys(world.rt.names.quarantine)
    prefix = report.manifest_key.rsplit("/", 1)[0]
    expected = {f"lung-ai/site-1/{key_hash(f'{prefix}/files/{rel}')}" for rel in reasons}
    assert set(quarantine) == expected
    assert "SMITH" not in " ".join(quarantine)


def test_expired_project_quarantines_every_file(world: World, tmp_path: Path) -> None:
    # GIVEN a project whose IRB approval expired yesterday
    # WHEN a study is uploaded to it
    report = world.upload(_study(tmp_path), project=EXPIRED_PROJECT)
    world.settle(2, report.submission_id)
    # THEN nothing is de-identified and every file is quarantined as project_expired
    assert {(f["status"], f["reason"]) for f in world.files(report.submission_id)} == {
        ("quarantined", "project_expired")
    }
    assert world.keys(world.rt.names.inbound) == [] or all(
        k.endswith("manifest.json") for k in world.keys(world.rt.names.inbound)
    )
    assert world.catalogue.items(EXPIRED_PROJECT, "object#") == []


def test_site_not_enrolled_is_quarantined(world: World, tmp_path: Path) -> None:
    # GIVEN site-2, one of the partner's sites but enrolled in no project
    report = world.upload(_study(tmp_path), site="site-2")
    # WHEN processed THEN every file is quarantined as site_not_enrolled
    world.settle(2, report.submission_id)
    assert {f["reason"] for f in world.files(report.submission_id)} == {"site_not_enrolled"}


def test_the_same_event_twice_gives_one_object_and_one_item(world: World, tmp_path: Path) -> None:
    # GIVEN the S3 event of one uploaded file, captured from the queue and sent twice more (a replay)
    root = tmp_path / "upload"
    root.mkdir()
    shutil.copy(get_testdata_file("CT_small.dcm"), root / "ct.dcm")
    report = world.upload(root)
    sqs = world.rt.client("sqs")
    url = sqs.get_queue_url(QueueName=world.rt.names.queue)["QueueUrl"]
    import time

    bodies: list[str] = []
    deadline = time.monotonic() + 20
    while not (any("ct.dcm" in b for b in bodies) and any("aiminer-submission.json" in b for b in bodies)):
        assert time.monotonic() < deadline, "the landing events did not arrive"
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            bodies.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    file_event = next(b for b in bodies if "ct.dcm" in b)
    for body in (*bodies, file_event, file_event):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    # WHEN all of them are processed
    world.settle(1, report.submission_id)
    # THEN one de-identified object (one version), one catalogue item, the file counted once, one QC execution
    inbound = [k for k in world.keys(world.rt.names.inbound) if k.endswith(".dcm")]
    assert len(inbound) == 1
    assert world.versions(world.rt.names.inbound) == 2  # the object and the submission manifest, once each
    assert len(world.catalogue.items("lung-ai", "object#")) == 1
    summary = world.submissions.get(report.submission_id, "summary")
    assert summary is not None and int(summary["accounted"]) == 1
    assert len(set(world.rt.executions)) == 1
    assert world.rt.deidentify is not None and world.rt.deidentify.stats.messages >= len(bodies) + 2
    # AND the usage ledger and the audit trail counted the file once
    assert sorted(e.kind for e in _usage(world).events("lung-ai", "9999")) == ["deidentified", "received"]
    assert sorted(e.kind for e in _audit(world).for_subject(f"submission#{report.submission_id}")) == [
        "deidentification",
        "upload",
    ]


def _usage(world: World) -> UsageTable:
    return UsageTable(world.rt.client("dynamodb"), world.rt.names.tables["repository:usage"])


def _audit(world: World) -> AuditTable:
    return AuditTable(world.rt.client("dynamodb"), world.rt.names.tables["repository:audit"])


def test_every_outcome_is_audited_and_metered_under_the_enrolled_site_code(world: World, tmp_path: Path) -> None:
    # GIVEN a submission of two DICOM files and a truncated one, named after the patient
    root = _study(tmp_path)
    shutil.copy(get_testdata_file("MR_truncated.dcm"), root / "study" / "SMITH_JOHN.dcm")
    sizes = sorted(p.stat().st_size for p in (root / "study").iterdir())
    # WHEN processed
    report = world.upload(root)
    world.settle(3, report.submission_id)
    # THEN the usage ledger has what was received, de-identified and quarantined, with the sizes
    events = _usage(world).events("lung-ai", "9999")
    by_kind: dict[str, list[int]] = {}
    for ev in events:
        assert ev.objects == 1
        by_kind.setdefault(ev.kind, []).append(ev.bytes)
    assert sorted(by_kind["received"]) == sizes
    assert len(by_kind["deidentified"]) == 2 and all(b > 0 for b in by_kind["deidentified"])
    assert by_kind["quarantined"] == [(root / "study" / "SMITH_JOHN.dcm").stat().st_size]
    # AND the usage report of this month adds them up
    month = events[0].at.strftime("%Y-%m")
    summary = aggregate(events, "lung-ai", month)
    assert (summary.received_objects, summary.deidentified_objects, summary.quarantined_objects) == (3, 2, 1)
    assert summary.stored_bytes_end == sum(by_kind["deidentified"])
    # AND the audit trail has the upload and one entry per object, naming files only by the hash of their key
    trail = _audit(world).for_subject(f"submission#{report.submission_id}")
    assert sorted(e.kind for e in trail) == ["deidentification", "deidentification", "quarantine", "upload"]
    quarantine = next(e for e in trail if e.kind == "quarantine")
    assert quarantine.details["reason"] == "truncated" and len(quarantine.details["file"]) == 64
    assert all(e.actor == "local/deidentify_object" for e in trail)
    assert "SMITH" not in json.dumps([e.to_record() for e in trail], default=str)
    # AND objects carry the site code assigned at enrollment (what `catalogue search --site` looks for)
    enrolled = ProjectsTable(
        world.rt.client("dynamodb"),
        world.rt.names.tables["repository:projects"],
        world.rt.names.tables["repository:sites"],
    ).site("local", "site-1")
    assert enrolled is not None and enrolled.site_code.startswith("S-")
    items = world.catalogue.items("lung-ai", "object#")
    assert {i["site"] for i in items} == {enrolled.site_code}
    assert all(i["key"].startswith(f"local/lung-ai/{enrolled.site_code}/") for i in items)
    upload = next(e for e in trail if e.kind == "upload")
    assert upload.details["site"] == enrolled.site_code and upload.details["files"] == 3


def test_a_crash_mid_batch_is_redelivered_without_loss_or_duplicates(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN five files in one batch, and an inbound write that fails once on the third object
    root = tmp_path / "upload"
    root.mkdir()
    for i, name in enumerate(("CT_small.dcm", "MR_small.dcm", "rtstruct.dcm", "rtdose.dcm", "rtplan.dcm")):
        shutil.copy(get_testdata_file(name), root / f"{i}.dcm")
    from lambdas.deidentify_object import handler

    store = handler.ingest.a.store
    real_put = store.put_stream
    calls = {"n": 0}

    def flaky_put(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 3:
            raise ConnectionError("simulated crash while writing")
        return real_put(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "put_stream", flaky_put)
    # WHEN the batch is processed and the failed record is redelivered after the visibility timeout
    report = world.upload(root)
    world.settle(5, report.submission_id)
    # THEN the handler reported exactly one batch item failure, and every file ended de-identified exactly once
    assert world.rt.deidentify is not None and world.rt.deidentify.stats.failures == 1
    assert calls["n"] == 6
    assert {f["status"] for f in world.files(report.submission_id)} == {"deidentified"}
    assert len([k for k in world.keys(world.rt.names.inbound) if k.endswith(".dcm")]) == 5
    assert world.versions(world.rt.names.inbound) == 6  # five objects + the submission manifest
    assert len(world.catalogue.items("lung-ai", "object#")) == 5
    summary = world.submissions.get(report.submission_id, "summary")
    assert summary is not None and int(summary["accounted"]) == 5 and "completed_at" in summary


def test_logs_carry_no_phi_from_the_corpus(
    world: World, tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN the sample corpus with synthetic PHI in headers, file names, reports and tables, and every log line
    # of the handler's Powertools logger (JSON, as CloudWatch receives it) and of every other logger captured
    import io
    import logging

    from lambdas.shared.observability import logger

    corpus = make_corpus(tmp_path / "corpus", patients=2, studies_per_patient=1)
    buf = io.StringIO()
    json_lines = logging.StreamHandler(buf)
    json_lines.setFormatter(logger.registered_formatter)
    logger.addHandler(json_lines)
    caplog.set_level(logging.INFO)
    # WHEN it is uploaded and processed
    try:
        report = world.upload(corpus.root)
        world.settle(len(report.uploaded), report.submission_id)
    finally:
        logger.removeHandler(json_lines)
    captured = capfd.readouterr()
    out = buf.getvalue()
    err = captured.out + captured.err + "\n".join(r.getMessage() for r in caplog.records)
    # THEN the handler logged structured JSON lines with key hashes, and no injected PHI value appears anywhere
    lines = [json.loads(line) for line in out.splitlines() if line.startswith('{"level"')]
    processed = [line for line in lines if line.get("message") == "object processed"]
    assert len(processed) == len(report.uploaded) + 1  # every file and the manifest
    assert all(len(line["key_hash"]) == 64 and line["correlation_id"] for line in processed)
    assert scan_bytes((out + err).encode(), corpus.phi) == set()
    assert scan_bytes((out + err).encode(), {p.last for p in corpus.patients}) == set()


def test_completion_that_fails_after_its_claim_is_finished_on_redelivery(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a submission whose completion (publishing the PHI-free manifest) fails once, after it was claimed
    root = tmp_path / "upload"
    root.mkdir()
    shutil.copy(get_testdata_file("CT_small.dcm"), root / "ct.dcm")
    from lambdas.deidentify_object import handler

    real_complete = handler.ingest.complete_submission
    calls = {"n": 0}

    def flaky_complete(parsed: object) -> str:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("simulated crash while publishing")
        return real_complete(parsed)  # type: ignore[arg-type]

    monkeypatch.setattr(handler.ingest, "complete_submission", flaky_complete)
    # WHEN the events are processed and the failed record is redelivered
    report = world.upload(root)
    world.settle(1, report.submission_id)
    deadline = time.monotonic() + 30
    while world.submissions.get(report.submission_id, "summary").get("inbound_manifest_key") is None:  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the submission was never published"
        world.rt.drain(timeout=5)
        assert world.rt.deidentify is not None
        world.rt.deidentify.poll_once(wait=1)
    # THEN the second attempt published it: exactly one inbound manifest and one QC execution
    assert calls["n"] == 2
    assert len([k for k in world.keys(world.rt.names.inbound) if k.endswith("manifest.json")]) == 1
    assert len(set(world.rt.executions)) == 1


def test_a_table_is_deidentified_with_the_projects_schema_and_quarantined_without(world: World, tmp_path: Path) -> None:
    # GIVEN an outcomes table with PHI, uploaded once before and once after the project records its column roles
    root = tmp_path / "upload"
    root.mkdir()
    (root / "outcomes.csv").write_text(
        "mrn,exam_date,notes,outcome\n00123456,2021-01-05,Seen by Dr. Okafor; pt John Smith doing well,stable\n"
    )
    first = world.upload(root)
    world.settle(1, first.submission_id)
    assert [(f["status"], f["reason"]) for f in world.files(first.submission_id)] == [
        ("quarantined", "no_table_schema")
    ]
    projects = ProjectsTable(
        world.rt.client("dynamodb"),
        world.rt.names.tables["repository:projects"],
        world.rt.names.tables["repository:sites"],
    )
    project = projects.get("lung-ai")
    assert project is not None
    schema = {"issuer": "MERCY", "columns": {"mrn": "patient_id", "exam_date": "date", "notes": "free_text"}}
    schema["columns"]["outcome"] = "keep"
    projects.replace(dataclasses.replace(project, table_schema=schema).validate(), expected_irb_status="approved")
    # (a new container reads it at once; a running one within CONTEXT_TTL_SECONDS: here, forget the cache)
    importlib.import_module("lambdas.deidentify_object.handler").ingest.clear_cache()
    # WHEN it is uploaded again
    second = world.upload(root)
    world.settle(1, second.submission_id)
    # THEN it is de-identified: coded patient, year only, scrubbed notes, the outcome kept
    (item,) = [i for i in world.catalogue.items("lung-ai", "object#") if i["kind"] == "table"]
    body = world.s3.get_object(Bucket=world.rt.names.inbound, Key=item["key"])["Body"].read().decode()
    assert "00123456" not in body and "Okafor" not in body and "Smith" not in body and "2021-01-05" not in body
    assert ",2021," in body and "stable" in body and re.search(r"^P-[0-9A-Z]{10},", body.splitlines()[1])


def _finished(world: World, timeout: float = 40) -> None:
    """Wait until every QC execution started so far has ended or waits for a curator."""
    sfn = world.rt.client("stepfunctions")
    deadline = time.monotonic() + timeout
    for arn in list(world.rt.executions):
        while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
            entered = [
                e["stateEnteredEventDetails"]["name"]
                for e in sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
                if "stateEnteredEventDetails" in e
            ]
            if entered and entered[-1] == "AwaitApproval":
                break
            assert time.monotonic() < deadline, "a QC execution did not finish in time"
            time.sleep(0.25)


def test_the_same_image_twice_in_one_upload_is_one_object_and_one_duplicate(world: World, tmp_path: Path) -> None:
    # GIVEN one upload holding the same image under two names (identical bytes: one SOP instance)
    root = tmp_path / "upload"
    root.mkdir()
    shutil.copy(get_testdata_file("CT_small.dcm"), root / "dup_a.dcm")
    shutil.copy(get_testdata_file("CT_small.dcm"), root / "dup_b.dcm")
    shutil.copy(get_testdata_file("MR_small.dcm"), root / "other.dcm")
    # WHEN it is processed
    report = world.upload(root)
    world.settle(3, report.submission_id)
    # THEN one of the two is de-identified and the other rejected as duplicate_instance, never written over it
    outcomes = {f["relative_path"]: (f["status"], f.get("reason")) for f in world.files(report.submission_id)}
    assert outcomes["other.dcm"] == ("deidentified", None)
    assert sorted([outcomes["dup_a.dcm"], outcomes["dup_b.dcm"]]) == [
        ("deidentified", None),
        ("rejected", "duplicate_instance"),
    ]
    dicom = [k for k in world.keys(world.rt.names.inbound) if k.endswith(".dcm")]
    assert len(dicom) == 2
    assert world.versions(world.rt.names.inbound) == 3  # two objects and the manifest, one version each
    summary = world.submissions.get(report.submission_id, "summary")
    assert summary is not None and int(summary["deidentified"]) == 2 and int(summary["rejected"]) == 1
    assert len(world.catalogue.items("lung-ai", "object#")) == 2


def test_a_reupload_as_a_new_submission_overwrites_nothing_and_is_recorded_as_a_duplicate(
    world: World, tmp_path: Path
) -> None:
    # GIVEN a processed submission
    root = _study(tmp_path)
    first = world.upload(root)
    world.settle(2, first.submission_id)
    _finished(world)
    versions = world.versions(world.rt.names.inbound)
    items = {i["key"]: i for i in world.catalogue.items("lung-ai", "object#")}
    assert {i["submission_id"] for i in items.values()} == {first.submission_id}
    # WHEN the same export is uploaded again as a new submission
    second = world.upload(root)
    assert second.submission_id != first.submission_id
    world.settle(2, second.submission_id)
    _finished(world)
    # THEN each of its files is recorded as a duplicate of the first submission's object, with a reason code
    files = world.files(second.submission_id)
    assert {(f["status"], f["reason"], f.get("duplicate_of")) for f in files} == {
        ("rejected", "already_in_submission", first.submission_id)
    }
    assert {f["duplicate_key"] for f in files} == set(items)
    # AND nothing of the first changed: no new object version, the catalogue items still its own and as they were
    # (the second submission, with nothing de-identified, was rejected without touching them)
    assert world.versions(world.rt.names.inbound) == versions + 1  # only the second submission's manifest
    after = {i["key"]: i for i in world.catalogue.items("lung-ai", "object#")}
    assert after == items
    assert set(items) <= set(world.keys(world.rt.names.inbound))


def test_a_file_sent_into_a_published_submission_is_quarantined_as_submission_closed(
    world: World, tmp_path: Path
) -> None:
    # GIVEN a submission that was completed and went to QC
    root = tmp_path / "upload"
    root.mkdir()
    (root / "R1.txt").write_text("CT chest for Jane Roe: no acute findings.\n")
    shutil.copy(get_testdata_file("CT_small.dcm"), root / "ct.dcm")
    report = world.upload(root)
    world.settle(2, report.submission_id)
    _finished(world)
    inbound_versions = world.versions(world.rt.names.inbound)
    files_before = {f["item"]: f for f in world.files(report.submission_id)}
    summary_before = world.submissions.get(report.submission_id, "summary")
    # WHEN a changed report and a new file are put into it (any S3 client, as a partner could)
    prefix = report.manifest_key.rsplit("/", 1)[0]
    changed, added = f"{prefix}/files/R1.txt", f"{prefix}/files/late.txt"
    world.s3.put_object(Bucket=world.rt.names.landing, Key=changed, Body=b"CT chest: a nodule after all.\n")
    world.s3.put_object(Bucket=world.rt.names.landing, Key=added, Body=b"An addendum.\n")
    world.rt.drain(timeout=10)
    # THEN neither is processed into it: both are in quarantine under submission_closed/, nothing reached the
    # repository, and the submission's record is as it was
    quarantine = world.keys(world.rt.names.quarantine)
    assert {f"lung-ai/site-1/submission_closed/{key_hash(k)}" for k in (changed, added)} <= set(quarantine)
    assert world.versions(world.rt.names.inbound) == inbound_versions
    assert {f["item"]: f for f in world.files(report.submission_id)} == files_before
    summary = world.submissions.get(report.submission_id, "summary")
    assert summary is not None and summary_before is not None
    assert {k: v for k, v in summary.items() if k != "updated_at"} == {
        k: v for k, v in summary_before.items() if k != "updated_at"
    }
    assert len(set(world.rt.executions)) == 1
