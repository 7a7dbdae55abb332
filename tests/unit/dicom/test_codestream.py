"""Comments inside compressed frames: blanked where they are, the codestream otherwise unchanged
(aiminer/dicom/codestream.py)."""

from __future__ import annotations

import io
import struct

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.encaps import encapsulate, generate_frames
from pydicom.filebase import DicomFileLike
from pydicom.filewriter import write_dataset

from aiminer.dicom import codestream

# The JPEG 2000 test file's main header has one COM marker: "Kakadu-2.2" (ten characters). A converter that puts
# the patient's name there puts it in the same place.
_J2K = "JPEG2000.dcm"
_PHI = b"DOE^JANE12"


def _as_ct(ds: pydicom.Dataset) -> pydicom.Dataset:
    """``ds`` as a CT image (a modality the burned-in rules do not quarantine), so the pixel path runs."""
    ds.Modality = "CT"
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.BurnedInAnnotation = "NO"
    ds.pop("ConversionType", None)  # a secondary capture's: a screen capture is at risk
    return ds


def _j2k_with_phi_comment() -> bytes:
    ds = _as_ct(pydicom.dcmread(get_testdata_file(_J2K)))
    assert ds.PixelData.count(b"Kakadu-2.2") == 1
    ds.PixelData = ds.PixelData.replace(b"Kakadu-2.2", _PHI)
    buf = io.BytesIO()
    ds.save_as(buf)
    return buf.getvalue()


def test_a_jpeg_2000_comment_is_blanked_and_the_image_decodes_the_same(engine) -> None:
    # GIVEN a JPEG 2000 file whose codestream comment holds a name and an ID
    data = _j2k_with_phi_comment()
    before = pydicom.dcmread(io.BytesIO(data)).pixel_array
    # WHEN it is de-identified (streamed: the pixel data is copied, not decoded)
    out, result, written = engine(data)
    # THEN the comment is spaces, the codestream keeps its length, and the decoded image is the same
    assert _PHI not in written
    assert result.counts["codestream_comments_blanked"] == 1
    assert len(out.PixelData) == len(pydicom.dcmread(io.BytesIO(data)).PixelData)
    assert (out.pixel_array == before).all()


def test_a_comment_in_a_file_read_whole_is_blanked_too(engine) -> None:
    # GIVEN the same frames in a bare dataset (no preamble and no file meta: read whole, not streamed)
    original = pydicom.dcmread(io.BytesIO(_j2k_with_phi_comment()))
    buf = io.BytesIO()
    fp = DicomFileLike(buf)
    fp.is_little_endian, fp.is_implicit_VR = True, False
    write_dataset(fp, original)
    assert _PHI in buf.getvalue()
    # WHEN it is de-identified
    _out, result, written = engine(buf.getvalue())
    # THEN the comment is gone there too
    assert _PHI not in written
    assert result.counts["codestream_comments_blanked"] == 1


def test_a_jpeg_comment_segment_is_blanked_in_every_frame(engine) -> None:
    # GIVEN a JPEG baseline file whose frames each get a COM segment after SOI, as some capture stations write
    ds = _as_ct(pydicom.dcmread(get_testdata_file("SC_rgb_jpeg_dcmtk.dcm")))
    before = ds.pixel_array
    comment = b"Pt: Okonkwo, Adaeze MRN 59081935"
    segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    frames = [f[:2] + segment + f[2:] for f in generate_frames(ds.PixelData, number_of_frames=1)]
    ds.PixelData = encapsulate(frames)
    buf = io.BytesIO()
    ds.save_as(buf)
    assert comment in buf.getvalue()
    # WHEN it is de-identified
    out, result, written = engine(buf.getvalue())
    # THEN the comment is spaces and the image decodes the same
    assert b"Okonkwo" not in written and b"59081935" not in written
    assert result.counts["codestream_comments_blanked"] == 1
    assert (out.pixel_array == before).all()


def _j2k(*segments: bytes) -> bytearray:
    siz = b"\xff\x51" + struct.pack(">H", 41) + bytes(39)
    return bytearray(b"\xff\x4f" + siz + b"".join(segments))


