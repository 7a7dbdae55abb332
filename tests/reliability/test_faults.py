"""Faults at every step of the ingest and QC paths (issue 8): after retries, every object ends de-identified or
quarantined exactly once, nothing is lost, nothing is duplicated, and an approved submission is released once.

Ingest faults are injected in this process, on the real boto3 clients the de-identify handler uses (the poller
calls it here): :func:`inject` wraps a client's ``_make_api_call`` so that a matching call fails *before* it is
sent (throttling or a 5xx after botocore's own retries gave up: nothing happened) or *after* it took effect (the
write happened, then the function failed: a crash, a lost response), or kills the invocation outright
(:class:`Killed`, a ``BaseException`` Powertools cannot clean up after, as when Lambda times out mid-record).
The poller is then driven until the submission settles, redeliveries included.

QC faults are injected where the QC handlers run, the moto server's process, through the local runtime's Lambda
router (``aiminer.local.lambda_router``: a fault set on the placeholder function's environment), so the state
machine's own ``Retry`` does the retrying. The release step is also driven directly here with S3 faults in the
middle of copying.

The ``FAULTS`` table is the issue's fault table: fault point -> the outcome every case must reach.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from aiminer import topology
from aiminer.adapters.aws.review import QcFiles
from aiminer.adapters.aws.submissions import key_hash
from aiminer.local import lambda_router
from aiminer.local.poller import LocalContext
from aiminer.local.resources import PREFIX
from aiminer.samples import get_testdata_file
from tests.integration.test_qc_workflow import Qc, qc
from tests.local_runtime import World
from tests.reliability.test_events import audit, depth, queue_url, skip_test_events, usage

if TYPE_CHECKING:
    from collections.abc import Callable

    from aiminer.local.runtime import LocalRuntime

pytestmark = pytest.mark.integration
__all__ = ["qc"]  # a fixture, imported rather than copied

PROJECT = "lung-ai"
#: The submission every ingest case uploads: two DICOM files to de-identify and one empty file to quarantine.
FILES = {"ct.dcm": "CT_small.dcm", "mr.dcm": "MR_small.dcm", "empty.dcm": None}
EXPECTED = {"ct.dcm": "deidentified", "mr.dcm": "deidentified", "empty.dcm": "quarantined"}
_STATUS = {"SlowDown": 503, "InternalError": 500, "ServiceUnavailable": 503}


# ---------------------------------------------------------------------------------------------------- injection


class Killed(BaseException):
    """The function's runtime died mid-invocation (timeout, out of memory): nothing in the handler runs after it."""


@dataclass
class Fault:
    """One injected fault on one AWS operation."""

    service: str  # "s3" | "dynamodb"
    operation: str  # the API name, e.g. "PutObject"
    code: str  # the error code the call fails with (ignored when ``kill``)
    when: str = "before"  # before: the call fails and nothing happened; after: it took effect, then failed
    times: int = 1
    table: str | None = None  # a LocalNames.tables key: only calls on that table
    bucket: str | None = None  # "landing" | "inbound" | "quarantine": only calls on that bucket
    key_contains: str | None = None  # S3: only keys containing this
    match: Callable[[dict[str, Any]], bool] | None = None  # any other condition on the call's parameters
    kill: bool = False  # raise Killed instead of a ClientError
    fired: int = 0

    def error(self, operation: str) -> BaseException:
        if self.kill:
            return Killed(f"killed during {operation}")
        status = _STATUS.get(self.code, 400)
        return ClientError(
            {"Error": {"Code": self.code, "Message": "injected fault"}, "ResponseMetadata": {"HTTPStatusCode": status}},
            operation,
        )


def _matches(fault: Fault, operation: str, params: dict[str, Any], names: dict[str, str]) -> bool:
    if operation != fault.operation or fault.fired >= fault.times:
        return False
    if fault.table is not None and params.get("TableName") != names.get(fault.table):
        return False
    if fault.bucket is not None and params.get("Bucket") != names.get(fault.bucket):
        return False
    key = str(params.get("Key", "")) + str((params.get("CopySource") or {}).get("Key", ""))
    if fault.key_contains is not None and fault.key_contains not in key:
        return False
    return fault.match is None or fault.match(params)


