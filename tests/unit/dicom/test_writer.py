"""The engine writes headers itself (raw elements from their bytes, the file meta packed directly): the bytes must
be exactly what pydicom's writers produce, on files of every encoding."""

from __future__ import annotations

import io
from pathlib import Path

import pydicom
import pydicom.data
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import FileMetaDataset
from pydicom.filebase import DicomFileLike
from pydicom.filewriter import write_dataset, write_file_meta_info
from pydicom.uid import UID

from aiminer.dicom import engine

CHARSET_FILES = Path(pydicom.data.__file__).parent / "charset_files"
FILES = [
    "CT_small.dcm",  # explicit VR little endian
    "MR_small_implicit.dcm",  # implicit VR
    "MR_small_bigendian.dcm",  # explicit VR big endian
    "rtplan.dcm",  # nested sequences
    "rtdose.dcm",
    "image_dfl.dcm",  # deflated: read whole, written by pydicom
    "chrH32.dcm",  # ISO 2022 Japanese (multi-byte escapes)
    "chrArab.dcm",  # a non-default character set
    "JPEG2000.dcm",  # encapsulated pixel data
    "MR_small_RLE.dcm",
    "waveform_ecg.dcm",
]


def _pydicom_bytes(ds: pydicom.Dataset, implicit: bool, little: bool) -> bytes:
    out = io.BytesIO()
    fp = DicomFileLike(out)
    fp.is_implicit_VR, fp.is_little_endian = implicit, little
    write_dataset(fp, ds)
    return out.getvalue()


@pytest.mark.filterwarnings("ignore:Failed to encode value")  # É in a Japanese or Arabic set: both writers replace it
@pytest.mark.parametrize("name", FILES)
def test_the_header_writer_writes_what_pydicom_writes(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = get_testdata_file(name) or str(CHARSET_FILES / name)
    with Path(path).open("rb") as src:
        header = engine._read_header(src)
    ds = header.ds
    # as after a walk: some elements converted and changed, some removed, most still raw
    if "PatientName" in ds:
        ds.PatientName = "P-CODE"
    ds.PatientIdentityRemoved = "YES"
    # values as the walk and the stamp set them: ASCII text, several values, odd lengths, empty, non-ASCII
    ds.StudyDescription = "CT CHEST [NAME]"
    ds.ImageComments = "Étude thoracique"  # written in the dataset's character set
    ds.ImageType = ["DERIVED", "SECONDARY", "AXIAL"]
    ds.StudyDate = "20190101"
    ds.StudyTime = ""
    ds.FrameOfReferenceUID = "2.25.123"
    ds.AccessionNumber = "ST-ABC"
    ds.pop(0x00080090, None)
    for tag in list(ds.keys()):  # sequences walked: converted, with one element of each item converted too
        if ds.get_item(tag, keep_deferred=True).VR == "SQ":
            for item in ds[tag].value:
                for inner in list(item.keys())[:1]:
                    item[inner]
    slow_path = []
    real = engine.write_data_element
    monkeypatch.setattr(engine, "write_data_element", lambda fp, e, enc: (slow_path.append(e.tag), real(fp, e, enc)))
    ours = io.BytesIO()
    engine._write_dataset(ours, ds, header.implicit, header.little)
    assert ours.getvalue() == _pydicom_bytes(ds, header.implicit, header.little)
    if name != "image_dfl.dcm":  # (deflated is read whole and written by pydicom)
        assert 0 < len(slow_path) < len(ds) / 2  # most of the header took the fast path


@pytest.mark.parametrize("ts", ["1.2.840.10008.1.2", "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.1.99"])
@pytest.mark.parametrize("instance", ["2.25.1", "2.25.12"])  # odd and even lengths: padding
def test_the_file_meta_is_what_pydicom_writes(ts: str, instance: str) -> None:
    meta = FileMetaDataset()
    meta.FileMetaInformationVersion = b"\x00\x01"
    meta.MediaStorageSOPClassUID = UID("1.2.840.10008.5.1.4.1.1.2")
    meta.MediaStorageSOPInstanceUID = UID(instance)
    meta.TransferSyntaxUID = UID(ts)
    meta.ImplementationClassUID = UID(engine.IMPLEMENTATION_CLASS_UID)
    meta.ImplementationVersionName = engine.IMPLEMENTATION_VERSION_NAME
    expected = io.BytesIO()
    expected.write(b"\x00" * 128 + b"DICM")
    fp = DicomFileLike(expected)
    fp.is_little_endian, fp.is_implicit_VR = True, False
    write_file_meta_info(fp, meta, enforce_standard=True)

    ours = io.BytesIO()
    engine._write_meta(ours, "1.2.840.10008.5.1.4.1.1.2", instance, UID(ts))
    assert ours.getvalue() == expected.getvalue()
