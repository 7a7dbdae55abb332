"""Malformed and unexpected events (issue 8): what reaches the landing-events queue or the QC workflow that is not
a well-formed S3 ObjectCreated event of an object in the submission layout.

Every case ends in one of three ways, and never in a redelivery loop: processed normally (a hostile but valid
key), ignored with a log line and a reason code (and the ``EventsIgnored`` metric), or quarantined with a reason
where an object exists. The names in hostile keys must not reach any output: inbound keys and manifests, quarantine
keys, catalogue, audit trail, usage ledger, log lines, metrics. The QC side: ``validate_manifest`` turns every
malformed manifest into ``ManifestValidationError`` with a reason code (caught into the rejection path), never
another exception (which would fail the execution).

The local runtime models redrive as AWS does: moto moves a message to the DLQ on the receive after its
``maxReceiveCount``-th (5) receive; :func:`test_a_message_that_always_fails_ends_in_the_dlq_after_five_receives`
checks it, with a fault that never clears.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

import pytest

from aiminer import topology
from aiminer.adapters.aws.governance_tables import AuditTable, UsageTable
from aiminer.adapters.aws.submissions import key_hash
from aiminer.local.poller import LocalContext, sqs_event
from aiminer.samples import get_testdata_file
from tests.local_runtime import World
from tests.phi_log_guard import Guard, find_phi

if TYPE_CHECKING:
    from aiminer.local.runtime import LocalRuntime

pytestmark = pytest.mark.integration

PROJECT, SITE = "lung-ai", "site-1"
#: Fragments of the hostile keys below: none may appear in any output.
HOSTILE = ("SMITH", "JOHN", "MRN12345678", "../", "\x01", "%FF%FE", "A" * 64, "GHOST")


# ---------------------------------------------------------------------------------------------------- helpers


def s3_record(
    bucket: str,
    key: str,
    *,
    event: str = "ObjectCreated:Put",
    encoded: str | None = None,
    size: int = 1,
    etag: str = "0123456789abcdef0123456789abcdef",
) -> dict[str, Any]:
    """One record as S3 writes it (the key URL-encoded, spaces as ``+``)."""
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": "2026-11-25T12:00:00.000Z",
        "eventName": event,
        "s3": {
            "s3SchemaVersion": "1.0",
            "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
            "object": {"key": encoded if encoded is not None else quote_plus(key), "size": size, "eTag": etag},
        },
    }


def s3_body(*records: dict[str, Any]) -> str:
    return json.dumps({"Records": list(records)})


def invoke(*bodies: str) -> dict[str, Any]:
    """The de-identify handler called directly with one SQS batch (as Lambda's event source builds it)."""
    from lambdas.deidentify_object import handler

    messages = [{"MessageId": str(uuid.uuid4()), "ReceiptHandle": "rh", "Body": b} for b in bodies]
    event = sqs_event(messages, "arn:aws:sqs:us-east-1:123456789012:aiminer-landing-events")
    return dict(handler.handler(event, LocalContext("aiminer-local-deidentify_object")))


def queue_url(rt: LocalRuntime, name: str) -> str:
    return str(rt.client("sqs").get_queue_url(QueueName=name)["QueueUrl"])


def depth(rt: LocalRuntime, name: str) -> int:
    """Messages in a queue, visible or in flight."""
    attrs = rt.client("sqs").get_queue_attributes(
        QueueUrl=queue_url(rt, name),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def send(rt: LocalRuntime, *bodies: str) -> None:
    sqs = rt.client("sqs")
    for body in bodies:
        sqs.send_message(QueueUrl=queue_url(rt, rt.names.queue), MessageBody=body)


def skip_test_events(rt: LocalRuntime, guard: Guard | None = None) -> None:
    """Process (and forget) the s3:TestEvent that configuring the landing notification queued at provisioning."""
    assert rt.deidentify is not None
    rt.deidentify.drain(timeout=10)
    rt.deidentify.stats.__init__()  # type: ignore[misc]
    if guard is not None:  # (the guard still checked them: they are dropped only from what the test asserts on)
        leaks = find_phi(guard.all_text(), {"SMITH", "JOHN"})
        assert leaks == set()
        guard.lines.clear()
        guard.metrics.clear()


def scan(rt: LocalRuntime, table: str) -> list[dict[str, Any]]:
    pages = rt.client("dynamodb").get_paginator("scan").paginate(TableName=rt.names.tables[table])
    return [item for page in pages for item in page.get("Items", [])]


def outputs_text(world: World) -> str:
    """Everything the pipeline wrote outside the partner zone, plus the quarantine keys."""
    rt = world.rt
    parts = [*world.keys(rt.names.inbound), *world.keys(rt.names.quarantine), *world.keys(rt.names.released)]
    for key in world.keys(rt.names.inbound):
        if key.endswith(".json"):
            parts.append(world.s3.get_object(Bucket=rt.names.inbound, Key=key)["Body"].read().decode())
    for table in ("repository:catalogue", "repository:audit", "repository:usage"):
        parts.append(json.dumps(scan(rt, table)))
    return "\n".join(parts)


def metric_total(guard: Guard, name: str) -> int:
    """Sum of one metric over every EMF blob the test emitted."""
    total = 0.0
    for blob in guard.metrics:
        value = blob.get(name)
        if value is not None:
            total += sum(value) if isinstance(value, list) else float(value)
    return int(total)


def ignored_reasons(guard: Guard) -> list[str]:
    return sorted(line["reason"] for line in guard.json_lines() if line.get("message") == "event ignored")


def audit(rt: LocalRuntime) -> AuditTable:
    return AuditTable(rt.client("dynamodb"), rt.names.tables["repository:audit"])


def usage(rt: LocalRuntime) -> UsageTable:
    return UsageTable(rt.client("dynamodb"), rt.names.tables["repository:usage"])


@pytest.fixture(scope="module")
def shared(runtime_session: LocalRuntime) -> World:
    """One reset for the module's cases that call a handler directly: each asserts what it changed, not an empty
    world (other tests on the same worker may have run in between)."""
    runtime_session.reset()
    return World(runtime_session)


def snapshot(world: World) -> tuple[int, ...]:
    """How much there is of everything an event could change."""
    rt = world.rt
    return (
        len(world.keys(rt.names.inbound)),
        len(world.keys(rt.names.quarantine)),
        *(len(scan(rt, t)) for t in ("repository:audit", "repository:usage", "repository:catalogue")),
        len(scan(rt, "partner:submissions")),
    )


# ---------------------------------------------------------------------------------------------------- the guard


def test_the_phi_log_guard_sees_plain_powertools_and_metric_output(log_guard: Guard, rt: LocalRuntime) -> None:
    # GIVEN a value, logged through a non-propagating logger, the handler's Powertools logger and as a metric
    import logging

    from lambdas.shared import observability as obs

    value = "Quintero^Marisol"
    quiet = logging.getLogger("phi-guard-selftest")
    quiet.propagate = False
    quiet.warning("patient %s", value)
    obs.logger.info("hello", extra={"who": value})
    obs.metrics.add_metadata(key="who", value=value)
    obs.metrics.add_metric(name="SelfTest", unit=obs.MetricUnit.Count, value=1)
    obs.metrics.flush_metrics()
    # THEN the guard captured each of them, and finds the value in the PN form and the plain one
    assert sum(value in line for line in log_guard.lines) >= 2
    assert any(m.get("who") == value for m in log_guard.metrics)
    assert find_phi(log_guard.all_text(), {value, "Marisol"}) == {value, "Marisol"}
    assert find_phi("marisolx quintero^marisolz", {"Marisol"}) == set()  # whole tokens only
    # (the captured lines are dropped, or the guard would rightly fail this test)
    log_guard.lines.clear()
    log_guard.metrics.clear()


# ---------------------------------------------------------------------------------------------------- handler


def _deleted(world: World) -> str:
    """A landing key a delete event may name (the handler never looks it up)."""
    return f"{SITE}/{PROJECT}/sub-delete/files/SMITH_JOHN.dcm"


#: (case, body builder, reasons logged). Each message is ignored: deleted, never retried.
MALFORMED: list[tuple[str, Any, list[str]]] = [
    ("not_json", lambda w: "this is {not json", ["not_json"]),
    ("empty_body", lambda w: "", ["not_json"]),
    ("json_list", lambda w: "[1, 2, 3]", ["unrecognised_event"]),
    ("json_without_records", lambda w: json.dumps({"hello": "world"}), ["unrecognised_event"]),
    (
        "s3_test_event",
        lambda w: json.dumps(
            {"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2026-11-25T12:00:00Z", "Bucket": "x"}
        ),
        ["s3_test_event"],
    ),
    ("records_not_a_list", lambda w: json.dumps({"Records": "nope"}), ["no_records"]),
    ("records_empty", lambda w: json.dumps({"Records": []}), ["no_records"]),
    ("record_not_an_object", lambda w: json.dumps({"Records": [42]}), ["malformed_s3_record"]),
    (
        "record_without_s3",
        lambda w: json.dumps({"Records": [{"eventName": "ObjectCreated:Put"}]}),
        ["malformed_s3_record"],
    ),
    (
        "record_without_key",
        lambda w: json.dumps(
            {
                "Records": [
                    {"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": w.rt.names.landing}, "object": {}}}
                ]
            }
        ),
        ["malformed_s3_record"],
    ),
    (
        "record_key_not_a_string",
        lambda w: json.dumps(
            {
                "Records": [
                    {
                        "eventName": "ObjectCreated:Put",
                        "s3": {"bucket": {"name": w.rt.names.landing}, "object": {"key": 7}},
                    }
                ]
            }
        ),
        ["malformed_s3_record"],
    ),
    (
        "object_removed",
        lambda w: s3_body(s3_record(w.rt.names.landing, _deleted(w), event="ObjectRemoved:Delete")),
        ["not_object_created"],
    ),
    (
        "delete_marker",
        lambda w: s3_body(s3_record(w.rt.names.landing, _deleted(w), event="ObjectRemoved:DeleteMarkerCreated")),
        ["not_object_created"],
    ),
    (
        "other_bucket",
        lambda w: s3_body(s3_record(w.rt.names.inbound, f"{SITE}/{PROJECT}/sub-x/files/SMITH_JOHN.dcm")),
        ["unexpected_bucket"],
    ),
    (
        "eventbridge_shaped",
        lambda w: json.dumps(
            {
                "version": "0",
                "detail-type": "Object Created",
                "source": "aws.s3",
                "detail": {"bucket": {"name": w.rt.names.landing}, "object": {"key": "SMITH_JOHN.dcm"}},
            }
        ),
        ["eventbridge_event"],
    ),
    (
        "sns_wrapped",
        lambda w: json.dumps(
            {"Type": "Notification", "Message": s3_body(s3_record(w.rt.names.landing, "SMITH_JOHN.dcm"))}
        ),
        ["sns_notification"],
    ),
    (
        "undecodable_key",
        lambda w: s3_body(s3_record(w.rt.names.landing, "", encoded=f"{SITE}/{PROJECT}/sub-x/files/%FF%FE.dcm")),
        ["undecodable_key"],
    ),
    (
        "key_too_long",
        lambda w: s3_body(s3_record(w.rt.names.landing, f"{SITE}/{PROJECT}/sub-x/files/" + "A" * 1100)),
        ["key_too_long"],
    ),
    (
        "two_bad_records_in_one_message",
        lambda w: s3_body(
            s3_record(w.rt.names.landing, "SMITH", event="ObjectRemoved:Delete"), s3_record("other", "SMITH")
        ),
        ["not_object_created", "unexpected_bucket"],
    ),
]