def inject(monkeypatch: pytest.MonkeyPatch, client: Any, fault: Fault, names: dict[str, str] | None = None) -> Fault:
    """Make ``client`` fail the calls ``fault`` matches (undone with the monkeypatch); return the fault (``fired``
    counts how often it did)."""
    real = client._make_api_call
    names = names or {}

    def call(operation: str, params: dict[str, Any]) -> Any:
        hit = _matches(fault, operation, params, names)
        if hit and fault.when == "before":
            fault.fired += 1
            raise fault.error(operation)
        result = real(operation, params)
        if hit:
            fault.fired += 1
            raise fault.error(operation)
        return result

    monkeypatch.setattr(client, "_make_api_call", call)
    return fault


def _names(rt: LocalRuntime) -> dict[str, str]:
    return {
        **rt.names.tables,
        "landing": rt.names.landing,
        "inbound": rt.names.inbound,
        "quarantine": rt.names.quarantine,
        "released": rt.names.released,
    }


def client_for(service: str, table: str | None, idempotency: bool = False) -> Any:
    """The handler's client for a fault: its S3 client, its DynamoDB client or the idempotency layer's."""
    from lambdas.deidentify_object import handler

    if service == "s3":
        return handler.ingest.a.store.client
    return handler.persistence.client if idempotency else handler.ingest.a.submissions._client


def survive_kills(monkeypatch: pytest.MonkeyPatch, rt: LocalRuntime) -> None:
    """A killed invocation fails as a whole (nothing deleted, every message comes back): what the poller sees of a
    Lambda runtime that died."""
    assert rt.deidentify is not None
    real = rt.deidentify._handler

    def handler(event: dict[str, Any], context: Any) -> Any:
        try:
            return real(event, context)
        except Killed as exc:
            raise RuntimeError("the function was killed") from exc

    monkeypatch.setattr(rt.deidentify, "_handler", handler)


# ---------------------------------------------------------------------------------------------------- checks


def _root(tmp_path: Path) -> Path:
    root = tmp_path / "upload"
    root.mkdir()
    for name, template in FILES.items():
        if template is None:
            (root / name).write_bytes(b"")
        else:
            shutil.copy(get_testdata_file(template), root / name)
    return root


