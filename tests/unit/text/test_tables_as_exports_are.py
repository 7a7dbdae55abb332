"""Tables as hospitals export them (red team 9): quoted cells over several lines, pipes, a header that names the
schema's columns, DICOM keywords as headers, ages and ZIP codes in kept columns, research codes and code systems
in kept columns, one part of a name per column."""

from __future__ import annotations

import csv
import io

import pytest

from aiminer.crosswalk import Coder
from aiminer.text.sniff import sniff, table_by_header
from aiminer.text.table import TableSchema, deidentify_table

RIS = (
    "Accession #,Pt MRN,Patient Name,Age,Reason For Exam\r\n"
    'E42743628,26455435,"TREVELYAN, YOLANDA",94,"Staging.\r\nTrevelyan called back."\r\n'
    'E38834715,36079116,"JAMES, ARLO",61,"Cough,\r\nfever."\r\n'
    'E38834716,36079117,"OKAFOR, ADA",58,"Pain."\r\n'
)


def test_a_csv_whose_quoted_cells_hold_line_breaks_is_a_table() -> None:
    assert sniff(RIS.encode(), "ris_export.csv") == "table_csv"


def test_a_pipe_delimited_export_is_a_table_and_keeps_its_pipes(coder: Coder) -> None:
    # GIVEN a mammography system's pipe-delimited export (red team 9 file 16, read as a report before)
    text = (
        "MRN|AGE|FINDINGS|READER\n"
        "36421444|94|Grouped calcifications|Brannstrom, Hilde\n"
        "45326510|56|None|Brannstrom, Hilde\n"
    )
    assert sniff(text.encode(), "mammo.txt") == "table_csv"
    schema = TableSchema.from_mapping(
        {"issuer": "NEAMC", "columns": {"MRN": "patient_id", "AGE": "keep", "FINDINGS": "free_text", "READER": "drop"}}
    )
    # WHEN de-identifying / THEN the output is pipe-delimited too, the MRN coded, the age over 89 top-coded
    out = deidentify_table(text, "csv", schema, coder, "S-1").text
    rows = list(csv.reader(io.StringIO(out), delimiter="|"))
    assert rows[0] == ["MRN", "AGE", "FINDINGS"] and rows[1][0].startswith("P-") and rows[1][1] == "90"


def test_with_a_schema_a_text_whose_header_names_its_columns_is_a_table() -> None:
    schema = TableSchema.from_mapping({"issuer": "X", "columns": {"Pt MRN": "patient_id", "Notes": "free_text"}})
    head = b"Pt MRN;Notes;Other\n123;a\n"
    assert table_by_header(head, lambda c: schema.role(c) is not None) == "table_csv"
    assert table_by_header(b"Findings: normal. Impression: none.", lambda c: schema.role(c) is not None) is None


@pytest.mark.parametrize(
    ("header", "value", "kept"),
    [
        ("age_at_enrollment", "92", "90"),
        ("PatientAge", "094Y", "090Y"),
        ("Age", "89", "89"),
        ("zip3", "102", "000"),  # fewer than 20,000 people live there
        ("zip3", "753", "000"),  # (the 2010 Census list)
        ("Zip Code", "02138", "021"),
        ("Stage", "94", "94"),  # no age
    ],
)
def test_ages_and_zip_codes_in_kept_columns_follow_safe_harbor(
    coder: Coder, header: str, value: str, kept: str
) -> None:
    schema = TableSchema.from_mapping({"issuer": "X", "columns": {"mrn": "patient_id", header: "keep"}})
    out = deidentify_table(f"mrn,{header}\n123456,{value}\n", "csv", schema, coder, "S-1").text
    assert next(iter(csv.DictReader(io.StringIO(out))))[header] == kept


