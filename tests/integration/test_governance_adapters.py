"""DynamoDB/S3 governance adapters on moto (in-process): conditional writes, append-only audit, versions,
usage ledger and presigned links with their signed parameters."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

from aiminer.adapters.aws.delivery import DeliveryService, S3LinkSigner, signed_parameters, signing_client
from aiminer.adapters.aws.governance_tables import (
    AuditTable,
    CatalogueTable,
    ConflictError,
    DuasTable,
    ProjectsTable,
    UsageTable,
)
from aiminer.governance import audit
from aiminer.governance.catalogue import CohortQuery, freeze, search
from aiminer.governance.delivery import signed_expiry
from aiminer.governance.dua import new_dua, transition
from aiminer.governance.errors import NotFoundError
from aiminer.governance.projects import Project, enroll_site, ingest_refusal, suspend_project
from aiminer.governance.usage import GIB, aggregate, usage_event

from .governance_support import create_tables, seed_released

pytestmark = pytest.mark.integration

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
BUCKET = "aiminer-repository-released-123456789012-us-east-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, in_process_moto: None) -> dict[str, Any]:
    for k, v in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    return {"ddb": ddb, "s3": s3, "t": create_tables(ddb)}


def test_projects_and_sites_round_trip_with_conditions(aws: dict[str, Any]) -> None:
    # GIVEN a project table WHEN a project is created, re-created, suspended THEN conditions hold
    t = ProjectsTable(aws["ddb"], aws["t"]["projects"], aws["t"]["sites"])
    p = Project("lung-ai", "nodule detection", "IRB-1", "2026-01-01", "2026-12-31").validate()
    t.create(p)
    with pytest.raises(ConflictError):
        t.create(p)
    assert t.require("lung-ai") == p and [x.project_id for x in t.projects()] == ["lung-ai"]
    t.replace(suspend_project(p), expected_irb_status="approved")
    with pytest.raises(ConflictError):  # stale read
        t.replace(suspend_project(p), expected_irb_status="approved")
    # AND a site enrolled keeps its code; a stale update loses
    site = enroll_site(None, "uni-a", "site-1", "lung-ai", "S-AAAAAA")
    t.put_site(site, None)
    again = enroll_site(t.site("uni-a", "site-1"), "uni-a", "site-1", "brain-mr", "S-BBBBBB")
    t.put_site(again, site)
    assert t.site("uni-a", "site-1") == again and again.site_code == "S-AAAAAA"
    assert ingest_refusal(t.get("lung-ai"), t.site("uni-a", "site-1"), "lung-ai", date(2026, 6, 1)) == (
        "project_suspended"
    )
    with pytest.raises(NotFoundError):
        t.require("nope")


def test_written_project_is_readable_by_the_ingest_repository(aws: dict[str, Any]) -> None:
    # GIVEN a project and site written by the curator adapter WHEN the ingest adapter checks THEN accepted
    from aiminer.adapters.aws.governance import GovernanceRepository

    t = ProjectsTable(aws["ddb"], aws["t"]["projects"], aws["t"]["sites"])
    t.create(Project("lung-ai", "x", "IRB-1", "2026-01-01", "2026-12-31"))
    t.put_site(enroll_site(None, "uni-a", "site-1", "lung-ai", "S-AAAAAA"), None)
    ingest = GovernanceRepository(aws["ddb"], aws["t"]["projects"], aws["t"]["sites"])
    assert ingest.check("uni-a", "site-1", "lung-ai", date(2026, 6, 1)) is None
    assert ingest.check("uni-a", "site-2", "lung-ai", date(2026, 6, 1)) == "site_not_enrolled"


def test_dua_store_guards_transitions_with_the_stored_status(aws: dict[str, Any]) -> None:
    duas = DuasTable(aws["ddb"], aws["t"]["duas"])
    d = new_dua("DUA-1", "pharma-x", "DS-1", 1, "model training", "2026-01-01", "2026-12-31", "curator", NOW)
    duas.create(d)
    with pytest.raises(ConflictError):
        duas.create(d)
    active = transition(d, "active", "officer", NOW)
    duas.save(active, expected_status="draft")
    with pytest.raises(ConflictError):  # a second writer who also read "draft"
        duas.save(transition(d, "revoked", "other", NOW), expected_status="draft")
    assert duas.find("DUA-1") == active == duas.get("pharma-x", "DUA-1")
    assert [x.dua_id for x in duas.for_partner("pharma-x")] == ["DUA-1"] and len(duas.all()) == 1
    with pytest.raises(NotFoundError):
        duas.find("DUA-X")


def test_audit_is_append_only(aws: dict[str, Any]) -> None:
    # GIVEN an audit entry WHEN the same entry is written again THEN refused; nothing can update or delete
    a = AuditTable(aws["ddb"], aws["t"]["audit"])
    ev = audit.event("dua#D1", "dua_changed", "officer", NOW, to="active")
    a.append(ev)
    tampered = audit.AuditEvent(ev.subject, ev.event_id, ev.kind, "someone-else", ev.at, {"to": "revoked"})
    with pytest.raises(ConflictError):
        a.append(tampered)
    assert a.for_subject("dua#D1") == [ev] and a.for_actor("officer") == [ev] and a.all() == [ev]
    assert not any(hasattr(a, m) for m in ("update", "delete", "put", "remove"))


def test_dataset_versions_freeze_once_and_read_back(aws: dict[str, Any]) -> None:
    ddb, s3, t = aws["ddb"], aws["s3"], aws["t"]
    for n in range(30):  # > one batch of 25
        seed_released(ddb, s3, t["catalogue"], BUCKET, n)
    seed_released(ddb, s3, t["catalogue"], BUCKET, 99, status="deidentified")
    cat = CatalogueTable(ddb, t["catalogue"])
    cohort = search(cat.objects(), CohortQuery(projects=("lung-ai",)))
    assert len(cohort) == 30 and len(cat.objects("lung-ai")) == 31
    assert cat.latest_version("DS-1") == 0
    ds = freeze("DS-1", 1, "chest", CohortQuery(), cohort, "curator", NOW)
    cat.put_version(ds)
    with pytest.raises(ConflictError):
        cat.put_version(ds)
    assert cat.latest_version("DS-1") == 1
    assert cat.get_version("DS-1", 1) == ds
    with pytest.raises(NotFoundError):
        cat.get_version("DS-1", 2)


def test_usage_ledger_month_query(aws: dict[str, Any]) -> None:
    u = UsageTable(aws["ddb"], aws["t"]["usage"])
    u.record(usage_event("lung-ai", "deidentified", 2, GIB, datetime(2026, 5, 1, tzinfo=UTC)))
    u.record(usage_event("lung-ai", "received", 3, 3 * GIB, datetime(2026, 6, 2, tzinfo=UTC)))
    u.record(usage_event("lung-ai", "received", 5, 5, datetime(2026, 7, 2, tzinfo=UTC)))
    events = u.events("lung-ai", "2026-07-01")
    assert len(events) == 2
    s = aggregate(events, "lung-ai", "2026-06")
    assert (s.received_objects, s.stored_gb_months) == (3, pytest.approx(1.0))


def test_delivery_service_signs_audits_and_meters(aws: dict[str, Any]) -> None:
    # GIVEN a frozen dataset and an active DUA
    ddb, s3, t = aws["ddb"], aws["s3"], aws["t"]
    keys = [seed_released(ddb, s3, t["catalogue"], BUCKET, n) for n in range(3)]
    cat = CatalogueTable(ddb, t["catalogue"])
    ds = freeze("DS-1", 1, "chest", CohortQuery(), search(cat.objects(), CohortQuery()), "curator", NOW)
    cat.put_version(ds)
    dua = transition(
        new_dua("DUA-1", "pharma-x", "DS-1", 1, "training", "2026-01-01", "2026-12-31", "c", NOW),
        "active",
        "officer",
        NOW,
    )
    svc = DeliveryService(
        cat,
        AuditTable(ddb, t["audit"]),
        UsageTable(ddb, t["usage"]),
        S3LinkSigner(signing_client(boto3.Session(), region="us-east-1"), BUCKET),
        max_expiry=600,
    )
    # WHEN delivered with a request for a day
    out = svc.deliver(dua, "pharma-x", datetime.now(UTC), requested_expiry=86400)
    # THEN three SigV4 links, each signed for at most 600 s, audited and metered
    assert out.manifest is not None
    assert sorted(o["path"] for o in out.manifest["objects"]) == sorted(keys)
    for o in out.manifest["objects"]:
        params = signed_parameters(o["url"])
        assert params["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256" and int(params["X-Amz-Expires"]) == 600
        assert signed_expiry(o["url"]).expires_at <= datetime.now(UTC) + timedelta(seconds=601)
    assert [e.kind for e in AuditTable(ddb, t["audit"]).for_subject("dua#DUA-1")] == ["delivery_issued"]
    ledger = UsageTable(ddb, t["usage"]).events("lung-ai", "9999")
    assert [(e.kind, e.objects, e.bytes) for e in ledger] == [("delivered", 3, ds.total_bytes)]
    # AND with the projects table, a dataset whose project's IRB approval is suspended gets a refusal
    projects = ProjectsTable(ddb, t["projects"], t["sites"])
    project = Project("lung-ai", "nodule detection", "IRB-1", "2026-01-01", "2030-12-31").validate()
    projects.create(suspend_project(project))
    watched = dataclasses.replace(svc, projects=projects)
    refused = watched.deliver(dua, "pharma-x", datetime.now(UTC))
    assert refused.manifest is None and refused.refusal is not None
    assert refused.refusal.reason == "project_suspended"
    # AND a revoked DUA gets nothing but a refusal entry
    out2 = svc.deliver(transition(dua, "revoked", "officer", NOW), "pharma-x", datetime.now(UTC))
    assert out2.manifest is None and out2.refusal is not None and out2.refusal.reason == "dua_revoked"
    assert [e.kind for e in AuditTable(ddb, t["audit"]).for_subject("dua#DUA-1")][-1] == "delivery_refused"