def _com(text: bytes, registration: int = 1) -> bytes:
    return b"\xff\x64" + struct.pack(">HH", len(text) + 4, registration) + text


def test_comments_in_tile_part_headers_and_binary_comments_are_blanked() -> None:
    # GIVEN a codestream with a Latin comment in the main header, a binary one, and one in a tile-part header
    tile_body = _com(b"tile by Lindqvist") + b"\xff\x93" + b"\x12\x34\x56"
    sot = b"\xff\x90" + struct.pack(">HHLBB", 10, 0, 12 + len(tile_body), 0, 1)
    data = _j2k(_com(b"Jane Doe 1958-07-14"), _com(b"\x01\x02secret", registration=0), sot + tile_body)
    # WHEN its comments are blanked
    count = codestream.blank_comments(data)
    # THEN all three are, and the compressed bytes after SOD are untouched
    assert count == 3
    assert b"Jane" not in data and b"secret" not in data and b"Lindqvist" not in data
    assert data.endswith(b"\xff\x93\x12\x34\x56")


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff\xfe\x00",  # a JPEG cut inside a marker's length
        b"\xff\xd8\xff\xe0\x00\x01abc",  # a length below two
        b"\x00\x01\x02\x03 not a codestream",
        b"\xff\x4f\xff\x51\x00",  # a JPEG 2000 main header cut short
    ],
)
def test_a_codestream_that_does_not_parse_is_left_as_it_is(data: bytes) -> None:
    value = bytearray(data)
    assert codestream.blank_comments(value) == 0
    assert bytes(value) == data


@pytest.mark.parametrize(
    ("comment", "kept"),
    [
        (b"Kakadu-v8.0.5", True),
        (b"Created by GDCM/OpenJPEG version 2.3.0", True),
        (b"Kakadu-v8.0.5 pt Jones", False),
        (b"Kakadu; Maria O'Brien 1958", False),
    ],
)
def test_an_encoders_signature_alone_is_kept_and_anything_more_is_blanked(comment: bytes, kept: bool) -> None:
    data = _j2k(_com(comment))
    assert codestream.blank_comments(data) == (0 if kept else 1)
    assert (comment in data) is kept


def _jpeg_with_segments(*segments: bytes) -> tuple[pydicom.Dataset, bytes]:
    ds = _as_ct(pydicom.dcmread(get_testdata_file("SC_rgb_jpeg_dcmtk.dcm")))
    frames = [f[:2] + b"".join(segments) + f[2:] for f in generate_frames(ds.PixelData, number_of_frames=1)]
    ds.PixelData = encapsulate(frames)
    buf = io.BytesIO()
    ds.save_as(buf)
    return ds, buf.getvalue()


def _app(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def test_metadata_application_segments_are_zeroed_and_the_image_decodes_the_same(engine) -> None:
    # GIVEN (DICOM red team 2) a JPEG whose frames carry an unclaimed APP9 segment with the owner's name and phone,
    # and an Exif APP1 segment with the capture's owner; an ICC profile (APP2) and Adobe's colour transform (APP14)
    before = pydicom.dcmread(get_testdata_file("SC_rgb_jpeg_dcmtk.dcm")).pixel_array
    app9 = _app(0xE9, b"owner Delphine Hargreave (608) 555-0143")
    exif = _app(0xE1, b"Exif\x00\x00MM\x00*Artist Delphine Hargreave")
    icc = _app(0xE2, b"ICC_PROFILE\x00\x01\x01not-a-real-profile")
    _ds, data = _jpeg_with_segments(app9, exif, icc)
    assert b"Hargreave" in data
    # WHEN it is de-identified
    out, result, written = engine(data)
    # THEN the name and number are gone, Exif's identifier and the ICC segment stay, and the image is the same
    assert b"Hargreave" not in written and b"555-0143" not in written
    assert b"Exif\x00" in written and b"ICC_PROFILE\x00\x01\x01not-a-real-profile" in written
    assert result.counts["codestream_comments_blanked"] == 2
    assert (out.pixel_array == before).all()
