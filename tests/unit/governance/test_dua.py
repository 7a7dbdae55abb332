"""DUAs: every allowed and forbidden transition, dates, validation and history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from aiminer.governance.dua import DUA_STATUSES, TRANSITIONS, Dua, effective_refusal, transition
from aiminer.governance.errors import InvalidRecordError, TransitionError

from .conftest import NOW, draft_dua

ALLOWED = [(a, b) for a, tos in TRANSITIONS.items() for b in sorted(tos)]
FORBIDDEN = [(a, b) for a in DUA_STATUSES for b in DUA_STATUSES if b not in TRANSITIONS[a]]


def in_status(status: str) -> Dua:
    """A DUA brought to ``status`` through allowed transitions."""
    d = draft_dua()
    path = {
        "draft": [],
        "active": ["active"],
        "suspended": ["active", "suspended"],
        "expired": ["active", "expired"],
        "revoked": ["revoked"],
    }[status]
    for step in path:
        d = transition(d, step, "curator", NOW)  # type: ignore[arg-type]
    return d


def test_transition_table_is_the_documented_one() -> None:
    assert set(ALLOWED) == {
        ("draft", "active"),
        ("draft", "revoked"),
        ("active", "suspended"),
        ("active", "expired"),
        ("active", "revoked"),
        ("suspended", "active"),
        ("suspended", "expired"),
        ("suspended", "revoked"),
    }


@pytest.mark.parametrize(("src", "dst"), ALLOWED)
def test_allowed_transitions_change_status_and_record_history(src: str, dst: str) -> None:
    # GIVEN a DUA in src WHEN moved to dst THEN the status changes and the change is in the history
    before = in_status(src)
    after = transition(before, dst, "officer", NOW, note="why")  # type: ignore[arg-type]
    assert after.status == dst
    assert after.history[-1].from_status == src and after.history[-1].to_status == dst
    assert after.history[-1].actor == "officer" and after.history[-1].note == "why"
    assert before.status == src  # immutable


@pytest.mark.parametrize(("src", "dst"), FORBIDDEN)
def test_forbidden_transitions_raise(src: str, dst: str) -> None:
    # GIVEN a DUA in src WHEN moved to a status the table forbids THEN TransitionError
    with pytest.raises(TransitionError):
        transition(in_status(src), dst, "officer", NOW)  # type: ignore[arg-type]


def test_activation_after_the_end_date_is_refused() -> None:
    # GIVEN a draft that ended yesterday WHEN activated THEN refused with dua_ended
    d = draft_dua(start_date="2026-01-01", end_date=(NOW.date() - timedelta(days=1)).isoformat())
    with pytest.raises(TransitionError) as exc:
        transition(d, "active", "curator", NOW)
    assert exc.value.reason == "dua_ended"


def test_transition_needs_an_actor() -> None:
    with pytest.raises(InvalidRecordError):
        transition(draft_dua(), "active", " ", NOW)


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"end_date": "2025-12-31"}, "end_before_start"),
        ({"start_date": "soon"}, "invalid_date"),
    ],
)
def test_new_dua_validates_dates(kw: dict[str, str], reason: str) -> None:
    with pytest.raises(InvalidRecordError) as exc:
        draft_dua(**kw)
    assert exc.value.reason == reason


def test_new_dua_validates_partner_purpose_dataset() -> None:
    d = draft_dua()
    for bad in ({"partner_id": "Pharma X"}, {"purpose": ""}, {"dataset_version": 0}):
        with pytest.raises(InvalidRecordError):
            Dua(**{**d.__dict__, **bad}).validate()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "today", "expected"),
    [
        ("active", date(2026, 6, 1), None),
        ("active", date(2026, 1, 1), None),  # inclusive start
        ("active", date(2026, 12, 31), None),  # inclusive end
        ("active", date(2025, 12, 31), "dua_not_started"),
        ("active", date(2027, 1, 1), "dua_ended"),
        ("draft", date(2026, 6, 1), "dua_draft"),
        ("suspended", date(2026, 6, 1), "dua_suspended"),
        ("revoked", date(2026, 6, 1), "dua_revoked"),
        ("expired", date(2026, 6, 1), "dua_expired"),
    ],
)
def test_effective_refusal(status: str, today: date, expected: str | None) -> None:
    assert effective_refusal(in_status(status), today) == expected


def test_record_round_trip_keeps_history() -> None:
    d = in_status("suspended")
    assert Dua.from_record(d.to_record()) == d
    assert len(d.history) == 2