@pytest.mark.parametrize(("case", "body", "reasons"), MALFORMED, ids=[c[0] for c in MALFORMED])
def test_a_malformed_message_is_ignored_with_a_reason(
    shared: World, log_guard: Guard, case: str, body: Any, reasons: list[str]
) -> None:
    # GIVEN a message on the landing-events queue that is not a usable S3 ObjectCreated event
    message = body(shared)
    before = snapshot(shared)
    # WHEN the handler gets it directly
    response = invoke(message)
    # THEN it is handled (not reported as a failure, so not redelivered), with one log line and metric per reason
    assert response == {"batchItemFailures": []}
    assert ignored_reasons(log_guard) == sorted(reasons)
    assert metric_total(log_guard, "EventsIgnored") == len(reasons)
    # AND nothing was written anywhere
    assert snapshot(shared) == before
    assert not any(fragment in "\n".join(log_guard.lines) for fragment in HOSTILE)


def test_malformed_messages_through_the_poller_are_deleted_after_one_receive(world: World, log_guard: Guard) -> None:
    # GIVEN every malformed message of the table on the queue at once
    rt = world.rt
    skip_test_events(rt, log_guard)
    bodies = [body(world) for _, body, _ in MALFORMED]
    send(rt, *bodies)
    # WHEN the poller drains the queue (with redeliveries, if there were any)
    assert rt.deidentify is not None
    rt.deidentify.drain(timeout=15)
    rt.deidentify.poll_once(wait=2)  # anything that failed would be visible again by now
    # THEN each message was received exactly once, nothing failed, nothing is left, nothing went to the DLQ
    assert rt.deidentify.stats.messages == len(bodies)
    assert rt.deidentify.stats.failures == rt.deidentify.stats.crashes == 0
    assert depth(rt, rt.names.queue) == depth(rt, rt.names.dlq) == 0
    assert ignored_reasons(log_guard) == sorted(r for _, _, reasons in MALFORMED for r in reasons)


