"""Names that a list, an apposition, a bracket or a form field gives away without the usual cue."""

from __future__ import annotations

import pytest

from aiminer.text.report import scrub_text


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("CASE 1   LEUNG, Wai-Man (M, 71)   MRN", ["LEUNG", "Wai"]),
        ("CASE 2   GUTIÉRREZ-SALAS, María Elena (F, 68)", ["GUTIÉRREZ", "SALAS", "María"]),
        ("CASE 3   PETROSYAN, Armen (M, 70 yo)", ["PETROSYAN", "Armen"]),
        ("CASE 4   O'HALLORAN, Bridget (F, 73)", ["HALLORAN", "Bridget"]),
    ],
)
def test_a_surname_in_capitals_before_a_given_name_goes(text: str, gone: list[str]) -> None:
    out = scrub_text(text).text
    assert not [g for g in gone if g in out], out


def test_a_heading_in_capitals_before_a_word_stays() -> None:
    text = "IMPRESSION, Mild changes. CT, Chest. NOTE, Please call. FINDINGS, Left lung clear. NAME, Jane"
    out = scrub_text(text).text
    assert out.startswith("IMPRESSION, Mild changes. CT, Chest. NOTE, Please call. FINDINGS, Left lung clear."), out


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("please call our nurse navigator, Colleen, at 555-0101", "Colleen"),
        ("Urgent result phoned to the practice nurse, Sharon, at 15:35", "Sharon"),
        ("Father, DeShawn Jones, could not be reached", "DeShawn"),
        ("Lives with his wife, June Abernathy, at home", "June"),
        ("Discussed with son Rajesh and daughter-in-law Kavitha.", "Kavitha"),
        ("Child life: Bri provided preparation.", "Bri"),
        ("to SureScan mode by Devon (device rep) before the scan", "Devon"),
        ("RN Alma monitored the patient", "Alma"),
        ("Staff: scrub Mateo; monitor/recorder Dana K., RCIS", "Mateo"),
        ("Staff: monitor/recorder Dana K., RCIS", "Dana"),
        ('Patient: Cornelius Jefferson ("C.J.")', "C.J."),
        ("Subject initials: R-J-T     MRN", "R-J-T"),
        ("Initials: M.D.K.          MRN", "M.D.K."),
        ("Spanish interpreter needed (Rocío, ext. 4471)", "Rocío"),
        ("Printed by: tvarghese     Page 1/1", "tvarghese"),
        ("RUN USER: THB.LMORIN", "LMORIN"),
        ("forwarded into chart by Diane Aldana, RN (daldana) on 3/4/25", "daldana"),
    ],
)
def test_a_name_an_apposition_a_bracket_or_a_field_gives_away_goes(text: str, name: str) -> None:
    out = scrub_text(text).text
    assert name not in out, out


@pytest.mark.parametrize(
    "text",
    [
        "Seen by the technologist, Radiology Department, today",
        "followed by Contrast (see below); by Medtronic (device rep)",
        "Reason for exam: headache. Signed by: attending. Referring: self. Signed by: system",
        "(Monday, ext 12)",
    ],
)
def test_report_words_in_the_same_places_stay(text: str) -> None:
    assert scrub_text(text).text == text


def test_ranges_and_identifiers_are_no_local_numbers() -> None:
    text = "Dose 250-1000 mg; from 100-1500; S25-1187; 2019-2020"
    # (a pathology accession, S25-1187, goes as an identifier since 2026-12-06, never as a phone number)
    assert scrub_text(text).text == "Dose 250-1000 mg; from 100-1500; [ID]; 2019-2020"


def test_a_three_digit_bleep_goes() -> None:
    assert "518" not in scrub_text("Mr Byrne, Consultant (bleep 518)").text


def test_a_local_number_without_its_area_code_goes() -> None:
    assert "555-0101" not in scrub_text("please call her at 555-0101 today").text
