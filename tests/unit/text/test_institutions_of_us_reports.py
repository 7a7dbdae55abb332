"""Institutions as US reports name them (blind set 5): practices and home care by their kind, the legal form,
campus or town after a name, and the academic centres and systems reports name without any kind word."""

from __future__ import annotations

import pytest

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
