"""Automated QC of one de-identified object: prove it is what the de-identification promised, or say why not.

:func:`check_object` re-reads an object in the repository zone (DICOM, report, HL7 v2 message or table) and
checks it independently of the engine that wrote it: no private attributes, identity removal and method
recorded, dates reduced to the year, no residual PHI in any text value, ages aggregated, burned-in text resolved,
coded identifiers well formed. Each problem is a :class:`QcFinding` with a machine-readable ``code``.

A finding's ``detail`` says *where* (attribute keyword, tag, sequence path, row and column number, character
offset), never *what*: no value read from the object is ever copied into a finding, so findings can be logged,
stored in the workflow state and shown on the QC report page.

Pure Python (pydicom and the report scrubber); thumbnails need numpy and are skipped without it.
"""

from __future__ import annotations

import csv
import io
import json
import re
import struct
import warnings
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Literal, cast

import pydicom
from pydicom.errors import InvalidDicomError
from pydicom.multival import MultiValue
from pydicom.uid import UID, UID_dictionary

from aiminer.dicom import burnedin
from aiminer.dicom.engine import configure_pydicom
from aiminer.dicom.policy import load_safe_private
from aiminer.text.decode import decode_text
from aiminer.text.errors import TextDeidError
from aiminer.text.hl7 import standard_code
from aiminer.text.report import detect

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pydicom.dataelem import DataElement
    from pydicom.dataset import Dataset

ObjectKind = Literal["dicom", "report", "hl7", "table"]
Severity = Literal["error", "warning"]

#: Every code :func:`check_object` can emit, with its severity (docs/qc.md explains each).
CODES: dict[str, Severity] = {
    "parse_error": "error",
    "decode_error": "error",
    "private_attribute": "error",
    "identity_not_removed": "error",
    "method_not_recorded": "error",
    "date_not_year_only": "error",
    "time_present": "warning",
    "residual_phi": "error",
    "age_over_89": "error",
    "burned_in_unresolved": "error",
    "recognizable_features": "error",
    "coded_id_malformed": "error",
    "uid_not_remapped": "error",
    "formula_cell": "error",
    "findings_truncated": "warning",
}

#: At most this many findings per object (a badly broken object would otherwise flood the report).
MAX_FINDINGS = 200
THUMBNAIL_MAX = 256
#: A first frame larger than this (bytes, decoded) gets no thumbnail: QC must not need a large Lambda.
MAX_THUMBNAIL_FRAME_BYTES = 64 * 1024 * 1024

PATIENT_CODE = re.compile(r"^P-[0-9A-HJKMNP-TV-Z]{10}$")
SITE_CODE = re.compile(r"^S-[0-9A-HJKMNP-TV-Z]{6}$")
STUDY_CODE = re.compile(r"^ST-[0-9A-HJKMNP-TV-Z]{10}$")
SERIES_CODE = re.compile(r"^SE-[0-9A-HJKMNP-TV-Z]{10}$")
REMAPPED_UID = re.compile(r"^2\.25\.(?:0|[1-9][0-9]*)$")
_ANY_CODE = re.compile(r"^(?:P|S|ST|SE)-[0-9A-HJKMNP-TV-Z]{6,10}$")

#: Attributes the engine stamps with coded identifiers, and the shape each must have when present.
CODED_ATTRIBUTES: dict[str, re.Pattern[str]] = {
    "PatientName": PATIENT_CODE,
    "PatientID": PATIENT_CODE,
    "ClinicalTrialSubjectID": PATIENT_CODE,
    "ClinicalTrialSiteID": SITE_CODE,
    "ClinicalTrialSiteName": SITE_CODE,
    "InstitutionName": SITE_CODE,
    "AccessionNumber": STUDY_CODE,
    "StudyID": STUDY_CODE,
    "ClinicalTrialSeriesID": SERIES_CODE,
}
#: Coded attributes that must be present (and non-empty) at the top level of every de-identified instance.
REQUIRED_CODED = ("PatientID", "ClinicalTrialSubjectID", "ClinicalTrialSiteID")
REQUIRED_UIDS = ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID")

