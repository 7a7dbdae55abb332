"""Tables whose identities sit outside the columns the schema names for them (red team 19): relatives and staff named
in a dropped contact column and again in a kept one, a merged "Name (MRN)" cell, the partner's own site name in a
kept column, a patient's folder in a kept file path, coordinates, French phones, JSON Lines, a JSON object that is
no table, a header repeated mid-file, a JSON age that must stay a number."""

from __future__ import annotations

import csv
import io
import json

import pytest

from aiminer.crosswalk import Coder
from aiminer.text.errors import TextDeidError
from aiminer.text.identity import IdentityContext
from aiminer.text.report import scrub_text
from aiminer.text.sniff import sniff
from aiminer.text.table import TableSchema, deidentify_table

SCHEMA = TableSchema.from_mapping(
    {
        "issuer": "SBMC",
        "columns": {
            "Patient": "drop",
            "MRN": "patient_id",
            "Emergency Contact": "drop",
            "Ref": "keep",
            "SITENAME": "keep",
            "Report Link": "keep",
            "Notes": "free_text",
            "age": "age",
        },
    }
)


def _rows(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out)))


def test_names_in_dropped_columns_go_from_kept_and_free_text_cells(coder: Coder) -> None:
    # GIVEN a husband named in a dropped contact column and again in a kept one; the patient's merged "Name (MRN)"
    # cell dropped, her name again in the notes and in a kept file path
    text = (
        "Patient,MRN,Emergency Contact,Ref,Notes,Report Link\n"
        '"Okonkwo-Hale, Marisela (00812245)",00812245,"Husband Teodoro Vasquez-Iriarte (cell)",'
        '"walk-in per Teodoro Vasquez-Iriarte","Prior bx OKONKWO-HALE, Marisela at outside hosp",'
        "file:///S:/Reports/OKONKWO-HALE_MARISELA_00812245.pdf\n"
    )
    # WHEN de-identifying
    out = deidentify_table(text, "csv", SCHEMA, coder, "S-1").text
    # THEN none of them is left; the kept cell keeps its words around the name
    assert [
        w for w in ("Teodoro", "Vasquez", "Iriarte", "Marisela", "OKONKWO", "Okonkwo", "00812245") if w in out
    ] == []
    assert "walk-in per" in _rows(out)[0]["Ref"]


def test_the_partners_own_site_name_goes_from_a_kept_column(coder: Coder) -> None:
    text = "MRN,SITENAME\n00812245,St. Brigid's Medical Center\n"
    site = IdentityContext(institutions=("St. Brigid's Medical Center",))
    out = deidentify_table(text, "csv", SCHEMA, coder, "S-1", context_for=lambda _row: site).text
    assert "Brigid" not in out and _rows(out)[0]["SITENAME"] == "[INSTITUTION]"


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        ("Residence Notes: home at 44.8856,-84.5943 per GPS", "44.8856,-84.5943", "per GPS"),
        ("pixel spacing 0.6641,0.6641 mm", None, "0.6641,0.6641"),
        ("orientation 0.7071,-0.7071; position -45.5000,-60.2500", None, "-45.5000,-60.2500"),
        ("centroid 23.4500,-41.2500 mm", None, "23.4500,-41.2500"),
        ("Commentaire: joindre au 06 82 45 58 86 le matin", "06 82 45 58 86", "le matin"),
        ("Pt 93 at dx, stage IIB", "93", "stage IIB"),
        ("Scan of Haruto MacIlwraith (37776151) aborted", "MacIlwraith", "aborted"),
        ("Notes: Kowalczyk, Nirmala called back", "Nirmala", "called back"),
        ("DLBCL, Stadium IV", None, "DLBCL, Stadium IV"),
        ("Lives at 1200 Maple Lane, Olympia, WA 98501", "Olympia", "WA"),
    ],
)
def test_identities_in_table_notes(text: str, gone: str | None, kept: str) -> None:
    out = scrub_text(text).text
    assert gone is None or gone not in out
    assert kept in out


def test_json_lines_is_a_table_and_a_json_object_is_refused(coder: Coder) -> None:
    schema = TableSchema.from_mapping({"issuer": "SBMC", "columns": {"mrn": "patient_id", "notes": "free_text"}})
    lines = '{"mrn": "00936514", "notes": "pt Zoraida Fujiwara requested copy"}\n{"mrn": "59420583", "notes": "ok"}\n'
    assert sniff(lines.encode(), "manifest.jsonl") == "table_json"
    out = deidentify_table(lines, "json", schema, coder, "S-1").text
    assert "00936514" not in out and "Fujiwara" not in out and len(json.loads(out)) == 2
    wrapped = '{"query": {"requested_by": "Dr. Wendell Okonjo"}, "results": [{"mrn": "31731576"}]}'
    assert sniff(wrapped.encode(), "cfind.json") == "table_json"
    with pytest.raises(TextDeidError) as err:
        deidentify_table(wrapped, "json", schema, coder, "S-1")
    assert err.value.reason == "json_not_records"


def test_a_header_repeated_mid_file_is_no_row_and_a_json_age_stays_a_number(coder: Coder) -> None:
    text = "MRN,Notes\n00812245,ok\nMRN,Notes\n00812246,fine\n"
    rows = _rows(deidentify_table(text, "csv", SCHEMA, coder, "S-1").text)
    assert [r["Notes"] for r in rows] == ["ok", "fine"] and "MRN" not in {r["MRN"] for r in rows}
    records = json.loads(
        deidentify_table('[{"MRN": "1", "age": 94}, {"MRN": "2", "age": 61}]', "json", SCHEMA, coder, "S-1").text
    )
    assert [r["age"] for r in records] == [90, 61]


def test_a_given_name_that_opens_a_call_note_goes() -> None:
    # red team 19: "Zoraida says she is feeling well" in a follow-up call's note, the only mention in its table
    assert scrub_text("Evaristo says she is feeling well; no new symptoms.").text.startswith("[NAME] says")
    assert scrub_text("Radiology said no. Insurance says yes.").text == "Radiology said no. Insurance says yes."


def test_departments_before_says_stay() -> None:
    # precision red team 21: "Heme says escalate" became "[NAME] says"
    text = "Heme says escalate. Urology said biopsy next. Compliance said ok."
    assert scrub_text(text).text == text


def test_a_name_after_a_lower_case_nurse_goes() -> None:
    assert "kayleigh" not in scrub_text("nurse kayleigh brandt notified at 0415").text


@pytest.mark.parametrize(
    "text",
    ["Subject: RE: NCT04512387 reads", "HL7 ORU^R01 went out", "LMP: 08/19/2024", "Fellow: IR fellow (PGY-6)"],
)
def test_identifier_prefixes_message_types_and_obstetric_dating_are_no_names(text: str) -> None:
    # precision red team 21: "[NAME]04512387", "[NAME]01", "[NAME]: ...", "([NAME]-6)"
    assert "[NAME]" not in scrub_text(text).text
