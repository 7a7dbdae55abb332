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


def _deid_help() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aiminer.cli.main", "deid", "--help"],
        capture_output=True,
        text=True,
        check=False,
        env={"COLUMNS": "200", "PATH": ""},
    )


def test_help_teaches_and_the_console_script_runs() -> None:
    proc = _deid_help()
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


def _two_dicom_files(corpus: Corpus, folder: Path) -> None:
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    for suffix in ("ct_00.dcm", "mr_01.dcm"):
        sample = next(p for p in corpus.files if p.name.endswith(suffix))
        shutil.copy(sample, folder / sample.name)


def _invoke(src: Path, out: Path, private: Path, *extra: str):
    args = ["deid", str(src), "--out", str(out), "--project", "P", "--site", "S", "--workers", "1"]
    return CliRunner().invoke(
        app, [*args, "--crosswalk", str(private / "cw.sqlite"), "--receipt", str(private / "r.jsonl"), *extra]
    )


def _receipt(private: Path) -> list[dict]:
    return [json.loads(x) for x in (private / "r.jsonl").read_text().splitlines()]


def test_out_inside_the_input_folder_is_never_walked_so_a_second_run_adds_nothing(
    corpus: Corpus, tmp_path: Path
) -> None:
    # GIVEN an export folder holding --out, the crosswalk and the receipt
    src = tmp_path / "export"
    _two_dicom_files(corpus, src / "study")
    out, private = src / "outbox", src / "private"
    # WHEN it is de-identified twice
    first = _invoke(src, out, private)
    lines1 = _receipt(private)
    outputs1 = sorted(p for p in out.rglob("*") if p.is_file())
    second = _invoke(src, out, private)
    # THEN the second run reads only the export's own files: no output, receipt or crosswalk is an input
    assert first.exit_code == second.exit_code == 0, second.output
    assert sorted(x["input"] for x in _receipt(private)) == sorted(x["input"] for x in lines1)
    assert all(x["input"].startswith("study/") for x in lines1), lines1
    assert sorted(p for p in out.rglob("*") if p.is_file()) == outputs1
    assert len(outputs1) == 2


def test_an_input_inside_out_is_a_usage_error_that_names_no_path(corpus: Corpus, tmp_path: Path) -> None:
    # GIVEN a run's outputs
    _two_dicom_files(corpus, tmp_path / "in Doe Jane")
    out = tmp_path / "out"
    assert _invoke(tmp_path / "in Doe Jane", out, tmp_path / "private").exit_code == 0
    output = next(out.rglob("*.dcm"))
    # WHEN one of them (or --out itself) is given as an input
    for given in (output, out):
        result = _invoke(given, out, tmp_path / "private")
        # THEN it is a usage error before anything is read
        assert result.exit_code == 2, result.output
        assert "inside --out" in result.stderr
        assert output.name not in result.stderr


@pytest.mark.parametrize("size", ["-1", "0"])
def test_a_max_size_that_is_not_positive_is_a_usage_error(corpus: Corpus, tmp_path: Path, size: str) -> None:
    _two_dicom_files(corpus, tmp_path / "in")
    result = _invoke(tmp_path / "in", tmp_path / "out", tmp_path / "private", "--max-size", size)
    assert result.exit_code == 2
    assert "--max-size" in result.stderr
    assert not (tmp_path / "out").exists()


def test_unreadable_inputs_exit_1_with_one_stderr_line_and_no_path(corpus: Corpus, tmp_path: Path) -> None:
    # GIVEN an export with a dangling and a self-looping symbolic link next to good files
    src = tmp_path / "in"
    _two_dicom_files(corpus, src)
    (src / "dangling DOE.dcm").symlink_to("does-not-exist.dcm")
    (src / "selfloop DOE").symlink_to("selfloop DOE")
    # WHEN it is de-identified
    result = _invoke(src, tmp_path / "out", tmp_path / "private")
    # THEN the run finishes with exit 1 and says on stderr how many inputs could not be read, naming none
    assert result.exit_code == 1
    assert "inputs that could not be read: 2; the receipt lists them" in result.stderr
    assert "DOE" not in result.stderr
    reasons = {x["input"]: (x["status"], x["reason"]) for x in _receipt(tmp_path / "private")}
    assert reasons["dangling DOE.dcm"] == reasons["selfloop DOE"] == ("rejected", "unreadable")


