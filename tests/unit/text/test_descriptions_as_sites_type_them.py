"""What DICOM descriptions and comments hold as sites type them (red team 5): staff named after a credential or by
their initials, a user name, a doctor's period glued to the name, a compact date in a series name, the patient's
surname cut short in a label; and what they hold that is no name: report words joined by carets, abbreviations
where a name could stand, a language."""

from __future__ import annotations

import pytest

from aiminer.text.identity import IdentityContext
from aiminer.text.report import scrub_text


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("t1_mprage_sag_p2_iso_03122025", ["0312"]),  # month, day and year between underscores
        ("Derived from series 5; exported by user jfernandes", ["jfernandes"]),
        ("5.3 ABD PELVIS WITH - DR.VANTERPOOL", ["VANTERPOOL"]),
        ("STAT per urology NP Wendeline Prothero ext 4471", ["Wendeline", "Prothero"]),
        ("Thermoplastic mask, marks by RTT Olamide", ["Olamide"]),
        ("Arc1 checked by physicist LMN", ["LMN"]),
        ("R marker placed by tech DJ; peds ortho", ["DJ"]),
        ("motion - pt coughing, repeated 14:32 by AK", ["AK"]),
        ("edited by resident Pieter van Ommeren", ["Pieter", "Ommeren"]),  # a particle in small letters
    ],
)
def test_staff_dates_and_users_in_a_description_go(text: str, gone: list[str]) -> None:
    out = scrub_text(text).text
    assert all(g not in out for g in gone), out


def test_the_patient_s_surname_cut_short_in_a_label_goes() -> None:
    context = IdentityContext(patient_names=("LINDQVIST^ANDERS^G",), patient_code="P-X")
    assert scrub_text("LINDQ PROST", context).text == "[PATIENT P-X] PROST"
    # (series words before the patient's name stay: red team 7)
    assert scrub_text("RT Structures LINDQVIST", context).text == "RT Structures [PATIENT P-X]"
    assert scrub_text("Lung SBRT A. Lindqvist", context).text == "Lung SBRT [PATIENT P-X]"
    # (and a lab before the full name is no part of it: "PSA, Anders" is no "SURNAME, Given")
    assert scrub_text("rising PSA, Anders G Lindqvist", context).text == "rising PSA, [PATIENT P-X]"
    # a cut that is a word or a name of its own is no term ("Parkinson" gives no "Parkin")
    assert scrub_text("Parkin lesion", IdentityContext(patient_names=("PARKINSON^JOE",))).text == "Parkin lesion"


@pytest.mark.parametrize(
    "text",
    [
        "Head^Routine",
        "Thorax^LDCT (Adult)",
        "MAMMO CC HR-S",
        "Pt DOB verified w/ wristband; ASiR-V 40%",
        "Husband (HCP) consented",
        "interpreter Norwegian",
        "Interpreter: Norwegian",
        "confirmed by CT.",
        "seen by SLP.",
        "done by ME.",
        "tech OK",
        "Observer Type",  # SR concept names (red team 6)
        "Device Observer UID",
        "Device Observer Serial Number",
        "Retina clinic imaging",
        "syngo MR XA50",  # a software version: MR before an abbreviation is no title (red team 7)
    ],
)
def test_report_words_where_a_name_could_stand_stay(text: str) -> None:
    assert scrub_text(text).text == text


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        ("MRI KNEE LT WO^Oduya^Chidinma", "MRI KNEE LT WO^", "Oduya"),  # a RIS joined the name to the exam
        ("MR LUMBAR SPINE^ZAMBRANO-IBARRA^ROSALIND", "MR LUMBAR SPINE^", "ZAMBRANO"),
        ("per Dr. Kowalczyk-Obi urology", "urology", "Kowalczyk"),
        ("Brown^Rose", "", "Brown"),  # words that are names too stay names
    ],
)
def test_a_name_after_report_words_goes_and_the_words_stay(text: str, kept: str, gone: str) -> None:
    out = scrub_text(text).text
    assert out.startswith(kept) if kept[:1].isupper() else kept in out, out
    assert gone not in out, out
