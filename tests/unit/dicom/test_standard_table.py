"""The whole of PS3.15 Table E.1-1 is applied: every attribute the table lists gets its action."""

from __future__ import annotations

import pytest
from pydicom.datadict import dictionary_VR
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from aiminer.dicom.policy import Act, DeidOptions, compile_policy
from aiminer.dicom.standard import KNOWN_ACTIONS, load_table

MARKER = "PHIMARKER"
SAMPLE = {
    "DA": "20190314",
    "DT": "20190314101010",
    "TM": "101010",
    "AS": "045Y",
    "UI": None,
    "US": 7,
    "SS": 7,
    "UL": 7,
    "SL": 7,
    "FL": 7.0,
    "FD": 7.0,
    "IS": "7",
    "DS": "7",
    "AT": 0x00100010,
}


def _value(vr: str):
    if vr in SAMPLE:
        return SAMPLE[vr] if vr != "UI" else generate_uid()
    if vr in {"OB", "OW", "UN", "OD", "OF", "OL", "OV"}:
        return MARKER.encode() * 2
    if vr == "CS":
        return "PHIMARKER"
    return MARKER


def test_table_is_the_2026c_edition_with_every_row() -> None:
    table = load_table()
    assert table.edition == "2026c"
    assert len(table.rows) == 655
    assert all(r.basic in KNOWN_ACTIONS for r in table.rows)
    # option columns are present (not all null): the standard gives K for patient characteristics
    by_kw = {r.keyword: r for r in table.rows}
    assert by_kw["PatientSex"].options["rtn_pat_chars"] == "K"
    assert by_kw["StudyDate"].options["rtn_long_mod"] == "C"
    assert by_kw["SeriesDescription"].options["clean_desc"] == "C"


def _every_listed_attribute() -> tuple[Dataset, dict[int, str]]:
    ds = Dataset()
    codes: dict[int, str] = {}
    for row in load_table().rows:
        if row.mask != 0xFFFFFFFF:
            continue
        try:
            vr = str(dictionary_VR(row.tag))
        except KeyError:
            continue  # newer than pydicom's dictionary: handled as unknown (removed), tested elsewhere
        if vr == "SQ" or " or " in vr or row.tag >> 16 in (0x0000, 0x0002, 0xFFFC) or row.tag == 0x00420011:
            continue
        ds.add_new(row.tag, vr, _value(vr))
        codes[row.tag] = row.basic
    ds.PatientID = "MRN42"
    ds.PatientName = "Doe^Jane"
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID = generate_uid(), generate_uid(), generate_uid()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    return ds, codes


@pytest.mark.parametrize("options", [{}, {"retain_patient_characteristics": False, "clean_descriptors": False}])
def test_every_listed_attribute_gets_its_action(engine, options) -> None:
    # GIVEN a dataset holding every single-tag attribute of Table E.1-1, each with an identifying value
    ds, codes = _every_listed_attribute()
    original = {tag: ds[tag].value for tag in codes}
    policy = compile_policy(DeidOptions(**options))
    # WHEN it is de-identified with the Safe Harbor defaults
    out, _, _ = engine(ds, **options)
    stamped = {
        0x00100010,
        0x00100020,
        0x00080050,
        0x00200010,
        0x00080080,
        0x00120010,
        0x00120020,
        0x00120021,
        0x00120030,
        0x00120031,
        0x00120040,
        0x00120071,
        0x00120062,
        0x00120063,
        0x00280303,
        0x00280301,
    }
    checked = 0
    for tag, code in codes.items():
        if tag in stamped:
            continue
        act = policy.actions[tag]
        elem = out.get(tag)
        if act is Act.KEEP:  # an option column says K (e.g. patient characteristics): kept as sent
            assert elem is not None and elem.value == original[tag]
            checked += 1
            continue
        vr = str(dictionary_VR(tag))
        # THEN removed attributes are gone, emptied ones are empty, and nothing keeps its identifying value
        if act is Act.REMOVE:
            assert elem is None, f"{tag:08X} should be removed"
        if elem is None:
            checked += 1
            continue
        value = elem.value
        if vr in {"DA", "DT"}:
            assert value in ("", None, "20190101", "2019"), f"{tag:08X} date kept more than the year"
        elif vr == "UI":
            assert value != original[tag], f"{tag:08X} UID not remapped"
        elif vr == "AS":
            assert value in ("045Y", "", None)
        elif isinstance(original[tag], str) and vr not in ("IS", "DS", "CS"):
            assert MARKER not in str(value), f"{tag:08X} ({code}) kept its value"
        elif isinstance(original[tag], bytes):
            assert MARKER.encode() not in (value or b""), f"{tag:08X} ({code}) kept its bytes"
        checked += 1
    assert checked > 500
