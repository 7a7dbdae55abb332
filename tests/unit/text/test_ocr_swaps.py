"""An OCR scan's digits read for letters and letters read for digits hide nothing (a second reading of the text)."""

from __future__ import annotations

import pytest

from aiminer.text.report import _ocr_repaired, scrub_text


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("Referring: Dr. Kevin O'SULL1VAN", ["SULL1VAN"]),
        ("Outside films from L0RING H0SPITAL, please return", ["L0RING", "H0SPITAL"]),
        ("Sent from ST. BR1GID MEDICAL CENTER", ["BR1GID"]),
        ("Patient: Wi11iams, Margaret", ["Wi11iams", "Margaret"]),
        ("fax 6l7-555-0l42 attn records", ["6l7", "0l42"]),
        ("Boston MA 0211O", ["0211O"]),
        ("Des Moines IA 5O583", ["5O583"]),
        ("Study date 03/O4/2025", ["O4"]),
        ("DOB: O3/1l/l95O", ["O3/1l", "l95O"]),  # a date with Os and ls for digits, in every group
        ("Date of exam 1O-O4-2O24 at noon", ["1O-O4"]),
    ],
)
def test_an_identifier_with_ocr_swaps_goes(text: str, gone: list[str]) -> None:
    out = scrub_text(text).text
    assert all(value not in out for value in gone), out


@pytest.mark.parametrize(
    "text",
    [
        "T2W1 and T1W images, L5S1 disc, HbA1c 6.5, H1N1 negative, vitamin B12 low",
        "I-131 therapy; 100S rotation; ISO 9001; F18 FDG; 3.0T magnet; page 1 of 5; 0.5 mm; v1.0.3",
        "COVID19 PCR; SARS-CoV-2 antigen; IgG4 disease; C5-6 level; 1O0 mL",
        "I/O 1200/800; lo/hi flags; IO-II-III grading",  # OCR letters in a date's shape, without its digits
    ],
)
def test_clinical_codes_with_digits_stay(text: str) -> None:
    assert scrub_text(text).text == text


def test_the_repaired_reading_keeps_every_offset() -> None:
    text = "Dr 0'BRIEN at H0LY CR0SS, 6l7-555-0l42, 5O583, Wi11iams and HbA1c"
    repaired = _ocr_repaired(text)
    assert repaired == "Dr O'BRIEN at HOLY CROSS, 617-555-0142, 50583, Williams and HbAlc"
    assert len(repaired) == len(text)
    assert _ocr_repaired("no swaps here: T2W1, L5S1, 2019") is None