def object_versions(world: World, bucket: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for page in world.s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for v in page.get("Versions", []):
            counts[v["Key"]] = counts.get(v["Key"], 0) + 1
    return counts


def settle_all(world: World, submission_id: str, files: int, timeout: float = 45.0) -> None:
    """Drive the pollers until every file has an outcome, the submission is published and both queues are empty."""
    rt = world.rt
    assert rt.deidentify is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rt.drain(timeout=10)
        summary = world.submissions.get(submission_id, "summary") or {}
        if len(world.files(submission_id)) >= files and summary.get("inbound_manifest_key"):
            if depth(rt, rt.names.queue) == 0:
                rt.drain(timeout=5)
                return
        rt.deidentify.poll_once(wait=1)
    raise AssertionError("the submission did not settle in time")


def assert_exactly_once(world: World, submission_id: str, inbound_versions: tuple[int, ...] = (1, 1, 1)) -> None:
    """Every file ended once, as expected; every output, record, audit entry and usage event exists once."""
    rt = world.rt
    prefix = topology.landing_submission_prefix("site-1", PROJECT, submission_id)
    files = {f["relative_path"]: f for f in world.files(submission_id)}
    assert {rel: f["status"] for rel, f in files.items()} == EXPECTED
    assert files["empty.dcm"]["reason"] == "empty_file"
    summary = world.submissions.get(submission_id, "summary")
    assert summary is not None
    counts = (int(summary["accounted"]), int(summary["deidentified"]), int(summary["quarantined"]))
    assert counts == (3, 2, 1) and summary.get("completed_at") and summary.get("inbound_manifest_key")
    # inbound: two objects and the submission manifest (one version: a second would start a second QC);
    # quarantine: the empty file
    inbound = object_versions(world, rt.names.inbound)
    assert sorted(inbound.values()) == list(inbound_versions), inbound
    assert [n for k, n in inbound.items() if k.endswith("manifest.json")] == [1]
    assert sorted(k.rsplit("/", 1)[-1] for k in inbound if k.endswith(".json")) == ["manifest.json"]
    assert object_versions(world, rt.names.quarantine) == {
        f"{PROJECT}/site-1/{key_hash(prefix + 'files/empty.dcm')}": 1
    }
    # catalogue: one item per object and one for the submission
    objects = world.catalogue.items(PROJECT, "object#")
    assert sorted(i["key"] for i in objects) == sorted(k for k in inbound if k.endswith(".dcm"))
    assert len(world.catalogue.items(PROJECT, f"submission#{submission_id}")) == 1
    # audit and usage: once per file (and the upload once)
    trail = sorted(e.kind for e in audit(rt).for_subject(f"submission#{submission_id}"))
    assert trail == ["deidentification", "deidentification", "quarantine", "upload"], trail
    kinds = sorted(e.kind for e in usage(rt).events(PROJECT, "9999"))
    assert kinds == ["deidentified", "deidentified", "quarantined", "received", "received", "received"], kinds
    # one QC execution; nothing left in the queue or the DLQ
    assert len(set(rt.executions)) == 1, rt.executions
    assert depth(rt, rt.names.queue) == depth(rt, rt.names.dlq) == 0


# ---------------------------------------------------------------------------------------------------- ingest


def _crosswalk_conflict(params: dict[str, Any]) -> bool:
    return str(params["Item"]["kind_scope"]["S"]).startswith("patient#")


def _ct_counted(params: dict[str, Any]) -> bool:
    """The transaction that records ct.dcm's outcome and counts it."""
    return params["TransactItems"][0]["Put"]["Item"].get("relative_path", {}).get("S") == "ct.dcm"


def _claim(params: dict[str, Any]) -> bool:
    return "completed_at" in str(params.get("ConditionExpression", ""))


@dataclass(frozen=True)
class Case:
    """One row of the fault table."""

    point: str
    fault: Fault
    retried: bool = True  # the record failed at least once (False: the code absorbs it, e.g. a lost race)
    #: Versions of the inbound objects: a crash *after* an object was written but before its outcome was recorded
    #: rewrites it on retry (the function may only PutObject there, so it cannot look first; keys stay exactly once,
    #: the catalogue names the last). Once the outcome is recorded, a retry finds it and writes nothing (red team 12).
    inbound_versions: tuple[int, ...] = (1, 1, 1)
    slow: bool = True


#: The fault table: fault point -> fault. Every case must end with every object de-identified or quarantined
#: exactly once (``assert_exactly_once``).
FAULTS: list[Case] = [
    # S3
    Case("landing HeadObject 500", Fault("s3", "HeadObject", "InternalError", bucket="landing", key_contains="ct.dcm")),
    Case(
        "landing ranged GET SlowDown",
        Fault("s3", "GetObject", "SlowDown", bucket="landing", key_contains="mr.dcm"),
        slow=False,
    ),
    Case(
        "landing manifest GET 500",
        Fault("s3", "GetObject", "InternalError", bucket="landing", key_contains=topology.SUBMISSION_MANIFEST_NAME),
    ),
    Case("inbound PutObject SlowDown", Fault("s3", "PutObject", "SlowDown", bucket="inbound", key_contains=".dcm")),
    Case(
        "inbound PutObject written, then crash",
        Fault("s3", "PutObject", "InternalError", when="after", bucket="inbound", key_contains=".dcm"),
        inbound_versions=(1, 1, 2),
        slow=False,
    ),
    Case(
        "inbound manifest written, then crash",
        Fault("s3", "PutObject", "InternalError", when="after", bucket="inbound", key_contains="manifest.json"),
        slow=False,
    ),
    Case("quarantine CopyObject 500", Fault("s3", "CopyObject", "InternalError", bucket="quarantine")),
    Case(
        "landing tag SlowDown (after everything was recorded)",
        Fault("s3", "PutObjectTagging", "SlowDown", bucket="landing", key_contains="ct.dcm"),
    ),
    # DynamoDB
    Case(
        "crosswalk PutItem throttled (mid de-identification)",
        Fault("dynamodb", "PutItem", "ProvisionedThroughputExceededException", table="partner:crosswalk"),
        slow=False,
    ),
    Case(
        "crosswalk ConditionalCheckFailed (a concurrent writer won)",
        Fault(
            "dynamodb",
            "PutItem",
            "ConditionalCheckFailedException",
            when="after",
            table="partner:crosswalk",
            match=_crosswalk_conflict,
        ),
        retried=False,
    ),
    Case(
        "submissions file item + count throttled",
        Fault("dynamodb", "TransactWriteItems", "ProvisionedThroughputExceededException", match=_ct_counted),
        inbound_versions=(1, 1, 2),
    ),
    Case(
        "submissions file item + count written, then crash",
        Fault("dynamodb", "TransactWriteItems", "InternalServerError", when="after", match=_ct_counted),
        slow=False,
    ),
    Case(
        "completion claim throttled",
        Fault(
            "dynamodb",
            "UpdateItem",
            "ProvisionedThroughputExceededException",
            table="partner:submissions",
            match=_claim,
        ),
    ),
    # (No catalogue, audit or usage rows: since c9c08b5 the ingest writes no repository table; validate_manifest
    # records them, and a throttled write there fails the task, which the QC workflow's retriers repeat.)
    Case(
        "idempotency record PutItem throttled",
        Fault("dynamodb", "PutItem", "ProvisionedThroughputExceededException", table="partner:idempotency"),
    ),
    # The function dies (Lambda timeout, out of memory): no exception handler runs, Powertools' in-progress
    # record stays until the invocation's deadline
    Case(
        "killed after the inbound PutObject",
        Fault("s3", "PutObject", "", when="after", bucket="inbound", key_contains=".dcm", kill=True),
        inbound_versions=(1, 1, 2),
        slow=False,
    ),
    Case(
        "killed mid-read (timeout while de-identifying)",
        Fault("s3", "GetObject", "", when="after", bucket="landing", key_contains="mr.dcm", kill=True),
    ),
    Case(
        "killed after the file's outcome was counted",
        Fault("dynamodb", "TransactWriteItems", "", when="after", match=_ct_counted, kill=True),
    ),
]


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.point, marks=[pytest.mark.slow] if c.slow else []) for c in FAULTS]
)
def test_a_fault_at_each_ingest_step_ends_every_object_exactly_once(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: Case
) -> None:
    # GIVEN a three-file submission (two to de-identify, one to quarantine) and a fault on one AWS call of the
    # handler (a fresh copy of the table's fault: parametrized objects live for the session)
    rt = world.rt
    fault = Fault(**{**case.fault.__dict__, "fired": 0})
    skip_test_events(rt)
    idempotency = fault.table == "partner:idempotency"
    inject(monkeypatch, client_for(fault.service, fault.table, idempotency), fault, _names(rt))
    survive_kills(monkeypatch, rt)
    # WHEN it is uploaded and the poller runs until everything settled (redeliveries after 1 s)
    report = world.upload(_root(tmp_path))
    settle_all(world, report.submission_id, len(FILES))
    # THEN the fault fired (and the record was retried, unless the code absorbs this fault)
    assert fault.fired == fault.times, f"{case.point}: the fault never fired"
    assert rt.deidentify is not None
    assert (rt.deidentify.stats.failures + rt.deidentify.stats.crashes >= 1) is case.retried
    # AND every object ended exactly once
    assert_exactly_once(world, report.submission_id, case.inbound_versions)


