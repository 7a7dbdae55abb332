"""Pedigrees, hyphenated names, degrees before a credential (held-out set 6, 2026-12-06)."""

from __future__ import annotations

import pytest

from aiminer.text.report import scrub_text


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        # a relation in brackets after a name
        ("  I-1  Stanislaw Nowicki (maternal grandfather) - d. 71", ["Stanislaw", "Nowicki"]),
        ("  III-3 Kasia Dunn (maternal first cousin) - 38 y", ["Kasia", "Dunn"]),
        ("  II-3 Ewa Nowicka-Dunn (maternal aunt) - 69 y", ["Ewa", "Nowicka", "Dunn"]),
        # a given name and a nickname in quotes before a surname that is found
        ('  II-1 Tadeusz "Ted" Kowalczyk (father) - 76 y', ["Tadeusz", "Ted", "Kowalczyk"]),
        # degrees between a name and its credential; a genetic counsellor's role
        ("Noor Al-Hashimi, MS, CGC | 617-555-0149", ["Noor", "Hashimi"]),
        ("Genetic counselor: Noor Al-Hashimi", ["Noor", "Hashimi"]),
        # the whole of a hyphenated name a rule found a part of
        ("Patient: Agnieszka Kowalczyk-Brennan     MRN: 40311597", ["Kowalczyk", "Brennan"]),
        ("Katarzyna Wisniewski-Hale presented after a fall. Her husband, Derek Hale, reported it.", ["Wisniewski"]),
        # a list's row: the surname in capitals and its comma before the given names
        ("3) CHOI, DONG-HYUN   MRN 40401387   67 yo M", ["CHOI", "DONG", "HYUN"]),
    ],
)
def test_the_whole_name_goes(text: str, gone: list[str]) -> None:
    out = scrub_text(text).text
    assert all(word not in out for word in gone), out


@pytest.mark.parametrize(
    "text",
    [
        "Non-Hodgkin lymphoma; Smith-Lemli-Opitz syndrome; Wolff-Parkinson-White pattern",
        "history of MS, MD consulted; BRCA1 (maternal side) testing offered",
        "Family history: breast cancer (mother), prostate cancer (father)",
        'Sagittal "STIR" Images; Axial "DWI" Series',
    ],
)
def test_what_is_no_name_stays(text: str) -> None:
    assert scrub_text(text).text == text


def test_a_given_name_before_a_surname_found_again_goes() -> None:
    # GIVEN a surname the rules found in one place and find again next to a given name that is also a word
    out = scrub_text("Patient: OKAFOR, MARISOL\nFrom: the daughter (proxy for Sue Okafor) on the portal").text
    # THEN both go; "the" after "From:" is no one's initials
    assert "Sue" not in out and "Okafor" not in out and "From: the daughter" in out, out
