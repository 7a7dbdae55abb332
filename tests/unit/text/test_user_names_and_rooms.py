"""System user names, patients' room numbers, and staff named only before how to reach them."""

from __future__ import annotations

import pytest

from aiminer.text.report import scrub_text


@pytest.mark.parametrize(
    ("text", "handle"),
    [
        ("Transcribed by kpatel 03/04/2025", "kpatel"),
        ("dictated by: jsmith2", "jsmith2"),
        ("User: mlopez", "mlopez"),
        ("Logged in as maria.lopez at workstation RAD-WS3", "maria.lopez"),
        ("Transcriptionist: tnguyen", "tnguyen"),
        ("Operator: jdoe_rt", "jdoe_rt"),
        ("edited by: garciam", "garciam"),
    ],
)
def test_a_user_name_after_a_role_goes(text: str, handle: str) -> None:
    out = scrub_text(text).text
    assert handle not in out and "[NAME]" in out, out


@pytest.mark.parametrize(
    "text", ["User: unknown", "signed by: system", "Transcribed by: radiology", "Author: radiology resident"]
)
def test_a_word_after_a_role_that_is_no_user_name_stays(text: str) -> None:
    assert scrub_text(text).text == text


@pytest.mark.parametrize(
    ("text", "handle"), [("reviewed with jsmith2 today", "jsmith2"), ("cc maria_lopez", "maria_lopez")]
)
def test_a_user_name_made_of_known_names_goes_without_a_cue(text: str, handle: str) -> None:
    out = scrub_text(text).text
    assert handle not in out, out


def test_sequence_and_series_words_with_numbers_are_no_user_names() -> None:
    text = "series2 image 45; sagittal3 stir2 flair2 dwi1000 trace4 phase2 delay3 scout1 localizer3 recon2 bone2"
    assert scrub_text(text).text == text


@pytest.mark.parametrize(
    ("text", "room"),
    [
        ("Room 412B, Bed 2", "412B"),
        ("Pt in rm 5102 bed A", "5102"),
        ("transported from 4 West room 418 to CT", "418"),
        ("ROOM #: 6N-14", "6N-14"),
        ("Rm 3207-2", "3207"),
    ],
)
def test_a_patients_room_and_bed_go(text: str, room: str) -> None:
    out = scrub_text(text).text
    assert room not in out and "[ID]" in out, out
    assert "Bed 2" not in out and "bed A" not in out


@pytest.mark.parametrize("text", ["Scanned in CT room 2; MR Room 3", "room temperature 22 C", "Reading Room 1A"])
def test_an_exam_room_and_room_temperature_stay(text: str) -> None:
    assert scrub_text(text).text == text


@pytest.mark.parametrize(
    ("text", "name"),
    [("Vietnamese interpreter Linh (ID 4471) used", "Linh"), ("sonographer Thuy (pager 4471) paged", "Thuy")],
)
def test_a_staff_member_no_dictionary_knows_goes_before_how_to_reach_them(text: str, name: str) -> None:
    out = scrub_text(text).text
    assert name not in out and "4471" not in out, out


def test_a_word_after_a_role_before_any_other_bracket_stays() -> None:
    text = "radiologist Review (see below)"
    assert scrub_text(text).text == text


@pytest.mark.parametrize("text", ["call (pager 4471) today", "(ext 4471) and (x4471)", "(page 4-4471)"])
def test_a_number_after_a_phone_cue_keeps_the_bracket_around_it(text: str) -> None:
    out = scrub_text(text).text
    assert "4471" not in out and out.count("(") == out.count(")"), out