# ---------------------------------------------------------------------------------------------------- ordering


def _capture_events(world: World, expected: int) -> dict[str, str]:
    """Take the landing events off the queue: {file name or 'manifest': body}."""
    rt = world.rt
    sqs = rt.client("sqs")
    url = queue_url(rt, rt.names.queue)
    bodies: dict[str, str] = {}
    deadline = time.monotonic() + 20
    while len(bodies) < expected:
        assert time.monotonic() < deadline, "the landing events did not arrive"
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            key = json.loads(m["Body"]).get("Records", [{}])[0].get("s3", {}).get("object", {}).get("key", "")
            if key:
                name = "manifest" if key.endswith(topology.SUBMISSION_MANIFEST_NAME) else key.rsplit("%2F", 1)[-1]
                bodies[name] = m["Body"]
    return bodies


ORDERS = {
    "manifest first, files reversed": ["manifest", "empty.dcm", "mr.dcm", "ct.dcm"],
    "every event twice, interleaved": [
        *("ct.dcm", "manifest", "ct.dcm", "mr.dcm"),
        *("manifest", "empty.dcm", "mr.dcm", "empty.dcm"),
    ],
    "manifest last, a file replayed after completion": ["ct.dcm", "mr.dcm", "empty.dcm", "manifest", "ct.dcm"],
}