#: Text values that are coded vocabulary, device make/model or our own stamps: not free text, not scanned.
SAFE_VOCABULARY = frozenset(
    {
        "CodeValue",
        "CodingSchemeDesignator",
        "CodingSchemeVersion",
        "CodeMeaning",
        "LongCodeValue",
        "URNCodeValue",
        "CodingSchemeName",
        "CodingSchemeResponsibleOrganization",
        "MappingResource",
        "MappingResourceName",
        "ContextIdentifier",
        "ContextGroupVersion",
        "Manufacturer",
        "ManufacturerModelName",
        "SoftwareVersions",
        "DeidentificationMethod",
        "ClinicalTrialSponsorName",
        "ClinicalTrialProtocolID",
        "ClinicalTrialProtocolName",
        "SpecificCharacterSet",
    }
)
_TEXT_VRS = frozenset({"LO", "SH", "ST", "LT", "UT", "PN", "UC"})
#: Dummy values the engine writes for text attributes it must keep (PS3.15 action D).
_DUMMIES = frozenset({"REDACTED"})
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_AGE = re.compile(r"^(\d{3})([DWMY])$")
_PHI_CATEGORIES_NOT_DATES = frozenset({"DATE"})
_ID_CATEGORIES = frozenset({"MRN", "ACCESSION", "ACCOUNT", "HEALTH_PLAN", "LICENSE", "DEVICE_ID", "SSN", "OTHER_ID"})


@dataclass(frozen=True)
class QcPolicy:
    """What the project's de-identification promised, so QC knows what to expect.

    ``longitudinal``: Retain Longitudinal Temporal Information (shifted full dates and times are expected).
    ``retain_safe_private``: the Retain Safe Private option (private attributes of PS3.15 Table E.3.10-1 allowed).
    ``surrogates``: reports and tables use the ``surrogates`` style, whose fake names and numbers look like PHI
    by design; residual-PHI findings in text objects are then warnings for a human to review, not errors.
    ``thumbnails``: render a first-frame thumbnail of DICOM images with native pixel data.
    """

    longitudinal: bool = False
    retain_safe_private: bool = False
    surrogates: bool = False
    thumbnails: bool = True


@dataclass(frozen=True)
class QcFinding:
    """One QC problem: a machine-readable ``code``, its ``severity``, and *where* (never a value)."""

    code: str
    severity: Severity
    detail: str


@dataclass(frozen=True)
class QcResult:
    """QC outcome of one object. ``passed`` means no finding of severity ``error``.

    ``thumbnail`` is a PNG (at most 256 px) of the first frame, or None; ``masked`` is True when the
    de-identification recorded Clean Pixel Data (burned-in text masked).
    """

    findings: tuple[QcFinding, ...]
    passed: bool
    thumbnail: bytes | None = None
    masked: bool = False

    @property
    def codes(self) -> tuple[str, ...]:
        """Distinct finding codes, in order of first appearance."""
        return tuple(dict.fromkeys(f.code for f in self.findings))

    @property
    def errors(self) -> int:
        """Number of findings of severity ``error``."""
        return sum(1 for f in self.findings if f.severity == "error")


