"""Kinds a sixth blind set of US exports showed (2026-12-06): months and days in context, where people live and
with whom, floors, typists' initials, OCR swaps at a word's end; and what is no identifier (drug codes, code
systems, instruments named after a town, a car)."""

from __future__ import annotations

import pytest

from aiminer.text.report import scrub_text


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("Admitted 3/2 from home via ED.", ["3/2"]),
        ("metformin 1 tab PO BID    3/5 AM    HOLD", ["3/5"]),
        ("2. PCP - Dr. Lee - 3/10 at 2:15 PM", ["3/10"]),
        ("IVIG 0.4 g/kg/day x 5 days (02/25-03/01).", ["02/25", "03/01"]),
        ("Please add this to the 3/19 agenda.", ["3/19"]),
        ("chest tightness since last Tuesday the 4th, worse on stairs", ["4th"]),
        ("Strand Whitcombe LLP, 60 State Street, 14th Floor, Boston MA 02109", ["14th Floor", "State Street"]),
        ("FEV1 0.9 L. Lives with her son in Quincy.", ["Quincy"]),
        ("Fall at home; seen by Dr Park; lives with Marguerite", ["Marguerite"]),
        ("Lives alone at 3 Mill Race, Clara. Seen 2022.", ["Mill Race", "Clara"]),
        ("no information to his girlfriend, Keyana Booker.", ["Keyana", "Booker"]),
        ("dictated 03/05/2025, job 4471; transcribed by mlr", ["mlr"]),
        ("TO:    Dr. Ani1 Deshpande / Medical Records", ["Ani1", "Deshpande"]),
        ("8OO Riverside St, Lowe11, MA O1851   Phone 978-555-O122", ["Lowe11", "O1851", "O122"]),
    ],
)
def test_the_identifier_goes(text: str, gone: list[str]) -> None:
    out = scrub_text(text).text
    assert all(value not in out for value in gone), out


@pytest.mark.parametrize(
    "text",
    [
        "strength 4/5-5/5 in the legs; 3/4 of the lesion; take 1/2 tab at 8 PM; 1/2 at 8 PM; Gleason 3+4 in 3/12 cores",
        "lives with HIV; living with Parkinson disease; lives with her daughter",
        "dictated by him; performed by our team",
        "metformin 1,000 mg tab (NDC 0093-1048-01); atorvastatin (NDC: 68180-0980-01)",
        '"coding":[{"system":"http://loinc.org","code":"3016-3"}], "system":"http://snomed.info/sct"',
        "Edinburgh Postnatal Depression Scale (EPDS) score of 14; Pittsburgh Sleep Quality Index 9",
        "Vehicle: gray 2016 Honda Accord, MA plate",
        "per hospital policy no forensic sample was drawn",
    ],
)
def test_what_is_no_identifier_stays(text: str) -> None:
    assert scrub_text(text).text == text


def test_a_dicom_header_dump_loses_what_the_dicom_engine_would_take_out() -> None:
    # GIVEN a dcmdump pasted into a ticket, and a pydicom dump
    text = (
        "(0008,0018) UI [1.3.12.2.1107.5.1.4.73021.30000025030414320512700004418] #  56, 1 SOPInstanceUID\n"
        "(0008,0050) SH [CT25030488]                              #  10, 1 AccessionNumber\n"
        "(0008,1010) SH [SBRCTAWP73021]                           #  14, 1 StationName\n"
        "(0008,1030) LO [CTA CHEST PE PROTOCOL]                   #  22, 1 StudyDescription\n"
        "(0010,0010) PN [KARIMI^LEILA^SADAT]                      #  18, 1 PatientName\n"
        "(0010,0021) LO [SBRMC]                                   #   6, 1 IssuerOfPatientID\n"
        "(0020,0010) SH [8841]                                    #   4, 1 StudyID\n"
        "(0018,1020) LO [syngo CT VA50A]                          #  14, 1 SoftwareVersions\n"
        "(0002,0010) UI =LittleEndianExplicit                     #  20, 1 TransferSyntaxUID\n"
        "(0009,1002) [Suite id]                          SH: 'SBR-SUITE-4'\n"
        "(0008,1010) Station Name                        SH: 'CTAWP73021'\n"
        "(0002,0000) File Meta Information Group Length  UL: 192\n"
    )
    # WHEN scrubbing
    out = scrub_text(text).text
    # THEN the values Table E.1-1 does not keep go (and every private value); the rest, and the keywords, stay
    for gone in ("73021", "CT25030488", "KARIMI", "SBRMC", "8841", "SBR-SUITE"):
        assert gone not in out, gone
    for kept in ("CTA CHEST PE PROTOCOL", "syngo CT VA50A", "#  10, 1 AccessionNumber", "File Meta Information Group"):
        assert kept in out, kept


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("op: Smith via ctsamc04.samc.local (10.1.2.3)", ["ctsamc04", "samc"]),
        ("tech Dana Smith / PEMBERTON; scanner ctsamc04", ["PEMBERTON", "ctsamc04"]),
        ("operator Lee, host rad-ws3; AE title: CTAWP73021", ["rad-ws3", "CTAWP73021"]),
        ("XR CHEST PA portable Bed 12", ["12"]),
        ("moved to bed 5N-12 overnight; Bed: 6N-14B; ED bay 4", ["5N-12", "6N-14B", "bay 4"]),
    ],
)
def test_machines_beds_and_a_second_name_after_a_slash_go(text: str, gone: list[str]) -> None:
    out = scrub_text(text).text
    assert all(value not in out for value in gone), out