def test_an_event_for_an_object_that_is_gone_is_ignored(shared: World, log_guard: Guard) -> None:
    # GIVEN events for objects in the submission layout that do not exist (deleted first, or forged), a file and a
    # manifest, and one outside the layout
    landing = shared.rt.names.landing
    before = snapshot(shared)
    keys = (
        f"{SITE}/{PROJECT}/sub-gone/files/GHOST_SMITH.dcm",
        f"{SITE}/{PROJECT}/sub-gone/{topology.SUBMISSION_MANIFEST_NAME}",
        "GHOST_SMITH/not-in-layout.dcm",
    )
    # WHEN the handler gets them
    response = invoke(*(s3_body(s3_record(landing, k)) for k in keys))
    # THEN they are handled once each: logged as ignored (object_missing), no outcome recorded, nothing written
    assert response == {"batchItemFailures": []}
    processed = [line for line in log_guard.json_lines() if line.get("message") == "object processed"]
    assert [(p["status"], p["reason"]) for p in processed] == [("ignored", "object_missing")] * 3
    assert metric_total(log_guard, "EventsIgnored") == 3
    assert metric_total(log_guard, "ObjectsReceived") == 0
    assert snapshot(shared) == before


# ---------------------------------------------------------------------------------------------------- hostile keys


