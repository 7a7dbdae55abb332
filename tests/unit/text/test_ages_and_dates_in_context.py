"""Ages over 89 and dates that only their context makes one: a span of years, sex and age in brackets, a month
and day after a weekday or an exam, a day of the month alone, a compact date inside a file name."""

from __future__ import annotations

import pytest

from aiminer.text.report import scrub_text


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("DOB 01/02/1934    91 years    F", "91"),
        ("He turned 96 last month", "96"),
        ("Age at consent: 91 years", "91"),
        ("LEUNG, Wai-Man (M, 91)   MRN", "91"),
        ("O'HALLORAN, Bridget (F, 93)", "93"),
        ("PETROSYAN, Armen (M, 92 yo)", "92"),
    ],
)
def test_an_age_over_89_in_context_goes(text: str, age: str) -> None:
    out = scrub_text(text).text
    assert age not in out and "[AGE" in out, out


@pytest.mark.parametrize("text", ["turned 90 degrees", "90 years ago", "rotated 95 degrees", "95 mg daily", "(M, 45)"])
def test_numbers_that_are_no_age_over_89_stay(text: str) -> None:
    assert scrub_text(text).text == text


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Chest CT 2/26: right lower lobe consolidation", "2/26"),
        ("EBUS 2/27 (path S25-1): adenocarcinoma", "2/27"),
        ("Mediastinoscopy 2/25: negative", "2/25"),
        ("core biopsy on Friday 2/28 at the clinic", "2/28"),
        ("drove him to the ER on the 4th because he was short of breath", "4th"),
        ("wants to see her on the 11th to talk about surgery", "11th"),
        ("Import path: \\\\rch\\import\\DOE_JANE_19310412\\SE0003", "19310412"),
        ("plan_20250304.pdf", "0304"),
    ],
)
def test_a_date_that_its_context_makes_one_goes(text: str, date: str) -> None:
    out = scrub_text(text).text
    assert date not in out and "[DATE" in out, out


@pytest.mark.parametrize(
    "text",
    [
        "CT 1/2 of the lesions; US 2/3 views; 2/3 nodes positive; BP 120/80",
        "fracture of the 4th rib; by the 3rd attempt; on the 5th digit; on the 2nd postoperative day",
    ],
)
def test_fractions_and_ordinals_of_anatomy_stay(text: str) -> None:
    assert scrub_text(text).text == text
