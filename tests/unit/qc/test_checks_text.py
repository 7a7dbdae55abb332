"""QC of reports, HL7 messages and tables: scrubbed outputs pass, raw inputs fail, findings never quote values."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from aiminer.qc.checks import QcPolicy, QcResult, check_object
from aiminer.text import TableSchema, deidentify_hl7, deidentify_table, scrub_text
from aiminer.text.synthetic import generate_reports

if TYPE_CHECKING:
    from aiminer.crosswalk import Coder
    from aiminer.samples import Corpus


def _assert_no_value_in_details(result: QcResult, *values: str) -> None:
    for finding in result.findings:
        for value in values:
            assert value not in finding.detail, f"{finding.code} detail quotes a value from the object"


@pytest.fixture(scope="module")
def reports() -> list[str]:
    return [r.text for r in generate_reports(60, seed=7)]


def test_scrubbed_synthetic_reports_pass(reports: list[str]) -> None:
    # GIVEN synthetic reports scrubbed with the tags style
    scrubbed = [scrub_text(text).text for text in reports]

    # WHEN QC checks each
    results = [check_object(text.encode("utf-8"), "report") for text in scrubbed]

    # THEN every one passes with no finding
    assert [r.findings for r in results if r.findings] == []


def test_raw_synthetic_reports_fail_with_residual_phi(reports: list[str]) -> None:
    # GIVEN the same reports before scrubbing
    # WHEN QC checks each
    results = [check_object(text.encode("utf-8"), "report") for text in reports]

    # THEN every one fails, only on residual_phi, and each detail is a category and a position
    assert all(not r.passed for r in results)
    assert {code for r in results for code in r.codes} == {"residual_phi"}
    assert all(" at line " in f.detail for r in results for f in r.findings)


def test_report_findings_never_quote_the_text() -> None:
    # GIVEN a report with a known name, phone and MRN
    text = "Discussed with Dr. Octavia Brannigan at (555) 301-4412. MRN: 48213377.\n"

    # WHEN QC checks it
    result = check_object(text.encode(), "report")

    # THEN the categories are found and no detail holds any of the values
    assert {f.detail.split(" ")[0] for f in result.findings} >= {"NAME", "PHONE", "MRN"}
    _assert_no_value_in_details(result, "Octavia", "Brannigan", "555", "301-4412", "48213377")


def test_tags_and_coded_ids_are_clean() -> None:
    # GIVEN a report made only of our own tags and coded identifiers
    text = "[PATIENT P-0123456789] [STUDY ST-0123456789] seen by [NAME] on [DATE 2019], age [AGE 90+]. [PHONE]\n"

    # WHEN QC checks it
    # THEN nothing is found
    assert check_object(text.encode(), "report").findings == ()


def test_surrogates_policy_turns_residual_phi_into_warnings(reports: list[str]) -> None:
    # GIVEN a report scrubbed in the surrogates style (fake names and numbers that look real by design)
    text = scrub_text(reports[0], style="surrogates").text

    # WHEN QC checks it under the surrogates policy
    result = check_object(text.encode(), "report", QcPolicy(surrogates=True))

    # THEN anything found is a warning for the curator, and the object passes
    assert result.passed
    assert all(f.severity == "warning" for f in result.findings)


def test_longitudinal_policy_accepts_shifted_dates() -> None:
    # GIVEN a report with a shifted full date
    text = b"Compared with the prior study of 2019-03-14.\n"

    # WHEN QC checks it under Safe Harbor and under the longitudinal policy
    # THEN only Safe Harbor flags the date
    assert check_object(text, "report").codes == ("residual_phi",)
    assert check_object(text, "report", QcPolicy(longitudinal=True)).findings == ()


@pytest.mark.parametrize("kind", ["report", "hl7", "table"])
def test_binary_content_is_decode_error(kind: str) -> None:
    # GIVEN bytes that are not text
    data = bytes(range(256)) * 8

    # WHEN QC checks them as a text object
    result = check_object(data, kind)  # type: ignore[arg-type]

    # THEN decode_error
    assert result.codes == ("decode_error",)


def test_deidentified_hl7_passes_and_raw_fails(corpus: Corpus, coder: Coder) -> None:
    # GIVEN the corpus's HL7 ORU export, raw and de-identified by the HL7 engine
    raw = next(p for p in corpus.files if p.parent.name == "ris-export").read_text()
    clean = deidentify_hl7(raw, coder, coder.site("Test General")).text

    # WHEN QC checks both
    good = check_object(clean.encode(), "hl7")
    bad = check_object(raw.encode(), "hl7")

    # THEN the output passes; the raw message fails on the patient's name, IDs, address, phone and report text
    assert good.findings == ()
    details = {f.detail for f in bad.findings}
    assert {"NAME in PID-5", "PHONE in PID-13", "SSN in PID-19", "NAME in OBX-5"} <= details
    patient = corpus.patients[1]
    _assert_no_value_in_details(bad, patient.last.upper(), patient.mrn, patient.phone, patient.ssn)


def test_hl7_without_msh_is_parse_error() -> None:
    # GIVEN text sniffed as HL7 that has no MSH segment
    # WHEN QC checks it
    # THEN parse_error
    assert check_object(b"PID|1||12345\r", "hl7").codes == ("parse_error",)


def test_hl7_people_segments_must_be_empty() -> None:
    # GIVEN a de-identified message with a next-of-kin segment still filled
    text = "MSH|^~\\&|RIS|S-ABC123|AIMINER||2019||ORU^R01|x1|P|2.3\rNK1|1|Zyxwq^Qwzx|SPO\r"

    # WHEN QC checks it
    result = check_object(text.encode(), "hl7")

    # THEN residual_phi names the fields, not their content
    assert result.codes == ("residual_phi",)
    assert {f.detail for f in result.findings} == {"NAME in NK1-2", "NAME in NK1-3"}


def test_deidentified_table_passes_and_raw_fails(corpus: Corpus, coder: Coder) -> None:
    # GIVEN the corpus's outcomes table, raw and de-identified with its column schema
    raw = (corpus.root / "outcomes.csv").read_text()
    assert corpus.table_schema is not None
    schema = TableSchema.load(corpus.table_schema)
    clean = deidentify_table(raw, "csv", schema, coder, coder.site("Test General")).text

    # WHEN QC checks both
    good = check_object(clean.encode(), "table")
    bad = check_object(raw.encode(), "table")

    # THEN the output passes (its formula cell is guarded); the raw table fails on IDs, dates, names, formulas
    assert good.findings == ()
    assert set(bad.codes) == {"residual_phi", "formula_cell"}
    assert "NAME in row 1, column 4" in {f.detail for f in bad.findings}
    _assert_no_value_in_details(bad, *(p.mrn for p in corpus.patients), "HYPERLINK")


@pytest.mark.parametrize(
    ("cell", "flagged"),
    [("=HYPERLINK(1)", True), ("@SUM(A1)", True), ("+1+2", True), ("'=HYPERLINK(1)", False), ("-3.5", False)],
)
def test_formula_cells(cell: str, flagged: bool) -> None:
    # GIVEN a CSV with one cell that may start like a formula
    data = f"outcome,score\n{cell},1\n".encode()

    # WHEN QC checks it
    result = check_object(data, "table")

    # THEN only an unguarded formula is formula_cell, located by row and column
    assert ("formula_cell" in result.codes) is flagged
    if flagged:
        assert result.findings[0].detail.startswith("row 1, column 1")


def test_json_and_tsv_tables_are_read() -> None:
    # GIVEN a JSON-records table and a TSV table, each with a name in a free-text cell
    as_json = b'[{"id": "P-0123456789", "note": "seen by Dr. Octavia Brannigan"}, {"id": "P-0123456789", "n": 3}]'
    as_tsv = b"id\tnote\nP-0123456789\tseen by Dr. Octavia Brannigan\n"

    # WHEN QC checks them
    # THEN both find the name at row 1, column 2
    for data in (as_json, as_tsv):
        result = check_object(data, "table")
        assert [f.detail for f in result.findings] == ["NAME in row 1, column 2"]


def test_malformed_json_table_is_parse_error() -> None:
    # GIVEN JSON that is not an array of records
    # WHEN QC checks it
    # THEN parse_error
    assert check_object(b'[{"a": 1}, 2', "table").codes == ("parse_error",)
    assert check_object(b"[1, 2]", "table").codes == ("parse_error",)


def test_an_hl7_result_with_public_codes_passes_and_a_name_in_their_text_does_not(coder: Coder) -> None:
    # GIVEN a result whose coded elements keep their SNOMED and LOINC codes after de-identification (red team 17)
    raw = (
        "MSH|^~\\&|LAB|GEN|EHR|GEN|20240102||ORU^R01|C1|P|2.5.1\r"
        "PID|1||5501932^^^GEN^MR||QUARRINGTON^ODALYS||19580214|F\r"
        "OBX|1|CE|11475-1^Organism^LN||112283007^Escherichia coli^SCT||||||F\r"
    )
    clean = deidentify_hl7(raw, coder, coder.site("Test General")).text
    # WHEN QC checks it THEN the codes are no residual identifiers
    assert "112283007^Escherichia coli^SCT" in clean
    assert check_object(clean.encode("utf-8"), "hl7").findings == ()
    # AND a name in a coded element's text is still found
    named = clean.replace("Escherichia coli", "reported by Dr. Helen Marsh")
    assert any(f.code == "residual_phi" for f in check_object(named.encode("utf-8"), "hl7").findings)
