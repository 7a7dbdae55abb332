"""The per-object use case: a defect in one engine costs one object, never the run, and says nothing of the file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from aiminer.adapters.sqlite_crosswalk import SqliteCrosswalk
from aiminer.crosswalk import Coder
from aiminer.dicom.engine import EngineConfig
from aiminer.dicom.policy import compile_policy
from aiminer.objects import ObjectContext, process_object


def _ctx(tmp_path: Path) -> ObjectContext:
    coder = Coder(SqliteCrosswalk(tmp_path / "cw.sqlite"), "P")
    return ObjectContext(engine=EngineConfig(compile_policy(), coder, coder.site("S")))


def test_an_unexpected_error_in_a_text_engine_quarantines_only_that_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a report and a scrubber with a defect whose message quotes the text
    from aiminer.text import report

    def broken(text: str, *args: object, **kwargs: object) -> object:
        raise RuntimeError(f"bug while reading {text[:20]}")

    monkeypatch.setattr(report, "scrub_text", broken)
    # WHEN the report is processed
    outcome = process_object(io.BytesIO(b"Patient Jane Roe seen today.\n"), io.BytesIO(), "r.txt", _ctx(tmp_path))
    # THEN it is quarantined with a reason that names no value
    assert (outcome.status, outcome.reason) == ("quarantined", "processing_error")


def test_io_errors_reach_the_caller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aiminer.text import report

    def unreachable(*args: object, **kwargs: object) -> object:
        raise TimeoutError("simulated read timeout")

    monkeypatch.setattr(report, "scrub_text", unreachable)
    with pytest.raises(OSError, match="simulated"):
        process_object(io.BytesIO(b"Patient Jane Roe seen today.\n"), io.BytesIO(), "r.txt", _ctx(tmp_path))


HL7_EXPORT = (
    b"MSH|^~\\&|RIS|GENERAL HOSP|PACS|GENERAL HOSP|20190304101500||ORU^R01|MSG00042|P|2.5\r"
    b"PID|1||12345678^^^GENERAL HOSP^MR||ROE^JANE||19700101|F\r"
    b"OBR|1|ACC123|ACC123|CT CHEST\r"
    b"OBX|1|TX|||No acute findings.\r"
    b"MSH|^~\\&|RIS|GENERAL HOSP|PACS|GENERAL HOSP|20190304111500||ORU^R01|MSG00043|P|2.5\r"
    b"PID|1||12345678^^^GENERAL HOSP^MR||ROE^JANE||19700101|F\r"
    b"OBX|1|TX|||Stable.\r"
)


def test_the_same_hl7_export_gives_the_same_bytes_with_the_same_crosswalk(tmp_path: Path) -> None:
    # GIVEN one HL7 export of two messages and one crosswalk
    ctx = _ctx(tmp_path)
    # WHEN it is de-identified twice (a replay, a re-upload)
    outputs = []
    for _ in range(2):
        out = io.BytesIO()
        outcome = process_object(io.BytesIO(HL7_EXPORT), out, "r.hl7", ctx)
        assert (outcome.kind, outcome.status) == ("hl7", "deidentified")
        outputs.append((outcome.output, out.getvalue()))
    # THEN the key and the bytes are the same (MSH-10 is no longer drawn at random on every run)
    assert outputs[0] == outputs[1]
    text = outputs[0][1].decode()
    assert "MSG00042" not in text and "MSG00043" not in text
    # AND each message keeps its own control ID
    msh = [seg.split("|")[9] for seg in text.replace("\n", "\r").split("\r") if seg.startswith("MSH")]
    assert len(msh) == 2 and len(set(msh)) == 2 and all(len(c) == 16 for c in msh)


REPORT = (
    b"CT CHEST. Patient Jane Roe (MRN 12345678) seen 03/04/2019 at 12 Elm Street, Springfield 62704.\n"
    b"Discussed with Dr. Okafor and with Dr. Brannigan at (217) 555-0142. Dr. Okafor agrees.\n"
)
HL7_WITH_NAMES = HL7_EXPORT.replace(b"No acute", b"Dr. Okafor: no acute").replace(b"Stable", b"Dr. Okafor: stable")
TABLE = (
    b"mrn,note\n"
    b"12345678,Seen by Dr. Okafor; wife Maude Roe called (217) 555-0142\n"
    b"87654321,Dr. Okafor reviewed with Dr. Brannigan\n"
)


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [("r.txt", REPORT, "report"), ("r.hl7", HL7_WITH_NAMES, "hl7"),
     ("t.csv", TABLE, "table")],
)  # fmt: skip
def test_surrogates_are_the_same_on_a_replay_and_one_per_name_in_an_object(
    tmp_path: Path, name: str, data: bytes, kind: str
) -> None:
    # GIVEN a project that asks for realistic surrogates, and one crosswalk
    from aiminer.text.table import TableSchema

    coder = Coder(SqliteCrosswalk(tmp_path / "cw.sqlite"), "P")
    schema = TableSchema(columns={"mrn": "patient_id", "note": "free_text"}, issuer="X", style="surrogates")
    ctx = ObjectContext(
        engine=EngineConfig(compile_policy(), coder, coder.site("S")), report_style="surrogates", table_schema=schema
    )
    # WHEN the same object is de-identified twice (a replay, a backfill)
    outputs = []
    for _ in range(2):
        out = io.BytesIO()
        outcome = process_object(io.BytesIO(data), out, name, ctx)
        assert (outcome.kind, outcome.status) == (kind, "deidentified")
        outputs.append((outcome.output, out.getvalue()))
    # THEN the same key and the same bytes, no original name or phone, and a name has one surrogate in the object
    assert outputs[0] == outputs[1]
    text = outputs[0][1].decode()
    assert not {"Okafor", "Brannigan", "555-0142"} & set(text.replace(";", " ").replace(":", " ").split())
    assert "Okafor" not in text and "Brannigan" not in text
    okafor = {line.split("Dr. ")[1].split()[0].strip(";:.,") for line in text.splitlines() if "Dr. " in line}
    assert okafor and "[" not in "".join(okafor)  # surrogates, not tags
    # the first doctor named on each line is Okafor: one surrogate in every field, cell and message of the object
    assert len(okafor) == 1, text


PASTED = (
    b"INTERFACE TICKET INC0091\n"
    b"Lab result for the patient did not file. Raw message below:\n\n"
    b"MSH|^~\\&|LAB|GEN|EHR|GEN|202402031015||ORU^R01|Q77102|P|2.5.1\r"
    b"PID|1||5501932^^^GEN^MR||QUARRINGTON^ODALYS^M||19580214|F|||41 Birchmount Rd^^Dalton^GA^30720\r"
    b"OBR|1|O881|F991|2160-0^Creatinine^LN|||202402030900|||||||||4471^VELASQUEZ-OYE^RAMONA\r"
    b"OBX|1|NM|2160-0^Creatinine^LN||1.9|mg/dL|0.6-1.1|H|||F\n"
    b"\nThe message failed on PID-3. Ms Quarrington's daughter called; Dr Velasquez-Oye informed.\n"
    b"Retry sent 02/03/2024 by the interface team. Related: LOINC 2160-0.\n"
)


def test_a_note_with_a_message_pasted_into_it_is_deidentified_not_quarantined(tmp_path: Path) -> None:
    # GIVEN an interface ticket that quotes the HL7 message it is about (blind set 13 quarantined it: not_hl7)
    ctx = _ctx(tmp_path)
    out = io.BytesIO()
    # WHEN it is processed, twice (a replay)
    outcome = process_object(io.BytesIO(PASTED), out, "ticket.txt", ctx)
    again = io.BytesIO()
    process_object(io.BytesIO(PASTED), again, "ticket.txt", ctx)
    # THEN it is a report, its message keeps its structure with coded identities, and the prose loses the names
    # the message gave (the patient's and the ordering doctor's), with the codes and the ranges kept
    assert (outcome.kind, outcome.status) == ("report", "deidentified")
    text = out.getvalue().decode()
    for phi in ("5501932", "QUARRINGTON", "Quarrington", "ODALYS", "19580214", "Birchmount", "Dalton", "30720",
                "VELASQUEZ", "Velasquez", "Q77102", "02/03/2024"):  # fmt: skip
        assert phi not in text, phi
    assert outcome.patient and f"PID|1||{outcome.patient}" in text
    assert "2160-0^Creatinine^LN" in text and "0.6-1.1" in text and "LOINC 2160-0" in text
    assert text.startswith("INTERFACE TICKET") and "\rPID|" in text and "\n\nThe message failed" in text
    assert again.getvalue() == out.getvalue()


def test_the_partners_site_name_goes_from_reports_tables_and_hl7(tmp_path: Path) -> None:
    # GIVEN the run's site name (--site) in a note, in a kept table column and in an HL7 message's text (red team 19:
    # a kept SITENAME column kept it)
    from aiminer.text.table import TableSchema

    coder = Coder(SqliteCrosswalk(tmp_path / "cw.sqlite"), "P")
    schema = TableSchema.from_mapping({"issuer": "X", "columns": {"MRN": "patient_id", "SITENAME": "keep"}})
    engine = EngineConfig(compile_policy(), coder, coder.site("S"), site_name="St. Brigid's Medical Center")
    ctx = ObjectContext(engine=engine, table_schema=schema)
    site = "St. Brigid's Medical Center"
    inputs = {
        "note.txt": f"Seen at {site} for follow-up.\n".encode(),
        "t.csv": f"MRN,SITENAME\n00812245,{site}\n00812246,{site}\n".encode(),
        "m.hl7": (
            "MSH|^~\\&|RIS|X|Y|Z|20240101||ORU^R01|1|P|2.5.1\r"
            "PID|1||00812245^^^X||DOE^JANE\r"
            f"OBX|1|TX|&GDT|1|Read at {site} today.\r"
        ).encode(),
    }
    for name, data in inputs.items():
        dst = io.BytesIO()
        # WHEN each is processed / THEN the site's name is nowhere in the output
        outcome = process_object(io.BytesIO(data), dst, name, ctx)
        assert outcome.status == "deidentified", (name, outcome.reason)
        assert b"Brigid" not in dst.getvalue(), name
