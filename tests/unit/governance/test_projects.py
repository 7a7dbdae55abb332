"""Projects: IRB status rules, suspension, site enrollment and the ingest refusal reasons."""

from __future__ import annotations

from datetime import date

import pytest

from aiminer.governance.errors import InvalidRecordError, TransitionError
from aiminer.governance.projects import (
    QUARANTINE_REASONS,
    Project,
    Site,
    enroll_site,
    ingest_refusal,
    project_status,
    site_enrolled,
    suspend_project,
)


def project(**kw: object) -> Project:
    base: dict[str, object] = {
        "project_id": "lung-ai",
        "objective": "nodule detection on chest CT",
        "irb_number": "IRB-2026-0042",
        "irb_approved_on": "2026-01-15",
        "irb_expires_on": "2027-01-14",
    }
    base.update(kw)
    return Project(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kw", "today", "expected"),
    [
        ({}, date(2026, 6, 1), "active"),
        ({}, date(2026, 1, 15), "active"),  # approval day
        ({}, date(2027, 1, 14), "active"),  # expiry day still active
        ({}, date(2027, 1, 15), "expired"),
        ({}, date(2026, 1, 14), "not_approved"),  # approval not yet in force
        ({"irb_status": "pending"}, date(2026, 6, 1), "not_approved"),
        ({"irb_status": "suspended"}, date(2026, 6, 1), "suspended"),
        ({"irb_status": "suspended"}, date(2030, 1, 1), "suspended"),  # suspension wins over expiry
        ({"irb_expires_on": "someday"}, date(2026, 6, 1), "not_approved"),
    ],
)
def test_project_status(kw: dict[str, object], today: date, expected: str) -> None:
    # GIVEN a project record  WHEN its status is evaluated on a day  THEN the rule's answer is returned
    assert project_status(project(**kw), today) == expected


def test_validate_accepts_a_complete_project_and_the_safe_harbor_default() -> None:
    # GIVEN a complete project WHEN validated THEN it is returned unchanged with the Safe Harbor policy
    p = project(policy_options={"retain_device_identity": True}).validate()
    assert p.deid_policy == "safe_harbor"
    assert Project.from_record(p.to_record()) == p


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"objective": " "}, "missing_objective"),
        ({"irb_number": ""}, "missing_irb_number"),
        ({"irb_expires_on": "2025-01-01"}, "expiry_before_approval"),
        ({"irb_approved_on": "15/01/2026"}, "invalid_date"),
        ({"project_id": "bad id!"}, "invalid_project_id"),
        ({"policy_options": {"keep_names": True}}, "invalid_policy_option"),
        ({"deid_policy": "none"}, "invalid_deid_policy"),
        ({"irb_status": "maybe"}, "invalid_irb_status"),
    ],
)
def test_validate_refuses_malformed_projects(kw: dict[str, object], reason: str) -> None:
    # GIVEN a malformed project WHEN validated THEN the specific reason is raised
    with pytest.raises(InvalidRecordError) as exc:
        project(**kw).validate()
    assert exc.value.reason == reason


def test_suspend_is_one_way_until_reapproved() -> None:
    # GIVEN an active project WHEN suspended THEN its status is suspended and suspending again fails
    suspended = suspend_project(project())
    assert project_status(suspended, date(2026, 6, 1)) == "suspended"
    with pytest.raises(TransitionError):
        suspend_project(suspended)


def test_enrollment_assigns_the_code_once_and_keeps_it_across_projects() -> None:
    # GIVEN a new site WHEN enrolled in two projects THEN it keeps its first random code and lists both
    first = enroll_site(None, "uni-a", "site-1", "lung-ai", "S-AAAAAA")
    second = enroll_site(first, "uni-a", "site-1", "brain-mr", "S-BBBBBB")
    assert second.site_code == "S-AAAAAA"
    assert second.projects == ("lung-ai", "brain-mr")
    assert site_enrolled(second, "brain-mr") and not site_enrolled(second, "other")
    assert Site.from_record(second.to_record()) == second
    assert second.site_id == "uni-a/site-1"


def test_enrolling_twice_in_the_same_project_is_refused() -> None:
    site = enroll_site(None, "uni-a", "site-1", "lung-ai", "S-AAAAAA")
    with pytest.raises(TransitionError) as exc:
        enroll_site(site, "uni-a", "site-1", "lung-ai", "S-CCCCCC")
    assert exc.value.reason == "already_enrolled"


def test_withdrawn_site_is_not_enrolled_and_can_rejoin() -> None:
    site = Site("uni-a", "site-1", "S-AAAAAA", "withdrawn", ("lung-ai",))
    assert not site_enrolled(site, "lung-ai")
    assert site_enrolled(enroll_site(site, "uni-a", "site-1", "lung-ai", "S-X"), "lung-ai")


@pytest.mark.parametrize(
    ("proj", "site", "expected"),
    [
        (None, None, "project_unknown"),
        (project(irb_status="pending"), None, "project_not_approved"),
        (project(irb_expires_on="2026-02-01"), None, "project_expired"),
        (project(irb_status="suspended"), None, "project_suspended"),
        (project(), None, "site_not_enrolled"),
        (project(), Site("uni-a", "site-1", "S-A", "enrolled", ("other",)), "site_not_enrolled"),
        (project(), Site("uni-a", "site-1", "S-A", "enrolled", ("lung-ai",)), None),
    ],
)
def test_ingest_refusal_gives_a_documented_reason(proj: Project | None, site: Site | None, expected: str) -> None:
    # GIVEN a project and site record WHEN an upload is checked THEN the refusal (or None) is the rule's
    reason = ingest_refusal(proj, site, "lung-ai", date(2026, 6, 1))
    assert reason == expected
    assert reason is None or reason in QUARANTINE_REASONS


def test_a_project_keeps_its_table_schema_and_refuses_a_bad_one() -> None:
    # GIVEN a project with the column roles of its outcome tables
    schema = {"issuer": "MERCY", "columns": {"mrn": "patient_id", "exam_date": "date", "outcome": "keep"}}
    p = Project("lung-ai", "nodules", "IRB-1", "2026-01-01", "2026-12-31", table_schema=schema).validate()
    # THEN it round-trips through the stored record
    assert Project.from_record(p.to_record()).table_schema == schema
    # AND a schema with an unknown role is refused with a machine-readable reason
    bad = {"columns": {"mrn": "keep_it_secret"}}
    with pytest.raises(InvalidRecordError) as info:
        Project("lung-ai", "nodules", "IRB-1", "2026-01-01", "2026-12-31", table_schema=bad).validate()
    assert info.value.reason == "invalid_table_schema"
