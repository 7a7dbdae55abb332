"""Places and identifiers as hospitals outside the US write them: towns of any country by name, streets without a house
number, and the report words that share their names.

Each kind was first seen missed in a blind hand-written set of reports from 25 countries (docs/reports.md,
"Held-out check", set 3); the values here are new ones of the same kinds, so the rules are tested on their shape and
on the gazetteer, not on that set.
"""

from __future__ import annotations

import pytest

from aiminer.text.report import scrub_text


def _scrub(text: str) -> str:
    return scrub_text(text).text


@pytest.mark.parametrize(
    ("text", "values"),
    [
        # towns and cities of any country, by name (GeoNames, 15,000 inhabitants or more)
        ("Referred from Kumasi for a second opinion.", ["Kumasi"]),
        ("Retired teacher, moved to Gdańsk last year.", ["Gdańsk"]),
        ("Transferred via Gdansk", ["Gdansk"]),
        ("Prior imaging at a clinic in Pietermaritzburg (report not available).", ["Pietermaritzburg"]),
        ("Holiday in Antalya, fell from a balcony.", ["Antalya"]),
        # streets without a house number, and the places after them on the line
        ("Radiology Department, Kenyatta Road, Kisumu", ["Kenyatta Road", "Kisumu"]),
        ("Imaging Centre, Harbour Esplanade, Port Louis 11302", ["Harbour Esplanade", "11302"]),
        ("Collided with a bus on Ngong Road near the market.", ["Ngong Road"]),
        ("Clinic: Nehru Marg, Jaipur 302004", ["Nehru Marg", "Jaipur", "302004"]),
        ("Suite 4, 17th Avenue, Parktown", ["17th Avenue", "Parktown"]),
    ],
)
def test_places_and_streets_of_other_countries_are_found(text: str, values: list[str]) -> None:
    out = _scrub(text)
    for value in values:
        assert value not in out, (value, out)


@pytest.mark.parametrize(
    "text",
    [
        # words that are also towns somewhere, at the start of a sentence or in a term
        "Normal study. Split thickness graft. Mobile phone artefact. Reading room note.",
        "Ottawa ankle rules negative. Bethesda category IV. Glasgow coma scale 14. Bristol stool chart type 4.",
        "Factor V Leiden heterozygote. Lugano stage III. Lyme disease serology pending.",
        "Thurston Holland fragment of the distal radius.",
        # capitalised headings and anatomy in a comma list are no streets
        "Findings, Left Lower Lobe, Right Middle Lobe, Posterior Fossa, Circle of Willis",
        "Road traffic accident. Sex drive reduced.",
    ],
)
def test_report_words_that_are_also_places_survive(text: str) -> None:
    assert _scrub(text) == text