def test_research_codes_stay_in_kept_columns_and_an_mrn_in_a_lying_one_goes(coder: Coder) -> None:
    # GIVEN kept research codes, a SNOMED code in its column, a service's name, and an MRN in a column named "code"
    schema = TableSchema.from_mapping(
        {
            "issuer": "X",
            "columns": {
                "mrn": "patient_id",
                "record_id": "keep",
                "snomed_ct": "keep",
                "Location": "keep",
                "code": "keep",
            },
        }
    )
    text = "mrn,record_id,snomed_ct,Location,code\n555001,LS-0001,59529006,Main Campus Radiology,39450220\n"
    row = next(iter(csv.DictReader(io.StringIO(deidentify_table(text, "csv", schema, coder, "S-1").text))))
    # THEN the codes and the service stay, the MRN goes
    assert (row["record_id"], row["snomed_ct"], row["Location"]) == ("LS-0001", "59529006", "Main Campus Radiology")
    assert "39450220" not in row["code"]


def test_a_dicom_keyword_header_and_a_first_name_column_name_the_row_s_patient(coder: Coder) -> None:
    schema = TableSchema.from_mapping(
        {
            "issuer": "X",
            "columns": {"PatientID": "patient_id", "PatientName": "drop", "first_name": "drop", "Notes": "free_text"},
        }
    )
    text = (
        "PatientID,PatientName,first_name,Notes\n"
        "13030187,YARBOROUGH^ZBIGNIEW,Zbigniew,Outside study for Zbigniew Yarborough pushed\n"
        "13030188,OKAFOR^ADA,Yevgenia,Spoke w/ Yevgenia on the phone\n"
    )
    rows = list(csv.DictReader(io.StringIO(deidentify_table(text, "csv", schema, coder, "S-1").text)))
    assert "Yarborough" not in rows[0]["Notes"] and "Yevgenia" not in rows[1]["Notes"]


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        # what the free-text cells of red team 9's exports said of people without a cue the scrubber knew
        ("Received fresh labeled with the patient's name (Oyelaran, Nkechi) and MR# 123", ["Oyelaran"]),
        ("hemolyzed, redraw requested from Kasimir Tamburello 401-555-7061", ["Tamburello"]),
        ("discussed w/ Rupert Vantongeren, pt to return", ["Vantongeren"]),
        ("resched from 1/2/2025 per Brigid O'Halloran RN", ["Halloran"]),
        ("Pat. Jolanta Wojciechowski tel. 0171 bzgl. Termin.", ["Wojciechowski"]),
        ("tumor content 40%; Halvorsen consented 03/2021.", ["Halvorsen"]),
        ("implants; Wachowski asked for female tech", ["Wachowski"]),
        ("needs interpreter (Polish); Nakashima prefers mornings", ["Nakashima"]),
        ("Per obituary, died at home; Emeka Quintanilla confirmed.", ["Quintanilla"]),
        ("admitted to St. Brendan's Hospital in Quincy with grade 3 pneumonitis", ["Quincy"]),
        ("children Ada (age 6) and Tobenna (age 3). Mother-in-law visiting", ["Tobenna"]),
        # a patient's folder in a path, as PACS and export tools name them
        ("HOLLINGSWORTH_SOLEDAD/SE2/IM0001.dcm", ["HOLLINGSWORTH"]),
        ("Images archived: \\\\bpc-pacs02\\fetal\\DELACROIXHUME_A_0903\\series1", ["DELACROIXHUME"]),
    ],
)
def test_people_in_an_export_s_notes_go(text: str, gone: list[str]) -> None:
    from aiminer.text.report import scrub_text

    out = scrub_text(text).text
    assert all(g not in out for g in gone), out


@pytest.mark.parametrize(
    "text",
    [
        "Sample SNOMED 119297000 blood. SNOMED CT: 363358000. LOINC 2160-0.",
        "AE reported by daughter, CTCAE v5.0.",
        "Radiology called. Family declined. Patient refused. Insurance denied. Sponsor agreed. Hospice declined.",
        "records requested from Mercy Hospital",
        "Seen by Pat. The patient was fine.",
        "Tumor Board confirmed. Pathology Review confirmed. Lab Services notified.",
        "/exports/CT_CHEST/ and HEAD_NECK/x.dcm and BRAIN_MRI.zip and T1_MPRAGE/ and AX_FLAIR/",
    ],
)
def test_codes_and_services_in_an_export_s_notes_stay(text: str) -> None:
    from aiminer.text.report import scrub_text

    out = scrub_text(text).text
    assert out == text if "Mercy" not in text else out.startswith("records requested from"), out
