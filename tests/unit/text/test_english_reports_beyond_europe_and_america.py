"""English-language reports from South Asia, Africa, South-East Asia, the Middle East and the Caribbean: honorifics,
"son/wife of", names before an age, national and police numbers, vehicles, Malay and Hijri dates, villages and
sub-counties, and the clinical words of those settings that look like names.

Each kind was first seen missed (or over-removed) in blind set 18 (bench/heldout18); the values here are new ones of
the same kinds, so the rules are tested on their shape.
"""

from __future__ import annotations

import pytest

from aiminer.text.identity import IdentityContext
from aiminer.text.report import scrub_text


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        # whose wife, son or daughter, before and after
        ("Smt. Lakshmi W/O Sri Venkatesh Rao, 52 yrs", ["Lakshmi", "Venkatesh", "Rao"]),
        ("SHAZIA PARVEEN W/O GHULAM MUSTAFA", ["SHAZIA", "PARVEEN", "GHULAM", "MUSTAFA"]),
        ("daughter of Late Abdur Rahim, Mirpur", ["Abdur Rahim"]),
        # honorifics and titles
        ("Patient: Mst. Shahnaz Akter", ["Shahnaz", "Akter"]),
        ("Husband: Md. Rafiqul Islam", ["Rafiqul"]),
        ("Client: Mzee Omondi Otieno", ["Omondi", "Otieno"]),
        ("Referred by Alhaji Sani Abdullahi", ["Sani", "Abdullahi"]),
        ("Datin Rosnah Ismail accompanied", ["Rosnah"]),
        ("Engr. Emeka Nwosu (next of kin)", ["Emeka", "Nwosu"]),
        ("Escorted by S.I. Md. Kamal Hossain", ["Kamal", "Hossain"]),
        ("house help Josephine Wanjiru", ["Josephine", "Wanjiru"]),
        ("Names: MUKASA JOSEPH", ["MUKASA", "JOSEPH"]),
        # a name, then the age
        ("RE: REVIEW OF WANJIKU MARY NJERI, 34 YEARS", ["WANJIKU", "NJERI"]),
        # numbers after their cues, and shapes no cue needs
        ("NIN: CM92014105ZXQA", ["CM92014105ZXQA"]),
        ("NID: 1985 4412 9033 10275", ["1985 4412 9033 10275"]),
        ("old NIC 682210457V", ["682210457V"]),
        ("NIS: C 702215", ["702215"]),
        ("Folder: 448120", ["448120"]),
        ("GD Entry: GD 112/2025; FIR No. 87/2025", ["112/2025", "87/2025"]),
        ("collision with truck MH 12 KT 5531", ["MH 12 KT 5531"]),
        ("Enquiries: 6255 3012", ["6255 3012"]),
        ("PhilHealth: 19-050123456-7", ["19-050123456-7"]),
        # dates and ages
        ("scanned 9 Ogos 2023, reviewed 2 Disember 2023", ["9 Ogos", "2 Disember"]),
        ("admitted 7 Rabi al-Awwal 1446 H", ["7 Rabi al-Awwal 1446"]),
        ("A nonagenarian with a hip fracture", ["nonagenarian"]),
        # places below a county or a district, and a case's police station
        ("from Kanduyi sub-county, Bungoma", ["Kanduyi"]),
        ("Thana: Kotwali; Police Station: Sutrapur", ["Kotwali", "Sutrapur"]),
        ("No. 8, Jalan Melur 3, Taman Bukit Indah", ["Melur", "Bukit Indah"]),
    ],
)
def test_identities_of_english_reports_beyond_europe_and_america(text: str, gone: list[str]) -> None:
    out = scrub_text(text).text
    assert [g for g in gone if g in out] == []


@pytest.mark.parametrize(
    "text",
    [
        "CT ABD W/O IV CONTRAST; H/O Hypertension Diabetes",
        "Placenta fundal, Grade II. Liquor adequate.",
        "Started on DOTS (Category II); Xpert MTB/RIF not detected",
        "Haemoglobin electrophoresis: HbSS pattern; OPD/IPD No pending",
        "cT2 N1 Mx. Right hilar nodes",
        "MD Anderson protocol",
    ],
)
def test_clinical_words_of_those_settings_stay(text: str) -> None:
    out = scrub_text(text).text
    assert "[NAME]" not in out and "[CITY]" not in out and "[ID]" not in out


def test_a_patient_named_with_an_everyday_word_keeps_the_word_in_small_letters() -> None:
    # (the patient Favour: "in favour of breast conservation" lost the word; blind set 18)
    ctx = IdentityContext(patient_names=("ADEBAYO^BLESSING",))
    out = scrub_text("Blessing Adebayo counselled; a blessing that the margins are clear.", context=ctx).text
    assert "Adebayo" not in out and "a blessing that" in out


def test_a_person_named_after_for_in_a_description_goes() -> None:
    # (pipeline red team 24: "CT CHEST for Zebulon Quimby" reached the partner's download; a given name no list
    # knows and a surname the dictionary does)
    out = scrub_text("CT CHEST for Zebulon Quimby").text
    assert "Zebulon" not in out and "Quimby" not in out
    assert scrub_text("CT for Crohn Disease; PET for Hodgkin Lymphoma").text.count("[") == 0


def test_filipino_february_is_february() -> None:
    # (the first table of Malay, Indonesian and Filipino months gave "Pebrero" January's number)
    from aiminer.text.dates import find_dates

    assert {d.month for d in find_dates("ipinanganak noong 14 Pebrero 1960")} == {2}
