"""What letters, portal messages and forwarded emails add to a report: headers, greetings and closings, lists of
doctors, research and authorisation numbers, a practice's address line."""

from __future__ import annotations

import pytest

from aiminer.text.report import scrub_text


def test_an_emails_sender_and_recipient_go() -> None:
    text = "From: Priya Natarajan <pn@example.org> To: Anand Iyer; Sent: Tuesday, March 4, 2025 10:12 AM"
    out = scrub_text(text).text
    assert "Priya" not in out and "Natarajan" not in out and "Anand" not in out and "Iyer" not in out, out


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hi Anjali, please see the images below.", "Anjali"),
        ("see below.\nThanks, Sameer", "Sameer"),
        ("Regards,\nOyelaran", "Oyelaran"),
        ("approved by the Aetna rep Jolene on 2/28", "Jolene"),
    ],
)
def test_a_name_after_a_greeting_a_closing_or_a_representative_goes(text: str, name: str) -> None:
    out = scrub_text(text).text
    assert name not in out, out


@pytest.mark.parametrize(
    "text",
    [
        "Hi team, Dear Colleague, Hello Doctor; Thanks, Everyone",
        "Dear Dr. Haddad, Thank you for referring this patient.",
        "Flow: from: 3 to: 5 mL/s",
    ],
)
def test_who_a_greeting_addresses_that_is_no_name_stays(text: str) -> None:
    out = scrub_text(text).text
    for word in ("team", "Colleague", "Doctor", "Everyone", "Thank you", "from: 3 to: 5"):
        if word in text:
            assert word in out, out


@pytest.mark.parametrize(
    "text", ["QA committee (Drs. Patel, Murphy, Oyelaran)", "Drs. Patel, Murphy, and Oyelaran were present"]
)
def test_every_name_of_a_list_after_drs_goes(text: str) -> None:
    out = scrub_text(text).text
    assert "Patel" not in out and "Murphy" not in out and "Oyelaran" not in out, out


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("enrolled in the trial, subject 017-0042, site 017", "017-0042"),
        ("Screening No. 4471-002", "4471-002"),
        ("Prior auth # PA-7731-2025 approved", "7731"),
        ("Authorization 88412", "88412"),
    ],
)
def test_a_research_subjects_and_an_authorisations_numbers_go(text: str, number: str) -> None:
    out = scrub_text(text).text
    assert number not in out, out


def test_a_subject_without_a_number_stays() -> None:
    text = "Subject: 3 lesions; subject to approval; enrollment 2019"
    assert scrub_text(text).text == text


def test_a_practices_address_line_keeps_its_state_and_contact_label() -> None:
    out = scrub_text("25501 Chagrin Blvd, Suite 200, Beachwood OH 44122 Tel 216-464-9000").text
    assert "Beachwood" not in out and "44122" not in out and "464-9000" not in out, out
    assert " OH " in out and "Tel " in out, out


def test_two_unknown_capitalised_words_after_a_bare_by_are_a_name() -> None:
    out = scrub_text("MPR by Bartholomew Strazzeri").text
    assert "Bartholomew" not in out and "Strazzeri" not in out, out


@pytest.mark.parametrize(
    "text",
    [
        "supplied by Siemens Healthineers",
        "by Fleischner Society criteria",
        "by General Electric",
        "followed by Contrast Enhanced images",
        "Images by Radiology Department",
        "by CT Scan",
    ],
)
def test_a_maker_a_society_or_report_words_after_a_bare_by_stay(text: str) -> None:
    assert scrub_text(text).text == text
