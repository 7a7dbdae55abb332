"""US claims, legal and military documents that travel with imaging: military units and bases, union locals, VA
file numbers, and the public form, statute and regulation numbers and legal words that must stay.

Each kind was first seen missed (or over-removed) in blind set 19 (bench/heldout19); the values here are new ones of
the same kinds, so the rules are tested on their shape.
"""

from __future__ import annotations

import pytest

from aiminer.text.report import scrub_text


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        (
            "assigned to 3rd Battalion, 75th Ranger Regiment, 101st Airborne Division",
            ["3rd Battalion", "75th", "101st"],
        ),
        ("C Co, 2nd Bn, 12th Infantry Regt", ["2nd Bn", "12th Infantry"]),
        ("HHB 2-77 FA", ["2-77"]),
        ("injured at Nellis AFB during a jump at Holland Drop Zone", ["Nellis", "Holland Drop Zone"]),
        ("stationed at Fort Drum, later Joint Base San Antonio-Lackland", ["Drum", "San Antonio-Lackland"]),
        ("member of IBEW Local 134 and Teamsters Local 710", ["134", "710"]),
        ("VA File No. 31 557 208; C-file C 30 118 447", ["31 557 208", "30 118 447"]),
        ("In Reply Refer To: 346/21B", ["346/21B"]),
        # an employer after the word, or after a workplace role and a comma
        ("injured while driving for his employer, Cascade Ridge Paving, on Route 9", ["Cascade Ridge Paving"]),
        ("Incident reported by the Safety Director, Granite Peak Quarry Services", ["Granite Peak Quarry"]),
        # the parties of a suit before their role
        ("ACME FREIGHT, LLC and DESMOND OKAFOR-REID, Defendants", ["DESMOND", "OKAFOR-REID"]),
        ("ROSALIND VANTERPOOL, individually and as guardian of a minor, Plaintiff", ["ROSALIND", "VANTERPOOL"]),
    ],
)
def test_identities_of_claims_legal_and_military_documents(text: str, gone: list[str]) -> None:
    out = scrub_text(text).text
    assert [g for g in gone if g in out] == []


@pytest.mark.parametrize(
    "text",
    [
        "Complete VA Form 21-4138 and DD Form 214; OMB No. 2900-0075; OMB Control Number: 1205-0466",
        "per WAC 296-20-01010, RCW 51.36.010, COMAR 14.09.01, O.C.G.A. 34-9-200 and 20 C.F.R. 404.1520",
        "bill on OWCP-1500 to DOL OWCP; Certificate of Records Custodian; Florida Statutes apply",
        "Counsel for Defendant and Plaintiff; Bates stamped; C5-6 ACDF in 2019",
        "2nd opinion; 3rd ventricle; 1st degree; local anesthetic; 4th ID card",
        "Plan: proceed to Ivor Lewis oesophagectomy",
        "Sputum AFB x3 negative; SPUTUM AFB SMEAR; Gastric aspirate AFB pending",
        "The employer was notified; employer-sponsored insurance applies.",
    ],
)
def test_public_numbers_and_legal_words_stay(text: str) -> None:
    assert scrub_text(text).text == text


def test_a_phone_after_the_word_form_is_still_a_phone() -> None:
    # (the form-number rule first kept "request form 021 555 0187": a number in groups is no form's)
    assert "555 0187" not in scrub_text("Pt phone on request form 021 555 0187. Action taken").text