def test_a_symlinked_sub_folder_is_not_followed_but_gets_a_receipt_line(corpus: Corpus, tmp_path: Path) -> None:
    # GIVEN an export whose sub-folder is a link to a folder of DICOM files elsewhere, and a link looping to itself
    _two_dicom_files(corpus, tmp_path / "elsewhere")
    src = tmp_path / "in"
    _two_dicom_files(corpus, src / "study")
    (src / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (src / "loop").symlink_to(".", target_is_directory=True)
    # WHEN it is de-identified
    result = _invoke(src, tmp_path / "out", tmp_path / "private")
    # THEN each link is one rejected line the summary counts, and nothing behind it is read
    assert result.exit_code == 0, result.output
    lines = {x["input"]: x for x in _receipt(tmp_path / "private")}
    assert sorted(lines) == ["linked", "loop", *sorted(f"study/{p.name}" for p in (src / "study").iterdir())]
    assert (lines["linked"]["status"], lines["linked"]["reason"]) == ("rejected", "symlinked_folder")
    assert (lines["loop"]["status"], lines["loop"]["reason"]) == ("rejected", "symlinked_folder")
    assert "symlinked_folder" in result.stdout


def test_a_write_that_fails_is_an_io_error_with_exit_1_and_leaves_nothing_partial(
    corpus: Corpus, tmp_path: Path
) -> None:
    import resource

    import pydicom

    # GIVEN a 2 MB image and a small one, and a process that may write no file past 1 MB (EFBIG, as a full disk
    # answers ENOSPC: both are OSErrors of the write, not of the input)
    src = tmp_path / "in"
    _two_dicom_files(corpus, src)
    ds = pydicom.dcmread(next(p for p in corpus.files if p.name.endswith("ct_00.dcm")))
    ds.Rows = ds.Columns = 1024
    ds.PixelData = bytes(1024 * 1024 * 2)
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    ds.save_as(src / "big.dcm")
    out, private = tmp_path / "out", tmp_path / "private"
    private.mkdir()

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))

    # WHEN it is de-identified
    args = ["--out", str(out), "--project", "P", "--site", "S", "--workers", "1", "--crosswalk", str(private / "cw")]
    proc = subprocess.run(
        [sys.executable, "-m", "aiminer.cli.main", "deid", str(src), *args, "--receipt", str(private / "r.jsonl")],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=small_files,
    )
    # THEN the big file is an I/O failure (not an unparsable file), the run exits 1 and says so on stderr
    assert proc.returncode == 1, proc.stderr
    lines = {x["input"]: (x["status"], x["reason"]) for x in _receipt(private)}
    assert lines.pop("big.dcm") == ("quarantined", "io_error")
    assert set(lines.values()) == {("deidentified", None)}
    assert "reason io_error" in proc.stderr and "big.dcm" not in proc.stderr
    # AND --out holds the other outputs only: no partial file, no temporary folder
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    outputs = sorted(x["output"] for x in _receipt(private) if x["output"])
    assert [w for w in written if w.endswith(".dcm")] == outputs
    assert not [w for w in written if "aiminer-tmp" in w or w.endswith(".part")]


def test_a_run_finishing_in_the_same_out_does_not_break_a_run_still_going(corpus: Corpus, tmp_path: Path) -> None:
    from aiminer import runner

    # GIVEN a run into an --out that another run, started and finished while the first is in its middle, shares
    _two_dicom_files(corpus, tmp_path / "a")
    _two_dicom_files(corpus, tmp_path / "b" / "x")
    out, private = tmp_path / "out", tmp_path / "private"
    private.mkdir()
    spec = runner.RunSpec(
        inputs=(tmp_path / "a",),
        out_dir=out,
        project="P",
        site="S",
        crosswalk=private / "cw.sqlite",
        receipt=private / "a.jsonl",
    )
    others: list[int] = []

    def other_run(_line: runner.ReceiptLine) -> None:
        if not others:
            args = ["--out", str(out), "--project", "P", "--site", "S", "--crosswalk", str(private / "cw.sqlite")]
            cmd = [sys.executable, "-m", "aiminer.cli.main", "deid", str(tmp_path / "b"), *args]
            others.append(subprocess.run(cmd, capture_output=True, check=False).returncode)

    # WHEN the first run goes on after the other finished
    summary = runner.run(spec, on_done=other_run)
    # THEN both de-identified everything, and neither left a temporary folder
    assert others == [0]
    assert summary.by_status["deidentified"] == 2 and not summary.io_errors
    assert not list(out.glob(".aiminer-tmp*"))


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_an_io_error_names_the_option_whose_path_failed(corpus: Corpus, tmp_path: Path) -> None:
    # GIVEN --out that is an existing file, or a receipt on a full disk
    _two_dicom_files(corpus, tmp_path / "in")
    (tmp_path / "file").write_text("x")
    args = ["deid", str(tmp_path / "in"), "--project", "P", "--site", "S", "--crosswalk", str(tmp_path / "cw")]
    # WHEN de-identifying THEN the error says which option's path failed, and no temporary folder is left
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "file")])
    assert result.exit_code == 1
    assert "writing under --out failed: FileExistsError" in result.stderr
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "out"), "--receipt", "/dev/full"])
    assert result.exit_code == 1
    assert "writing the receipt (--receipt) failed: OSError: No space left on device" in result.stderr
    assert not list((tmp_path / "out").glob(".aiminer-tmp*"))


