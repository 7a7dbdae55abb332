"""Identifiers and addresses of US forms that blind set 5 held: payer references, reader codes, serials in a list,
numbers spaced out digit by digit, rural routes and highways, a building's floor, public trial numbers."""

from __future__ import annotations

import pytest

from aiminer.text.report import scrub_text


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("Payer reference: UM-2503-PA-118842", "118842"),
        ("Previous denial (CT): UM-2502-PA-097310", "097310"),
        ("Original interpreting radiologist: R-4471 (Jane Doe, MD)", "4471"),
        ("two hearing aids (Phonak, serials 2241A0X7L / 2241A0X9M) bagged", "2241A0X9M"),
        ("end of dictation thank you job number 4 4 1 8 2 7", "4 4 1 8 2 7"),
        ("M R N : 0 0 4 4 7 1 2 9", "0 0 4 4 7"),
        ("D O B : 2 3 / 0 7 / 1 9 3 0", "1 9 3 0"),
    ],
)
def test_an_identifier_of_a_us_form_goes(text: str, gone: str) -> None:
    out = scrub_text(text).text
    assert gone not in out, out


@pytest.mark.parametrize(
    "text",
    [
        "Pt enrolled in NCT05871243",
        "ICD-10-CM; COVID-19; HER-2; CA-125; IL-6",
        "ratio 1/2; 2 / 3 views; levels 1 2 3; 3 4 5 mm",
        "RR 18, HR 72; level 2 evidence",
    ],
)
def test_public_numbers_and_report_numbers_stay(text: str) -> None:
    assert scrub_text(text).text == text


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        ("Mail to RR 2 Box 118, Lyme NH", "Box 118", None),
        ("Rural Route 3, Box 4", "Route 3", None),
        ("CC: DR. SMITH, HWY 130, MURILLO ON", "MURILLO", " ON"),
        ("Level 2, 18 Flemington Row, Sydney NSW 2000", "Level 2", None),
    ],
)
def test_rural_routes_highways_and_floors_go(text: str, gone: str, kept: str | None) -> None:
    out = scrub_text(text).text
    assert gone not in out, out
    assert kept is None or kept in out, out


@pytest.mark.parametrize("text", ["Exeter V40 stem", "Oxford Hip Score 14/48", "Peer Review Protection Act"])
def test_a_place_that_names_a_device_a_score_or_no_place_stays(text: str) -> None:
    assert scrub_text(text).text == text


@pytest.mark.parametrize(
    ("text", "town"),
    [
        ("Born in Normal, IL.", "Normal"),
        ("He lives in Reading, PA with his wife.", "Reading"),
        ("Moved here from Mobile, AL.", "Mobile"),
    ],
)
def test_a_town_that_is_an_english_word_goes_after_a_place_cue_and_before_a_state_code(text: str, town: str) -> None:
    out = scrub_text(text).text
    assert town not in out and "[CITY]" in out, out


def test_an_english_word_after_a_place_cue_without_a_state_stays() -> None:
    text = "She lives in Normal saline"
    assert scrub_text(text).text == text