@pytest.mark.parametrize(
    "text",
    [
        "abdomen^liver; scanner 3T Prisma; ws 2 of 4; bed rest x 2 days; bed 1.5 m",
        "Dr. Smith / Radiology",
    ],
)
def test_words_near_machines_beds_and_slashes_stay(text: str) -> None:
    out = scrub_text(text).text
    assert out.replace("Dr. [NAME]", "Dr. Smith") == text, out


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("STAT  SV25CT044102   SVH0087712  NGUYEN, MINH TRIET            34Y M    CT HEAD WO", ["NGUYEN", "TRIET"]),
        ("RTN   SV25MR018877   PATEL, R         5W-22", ["SV25MR018877", "PATEL"]),
        ("Dosimetrist: Oksana Hrytsenko, CMD", ["Oksana", "Hrytsenko"]),
        ("Pastor Adewale Ogundipe visited the family", ["Adewale", "Ogundipe"]),
        ("daughters Corinne and Bernadette at bedside", ["Corinne", "Bernadette"]),
        ("The tech, Kyle, was present", ["Kyle"]),
        ("Hi, this is Trish from the clinic", ["Trish"]),
        ("his sister-in-law Debbie called", ["Debbie"]),
        ("The patient, who is ninety, lives alone.", ["ninety"]),
        ("The decedent, ninety-three, was found", ["ninety"]),
        ("Pt is ninety-two and frail", ["ninety", "two"]),
    ],
)
def test_worklist_rows_roles_clergy_relatives_and_ages_in_words_go(text: str, gone: list[str]) -> None:
    out = scrub_text(text).text
    assert all(value not in out for value in gone), out


@pytest.mark.parametrize(
    "text",
    [
        "34Y M    CT HEAD WO    ED-07; CT ABD/PEL W (r/o SBO); CT, HEAD  WO",
        "this is Gadolinium-based; This is Lung-RADS 3; children were present",
        "the stenosis is ninety percent; rotated ninety degrees; values: 80, ninety, 100",
    ],
)
def test_columns_and_numbers_in_words_that_are_no_identifier_stay(text: str) -> None:
    assert scrub_text(text).text == text


@pytest.mark.parametrize(
    "text",
    [
        "Fee: $6.50 flat per Vermont statute. Bill to: requester.",
        "Vitals: BP 148/92, HR 112, T 36.8 C. Pain 8/10 (left chest)",
        "Indication: Atypical chest pain; Framingham risk intermediate.",
        "Interpreter: Spanish video interpreter; Somali interpreter by phone",
        "NEW PATIENT CONSULTATION",
        "[ ] QTcF over 470 ms - ECG on the prior tracing",
        "Code status: DNR/DNI confirmed",
    ],
)
def test_set_7_s_lost_negatives_stay(text: str) -> None:
    assert scrub_text(text).text == text


def test_a_state_after_a_cue_is_no_name_but_a_person_named_after_one_is() -> None:
    out = scrub_text("Identity verified: Vermont driver's license on file. Patient: Texas Jones").text
    assert "Vermont driver's license" in out and "Jones" not in out, out


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("Exams 2/3/24-3/11/25 reviewed", ["3/11"]),
        ("Block label barcode: *S25004471A7*", ["S25004471A7"]),
        ("Specimens: C25-1180 (thyroid); C25-1181 (urine)", ["C25-1180", "C25-1181"]),
    ],
)
def test_a_range_s_second_date_barcodes_and_specimen_numbers_go(text: str, gone: list[str]) -> None:
    out = scrub_text(text).text
    assert all(value not in out for value in gone), out


def test_codes_that_look_like_specimen_numbers_or_barcodes_stay() -> None:
    text = "COVID-19; ICD-10; CA19-9; L4-5; HER2-neg; *IMPORTANT*; BP 120/80-130/85; 1-2/3 tab"
    assert scrub_text(text).text == text