def _dicom(name: str) -> bytes:
    return Path(get_testdata_file(name)).read_bytes()


def test_hostile_keys_never_reach_an_output(world: World, log_guard: Guard, phi_values: set[str]) -> None:
    # GIVEN a submission whose relative paths are hostile: path traversal, control characters, a 1024-byte key,
    # literal percent signs, and PHI in the names; one object outside the layout; and two forged events (a key
    # that is not UTF-8 once decoded, and an object that does not exist)
    rt = world.rt
    skip_test_events(rt, log_guard)
    phi_values.update({"SMITH_JOHN_MRN12345678", "MRN12345678", "GHOST_SMITH", "SMITH\x01JOHN"})
    sid = "hostile-keys-1"
    prefix = topology.landing_submission_prefix(SITE, PROJECT, sid)
    files_prefix = f"{prefix}{topology.SUBMISSION_FILES_FOLDER}/"
    long_name = "SMITH_JOHN_" + "A" * (1024 - len(files_prefix) - len("SMITH_JOHN_") - len(".dcm")) + ".dcm"
    files = {
        "../../../etc/SMITH_JOHN_MRN12345678.dcm": _dicom("CT_small.dcm"),
        "SMITH\x01JOHN\t\x1b\x7f.dcm": _dicom("MR_small.dcm"),  # (moto's server cannot route a key with a newline)
        long_name: _dicom("rtplan.dcm"),
        "%FF%FE_SMITH.dcm": _dicom("rtstruct.dcm"),
        "SMITH_JOHN_MRN12345678.dcm": _dicom("rtdose.dcm"),
    }
    assert len((files_prefix + long_name).encode()) == 1024
    entries = []
    for rel, data in files.items():
        digest = hashlib.sha256(data).hexdigest()
        world.s3.put_object(
            Bucket=rt.names.landing, Key=files_prefix + rel, Body=data, Metadata={"aiminer-sha256": digest}
        )
        entries.append({"path": rel, "sha256": digest, "size": len(data)})
    outside = "SMITH_JOHN_MRN12345678/CT.dcm"
    world.s3.put_object(Bucket=rt.names.landing, Key=outside, Body=_dicom("CT_small.dcm"))
    send(
        rt,
        s3_body(s3_record(rt.names.landing, "", encoded=quote_plus(files_prefix).replace("%2F", "/") + "%FF%FE.dcm")),
        s3_body(s3_record(rt.names.landing, files_prefix + "GHOST_SMITH.dcm")),
    )
    manifest = {"submission_id": sid, "project": PROJECT, "site": SITE, "files": entries}
    world.s3.put_object(
        Bucket=rt.names.landing, Key=f"{prefix}{topology.SUBMISSION_MANIFEST_NAME}", Body=json.dumps(manifest).encode()
    )
    # WHEN everything is processed
    world.settle(len(files), sid)
    # THEN every file was de-identified once, under coded keys; the stray object was quarantined under its hash
    assert sorted((f["relative_path"], f["status"]) for f in world.files(sid)) == sorted(
        (rel, "deidentified") for rel in files
    )
    dcm = [k for k in world.keys(rt.names.inbound) if k.endswith(".dcm")]
    assert len(dcm) == len(files) and world.versions(rt.names.inbound) == len(files) + 1
    assert all(k.startswith(f"local/{PROJECT}/S-") for k in dcm)
    assert world.keys(rt.names.quarantine) == [f"_unsorted/{key_hash(outside)}"]
    assert len(world.catalogue.items(PROJECT, "object#")) == len(files)
    # AND audited and metered once each; the stray object, in no submission, stays in the partner zone's
    # quarantine, logs and metrics (the repository's trail starts with a submission), unbilled
    trail = sorted(e.kind for e in audit(rt).for_subject(f"submission#{sid}"))
    assert trail == ["deidentification"] * len(files) + ["upload"]
    assert audit(rt).for_subject("partner#local") == []
    stray = [line for line in log_guard.json_lines() if line.get("message") == "object processed"]
    stray = [line for line in stray if line.get("status") == "quarantined"]
    assert [line.get("reason") for line in stray] == ["bad_key_layout"]
    assert sorted(e.kind for e in usage(rt).events(PROJECT, "9999")) == ["deidentified"] * 5 + ["received"] * 5
    # AND the forged events were ignored with their reasons; no message failed, was retried or went to the DLQ
    assert ignored_reasons(log_guard) == ["undecodable_key"]
    processed = [line for line in log_guard.json_lines() if line.get("message") == "object processed"]
    assert sorted(p["status"] for p in processed) == ["deidentified"] * 5 + ["ignored", "manifest", "quarantined"]
    assert rt.deidentify is not None and rt.deidentify.stats.failures == rt.deidentify.stats.crashes == 0
    assert rt.deidentify.stats.messages == len(files) + 4  # the files, the stray, the two forged, the manifest
    assert depth(rt, rt.names.queue) == depth(rt, rt.names.dlq) == 0
    # AND no fragment of a hostile name appears in any output, log line or metric
    text = outputs_text(world) + "\n".join(log_guard.lines) + json.dumps(log_guard.metrics)
    leaked = [fragment for fragment in HOSTILE if fragment in text or json.dumps(fragment)[1:-1] in text]
    assert leaked == []


