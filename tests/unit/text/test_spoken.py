"""Numbers and dates left in words by a speech recogniser (aiminer.text.spoken)."""

from __future__ import annotations

import pytest

from aiminer.text.report import scrub_text


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("mrn four seven seven two one nine zero, stable", "four seven seven"),
        ("callback number is five five five eight six seven two three one nine", "eight six seven"),
        ("accession R A D two five dash zero zero four four one", "R A D two five"),
        ("medical record number oh four double seven one", "double seven"),
        ("phone three one two", "three one two"),
    ],
)
def test_an_identifier_spelled_digit_by_digit_goes(text: str, gone: str) -> None:
    out = scrub_text(text).text
    assert gone not in out, out


@pytest.mark.parametrize(
    "text",
    [
        "one or two small nodules, two to three millimeters; one of two views",
        "series five image one two three; grade one of four",
        "three two one",
    ],
)
def test_counting_words_of_a_report_stay(text: str) -> None:
    assert scrub_text(text).text == text


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("date of birth june the fourteenth nineteen thirty two, seen today", "fourteenth nineteen thirty two"),
        ("seen on the twenty eighth of february", "twenty eighth"),
        ("follow up the third of march two thousand and five", "third of march two thousand"),
        ("last seen march 4th twenty twenty four", "march 4th twenty twenty four"),
        ("Seen on November second.", "November second"),
    ],
)
def test_a_date_said_in_words_goes(text: str, gone: str) -> None:
    out = scrub_text(text).text
    assert gone not in out and "[DATE" in out, out


@pytest.mark.parametrize(
    "text",
    ["the fourth ventricle is normal", "we may the second time", "first of all"],
)
def test_ordinals_without_a_month_stay(text: str) -> None:
    assert scrub_text(text).text == text


def test_a_month_without_a_day_is_a_date_s_element() -> None:
    # Safe Harbor keeps only a date's year; a month alone after "in" goes too (it stayed before session 14)
    assert scrub_text("In March one lesion was seen").text == "In [DATE] one lesion was seen"


@pytest.mark.parametrize(
    ("text", "gone"),
    [("name spelled O K A F O R, okay", "O K A F O R"), ("Dr. P .  N g u y e n read it", "N g u y e n")],
)
def test_a_name_spelled_letter_by_letter_goes(text: str, gone: str) -> None:
    out = scrub_text(text).text
    assert gone not in out and "[NAME]" in out, out


@pytest.mark.parametrize("text", ["options a or b; A B C; grade A", "zones I II III"])
def test_a_few_letters_of_a_list_stay(text: str) -> None:
    assert scrub_text(text).text == text