@pytest.mark.parametrize(
    "order",
    [pytest.param(o, id=o, marks=[] if o.startswith("every event twice") else [pytest.mark.slow]) for o in ORDERS],
)
def test_duplicate_and_out_of_order_events_end_exactly_once(world: World, tmp_path: Path, order: str) -> None:
    # GIVEN the landing events of a three-file submission, taken off the queue
    rt = world.rt
    skip_test_events(rt)
    report = world.upload(_root(tmp_path))
    events = _capture_events(world, len(FILES) + 1)
    # WHEN they are delivered one at a time in the given order (each processed before the next is sent)
    sqs = rt.client("sqs")
    assert rt.deidentify is not None
    for name in ORDERS[order]:
        sqs.send_message(QueueUrl=queue_url(rt, rt.names.queue), MessageBody=events[name])
        while rt.deidentify.poll_once(wait=1) == 0:
            pass
    settle_all(world, report.submission_id, len(FILES))
    # THEN every object ended exactly once, whatever the order and the duplicates
    assert rt.deidentify.stats.messages == len(ORDERS[order]) and rt.deidentify.stats.failures == 0
    assert_exactly_once(world, report.submission_id)


# ---------------------------------------------------------------------------------------------------- QC


def set_qc_fault(rt: LocalRuntime, spec: topology.FunctionSpec, **fault: Any) -> None:
    """Make the QC workflow's function fail (in the moto server's process, see ``lambda_router``)."""
    name = topology.resource_name(PREFIX, topology.REPOSITORY_QUALIFIER, spec.name)
    value = json.dumps({"id": str(uuid.uuid4()), **fault})
    rt.client("lambda").update_function_configuration(
        FunctionName=name, Environment={"Variables": {lambda_router.FAULT_VARIABLE: value}}
    )


def _failed_tasks(qc: Qc, arn: str) -> list[str]:
    history = qc.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return [e["taskFailedEventDetails"]["error"] for e in history if "taskFailedEventDetails" in e]


def approve_and_finish(qc: Qc, tmp_path: Path) -> tuple[str, str, dict[str, Any]]:
    sid, arn = qc.submit(tmp_path)
    qc.pending(sid, timeout=60)
    qc.cli("approve", sid, "--actor", "curator-1")
    return sid, arn, qc.finished(arn, timeout=60)