def test_a_receipt_path_that_is_the_crosswalk_or_another_file_is_refused_and_left_intact(
    corpus: Corpus, tmp_path: Path
) -> None:
    # GIVEN a first run's crosswalk and receipt, and an export holding DICOM files (red team 23: `--receipt` naming the
    # crosswalk emptied it, and naming an input overwrote the DICOM file)
    src, private = tmp_path / "in", tmp_path / "private"
    _two_dicom_files(corpus, src)
    assert _invoke(src, tmp_path / "out", private).exit_code == 0
    crosswalk = (private / "cw.sqlite").read_bytes()
    an_input = next(src.iterdir())
    dicom = an_input.read_bytes()
    base = ["deid", str(src), "--out", str(tmp_path / "out2"), "--project", "P", "--site", "S"]
    base += ["--crosswalk", str(private / "cw.sqlite")]
    # WHEN the receipt is the crosswalk, or an input file
    for target in (private / "cw.sqlite", an_input):
        result = CliRunner().invoke(app, [*base, "--receipt", str(target)])
        # THEN it is a usage error that names no input, and both files are as they were
        assert result.exit_code == 2
        assert "--receipt" in result.stderr and an_input.name not in result.stderr
    assert (private / "cw.sqlite").read_bytes() == crosswalk and an_input.read_bytes() == dicom
    # AND an earlier receipt is rewritten as before, owner-only as the crosswalk is
    assert _invoke(src, tmp_path / "out", private).exit_code == 0
    assert (private / "r.jsonl").stat().st_mode & 0o077 == 0


def test_an_input_that_does_not_exist_is_a_usage_error_that_does_not_repeat_its_path(tmp_path: Path) -> None:
    # (typer's own check printed the path, and a folder's name may be a patient's: red team 23)
    missing = tmp_path / "SMITH_JOHN_12345678" / "DOE_JANE.dcm"
    result = CliRunner().invoke(
        app,
        [
            "deid",
            str(missing),
            "--out",
            str(tmp_path / "o"),
            "--project",
            "P",
            "--site",
            "S",
            "--crosswalk",
            str(tmp_path / "cw"),
        ],
    )
    assert result.exit_code == 2
    assert "input 1 of 1 does not exist" in result.stderr
    assert "SMITH" not in result.stderr and "DOE" not in result.stderr


@pytest.mark.parametrize("kind", ["corrupt", "folder", "read-only"])
def test_a_crosswalk_that_cannot_be_used_says_why_without_a_traceback(
    corpus: Corpus, tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a crosswalk path that holds something else, is a folder, or is not writable by this user
    _two_dicom_files(corpus, tmp_path / "in")
    private = tmp_path / "private"
    private.mkdir()
    cw = private / "cw.sqlite"
    if kind == "corrupt":
        cw.write_bytes(b"not a database at all" * 100)
    elif kind == "folder":
        cw.mkdir()
    else:
        cw.write_bytes(b"")
        os_module = __import__("os")
        real_access = os_module.access

        def access(path: object, mode: int, **kw: object) -> bool:  # readable, not writable (root writes anything)
            return False if str(path) == str(cw) and mode & os_module.W_OK else real_access(path, mode, **kw)

        monkeypatch.setattr("os.access", access)
    # WHEN de-identifying
    result = _invoke(tmp_path / "in", tmp_path / "out", private)
    # THEN exit 1, one line that names the option and says what is wrong, no traceback
    assert result.exit_code == 1
    assert "the crosswalk (--crosswalk) failed: CrosswalkFileError:" in result.stderr
    why = {"corrupt": "not an aiminer crosswalk", "folder": "is a folder", "read-only": "not writable"}[kind]
    assert why in result.stderr
    assert "Traceback" not in result.output and "no detail" not in result.stderr


def test_help_paragraphs_wrap_to_the_terminal_not_to_the_source_lines() -> None:
    # (typer kept every source line break after the first paragraph: "the study they belong to (same" ended a line at
    # any width; red team 23)
    proc = _deid_help()
    assert "Reports get the coded IDs of the study they belong to (same folder as its DICOM files" in proc.stdout
    from aiminer.cli.main import prose

    assert prose("One\ntwo.\n\nA list:\n- a\n- b") == "One two.\n\nA list:\n- a\n- b"
