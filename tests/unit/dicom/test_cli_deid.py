"""The ``aiminer deid`` contract partners and our checks rely on: paths, receipt, exit codes, no PHI out."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aiminer.cli.main import app
from aiminer.leakcheck import scan_tree
from aiminer.samples import Corpus

REPORT_PATH = re.compile(
    r"^PRJ-1/S-[0-9A-Z]{6}/(P-[0-9A-Z]{10}/ST-[0-9A-Z]{10}/reports/R-[0-9A-Z]{10}\.(txt|hl7)|tables/T-[0-9A-Z]{10}\.csv)$"
)
PATH = re.compile(r"^PRJ-1/S-[0-9A-Z]{6}/P-[0-9A-Z]{10}/ST-[0-9A-Z]{10}/SE-[0-9A-Z]{10}/2\.25\.[0-9]+\.dcm$")


def _deid(corpus: Corpus, tmp: Path, *extra: str) -> tuple[int, Path, list[dict], str]:
    out, private = tmp / "out", tmp / "private"
    result = CliRunner().invoke(
        app,
        [
            "deid",
            str(corpus.root),
            "--out",
            str(out),
            "--project",
            "PRJ-1",
            "--site",
            "Saint Brendan",
            "--crosswalk",
            str(private / "cw.sqlite"),
            "--receipt",
            str(private / "receipt.jsonl"),
            "--table-schema",
            str(corpus.table_schema),
            *extra,
        ],
    )
    lines = (
        [json.loads(x) for x in (private / "receipt.jsonl").read_text().splitlines()]
        if (private / "receipt.jsonl").exists()
        else []
    )
    return result.exit_code, out, lines, result.output


@pytest.fixture(scope="module")
def first_run(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("run")
    return tmp, *_deid(corpus, tmp, "--workers", "2")


def test_every_input_has_exactly_one_receipt_line_with_the_contract_keys(first_run, corpus: Corpus) -> None:
    _, code, _, lines, _ = first_run
    assert code == 0
    assert sorted(line["input"] for line in lines) == sorted(corpus.expected)
    for line in lines:
        assert set(line) >= {"input", "status", "output", "reason"}
        assert line["status"] in {"deidentified", "quarantined", "rejected"}
        assert (line["output"] is None) == (line["status"] != "deidentified")
        assert (line["reason"] is None) == (line["status"] == "deidentified")


def test_outcomes_match_what_each_sample_should_become(first_run, corpus: Corpus) -> None:
    _, _, _, lines, _ = first_run
    got = {line["input"]: ("deidentified" if line["status"] == "deidentified" else line["reason"]) for line in lines}
    assert got == corpus.expected


def test_outputs_live_under_phi_free_paths_and_quarantines_are_not_copied(first_run, corpus: Corpus) -> None:
    _, _, out, lines, _ = first_run
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == sorted(line["output"] for line in lines if line["output"])
    images = [f for f in files if f.endswith(".dcm")]
    assert images and all(PATH.match(f) for f in images), images[:3]
    assert all(REPORT_PATH.match(f) for f in files if not f.endswith(".dcm")), files
    assert len(files) == sum(1 for v in corpus.expected.values() if v == "deidentified")


def test_no_injected_phi_value_in_any_output_byte_or_path(first_run, corpus: Corpus) -> None:
    _, _, out, _, _ = first_run
    assert len(corpus.phi) > 100
    assert scan_tree(out, corpus.phi) == {}


def test_the_leak_check_does_find_a_planted_leak(first_run, corpus: Corpus, tmp_path: Path) -> None:
    # the check above can fail: plant one patient name in a copy of one output and it is found
    _, _, out, _, _ = first_run
    victim = next(out.rglob("*.dcm"))
    planted = tmp_path / "planted.dcm"
    planted.write_bytes(victim.read_bytes().replace(b"AI MINER", corpus.patients[0].last.encode()[:8].ljust(8)))
    assert scan_tree(tmp_path, {corpus.patients[0].last[:8]})


def test_rerun_with_the_same_crosswalk_is_idempotent(first_run, corpus: Corpus) -> None:
    tmp, _, out, lines, _ = first_run
    before = {p: p.read_bytes() for p in out.rglob("*.dcm")}
    code, out2, lines2, _ = _deid(corpus, tmp, "--workers", "1")
    assert code == 0 and out2 == out
    assert lines2 == lines or sorted(map(json.dumps, lines2)) == sorted(map(json.dumps, lines))
    after = {p: p.read_bytes() for p in out.rglob("*.dcm")}
    assert after == before


def test_the_crosswalk_and_receipt_may_not_live_under_out(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "deid",
            str(corpus.root),
            "--out",
            str(out),
            "--project",
            "P",
            "--site",
            "S",
            "--crosswalk",
            str(out / "cw.sqlite"),
        ],
    )
    assert result.exit_code == 2
    assert not out.exists()


@pytest.mark.parametrize("schema", ['{"columns": 5}', "not json", '{"columns": {"mrn": "shred"}}'])
def test_an_invalid_table_schema_is_a_usage_error_before_any_file_is_read(
    corpus: Corpus, tmp_path: Path, schema: str
) -> None:
    # GIVEN a schema file that is not a valid column schema
    path = tmp_path / "schema.json"
    path.write_text(schema, encoding="utf-8")
    out = tmp_path / "o"
    # WHEN aiminer deid is given it
    args = ["deid", str(corpus.root), "--out", str(out), "--project", "P", "--site", "S"]
    result = CliRunner().invoke(app, [*args, "--crosswalk", str(tmp_path / "cw"), "--table-schema", str(path)])
    # THEN it is a usage error naming the option, and nothing was written
    assert result.exit_code == 2, result.output
    assert "--table-schema" in result.output and "schema_error" in result.output
    assert not out.exists()


@pytest.mark.parametrize("project", ["has space", "../etc", "x" * 80, ""])
def test_bad_project_codes_are_usage_errors(corpus: Corpus, tmp_path: Path, project: str) -> None:
    result = CliRunner().invoke(
        app,
        [
            "deid",
            str(corpus.root),
            "--out",
            str(tmp_path / "o"),
            "--project",
            project,
            "--site",
            "S",
            "--crosswalk",
            str(tmp_path / "cw"),
        ],
    )
    assert result.exit_code == 2


def test_help_teaches_and_the_console_script_runs() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "aiminer.cli.main", "deid", "--help"],
        capture_output=True,
        text=True,
        check=False,
        env={"COLUMNS": "200", "PATH": ""},
    )
    assert proc.returncode == 0
    for word in ("--crosswalk", "--receipt", "--workers", "quarantined", "Example"):
        assert word in proc.stdout


def test_hostile_file_names_never_reach_outputs(tmp_path: Path, corpus: Corpus) -> None:
    import shutil

    src = tmp_path / "in"
    src.mkdir()
    sample = next(p for p in corpus.files if p.name.endswith("ct_00.dcm"))
    hostile = ["..\\..\\evil.dcm", "name\nwith\rcontrol\x1b.dcm", "x" * 200 + ".dcm", "SSN 123-45-6789 Doe.dcm"]
    for i, name in enumerate(hostile):
        (src / f"{i}").mkdir()
        shutil.copy(sample, src / f"{i}" / name)
    (src / "bytes").mkdir()
    (src / "bytes" / "caf\udce9.dcm".encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")).write_bytes(
        sample.read_bytes()
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "deid",
            str(src),
            "--out",
            str(out),
            "--project",
            "P",
            "--site",
            "S",
            "--crosswalk",
            str(tmp_path / "cw"),
            "--receipt",
            str(tmp_path / "r.jsonl"),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert len(lines) == 5
    # one deidentified output (same SOP instance each time), the rest duplicates: never a second copy
    assert sum(1 for x in lines if x["status"] == "deidentified") == 1
    assert {x["reason"] for x in lines if x["status"] == "rejected"} == {"duplicate_instance"}
    for p in out.rglob("*"):
        assert "Doe" not in str(p) and "evil" not in str(p) and "123-45" not in str(p)


def test_reports_are_linked_to_their_study_and_carry_its_codes(first_run, corpus: Corpus) -> None:
    # GIVEN the run above: DICOM and a report per study folder, and an HL7 export elsewhere naming an accession
    _, _, out, lines, _ = first_run
    by_input = {line["input"]: line for line in lines}
    study_of_folder = {}
    for line in lines:
        if line["output"] and line["output"].endswith(".dcm"):
            study_of_folder.setdefault(str(Path(line["input"]).parent), set()).add(line["output"].split("/")[3])
    assert corpus.report_study
    for report, _accession in corpus.report_study.items():
        line = by_input[report]
        # THEN each report says which coded study it was linked to, and lives under that study
        assert line["linked_study"] is not None, report
        assert line["output"].split("/")[3] == line["linked_study"]
        if report.endswith("report.txt"):
            assert study_of_folder[str(Path(report).parent)] == {line["linked_study"]}
        text = (out / line["output"]).read_text()
        patient_code = line["output"].split("/")[2]
        assert patient_code in text  # the patient's name/MRN became the same coded ID as the images


def test_tables_keep_outcomes_and_neutralise_formulas(first_run) -> None:
    _, _, out, lines, _ = first_run
    table = next(out / x["output"] for x in lines if x["output"] and x["output"].endswith(".csv"))
    text = table.read_text()
    assert "P-" in text and "ST-" in text
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    assert "stable" in text or "resolved" in text or "'=HYPERLINK" in text


def test_the_partners_own_site_name_is_removed_from_texts_and_kept_values(tmp_path: Path, corpus: Corpus) -> None:
    import pydicom

    # GIVEN a file whose header names no institution, but whose description and a kept code meaning name the site
    sample = next(p for p in corpus.files if p.name.endswith("ct_00.dcm"))
    ds = pydicom.dcmread(sample)
    ds.pop("InstitutionName", None)
    ds.ImageComments = "Prior CT at Wendelin outpatient wing"
    ds.ProcedureCodeSequence = [pydicom.Dataset()]
    ds.ProcedureCodeSequence[0].CodeValue = "CTCH"
    ds.ProcedureCodeSequence[0].CodingSchemeDesignator = "99WEND"
    ds.ProcedureCodeSequence[0].CodeMeaning = "CT CHEST (Wendelin protocol)"
    (tmp_path / "in").mkdir()
    ds.save_as(tmp_path / "in" / "x.dcm")
    # WHEN the partner de-identifies it under its own site name
    out = tmp_path / "out"
    args = ["deid", str(tmp_path / "in"), "--out", str(out), "--project", "P", "--site", "St. Wendelin Regional"]
    result = CliRunner().invoke(app, [*args, "--crosswalk", str(tmp_path / "cw"), "--workers", "1"])
    # THEN the site's distinctive name is in no output byte
    assert result.exit_code == 0, result.output
    (written,) = list(out.rglob("*.dcm"))
    assert b"Wendelin" not in written.read_bytes()
    assert b"CT CHEST" in written.read_bytes()