def assert_released_once(qc: Qc, sid: str) -> None:
    rt = qc.rt
    items = qc.objects()
    assert len(items) == 2 and {i["status"] for i in items} == {"released"}
    assert object_versions(qc.w, rt.names.released) == {i["key"]: 1 for i in items}
    submission = qc.catalogue.submission(PROJECT, sid)
    assert submission is not None and submission["status"] == "released"
    kinds = [e.kind for e in qc.audit.for_subject(f"submission#{sid}")]
    assert kinds.count("approval") == 1 and kinds.count("qc_decision") == 0
    events = [json.loads(m["Message"]).get("event") for m in qc.notifications(2)]
    assert events.count("submission_released") == 1


def qc_fault(spec: topology.FunctionSpec, error: str, when: str, times: int, what: str, slow: bool = True) -> Any:
    """One row of :data:`QC_FAULTS`: the step, the error its Lambda fails with, before or after its work, how often."""
    return pytest.param(spec, error, when, times, id=f"{spec.name}: {what}", marks=[pytest.mark.slow] if slow else [])


QC_FAULTS = [
    qc_fault(topology.VALIDATE_MANIFEST, "ServiceException", "before", 1, "Lambda 500"),
    qc_fault(topology.RELEASE_SUBMISSION, "ServiceException", "after", 1, "ran, then Lambda 500", slow=False),
    qc_fault(topology.QC_CHECK_OBJECT, "TooManyRequestsException", "before", 2, "throttled twice"),
    qc_fault(topology.BUILD_QC_REPORT, "ServiceException", "after", 1, "ran, then Lambda 500"),
]


@pytest.mark.parametrize(("spec", "error", "when", "times"), QC_FAULTS)
def test_a_failing_qc_step_is_retried_by_the_state_machine_and_released_once(
    qc: Qc, tmp_path: Path, spec: topology.FunctionSpec, error: str, when: str, times: int
) -> None:
    # GIVEN a fault on one Lambda step of the QC workflow, of a kind the ASL's Retry lists
    set_qc_fault(qc.rt, spec, error=error, when=when, times=times)
    # WHEN a clean submission goes through QC and a curator approves it
    sid, arn, execution = approve_and_finish(qc, tmp_path)
    # THEN the step failed `times` times, was retried, and the submission was released exactly once (a check runs
    # in a child execution of the QC Map, whose history is its own: test_a_qc_check_that_keeps_failing_... shows
    # that its faults fire and that its retries are bounded)
    assert execution["status"] == "SUCCEEDED", execution
    if spec != topology.QC_CHECK_OBJECT:
        assert _failed_tasks(qc, arn) == [f"Lambda.{error}"] * times
    assert_released_once(qc, sid)


@pytest.mark.slow
def test_a_qc_check_that_keeps_failing_fails_the_execution_visibly_and_rejects_nothing(qc: Qc, tmp_path: Path) -> None:
    # GIVEN a QC check that times out on every attempt (more than the ASL's 3 attempts)
    set_qc_fault(qc.rt, topology.QC_CHECK_OBJECT, error="Sandbox.Timedout", when="before", times=10)
    # WHEN a clean submission goes through QC
    sid, arn = qc.submit(tmp_path)
    execution = qc.finished(arn, timeout=90)
    # THEN the QC Map gives up after the retries and the execution fails (alarmed, and can be redriven): nothing
    # is rejected on the strength of a failure that says nothing about the submission, nothing is released
    assert execution["status"] == "FAILED", execution
    assert execution.get("error") == "States.ExceedToleratedFailureThreshold", execution
    history = qc.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
    assert entered[-1] == "QcObjects" and "Reject" not in entered
    submission = qc.catalogue.submission("lung-ai", sid)
    assert submission is not None and submission["status"] == "qc_running"
    assert {i["status"] for i in qc.objects()} == {"deidentified"}
    assert qc.w.keys(qc.rt.names.released) == []


