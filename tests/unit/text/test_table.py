"""Metadata and outcome tables."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiminer.crosswalk import Coder
from aiminer.text.errors import TableSchemaError, TextDeidError
from aiminer.text.table import TableSchema, deidentify_table, neutralize_formula

SCHEMA = TableSchema(
    columns={
        "mrn": "patient_id",
        "study_uid": "study_uid",
        "accession": "accession",
        "exam_date": "date",
        "notes": "free_text",
        "outcome": "keep",
        "patient_name": "drop",
    },
    issuer="MERCY",
)
CSV_IN = (
    "mrn,study_uid,accession,exam_date,notes,outcome,patient_name\r\n"
    '00123456,1.2.3.4,ACC1001,01/05/2021,Seen by Dr. Okafor; MRN 00123456 on 1/5/21,=HYPERLINK("x"),SMITH^JOHN\r\n'
    "00999999,1.2.3.5,ACC1002,2020-03-04,No PHI here. Hodgkin lymphoma.,-3.5,DOE^JANE\r\n"
)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_columns_get_roles(coder: Coder) -> None:
    # GIVEN a CSV table and its schema, and the DICOM engine already saw study 1.2.3.4 with accession ACC1001
    study = coder.study("S-1", "1.2.3.4")
    coder.link_accession("S-1", "ACC1001", study)
    # WHEN de-identifying
    result = deidentify_table(CSV_IN, "csv", SCHEMA, coder, "S-1")
    rows = _rows(result.text)
    # THEN identifiers are the crosswalk's codes (same as the images), dates keep the year, names are dropped
    assert rows[0]["mrn"] == coder.patient("S-1", "MERCY", "00123456")
    assert rows[0]["study_uid"] == study and rows[0]["accession"] == study
    assert rows[0]["exam_date"] == "2021" and rows[1]["exam_date"] == "2020"
    assert "patient_name" not in rows[0] and result.dropped_columns == ("patient_name",)
    # AND free text is scrubbed with the row as context; the MRN becomes the coded patient
    assert "Okafor" not in rows[0]["notes"] and "00123456" not in rows[0]["notes"]
    assert rows[0]["mrn"] in rows[0]["notes"] and "Hodgkin lymphoma" in rows[1]["notes"]
    # AND formula injection is neutralised, plain numbers are not
    assert rows[0]["outcome"].startswith("'=") and rows[1]["outcome"] == "-3.5"
    assert result.accessions == ("ACC1001", "ACC1002") and result.rows == 2


def test_unknown_columns_are_refused_with_reason(coder: Coder) -> None:
    # GIVEN a table with a column the schema does not name
    text = "mrn,ssn\n1,123-45-6789\n"
    # WHEN de-identifying / THEN it is refused with a machine-readable reason and no cell value in the message
    with pytest.raises(TableSchemaError) as err:
        deidentify_table(text, "csv", SCHEMA, coder, "S-1")
    assert err.value.reason == "unknown_columns" and err.value.columns == ("ssn",)
    assert "123-45-6789" not in str(err.value)


def test_unknown_columns_dropped_when_allowed(coder: Coder) -> None:
    # GIVEN a schema that allows unknown columns
    schema = TableSchema(columns={"mrn": "patient_id"}, issuer="X", allow_unknown_columns=True)
    # WHEN de-identifying a table with an extra column / THEN that column is dropped
    result = deidentify_table("mrn\tssn\n1\t123-45-6789\n", "tsv", schema, coder, "S-1")
    assert "123-45-6789" not in result.text and result.dropped_columns == ("ssn",)
    assert result.text.splitlines()[0] == "mrn"


def test_json_records_round_trip(coder: Coder) -> None:
    # GIVEN JSON records
    data = [{"mrn": "777", "exam_date": "January 5, 2021", "outcome": 3, "notes": "Call 617-555-1234"}]
    # WHEN de-identifying
    result = deidentify_table(json.dumps(data), "json", SCHEMA, coder, "S-1")
    out = json.loads(result.text)
    # THEN the same format comes out, numbers stay numbers
    assert out[0]["outcome"] == 3 and out[0]["exam_date"] == "2021" and out[0]["notes"] == "Call [PHONE]"
    assert out[0]["mrn"].startswith("P-")


def test_nested_json_and_ragged_csv_are_refused(coder: Coder) -> None:
    # GIVEN malformed inputs / WHEN de-identifying / THEN named reasons
    with pytest.raises(TextDeidError) as err:
        deidentify_table(json.dumps([{"notes": {"a": 1}}]), "json", SCHEMA, coder, "S-1")
    assert err.value.reason == "nested_value"
    with pytest.raises(TextDeidError) as err:
        deidentify_table("mrn,notes\n1\n", "csv", SCHEMA, coder, "S-1")
    assert err.value.reason == "inconsistent_columns"
    with pytest.raises(TextDeidError) as err:
        deidentify_table("{not json", "json", SCHEMA, coder, "S-1")
    assert err.value.reason == "table_parse_error"


def test_date_shift_policy_uses_patient_offset(coder: Coder) -> None:
    # GIVEN a schema with the shift policy
    schema = TableSchema(columns={"mrn": "patient_id", "d": "date"}, issuer="X", date_policy="shift")
    # WHEN de-identifying
    result = deidentify_table("mrn,d\n42,2021-01-05\n", "csv", schema, coder, "S-1")
    # THEN the date moved by the patient's crosswalk offset
    code = coder.patient("S-1", "X", "42")
    offset = coder.date_offset_days("S-1", code)
    import datetime as dt

    expected = (dt.date(2021, 1, 5) + dt.timedelta(days=offset)).isoformat()
    assert _rows(result.text)[0]["d"] == expected


def test_schema_loads_from_toml_and_rejects_bad_roles(tmp_path: Path) -> None:
    # GIVEN schema files
    good = tmp_path / "s.toml"
    good.write_text('issuer = "H"\nallow_unknown_columns = true\n[columns]\nmrn = "patient_id"\nx = "keep"\n')
    bad = tmp_path / "b.json"
    bad.write_text(json.dumps({"columns": {"mrn": "hash_it"}}))
    # WHEN loading / THEN roles are checked
    schema = TableSchema.load(good)
    assert schema.role(" MRN ") == "patient_id" and schema.allow_unknown_columns
    with pytest.raises(TableSchemaError) as err:
        TableSchema.load(bad)
    assert err.value.reason == "schema_error"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("@cmd", "'@cmd"), ("\tx", "'\tx"), ("-2", "-2"), ("ok", "ok")],
)
def test_formula_neutralisation(cell: str, expected: str) -> None:
    # GIVEN a cell / WHEN neutralising / THEN formulas get a quote, numbers do not
    assert neutralize_formula(cell) == expected


def test_a_birth_year_telling_an_age_over_89_goes_a_later_one_stays(coder: Coder) -> None:
    # GIVEN birth dates in a date column: 1926 (a patient now over 89), 1970, and a bare year 1930
    schema = TableSchema(columns={"mrn": "patient_id", "birth_date": "date"}, issuer="MERCY")
    text = "mrn,birth_date\r\n1,03/14/1926\r\n2,1970-06-01\r\n3,1930\r\n"
    # WHEN de-identifying
    rows = _rows(deidentify_table(text, "csv", schema, coder, "S-1").text)
    # THEN Safe Harbor's "dates (including year) indicative of such age" go, the others keep the year
    assert [r["birth_date"] for r in rows] == ["", "1970", ""]


NOTES_SCHEMA = TableSchema(columns={"mrn": "patient_id", "notes": "free_text"}, issuer="MERCY")
NOTES_SCHEMA_WITH_DATE = TableSchema(
    columns={"mrn": "patient_id", "exam_date": "date", "notes": "free_text"}, issuer="MERCY"
)


def test_a_name_found_in_one_cell_goes_from_every_cell(coder: Coder) -> None:
    # GIVEN a name a rule finds in one row ("pt ..."), and the same words in other rows where no rule would
    text = (
        "mrn,notes\r\n1,pt Leopold Castellanos seen\r\n2,Castellanos called back\r\n3,CASTELLANOS to return\r\n"
        "4,pt June May seen\r\n5,symptoms may recur; May review\r\n"
    )
    # WHEN de-identifying
    notes = [r["notes"] for r in _rows(deidentify_table(text, "csv", NOTES_SCHEMA, coder, "S-1").text)]
    # THEN the table is one document: the name goes everywhere, an English word only where it is capitalised
    assert notes[:3] == ["pt [NAME] seen", "[NAME] called back", "[NAME] to return"]
    assert notes[4] == "symptoms may recur; [NAME] review"


def test_the_names_of_a_table_do_not_grow_each_cells_context(coder: Coder, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN tables of 3 and of 300 rows, each row naming its own patient (a new name per row)
    import aiminer.text.table as table_module
    from aiminer.text.identity import context_terms

    sizes: list[int] = []
    real = table_module.scrub_text

    def spy(text: str, context: object = None, **kw: object) -> object:
        sizes.append(len(context_terms(context)))  # type: ignore[arg-type]
        return real(text, context, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(table_module, "scrub_text", spy)
    surnames = [f"Okon{chr(97 + i // 26)}{chr(97 + i % 26)}kwo" for i in range(300)]
    biggest = []
    for n in (3, 300):
        sizes.clear()
        text = "mrn,notes\r\n" + "".join(f"{i},pt Leopold {surnames[i]} seen\r\n" for i in range(n))
        notes = [r["notes"] for r in _rows(deidentify_table(text, "csv", NOTES_SCHEMA, coder, "S-1").text)]
        assert notes == ["pt [NAME] seen"] * n
        biggest.append(max(sizes))
    # THEN the terms each cell is searched for are the row's own, whatever the names found elsewhere (they were
    # every name of the table: quadratic, 4,000 rows took 25 s)
    assert biggest[0] == biggest[1]


def test_the_crosswalk_is_asked_once_per_value(coder: Coder, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN 60 rows of 3 patients and 3 studies (a table repeats them), read twice
    calls: list[str] = []
    for name in ("patient", "study"):
        real = getattr(coder, name)
        monkeypatch.setattr(coder, name, lambda *a, _real=real, _name=name: calls.append(_name) or _real(*a))
    schema = TableSchema(columns={"mrn": "patient_id", "study_uid": "study_uid", "notes": "free_text"}, issuer="M")
    text = "mrn,study_uid,notes\r\n" + "".join(f"{i % 3},1.2.{i % 3},pt seen\r\n" for i in range(60))
    # WHEN de-identifying
    result = deidentify_table(text, "csv", schema, coder, "S-1")
    # THEN each value went to the crosswalk once, and the codes listed once each
    assert sorted(calls) == ["patient"] * 3 + ["study"] * 3
    assert len(result.patient_codes) == 3 and len(result.study_codes) == 3 and result.rows == 60


def test_a_table_is_not_held_as_records(coder: Coder) -> None:
    # GIVEN a 4 MB table of short cells (one Python object per cell weighs 20 to 50 times the cell)
    import tracemalloc

    schema = TableSchema(columns={"mrn": "patient_id", **{f"c{i}": "keep" for i in range(40)}}, issuer="M")
    head = "mrn," + ",".join(f"c{i}" for i in range(40)) + "\r\n"
    text = head + "".join(f"{i % 50}," + ",".join("v" * 40) + "\r\n" for i in range(40_000))
    # WHEN de-identifying it
    tracemalloc.start()
    try:
        result = deidentify_table(text, "csv", schema, coder, "S-1")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # THEN the peak is a few copies of the text (input, output buffer, output), not the table's cells
    assert result.rows == 40_000
    assert peak < 8 * len(text), peak / len(text)


def test_a_kept_cell_that_holds_an_identifier_is_scrubbed(coder: Coder) -> None:
    # GIVEN (fuzz seed 20261218) a note moved into a kept column by a lost delimiter, and a date kept by mistake
    schema = TableSchema(columns={"mrn": "patient_id", "notes": "free_text", "outcome": "keep"}, issuer="M")
    text = (
        "mrn,notes,outcome\r\n"
        "1,Followed by Dr. Kowalczyk,stable\r\n"
        "2,seen,=HYPERLIN by Dr. Kowalczyk; pt Theodore Ravens\r\n"
        "3,seen,2019-03-14\r\n"
        "4,seen,-3.5\r\n"
    )
    result = deidentify_table(text, "csv", schema, coder, "S-1")
    outcome = [r["outcome"] for r in _rows(result.text)]
    # THEN what the scrubber finds goes; a kept code or number is written as it is
    assert outcome[0] == "stable" and outcome[3] == "-3.5"
    assert "Kowalczyk" not in outcome[1] and "Theodore" not in outcome[1] and outcome[2] == "[DATE 2019]"
    assert result.findings.get("DATE") == 1


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["a", "b", "c"]), _JSON, max_size=3), max_size=4))
def test_json_records_are_written_as_one_json_dumps_of_the_list(records: list[dict[str, object]]) -> None:
    # The writer serialises each record as it comes (the output records are not held); the text is the same as
    # json.dumps of them all, keys in the header's order
    from aiminer.text.table import _Writer

    header = ["a", "b", "c"]
    writer = _Writer(header, "json")
    for r in records:
        writer.write(r)
    expected = [{h: r[h] for h in header if h in r} for r in records]
    assert writer.text() == json.dumps(expected, ensure_ascii=False, indent=1)


def test_a_json_string_with_an_unpaired_surrogate_is_refused(coder: Coder) -> None:
    # "\udfff" is valid JSON and no valid text; a pair (an emoji) is fine
    schema = TableSchema(columns={"mrn": "patient_id", "notes": "free_text"}, issuer="M")
    with pytest.raises(TextDeidError) as err:
        deidentify_table('[{"mrn": "1", "notes": "x \\udfff"}]', "json", schema, coder, "S-1")
    assert err.value.reason == "decode_error"
    out = deidentify_table('[{"mrn": "1", "notes": "ok \\ud83d\\ude00"}]', "json", schema, coder, "S-1").text
    assert "\U0001f600" in out


def test_another_rows_identifiers_glued_into_a_note_are_removed(coder: Coder) -> None:
    # GIVEN a table whose lost line break glued one row's MRN and accession to a word in another row's note, where
    # that row's own context does not know them and no pattern's bounds see them
    text = (
        "mrn,accession,notes\r\n"
        "34368630,ACC5779248,Followed by Dr. Oy15100249 and ACC7733120\r\n"
        "15100249,ACC7733120,stable\r\n"
    )
    # WHEN de-identifying
    rows = _rows(deidentify_table(text, "csv", SCHEMA, coder, "S-1").text)
    # THEN the other row's identifiers are gone from the note
    assert "15100249" not in rows[0]["notes"] and "7733120" not in rows[0]["notes"], rows[0]["notes"]


def test_a_date_cell_too_long_to_be_a_date_is_emptied_unread(coder: Coder, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a date cell that a lost delimiter filled with 40 KB, on many rows (every date pattern ran over it, on
    # every row and in both reads: a 25 MB fuzz table took 65 s)
    from aiminer.text import table

    reads: list[int] = []
    real = table.find_dates
    monkeypatch.setattr(table, "find_dates", lambda v: (reads.append(len(v)), real(v))[1])
    long_date = "2" + " " * 40_000 + "019-03-14"
    text = "mrn,exam_date,notes\r\n" + "".join(f"{i},{long_date},seen\r\n{i},2019-03-14,seen\r\n" for i in range(50))
    # WHEN de-identifying
    rows = _rows(deidentify_table(text, "csv", NOTES_SCHEMA_WITH_DATE, coder, "S-1").text)
    # THEN the long cell is empty (nothing of it may survive), the real dates keep their year, and no date pattern
    # read the long value
    assert [r["exam_date"] for r in rows[:2]] == ["", "2019"]
    assert reads and max(reads) <= table.MAX_DATE_CELL


def test_an_exports_comment_lines_are_kept_scrubbed_around_the_table(coder: Coder) -> None:
    # GIVEN a worklist export with comment lines before its header and after its last row, naming staff and a host
    text = (
        "# RIS worklist extract - run by Dr. Imelda Vasquez-Thorne on host 10.20.30.40\n"
        + CSV_IN.replace("\r\n", "\n")
        + "# rows: 2\n# generated 03/04/2025 for reconciliation\n"
    )
    # WHEN the object is classified and de-identified
    from aiminer.text.sniff import sniff

    assert sniff(text.encode(), "worklist.txt") == "table_csv"
    result = deidentify_table(text, "csv", SCHEMA, coder, "S-1")
    # THEN the table is de-identified as without them, and the comments stay, scrubbed
    lines = result.text.splitlines()
    assert lines[0].startswith("# RIS worklist extract") and "Vasquez" not in lines[0] and "10.20.30.40" not in lines[0]
    assert lines[-2] == "# rows: 2" and "03/04" not in lines[-1]
    assert _rows("\n".join(lines[1:-2]))[0]["mrn"] == coder.patient("S-1", "MERCY", "00123456")


def test_a_dropped_name_column_tells_the_row_s_notes_who_the_people_are(coder: Coder) -> None:
    # GIVEN a table whose name columns are dropped or free text, and notes that name those people without a cue
    schema = TableSchema(
        columns={
            "Patient Name": "drop",
            "MRN": "patient_id",
            "Referring MD": "free_text",
            "Study Name": "drop",
            "Follow-up Notes": "free_text",
        },
        issuer="MERCY",
    )
    text = (
        "Patient Name,MRN,Referring MD,Study Name,Follow-up Notes\r\n"
        "Vasquez Morales Lupita,5510023,Leontyne Abara,Lung Screening,"
        "Lupita prefers calls; Abara reviewed. Lung Screening cohort.\r\n"
    )
    # WHEN de-identifying
    row = _rows(deidentify_table(text, "csv", schema, coder, "S-1").text)[0]
    # THEN the patient's given name alone becomes her code, the referrer goes from his own cell and from the notes
    assert "Lupita" not in row["Follow-up Notes"] and row["MRN"] in row["Follow-up Notes"]
    assert "Abara" not in row["Follow-up Notes"] and "Leontyne" not in row["Referring MD"]
    # AND a column that names a thing, not a person, tells nothing
    assert "Lung Screening cohort" in row["Follow-up Notes"]