class _Findings:
    """Collects findings, drops exact duplicates, caps the count."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str], QcFinding] = {}
        self._dropped = 0

    def add(self, code: str, detail: str, severity: Severity | None = None) -> None:
        key = (code, detail)
        if key in self._items:
            return
        if len(self._items) >= MAX_FINDINGS:
            self._dropped += 1
            return
        self._items[key] = QcFinding(code, severity or CODES[code], detail)

    def result(self, thumbnail: bytes | None = None, masked: bool = False) -> QcResult:
        items = list(self._items.values())
        if self._dropped:
            items.append(QcFinding("findings_truncated", "warning", f"{self._dropped} more findings not listed"))
        findings = tuple(items)
        return QcResult(findings, not any(f.severity == "error" for f in findings), thumbnail, masked)


def check_object(data: bytes | IO[bytes], kind: ObjectKind, policy: QcPolicy | None = None) -> QcResult:
    """Run the automated QC checks on one de-identified object.

    Parameters
    ----------
    data
        The object's bytes, or a binary stream positioned at its start (read whole for text; for DICOM the
        header is read up to the pixel data, and the first frame again for the thumbnail).
    kind
        ``dicom``, ``report``, ``hl7`` or ``table`` (CSV, TSV or JSON records), as the ingest step sniffed it.
    policy
        What the project's de-identification promised; Safe Harbor defaults when omitted.

    Returns
    -------
    QcResult
        Findings (no values from the object), ``passed`` (no error), and a PNG thumbnail for DICOM images.
    """
    policy = policy or QcPolicy()
    if kind == "dicom":
        stream = io.BytesIO(data) if isinstance(data, bytes | bytearray | memoryview) else data
        if not stream.seekable():
            stream = io.BytesIO(stream.read())
        return _check_dicom(stream, policy)
    raw = bytes(data) if isinstance(data, bytes | bytearray | memoryview) else data.read()
    if kind in ("report", "hl7"):
        return _check_text(raw, kind, policy)
    if kind == "table":
        return _check_table(raw, policy)
    raise ValueError(f"unknown object kind: {kind!r}")


# ---------------------------------------------------------------------------------------------------------------
# DICOM


def _tag(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


def _where(path: str, elem: DataElement) -> str:
    """``path.Keyword (gggg,eeee)``: the location of an element, nothing of its value."""
    name = elem.keyword or ("private" if int(elem.tag) >> 16 & 1 else "unknown")
    prefix = f"{path}." if path else ""
    return f"{prefix}{name} {_tag(int(elem.tag))}"


def _values(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, MultiValue | list | tuple):
        return [v for v in value if v is not None]
    return [value]


def _str_values(elem: DataElement) -> list[str]:
    try:
        return [str(v).strip().strip("\x00") for v in _values(elem.value)]
    except Exception:  # a value pydicom cannot convert: treat as unreadable text
        return ["\x00unreadable"]


@lru_cache(maxsize=1)
def _safe_private() -> frozenset[tuple[str, int, int]]:
    return frozenset(load_safe_private())


def _safe_private_here(ds: Dataset) -> frozenset[int]:
    """Private tags of this level on the safe-private list, plus the creators of their blocks."""
    allowed = _safe_private()
    keep: set[int] = set()
    for elem in ds:
        t = int(elem.tag)
        group, element = t >> 16, t & 0xFFFF
        if not group & 1 or element < 0x1000:
            continue
        creator_tag = (group << 16) | (element >> 8)
        creator = ds.get(creator_tag)
        if creator is None:
            continue
        try:
            name = str(creator.value).strip()
        except Exception:
            continue
        if (name, group, element & 0xFF) in allowed:
            keep.update((t, creator_tag))
    return frozenset(keep)


@dataclass
class _DicomScan:
    policy: QcPolicy
    out: _Findings


def _walk(ds: Dataset, scan: _DicomScan, path: str, depth: int) -> None:
    safe = _safe_private_here(ds) if scan.policy.retain_safe_private else frozenset()
    for elem in ds:
        tag = int(elem.tag)
        where = _where(path, elem)
        vr = str(elem.VR)
        if tag >> 16 & 1:
            if tag not in safe:
                scan.out.add("private_attribute", f"private attribute at {where}")
                continue
        if vr == "SQ":
            if depth < 64:
                for i, item in enumerate(elem.value or ()):
                    _walk(item, scan, f"{where.split(' ')[0]}[{i}]", depth + 1)
            continue
        keyword = elem.keyword
        if vr in ("DA", "DT", "TM"):
            _check_temporal(elem, vr, where, scan)
        elif vr == "AS":
            _check_age(elem, where, scan)
        elif vr == "UI":
            _check_uid(elem, where, scan)
        if keyword in CODED_ATTRIBUTES:
            bad = [v for v in _str_values(elem) if v and not CODED_ATTRIBUTES[keyword].match(v)]
            if not bad:
                continue
            scan.out.add("coded_id_malformed", f"{where} is not a coded identifier")
            # Not a code: then it may be what the code replaced (a name, an MRN), so scan it as text too.
        if vr in _TEXT_VRS and keyword not in SAFE_VOCABULARY:
            _check_text_value(elem, vr, where, scan)


def _check_temporal(elem: DataElement, vr: str, where: str, scan: _DicomScan) -> None:
    for value in _str_values(elem):
        if not value:
            continue
        if vr == "TM":
            if not scan.policy.longitudinal:
                scan.out.add("time_present", f"time at {where}")
        elif scan.policy.longitudinal:
            continue  # shifted full dates are expected; the shift itself cannot be verified here
        elif vr == "DA" and not re.fullmatch(r"\d{4}0101", value):
            scan.out.add("date_not_year_only", f"date at {where} is not reduced to the year")
        elif vr == "DT" and not re.fullmatch(r"\d{4}", value):
            scan.out.add("date_not_year_only", f"date-time at {where} is not reduced to the year")


def _age_years(value: str) -> float | None:
    m = _AGE.match(value.upper())
    if m is None:
        return None
    number, unit = int(m.group(1)), m.group(2)
    return {"D": number / 365.25, "W": number / 52.18, "M": number / 12, "Y": float(number)}[unit]


def _check_age(elem: DataElement, where: str, scan: _DicomScan) -> None:
    for value in _str_values(elem):
        if not value:
            continue
        years = _age_years(value)
        if years is None:
            scan.out.add("age_over_89", f"unreadable age at {where}")
        elif years > 89 and value.upper() != "090Y":  # 090Y is Safe Harbor's aggregate "90 or older"
            scan.out.add("age_over_89", f"age over 89 at {where} is not aggregated to 090Y")


def _check_uid(elem: DataElement, where: str, scan: _DicomScan) -> None:
    for value in _str_values(elem):
        if not value or value in UID_dictionary:
            continue  # well-known UIDs (SOP classes, transfer syntaxes, coding schemes) carry no identity
        if not REMAPPED_UID.match(value) or len(value) > 64:
            scan.out.add("uid_not_remapped", f"UID at {where} is neither registered nor remapped (2.25)")


def _text_findings(text: str, policy: QcPolicy) -> list[tuple[str, int]]:
    """(category, offset) of every PHI span detect() finds, dates excluded under longitudinal policy.

    An identifier span without a single digit is the detector reading a cue's own wording as the value
    (``Accession Number: [ACCESSION]`` gives ``Number``); those are not residual PHI.
    """
    out = []
    for cand in detect(text):
        if policy.longitudinal and cand.category in _PHI_CATEGORIES_NOT_DATES:
            continue
        if cand.category in _ID_CATEGORIES and not any(ch.isdigit() for ch in text[cand.start : cand.end]):
            continue
        out.append((cand.category, cand.start))
    return out


def _check_text_value(elem: DataElement, vr: str, where: str, scan: _DicomScan) -> None:
    for value in _str_values(elem):
        if not value or value in _DUMMIES or _ANY_CODE.match(value):
            continue
        if vr == "PN":
            # A person name attribute with anything but a coded ID or a dummy is a name, whatever detect says.
            scan.out.add("residual_phi", f"NAME in {where}")
            continue
        for category, _ in _text_findings(value, scan.policy):
            scan.out.add("residual_phi", f"{category} in {where}")


def _method_codes(ds: Dataset) -> set[str]:
    codes: set[str] = set()
    for item in ds.get("DeidentificationMethodCodeSequence", None) or ():
        if str(item.get("CodingSchemeDesignator", "")).strip() == "DCM":
            codes.add(str(item.get("CodeValue", "")).strip())
    return codes


def _top_text(ds: Dataset, keyword: str) -> str:
    try:
        value = ds.get(keyword)
    except Exception:
        return ""
    if value is None:
        return ""
    return "\\".join(str(v) for v in value) if isinstance(value, MultiValue) else str(value).strip()


def _check_dicom(stream: IO[bytes], policy: QcPolicy) -> QcResult:
    configure_pydicom()
    out = _Findings()
    start = stream.tell()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ds = _read_header(stream, start)
        except Exception as exc:  # pydicom raises many types on corrupt input; never echo its message
            out.add("parse_error", f"the object is not readable DICOM ({type(exc).__name__})")
            return out.result()
        if len(ds) == 0:
            out.add("parse_error", "no dataset after the file meta information")
            return out.result()
        if not _pixels_complete(stream, ds):
            out.add("parse_error", "pixel data missing or shorter than the image needs (truncated)")
        try:
            _check_dataset(ds, policy, out)
        except Exception as exc:  # a value that breaks while being read is a parse problem, not a crash
            out.add("parse_error", f"an element could not be read ({type(exc).__name__})")
        codes = _method_codes(ds)
        masked = "113101" in codes
        thumb = _thumbnail(stream, start, ds) if policy.thumbnails else None
    return out.result(thumb, masked)


def _pixels_complete(stream: IO[bytes], ds: Dataset) -> bool:
    """After the header: are there at least as many bytes left as the declared native image needs?

    pydicom stops silently at the end of the bytes, so a truncated object would otherwise look fine.
    """
    if "Rows" not in ds or "Columns" not in ds:
        return True
    try:
        here = stream.tell()
        remaining = stream.seek(0, io.SEEK_END) - here
        stream.seek(here)
        ts = UID(str(ds.file_meta.TransferSyntaxUID))
        if ts.is_compressed or not ts.is_transfer_syntax:
            return remaining > 0
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        bits = int(ds.BitsAllocated)
        pixels = int(ds.Rows) * int(ds.Columns) * int(ds.get("SamplesPerPixel", 1) or 1) * max(frames, 1)
        return remaining >= (pixels * bits + 7) // 8
    except Exception:  # no file meta, no BitsAllocated: cannot tell, other checks still run
        return True


def _read_header(stream: IO[bytes], start: int) -> Dataset:
    """Header up to the pixel data; a bare dataset (no preamble) only when it starts like one."""
    head = stream.read(132)
    stream.seek(start)
    if len(head) == 132 and head[128:132] == b"DICM":
        return pydicom.dcmread(stream, stop_before_pixels=True)
    if len(head) >= 8 and {struct.unpack("<H", head[:2])[0], struct.unpack(">H", head[:2])[0]} & {0x0002, 0x0008}:
        return pydicom.dcmread(stream, stop_before_pixels=True, force=True)
    raise InvalidDicomError("no DICM marker and no dataset at the start")


def _check_dataset(ds: Dataset, policy: QcPolicy, out: _Findings) -> None:
    if _top_text(ds, "PatientIdentityRemoved").upper() != "YES":
        out.add("identity_not_removed", "PatientIdentityRemoved (0012,0062) is not YES")
    codes = _method_codes(ds)
    if not _top_text(ds, "DeidentificationMethod"):
        out.add("method_not_recorded", "DeidentificationMethod (0012,0063) is missing or empty")
    if "113100" not in codes:
        out.add("method_not_recorded", "DeidentificationMethodCodeSequence (0012,0064) lacks 113100")
    for keyword in REQUIRED_CODED:
        if not _top_text(ds, keyword):
            out.add("coded_id_malformed", f"{keyword} is missing or empty")
    for keyword in REQUIRED_UIDS:
        value = _top_text(ds, keyword)
        if not (REMAPPED_UID.match(value) and len(value) <= 64):
            out.add("coded_id_malformed", f"{keyword} is missing or not a remapped 2.25 UID")
    _check_old_patient(ds, policy, out)
    if _top_text(ds, "RecognizableVisualFeatures").upper() == "YES":
        out.add("recognizable_features", "RecognizableVisualFeatures (0028,0302) is YES")
    has_image = "Rows" in ds and "Columns" in ds
    if has_image:
        if _top_text(ds, "BurnedInAnnotation").upper() == "YES":
            out.add("burned_in_unresolved", "BurnedInAnnotation (0028,0301) is YES")
        elif "113101" not in codes and burnedin.at_risk(_risk_attrs(ds)):
            out.add("burned_in_unresolved", "pixels at risk of burned-in text and no Clean Pixel Data (113101)")
    _walk(ds, _DicomScan(policy, out), "", 0)


def _risk_attrs(ds: Dataset) -> dict[str, str]:
    keys = ("Modality", "SOPClassUID", "BurnedInAnnotation", "ConversionType", "ImageType")
    return {k: _top_text(ds, k) for k in keys if k in ds}


def _check_old_patient(ds: Dataset, policy: QcPolicy, out: _Findings) -> None:
    """The birth year of a patient over 89 reveals the age Safe Harbor aggregates: it must be gone."""
    birth = _top_text(ds, "PatientBirthDate")[:4]
    if not birth.isdigit() or policy.longitudinal:
        return
    age = _age_years(_top_text(ds, "PatientAge"))
    study = next((y for k in ("StudyDate", "SeriesDate", "ContentDate") if (y := _top_text(ds, k)[:4]).isdigit()), "")
    if (age is not None and age > 89) or (study and int(study) - int(birth) > 89):
        out.add("age_over_89", "PatientBirthDate (0010,0030) present for a patient over 89")


# ---------------------------------------------------------------------------------------------------------------
# thumbnail


def _thumbnail(stream: IO[bytes], start: int, ds: Dataset) -> bytes | None:
    """First frame as a PNG of at most 256 px, or None (no pixels, compressed, unsupported, numpy missing)."""
    try:
        ts = UID(str(ds.file_meta.TransferSyntaxUID))
        if not ts.is_transfer_syntax or ts.is_compressed or ts == "1.2.840.10008.1.2.1.99":
            return None
        rows, cols = int(ds.Rows), int(ds.Columns)
        samples = int(ds.get("SamplesPerPixel", 1) or 1)
        bits = int(ds.get("BitsAllocated", 8) or 8)
        if rows * cols * samples * max(bits // 8, 1) > MAX_THUMBNAIL_FRAME_BYTES:
            return None
        from pydicom.pixels import pixel_array

        stream.seek(start)
        arr = pixel_array(cast("BinaryIO", stream), index=0)
        photometric = _top_text(ds, "PhotometricInterpretation").upper()
        return _png_thumbnail(arr, invert=photometric == "MONOCHROME1")
    except Exception:  # no numpy, no pixel data, a plugin missing, a broken frame: no thumbnail, never a crash
        return None


def _png_thumbnail(arr: Any, invert: bool = False, size: int = THUMBNAIL_MAX) -> bytes | None:
    import numpy as np

    a = np.asarray(arr)
    if a.ndim == 3 and a.shape[-1] in (3, 4):
        a = a[..., :3]
    elif a.ndim != 2:
        return None
    a = a.astype(np.float64)
    lo, hi = float(np.nanmin(a)), float(np.nanmax(a))
    scaled = np.zeros_like(a) if hi <= lo else (a - lo) * (255.0 / (hi - lo))
    if invert:
        scaled = 255.0 - scaled
    # Area-average down to at most `size` px on the long side (integer factor, then stride for the rest).
    factor = max(1, -(-max(a.shape[0], a.shape[1]) // size))
    h, w = (a.shape[0] // factor) * factor, (a.shape[1] // factor) * factor
    if factor > 1 and h and w:
        cropped = scaled[:h, :w]
        shape = (h // factor, factor, w // factor, factor, *cropped.shape[2:])
        scaled = cropped.reshape(shape).mean(axis=(1, 3))
    img = np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
    return _encode_png(img)


def _encode_png(img: Any) -> bytes:
    """Minimal PNG writer (8-bit grey or RGB), so thumbnails need numpy but not Pillow."""
    height, width = img.shape[0], img.shape[1]
    colour = 2 if img.ndim == 3 else 0
    raw = b"".join(b"\x00" + img[y].tobytes() for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


# ---------------------------------------------------------------------------------------------------------------
# reports and HL7


def _phi_severity(policy: QcPolicy) -> Severity:
    return "warning" if policy.surrogates else "error"


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + text.count("\r", 0, offset) - text.count("\r\n", 0, offset) + 1


def _check_text(raw: bytes, kind: ObjectKind, policy: QcPolicy) -> QcResult:
    out = _Findings()
    try:
        text = decode_text(raw)
    except TextDeidError:
        out.add("decode_error", "the object is not text in any supported encoding")
        return out.result()
    if kind == "hl7":
        _check_hl7(text, policy, out)
        return out.result()
    for category, offset in _text_findings(text, policy):
        out.add("residual_phi", f"{category} at line {_line_of(text, offset)}, offset {offset}", _phi_severity(policy))
    return out.result()


#: PID-5 patient name (coded), PID-6 mother's maiden name, PID-9 alias (emptied).
_HL7_NAME_FIELDS = frozenset({("PID", 5), ("PID", 6), ("PID", 9)})
#: Segments about other people (next of kin, guarantor, insurance, merge): every field but the set ID is emptied.
_HL7_PEOPLE_SEGMENTS = frozenset({"NK1", "GT1", "IN1", "IN2", "IN3", "MRG"})


def _hl7_fields(text: str) -> Iterator[tuple[str, int, str]]:
    """(segment id, field number, field text) of every field of every non-MSH segment."""
    segments = [s for s in re.split(r"\r\n|\r|\n", text) if s.strip()]
    sep = "|"
    for seg in segments:
        if seg.startswith("MSH") and len(seg) > 3:
            sep = seg[3]
            continue  # MSH is structure, coded site and a random control ID: nothing free-text to scan
        parts = seg.split(sep)
        seg_id = re.sub(r"[^A-Z0-9]", "", parts[0][:3].upper()) or "SEG"
        for number, field_text in enumerate(parts[1:], start=1):
            yield seg_id, number, field_text


def _check_hl7(text: str, policy: QcPolicy, out: _Findings) -> None:
    if not text.lstrip().startswith("MSH"):
        out.add("parse_error", "no MSH segment at the start of the message")
        return
    for seg_id, number, field_text in _hl7_fields(text):
        for value in (v.strip("^& ") for v in field_text.split("~")):
            if not value or _ANY_CODE.match(value):
                continue
            if (seg_id in _HL7_PEOPLE_SEGMENTS and number > 1) or (seg_id, number) in _HL7_NAME_FIELDS:
                # Fields the de-identification empties or codes: anything else left there is a person's data.
                out.add("residual_phi", f"NAME in {seg_id}-{number}", _phi_severity(policy))
                continue
            comps = value.split("^")
            # a coded element of a public system keeps its codes (as the de-identification does): its texts only
            read = (
                "^".join(comps[k] for k in (1, 4) if k < len(comps))
                if len(comps) >= 3 and standard_code(comps)
                else value
            )
            # Components and sub-components are structure, not words: read them as spaces.
            for category, _ in _text_findings(re.sub(r"[\^&]+", " ", read), policy):
                out.add("residual_phi", f"{category} in {seg_id}-{number}", _phi_severity(policy))


# ---------------------------------------------------------------------------------------------------------------
# tables


def _table_rows(text: str) -> list[list[str]]:
    stripped = text.lstrip()
    if stripped.startswith("["):
        data = json.loads(text)
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise ValueError("not an array of objects")
        header: list[str] = []
        for rec in data:
            header += [k for k in rec if k not in header]
        return [header] + [["" if r.get(h) is None else _cell(r.get(h)) for h in header] for r in data]
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first else (";" if first.count(";") > first.count(",") else ",")
    return [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if r]


def _cell(value: Any) -> str:
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


def _check_table(raw: bytes, policy: QcPolicy) -> QcResult:
    out = _Findings()
    try:
        text = decode_text(raw)
    except TextDeidError:
        out.add("decode_error", "the object is not text in any supported encoding")
        return out.result()
    try:
        rows = _table_rows(text)
    except (ValueError, csv.Error):
        out.add("parse_error", "the table is not valid CSV, TSV or JSON records")
        return out.result()
    is_json = text.lstrip().startswith("[")
    for r, row in enumerate(rows):
        for c, cell in enumerate(row, start=1):
            where = "header" if r == 0 else f"row {r}"
            value = cell.strip()
            if not value:
                continue
            if not is_json and cell.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(cell):
                out.add("formula_cell", f"{where}, column {c} starts like a formula without the ' guard")
            if _ANY_CODE.match(value) or REMAPPED_UID.match(value):
                continue
            for category, _ in _text_findings(value, policy):
                out.add("residual_phi", f"{category} in {where}, column {c}", _phi_severity(policy))
    return out.result()