@pytest.mark.slow
def test_a_release_that_times_out_once_is_retried(qc: Qc, tmp_path: Path) -> None:
    # GIVEN the release function times out once after it did its work
    set_qc_fault(qc.rt, topology.RELEASE_SUBMISSION, error="Sandbox.Timedout", when="after", times=1)
    # WHEN the submission is approved
    sid, _, execution = approve_and_finish(qc, tmp_path)
    # THEN (desired) the release is retried and completes once
    assert execution["status"] == "SUCCEEDED", execution
    assert_released_once(qc, sid)


def approved(qc: Qc, tmp_path: Path) -> tuple[str, dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """A submission waiting for its review: (ID, validated manifest, the curator's approval, its objects)."""
    from lambdas.validate_manifest.handler import validate

    sid, _ = qc.submit(tmp_path)
    qc.pending(sid, timeout=60)
    key = qc.w.submissions.get(sid, "summary")["inbound_manifest_key"]  # type: ignore[index]
    body = json.loads(qc.w.s3.get_object(Bucket=qc.rt.names.inbound, Key=key)["Body"].read())
    manifest = validate(body, qc.rt.names.inbound, key)
    review = {"approved": True, "reviewer": "curator-1", "decided_at": "2026-11-25T12:00:00+00:00"}
    return sid, manifest, review, QcFiles(qc.w.s3, qc.rt.names.reports).objects(manifest["object_list"])


def test_release_copies_objects_concurrently_each_once(qc: Qc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN an approved submission of two objects, and a copy that waits (up to 20 s) until the other one starts
    from lambdas.release_submission import handler as release

    sid, manifest, review, objects = approved(qc, tmp_path)
    both_copying = threading.Barrier(len(objects), timeout=20)
    real = release.s3._make_api_call

    def call(operation: str, params: dict[str, Any]) -> Any:
        if operation == "CopyObject":
            both_copying.wait()  # one copy at a time would break the barrier: BrokenBarrierError fails the release
        return real(operation, params)

    monkeypatch.setattr(release.s3, "_make_api_call", call)
    # WHEN the release runs
    outcome = release.handler({"manifest": manifest, "review": review}, LocalContext("release"))
    # THEN the copies overlapped, and every object is released once
    assert not both_copying.broken and outcome["objects"] == len(objects) == 2
    assert {i["key"]: i["status"] for i in qc.objects()} == {o["key"]: "released" for o in objects}
    assert object_versions(qc.w, qc.rt.names.released) == {o["key"]: 1 for o in objects}
    assert (qc.catalogue.submission(PROJECT, sid) or {}).get("status") == "released"


def test_release_interrupted_mid_copy_completes_once_when_retried(
    qc: Qc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an approved submission's validated manifest, and S3 throttling the release's second copy
    from lambdas.release_submission import handler as release

    sid, manifest, review, objects = approved(qc, tmp_path)
    second = objects[1]["key"]
    fault = inject(monkeypatch, release.s3, Fault("s3", "CopyObject", "SlowDown", key_contains=second))
    # WHEN the task runs, fails transiently half-way, and is retried
    with pytest.raises(ClientError):
        release.handler({"manifest": manifest, "review": review}, LocalContext("release"))
    assert fault.fired == 1
    assert object_versions(qc.w, qc.rt.names.released) == {objects[0]["key"]: 1}
    outcome = release.handler({"manifest": manifest, "review": review}, LocalContext("release"))
    # THEN the first attempt's copy is not repeated, the second completes it, and a third changes nothing
    assert outcome["status"] == "released" and outcome["objects"] == 2
    release.handler({"manifest": manifest, "review": review}, LocalContext("release"))
    assert {i["key"]: i["status"] for i in qc.objects()} == {o["key"]: "released" for o in objects}
    assert object_versions(qc.w, qc.rt.names.released) == {o["key"]: 1 for o in objects}
    kinds = [e.kind for e in qc.audit.for_subject(f"submission#{sid}")]
    assert kinds.count("approval") == 1
