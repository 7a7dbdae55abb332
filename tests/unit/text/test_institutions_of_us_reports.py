"""Institutions as US reports name them (blind set 5): practices and home care by their kind, the legal form,
campus or town after a name, and the academic centres and systems reports name without any kind word."""

from __future__ import annotations

import pytest

from aiminer.text.identity import IdentityContext
from aiminer.text.report import scrub_text


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("Tulpehocken Family Practice, fax 555-201-3344", "Tulpehocken"),
        ("Moortown Medical Practice", "Moortown"),
        ("Referring: Dr. Ng, Roxborough Pediatrics.", "Roxborough"),
        ("Ordering: Streeterville OB/GYN Associates", "Streeterville"),
        ("records to Los Altos Cardiology Associates", "Altos"),
        ("home health (Puget Sound Visiting Nurses, 555-0101)", "Puget"),
        ("Lives at Heritage Oaks Senior Living.", "Heritage"),
        ("CC: OLIVER PAIPOONGE FAMILY HEALTH TEAM", "TEAM"),
        ("Dallas County Hospital District - EMERGENCY RADIOLOGY", "District"),
        ("THUNDER BAY REGIONAL HLTH SCI CTR", "THUNDER"),
        ("NightLight Teleradiology, LLC", "LLC"),
        ("EMORY UNIVERSITY HOSPITAL MIDTOWN - IR", "MIDTOWN"),
        ("Outside films from Kaiser Permanente Oakland (KP MRN 1234)", "Oakland"),
        ("Stanford Cancer Center Palo Alto", "Alto"),
        ("University of Iowa Hospitals & Clinics.", "Clinics"),
        ("University of Wisconsin Hospitals and Clinics", "Clinics"),
        ("CHOP MRN: 12345", "CHOP"),
        ("seen at BJH, Inpatient", "BJH"),
        ("UPMC PRESBYTERIAN - DEPARTMENT OF RADIOLOGY", "PRESBYTERIAN"),
        ("Duke MRN: 12345", "Duke"),
        ("Protocol: DFCI 23-418", "DFCI"),
    ],
)
def test_an_institution_of_a_us_report_goes(text: str, gone: str) -> None:
    out = scrub_text(text).text
    assert gone not in out, out


@pytest.mark.parametrize(
    "text",
    [
        "Department of Pediatrics.",
        "Duke criteria for endocarditis; Duke treadmill score 5",
        "UPMC PRESBYTERIAN - DEPARTMENT OF RADIOLOGY",
    ],
)
def test_departments_eponyms_and_what_follows_a_name_stay(text: str) -> None:
    out = scrub_text(text).text
    for kept in ("Department of Pediatrics", "Duke criteria", "Duke treadmill score", "DEPARTMENT OF RADIOLOGY"):
        if kept in text:
            assert kept in out, out


def test_the_town_and_state_after_an_institution_lose_the_town_whatever_the_word() -> None:
    out = scrub_text("Client site: St. Joseph Medical Center, Reading, PA   (site code PSJ-04)").text
    assert "Reading" not in out and ", PA" in out, out


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        # kinds of set 6 (2026-12-06): a campus building, primary care, visiting nurses, labs, schools
        ("Dept: Pulmonary Clinic, Kessler Pavilion 2nd Fl", ["Kessler"]),
        ("PCP: Dr. Haddad, Carrow Valley Primary Care - Westborough", ["Carrow"]),
        ("Agency: Carrow Valley VNA & Hospice", ["Carrow"]),
        ("labs drawn at Heartland Diagnostic Laboratories", ["Heartland"]),
        ("seen at Merrimack Valley Bone & Joint", ["Merrimack"]),
        ("Wren Hollow Elementary School - Harbor Heights School District", ["Wren", "Harbor Heights"]),
        ("outside CT performed at Bayside Imaging Partners", ["Bayside"]),
        ("Worcester Cardiovascular Group", ["Worcester"]),
    ],
)
def test_more_kinds_of_institution_go(text: str, gone: list[str]) -> None:
    out = scrub_text(text).text
    assert all(word not in out for word in gone), out


def test_an_institution_found_is_also_found_by_its_acronym() -> None:
    # GIVEN a report that names its hospital once in full and then by its acronym, alone and in a host name
    text = (
        "LAKEMONT UNIVERSITY MEDICAL CENTER\nCarrow Valley Health imaging\n"
        "In Basket pool LUMC PULM NODULE; Workstation CVH-RDS-22. ACC#: 12345; LUMCX stays"
    )
    # WHEN scrubbing / THEN the acronyms go, a longer word and the accession label stay
    out = scrub_text(text).text
    assert "LUMC PULM" not in out and "CVH-" not in out, out
    assert "LUMCX" in out and "ACC#" in out


def test_a_known_institution_goes_by_its_acronym_and_its_saint_glued() -> None:
    # GIVEN the institution of a DICOM header as context
    context = IdentityContext(institutions=("St. Brigid Regional Medical Center",))
    # WHEN scrubbing its descriptions / THEN its acronyms and "STBRIGID" go
    out = scrub_text("auto by STBRIGID script v2; SBRMC protocol; BRMC lab; MRI brain", context).text
    assert "BRIGID" not in out and "SBRMC" not in out and "BRMC" not in out and "MRI brain" in out, out


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("Counsel: Strand Whitcombe LLP, 60 State Street", ["Strand", "Whitcombe"]),
        ("billing by Bayview Orthopedic Billing, LLC", ["Bayview"]),
        ("Kessler & Doyle, P.C. for the claimant", ["Kessler", "Doyle"]),
        ("read overnight by teleradiology (NightRad Partners) as negative", ["NightRad"]),
        ("SAUCON CREEK MEDICAL EVALUATIONS", ["SAUCON"]),
    ],
)
def test_an_organisation_by_its_legal_form_or_its_camel_case_name_goes(text: str, gone: list[str]) -> None:
    out = scrub_text(text).text
    assert all(word not in out for word in gone), out


def test_a_device_maker_s_legal_name_stays() -> None:
    text = "Siemens Medical Solutions USA, Inc.; Medtronic Inc. leads"
    assert scrub_text(text).text == text


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("Records from Fox Run Internal Medicine (fax 555-0101).", ["Fox Run"]),
        ("PCP: Dr. Abel, Mystic River Urology", ["Mystic River"]),
        ("Body released to Bergquist & Sons Funeral Home on 3/4.", ["Bergquist"]),
        ("a hygienist at Lakeview Smiles Dental", ["Lakeview Smiles"]),
        ("Outside films from Summit Orthopedics", ["Summit"]),
    ],
)
def test_a_practice_named_by_its_specialty_alone_goes(text: str, gone: list[str]) -> None:
    out = scrub_text(text).text
    assert all(g not in out for g in gone), out


@pytest.mark.parametrize(
    "text",
    [
        "Consult Interventional Radiology and Internal Medicine.",
        "Nuclear Cardiology stress test was negative.",
        "Surgical Oncology recommended resection.",
        "Seen by Pediatric Cardiology.",
        "Department of Internal Medicine",
        "Follow up with Dermatology in 2 weeks.",
    ],
)
def test_a_service_or_a_specialty_s_branch_stays(text: str) -> None:
    assert scrub_text(text).text == text