# ---------------------------------------------------------------------------------------------------- poison


def test_a_message_that_always_fails_ends_in_the_dlq_after_five_receives(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a landing object whose every read fails (a fault that never clears)
    from lambdas.deidentify_object import handler
    from tests.reliability.test_faults import Fault, inject

    rt = world.rt
    skip_test_events(rt)
    inject(monkeypatch, handler.ingest.a.store.client, Fault("s3", "HeadObject", "InternalError", times=10**6))
    root = tmp_path / "upload"
    root.mkdir()
    shutil.copy(get_testdata_file("CT_small.dcm"), root / "ct.dcm")
    report = world.upload(root)
    # WHEN the poller keeps polling (visibility timeout 1 s)
    assert rt.deidentify is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and depth(rt, rt.names.dlq) == 0:
        rt.deidentify.poll_once(wait=1)
    # THEN the file's message failed exactly maxReceiveCount times and then moved to the DLQ (the manifest's was
    # handled: it waits for the file); the file has no outcome, so the submission is not complete
    max_receives = topology.LANDING_EVENTS.max_receive_count
    assert rt.deidentify.stats.failures == max_receives
    assert depth(rt, rt.names.dlq) == 1 and depth(rt, rt.names.queue) == 0
    (dead,) = rt.client("sqs").receive_message(QueueUrl=queue_url(rt, rt.names.dlq), AttributeNames=["All"])["Messages"]
    assert "ct.dcm" in dead["Body"] and int(dead["Attributes"]["ApproximateReceiveCount"]) >= max_receives
    assert world.files(report.submission_id) == []


# ---------------------------------------------------------------------------------------------------- QC side


def _put(world: World, key: str, body: bytes) -> str:
    world.s3.put_object(Bucket=world.rt.names.inbound, Key=key, Body=body)
    return key


def _manifest(sid: str = "broken-1", **overrides: Any) -> bytes:
    body = {
        "submission_id": sid,
        "partner_id": "local",
        "project": PROJECT,
        "site": "S-ABC123",
        "counts": {"deidentified": 1},
        "objects": [{"key": f"local/{PROJECT}/S-ABC123/P-1/ST-1/SE-1/1.dcm", "sha256": "0" * 64, "size": 1}],
    }
    body.update(overrides)
    return json.dumps(body).encode()


MANIFEST_KEY = f"local/{PROJECT}/S-ABC123/submissions/broken-1/manifest.json"


def _key(case: str) -> str:
    """A manifest key of its own for each case (the cases share one world)."""
    return MANIFEST_KEY.replace("broken-1", f"broken-{case.replace('_', '-')}")


#: (case, event builder (world, key of its own), reason code).
BAD_MANIFESTS: list[tuple[str, Any, str]] = [
    ("empty_event", lambda w, k: {}, "malformed_event"),
    ("key_not_a_string", lambda w, k: {"bucket": w.rt.names.inbound, "key": 7}, "malformed_event"),
    ("missing_object", lambda w, k: {"bucket": w.rt.names.inbound, "key": k}, "manifest_unreadable"),
    ("not_utf8", lambda w, k: {"bucket": w.rt.names.inbound, "key": _put(w, k, b"\xff\xfe{")}, "manifest_unreadable"),
    ("not_json", lambda w, k: {"bucket": w.rt.names.inbound, "key": _put(w, k, b"SMITH, JOHN")}, "manifest_unreadable"),
    ("json_list", lambda w, k: {"bucket": w.rt.names.inbound, "key": _put(w, k, b"[1, 2]")}, "malformed_manifest"),
    (
        "phi_as_submission_id",
        lambda w, k: {"bucket": w.rt.names.inbound, "key": _put(w, k, _manifest("SMITH_JOHN_MRN12345678"))},
        "malformed_manifest",
    ),
    (
        "bad_partner_id",
        lambda w, k: {"bucket": w.rt.names.inbound, "key": _put(w, k, _manifest(partner_id="SMITH JOHN"))},
        "malformed_manifest",
    ),
    (
        "objects_not_objects",
        lambda w, k: {"bucket": w.rt.names.inbound, "key": _put(w, k, _manifest(objects=["SMITH"]))},
        "malformed_manifest",
    ),
    (
        "size_not_a_number",
        lambda w, k: {
            "bucket": w.rt.names.inbound,
            "key": _put(w, k, _manifest(objects=[{"key": "local/x.dcm", "sha256": "0", "size": "big"}])),
        },
        "malformed_manifest",
    ),
    (
        "counts_disagree",
        lambda w, k: {"bucket": w.rt.names.inbound, "key": _put(w, k, _manifest(counts={"deidentified": 3}))},
        "count_mismatch",
    ),
    ("object_missing", lambda w, k: {"bucket": w.rt.names.inbound, "key": _put(w, k, _manifest())}, "object_missing"),
    (
        "another_partners_objects",
        lambda w, k: {
            "bucket": w.rt.names.inbound,
            "key": _put(w, k, _manifest(partner_id="acme", objects=[{"key": "acme/x.dcm", "sha256": "0", "size": 1}])),
        },
        "manifest_outside_partner_prefix",
    ),
]


@pytest.mark.parametrize(("case", "event", "reason"), BAD_MANIFESTS, ids=[c[0] for c in BAD_MANIFESTS])
def test_validate_manifest_rejects_a_malformed_manifest_with_a_reason_code(
    shared: World, log_guard: Guard, phi_values: set[str], case: str, event: Any, reason: str
) -> None:
    # GIVEN a manifest event that is malformed, or names a malformed manifest
    from lambdas.validate_manifest.handler import ManifestValidationError, handler

    phi_values.update({"SMITH_JOHN_MRN12345678", "SMITH JOHN"})
    payload = event(shared, _key(case))
    # WHEN the ValidateManifest task runs it
    with pytest.raises(ManifestValidationError) as raised:
        handler(payload, LocalContext("aiminer-repository-validate_manifest"))
    # THEN it fails with the one error the workflow catches into the rejection path, and a reason code
    assert str(raised.value) == reason
    warnings = [line for line in log_guard.json_lines() if line.get("level") == "WARNING"]
    assert [w["reason"] for w in warnings] == [reason]
    assert warnings[0].get("submission_id") in (None, "broken-1")  # only a valid ID is logged


def _execution_for(world: World, key: str) -> dict[str, Any]:
    rt = world.rt
    rt.drain(timeout=10)  # the manifest event starts the execution, as the EventBridge rule does on AWS
    assert len(rt.executions) == 1
    sfn = rt.client("stepfunctions")
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        execution = sfn.describe_execution(executionArn=rt.executions[0])
        if execution["status"] != "RUNNING":
            assert json.loads(execution["input"])["key"] == key
            return dict(execution)
        time.sleep(0.25)
    raise AssertionError("the execution did not finish in time")


def test_a_malformed_manifest_in_the_inbound_bucket_is_rejected_by_the_workflow(world: World) -> None:
    # GIVEN a manifest.json in the inbound bucket that is a JSON list, not a manifest
    key = _put(world, MANIFEST_KEY, b'["SMITH", "JOHN"]')
    # WHEN the QC workflow runs on it
    execution = _execution_for(world, key)
    # THEN it ends (not failed) through Reject with reason manifest_invalid and the validator's code
    assert execution["status"] == "SUCCEEDED", execution
    outcome = json.loads(execution["output"])["result"]["outcome"]
    assert (outcome["reason"], outcome["detail"], outcome["objects_quarantined"]) == (
        "manifest_invalid",
        "malformed_manifest",
        0,
    )
    assert outcome["submission_id"] == "broken-1" and outcome["partner_id"] == "local"


def test_a_manifest_cannot_reject_another_partners_objects(world: World) -> None:
    # GIVEN another partner's de-identified object, and a manifest under partner "local" that claims it
    rt = world.rt
    theirs = _put(world, "acme/lung-ai/S-XYZ789/P-1/ST-1/SE-1/1.dcm", b"DICM")
    key = _put(world, MANIFEST_KEY, _manifest(partner_id="acme", objects=[{"key": theirs, "sha256": "0", "size": 4}]))
    # WHEN the QC workflow runs on it
    execution = _execution_for(world, key)
    # THEN validation refuses it and the rejection moves nothing: the other partner's object stays where it is
    assert execution["status"] == "SUCCEEDED", execution
    outcome = json.loads(execution["output"])["result"]["outcome"]
    assert (outcome["detail"], outcome["partner_id"], outcome["objects_quarantined"]) == (
        "manifest_outside_partner_prefix",
        "local",
        0,
    )
    assert theirs in world.keys(rt.names.inbound)
